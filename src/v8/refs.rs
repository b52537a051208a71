//! How one object refers to another, in JavaScript words: the names of the graph's
//! edges ([`super::graph`] keeps none), and retaining paths as text.
//!
//! An edge `from → to` is named by reading `from` again: a JavaScript object's named
//! properties (fast and dictionary mode), indexed elements (up to an array's length) and
//! Map and Set entries; a Context's variables (from its ScopeInfo); otherwise the field
//! at that offset by V8's name (`v8dbg_class_*` metadata, through the parent classes),
//! or the slot's index. In a path, an object's own backing stores (its properties and
//! elements arrays, dictionaries, a Map's hash table, a global's property cells) are
//! left out: `obj → PropertyArray → value` reads `obj.name`.

use std::cell::RefCell;
use std::rc::Rc;

use super::graph::Graph;
use super::heap::Heap;
use super::layout::Metadata;
use super::object::{Elements, MapInfo};
use super::scan::FastMap;
use super::value::{tagged, Value};
use crate::target::{Addr, Result};

/// How one object refers to another.
#[derive(Clone, Debug, PartialEq)]
pub enum Via {
    /// A named property.
    Property(String),
    /// An indexed element, or a slot of an array-like internal object.
    Index(u64),
    /// The value of a Map entry with this key (as `::jsprint` would show the key).
    MapValue(String),
    /// A Map key or Set member.
    CollectionKey,
    /// A closure's context variable.
    Context(String),
    /// An internal field, by V8's name (or its offset, `+0x..`, if unnamed).
    Internal(String),
}

impl Via {
    /// The edge as it continues a path: `.name`, `[3]`, `.get("k")`, ...
    pub fn text(&self) -> String {
        match self {
            Via::Property(n) if is_identifier(n) => format!(".{n}"),
            Via::Property(n) => format!("[{n:?}]"),
            Via::Index(i) => format!("[{i}]"),
            Via::MapValue(k) => format!(".get({k})"),
            Via::CollectionKey => " (as a key)".into(),
            Via::Context(n) => format!(".{n}"),
            Via::Internal(n) if n == "context" => " context".into(),
            Via::Internal(n) => format!(".[[{n}]]"),
        }
    }

    /// The same edge with its key or index left out, to group paths that differ only there.
    pub fn pattern(&self) -> String {
        match self {
            Via::Index(_) => "[...]".into(),
            Via::MapValue(_) => ".get(...)".into(),
            _ => self.text(),
        }
    }
}

/// Whether `s` reads as a JavaScript identifier (a letter, `_` or `$`, then those or
/// digits): a property path writes it `.s`, and V8's stack frames prefix a type to it.
pub fn is_identifier(s: &str) -> bool {
    let mut c = s.chars();
    c.next().is_some_and(|f| f.is_alphabetic() || f == '_' || f == '$')
        && c.all(|x| x.is_alphanumeric() || x == '_' || x == '$')
}

/// Longest property name or key shown.
const MAX_NAME: u64 = 256;
/// The largest object whose slots are read to name an edge.
const MAX_NAMED_OBJECT: u64 = 1 << 26;

/// The references of a JavaScript object to other heap objects, in JavaScript words,
/// with `key_name` naming property keys. Each part (elements, entries, properties) that
/// cannot be read is left out.
pub fn js_refs(h: &Heap, obj: Addr, key_name: &dyn Fn(Value) -> Result<String>) -> Result<Vec<(Addr, Via)>> {
    let l = h.l;
    let m = h.map_info(h.map(obj)?)?;
    let ty = u64::from(m.instance_type);
    let mut out = element_refs(h, obj, &m)?;
    if ty == l.type_js_map || ty == l.type_js_set {
        for e in h.collection_entries(obj, m.instance_type).unwrap_or_default() {
            if let Some(k) = e.key.heap() {
                out.push((k, Via::CollectionKey));
            }
            if let Some(v) = e.value.and_then(Value::heap) {
                out.push((v, Via::MapValue(key_text(h, e.key))));
            }
        }
    }
    let properties = if h.is_fast_mode(&m) {
        h.descriptors(&m).and_then(|d| h.fast_properties(obj, &m, &d))
    } else {
        h.named_properties(obj, &m)
    };
    for p in properties.unwrap_or_default() {
        if let (Some(v), Ok(name)) = (p.value.heap(), key_name(p.key)) {
            out.push((v, Via::Property(name)));
        }
    }
    Ok(out)
}

