//! Who refers to what: `::findjsobjects -r`. Every object of the census is searched:
//! named properties (fast and dictionary mode), indexed elements, array elements up to
//! the array's length (never the slack space beyond it), and Map and Set entries.

use std::collections::HashSet;

use super::census::Census;
use super::heap::Heap;
use super::object::{Descriptor, Elements, MapInfo};
use super::scan::FastMap;
use super::value::Value;
use crate::target::{Addr, Result};

/// How one object refers to another.
#[derive(Clone, Debug, PartialEq)]
pub enum Via {
    /// A named property.
    Property(String),
    /// An indexed element.
    Index(u64),
    /// The value of a Map entry with this key (as `::jsprint` would show the key).
    MapValue(String),
    /// A Map key or Set member.
    CollectionKey,
}

/// `from` refers to `to` through `via`.
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    pub to: Addr,
    pub from: Addr,
    pub via: Via,
}

/// Every reference from a census object to one of `targets`, group by group. Objects
/// whose properties cannot be read are skipped.
pub fn references(h: &Heap, census: &Census, targets: &HashSet<u64>) -> Vec<Reference> {
    // Per map: what it says, and for fast mode its descriptors (read once, not per object).
    let mut maps: FastMap<Option<(MapInfo, Option<Vec<Descriptor>>)>> = FastMap::default();
    let mut out = Vec::new();
    for obj in census.all() {
        let Ok(map) = h.map(obj) else { continue };
        let facts = maps.entry(map.0).or_insert_with(|| {
            let m = h.map_info(map).ok()?;
            let descriptors = if h.is_fast_mode(&m) { Some(h.descriptors(&m).ok()?) } else { None };
            Some((m, descriptors))
        });
        let Some((m, descriptors)) = facts else { continue };
        let _ = refs_of(h, obj, m, descriptors.as_deref(), targets, &mut out);
    }
    out
}

fn refs_of(
    h: &Heap,
    obj: Addr,
    m: &MapInfo,
    descriptors: Option<&[Descriptor]>,
    targets: &HashSet<u64>,
    out: &mut Vec<Reference>,
) -> Result<()> {
    let l = h.l;
    let hit = |v: Value| v.heap().filter(|a| targets.contains(&a.0));
    if u64::from(m.instance_type) != l.type_js_typed_array {
        let limit = if u64::from(m.instance_type) == l.type_js_array {
            u64::try_from(h.smi(obj, l.js_array_length)?).unwrap_or(0)
        } else {
            u64::MAX
        };
        let indexed: Vec<(u64, Value)> = match h.elements(obj, m)? {
            Elements::Tagged(v) => v.into_iter().enumerate().map(|(i, x)| (i as u64, x)).collect(),
            Elements::Dictionary(v) => v,
            Elements::Double(_) | Elements::Other => Vec::new(),
        };
        for (i, v) in indexed.into_iter().filter(|(i, _)| *i < limit) {
            if let Some(to) = hit(v) {
                out.push(Reference { to, from: obj, via: Via::Index(i) });
            }
        }
    }
    let ty = u64::from(m.instance_type);
    if ty == l.type_js_map || ty == l.type_js_set {
        for e in h.collection_entries(obj, m.instance_type)? {
            if let Some(to) = hit(e.key) {
                out.push(Reference { to, from: obj, via: Via::CollectionKey });
            }
            if let Some(to) = e.value.and_then(hit) {
                out.push(Reference { to, from: obj, via: Via::MapValue(key_text(h, e.key)) });
            }
        }
    }
    let properties = match descriptors {
        Some(d) => h.fast_properties(obj, m, d)?,
        None => h.named_properties(obj, m)?,
    };
    for p in properties {
        if let Some(to) = hit(p.value) {
            out.push(Reference { to, from: obj, via: Via::Property(h.name_text(p.key, 256)?) });
        }
    }
    Ok(())
}

/// A Map key as it reads in JavaScript: a quoted string, a number, or an address.
fn key_text(h: &Heap, key: Value) -> String {
    match key {
        Value::Smi(n) => n.to_string(),
        Value::Double(bits) => super::print::number(f64::from_bits(bits)),
        Value::Heap(a) if h.is_string(a) => match h.read_string(a, 256) {
            Ok(s) => format!("\"{}\"{}", s.text, if s.truncated { "..." } else { "" }),
            Err(_) => a.to_string(),
        },
        Value::Heap(a) | Value::Weak(a) => a.to_string(),
    }
}