/// The references of a JavaScript object (of map `m`) from its elements, a typed array's
/// aside (its elements are numbers), and to an array's length only.
pub fn element_refs(h: &Heap, obj: Addr, m: &MapInfo) -> Result<Vec<(Addr, Via)>> {
    let l = h.l;
    let ty = u64::from(m.instance_type);
    if ty == l.type_js_typed_array {
        return Ok(Vec::new());
    }
    let limit =
        if ty == l.type_js_array { u64::try_from(h.smi(obj, l.js_array_length)?).unwrap_or(0) } else { u64::MAX };
    let indexed: Vec<(u64, Value)> = match h.elements(obj, m) {
        Ok(Elements::Tagged(v)) => v.into_iter().enumerate().map(|(i, x)| (i as u64, x)).collect(),
        Ok(Elements::Dictionary(v)) => v,
        _ => Vec::new(),
    };
    Ok(indexed.into_iter().filter(|(i, _)| *i < limit).filter_map(|(i, v)| Some((v.heap()?, Via::Index(i)))).collect())
}

/// A Map key as it reads in JavaScript: a quoted string, a number, or an address.
fn key_text(h: &Heap, key: Value) -> String {
    match key {
        Value::Smi(n) => n.to_string(),
        Value::Double(bits) => super::print::number(f64::from_bits(bits)),
        Value::Heap(a) if h.is_string(a) => match h.read_string(a, MAX_NAME) {
            Ok(s) => format!("\"{}\"{}", s.text, if s.truncated { "..." } else { "" }),
            Err(_) => a.to_string(),
        },
        Value::Heap(a) | Value::Weak(a) => Addr(tagged(a, h.l)).to_string(),
    }
}

/// A JavaScript object's named references, shared.
type Refs = Rc<Vec<(Addr, Via)>>;

/// Names an object's edges: the heap, its metadata and the graph.
pub struct Namer<'a> {
    pub h: &'a Heap<'a>,
    pub meta: &'a Metadata,
    pub g: &'a Graph,
    /// The named references of the JavaScript objects named so far: a path through a
    /// Map of 40,000 entries would otherwise read all of them at every step.
    js: RefCell<FastMap<Refs, u32>>,
    /// Property key names by the key's word (keys are shared by many objects).
    keys: RefCell<FastMap<Rc<str>>>,
    /// Context variable names by ScopeInfo (a context's slots are named one by one).
    scopes: RefCell<FastMap<Rc<[String]>, Addr>>,
}

impl<'a> Namer<'a> {
    pub fn new(h: &'a Heap<'a>, meta: &'a Metadata, g: &'a Graph) -> Namer<'a> {
        Namer { h, meta, g, js: RefCell::default(), keys: RefCell::default(), scopes: RefCell::default() }
    }

    /// A property key's name ([`Heap::name_text`]), read once per key.
    pub fn key_name(&self, key: Value) -> Result<String> {
        let word = match key {
            Value::Heap(a) | Value::Weak(a) => a.0,
            _ => return self.h.name_text(key, MAX_NAME),
        };
        if let Some(n) = self.keys.borrow().get(&word) {
            return Ok(n.to_string());
        }
        let name = self.h.name_text(key, MAX_NAME)?;
        self.keys.borrow_mut().insert(word, name.as_str().into());
        Ok(name)
    }

    /// The variable names of the contexts of ScopeInfo `si`, read once per ScopeInfo.
    fn scope_names(&self, si: Addr) -> Result<Rc<[String]>> {
        if let Some(n) = self.scopes.borrow().get(&si) {
            return Ok(n.clone());
        }
        let names: Rc<[String]> = self.h.context_local_names(si)?.into();
        self.scopes.borrow_mut().insert(si, names.clone());
        Ok(names)
    }

    /// [`js_refs`] of JavaScript object `id`, read once.
    fn js_refs(&self, id: u32) -> Refs {
        if let Some(r) = self.js.borrow().get(&id) {
            return r.clone();
        }
        let r = Rc::new(js_refs(self.h, self.addr(id), &|k| self.key_name(k)).unwrap_or_default());
        self.js.borrow_mut().insert(id, r.clone());
        r
    }

    /// A JavaScript object (global objects included, which V8 numbers apart).
    pub fn is_js(&self, id: u32) -> bool {
        self.h.l.is_js_object_type(self.g.types[id as usize]) || self.is_global(id)
    }

    fn addr(&self, id: u32) -> Addr {
        Addr(self.g.addrs[id as usize])
    }

    pub fn is_context(&self, id: u32) -> bool {
        let t = u64::from(self.g.types[id as usize]);
        (self.h.l.first_context_type..=self.h.l.last_context_type).contains(&t)
    }

    /// Objects a path passes through without naming them: backing stores, property cells.
    pub fn hidden(&self, id: u32) -> bool {
        let (l, t) = (self.h.l, self.g.types[id as usize]);
        (l.is_backing_store_type(t) && !self.is_context(id)) || u64::from(t) == l.type_property_cell
    }

    /// Every name of the edges `from → to` (several slots may hold `to`).
    pub fn names(&self, from: u32, to: u32) -> Vec<Via> {
        let (h, l) = (self.h, self.h.l);
        let target = self.addr(to);
        if self.is_js(from) {
            let named: Vec<Via> =
                self.js_refs(from).iter().filter(|(a, _)| *a == target).map(|(_, v)| v.clone()).collect();
            if !named.is_empty() {
                return named;
            }
        }
        let (obj, size) = (self.addr(from), u64::from(self.g.sizes[from as usize]).min(MAX_NAMED_OBJECT));
        let Ok(bytes) = h.t.read_vec(obj, size as usize) else { return Vec::new() };
        let offsets: Vec<u64> = super::scan::words(&bytes)
            .enumerate()
            .filter(|(_, w)| w & 1 == 1 && w & !l.heap_object_tag_mask == target.0)
            .map(|(k, _)| k as u64 * l.tagged_size)
            .collect();
        offsets.into_iter().map(|off| self.field_name(from, off)).collect()
    }

    /// The name of the slot at `off` in object `id`.
    pub fn field_name(&self, id: u32, off: u64) -> Via {
        let (h, l) = (self.h, self.h.l);
        let obj = self.addr(id);
        let ty = self.g.types[id as usize];
        if off == l.heap_object_map {
            return Via::Internal("map".into());
        }
        if l.is_js_function_type(ty) && off == l.js_function_context {
            return Via::Internal("context".into());
        }
        let array_like = l.is_backing_store_type(ty) || self.is_context(id);
        if array_like && off >= l.fixed_array_data {
            let slot = (off - l.fixed_array_data) / l.tagged_size;
            if self.is_context(id) {
                if slot >= l.context_min_slots {
                    let local = h
                        .slot(obj, l.context_idx_scope_info)
                        .ok()
                        .and_then(Value::heap)
                        .and_then(|si| self.scope_names(si).ok())
                        .and_then(|names| names.get((slot - l.context_min_slots) as usize).cloned())
                        .filter(|n| !n.is_empty());
                    if let Some(n) = local {
                        return Via::Context(n);
                    }
                }
                if slot == l.context_idx_scope_info {
                    return Via::Internal("scope_info".into());
                }
                if slot == l.context_idx_prev {
                    return Via::Internal("previous".into());
                }
            }
            return Via::Index(slot);
        }
        let classes = l.class_of(ty).map(|c| self.meta.class_chain(c, l.is_js_object_type(ty))).unwrap_or_default();
        classes
            .iter()
            .find_map(|c| self.meta.class_fields(c).into_iter().find(|(o, _, _)| *o == off).map(|(_, name, _)| name))
            .map(Via::Internal)
            .unwrap_or_else(|| Via::Internal(format!("+{off:#x}")))
    }

    /// How an object reads at the end of a path or after a hop: `CacheEntry`, `Map`,
    /// `handler (closure, server.js:40)`, or its V8 type (`FixedArray`).
    pub fn label(&self, id: u32) -> String {
        let (h, l) = (self.h, self.h.l);
        let obj = self.addr(id);
        let ty = self.g.types[id as usize];
        if h.is_function(obj) {
            let name = h.function_name(obj).unwrap_or_default();
            let name = if name.is_empty() { "<anonymous>".to_string() } else { name };
            return match h.function_location(obj) {
                Ok((file, Some(line))) => format!("{name} (closure, {file}:{line})"),
                Ok((file, None)) => format!("{name} (closure, {file})"),
                Err(_) => format!("{name} (closure)"),
            };
        }
        if l.is_js_object_type(ty) {
            if let Ok(m) = h.map(obj).and_then(|m| h.map_info(m)) {
                return h.constructor_name(&m);
            }
        }
        if l.is_string_type(ty) {
            return "string".into();
        }
        l.type_label(ty)
    }

    fn is_global(&self, id: u32) -> bool {
        let (l, t) = (self.h.l, u64::from(self.g.types[id as usize]));
        t == l.type_js_global_object || t == l.type_js_global_proxy
    }

    /// A path (synthetic root first) as text, and the pattern that groups it with paths
    /// differing only in the last key or index.
    pub fn path_text(&self, path: &[u32]) -> (String, String) {
        let l = self.h.l;
        let Some(&target) = path.last() else { return (String::new(), String::new()) };
        // Start at the last global object on the path, else at the root.
        let start = path.iter().rposition(|&id| id != self.g.root() && self.is_global(id));
        let (mut text, mut i) = match start {
            Some(j) => ("globalThis".to_string(), j),
            None => {
                let kind = path.get(1).and_then(|&r| self.g.root_of(r)).map_or("(root)", |(k, _)| k.label());
                // A root that is the target itself is named once, after the arrow.
                let root = if path.len() > 2 { format!("{kind} {}", self.label(path[1])) } else { kind.to_string() };
                (root, 1)
            }
        };
        let mut pattern = text.clone();
        while i + 1 < path.len() {
            let from = path[i];
            // Hidden stores between a JavaScript object and what it holds.
            let skip = (2..=3).find(|&k| {
                i + k < path.len()
                    && self.is_js(from)
                    && path[i + 1..i + k].iter().all(|&x| self.hidden(x))
                    && !self.names(from, path[i + k]).is_empty()
                    && self.names(from, path[i + k]).iter().all(|v| !matches!(v, Via::Internal(_)))
            });
            let step = skip.unwrap_or(1);
            let to = path[i + step];
            let via = self.names(from, to).into_iter().next().unwrap_or(Via::Internal("?".into()));
            let last = i + step + 1 == path.len();
            text.push_str(&via.text());
            pattern.push_str(&if last { via.pattern() } else { via.text() });
            let t = u64::from(self.g.types[to as usize]);
            if !last && (self.h.is_function(self.addr(to)) || t == l.type_js_map || t == l.type_js_set) {
                let note = format!(" ({})", self.label(to));
                text.push_str(&note);
                pattern.push_str(&note);
            }
            i += step;
        }
        let end = self.label(target);
        text.push_str(&format!(" → {end} {}", Addr(tagged(self.addr(target), l))));
        pattern.push_str(&format!(" → {end}"));
        (text, pattern)
    }
}
