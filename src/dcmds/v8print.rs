//! `::v8print`: any V8 heap object, field by field, from the metadata.

use std::fmt::Write;
use std::rc::Rc;

use super::Dcmd;
use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{Call, Session};
use crate::target::{Addr, Error, Result};
use crate::v8::function::MAX_NAME;
use crate::v8::heap::Heap;
use crate::v8::object::Location;
use crate::v8::print::number;
use crate::v8::value::Value;

pub const DCMD: Dcmd = Dcmd {
    name: c"v8print",
    usage: c":[class]",
    descr: c"print a V8 heap object field by field",
    help: "Print the V8 heap object at addr field by field: every field the postmortem
metadata exports for its class and the classes it derives from, by offset:
ADDR FIELD = VALUE (TYPE): tagged fields show what they point to, raw fields their
C++ type. A JavaScript object's slots after those come from its map: first those the
metadata does not name ([slot N]: a type's own fields, embedder fields), then its
in-object properties by name (.NAME), or (unused). Give class to read
the object as another class (a name as ::v8type prints it, e.g. Map).

Example (an object of `class Animal { constructor(name) { this.name = name; } }`):
  > 19d9c8d7d911::v8print
  19d9c8d7d910 map = 33d1aedefe89 (Map)
  19d9c8d7d918 raw_properties_or_hash = 17748d080259 (FixedArray)
  19d9c8d7d920 elements = 17748d080259 (FixedArray)
  19d9c8d7d928 .name = 33d1aede3509 (InternalizedString)
  19d9c8d7d930 (unused) = 17748d080359 (Map)
  ...
",
    options: Spec(""),
    run,
};

fn run(s: &Session, call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    let v8 = s.v8()?;
    let h = s.heap()?;
    let addr = call.required_addr()?;
    let Value::Heap(obj) = Value::decode(addr.0, h.l) else {
        return Err(Error::Msg(format!("{addr} is a Smi, not a heap object")));
    };
    let ty = h.type_of(obj).map_err(|_| Error::Msg(format!("{addr} is not a V8 heap object")))?;
    let class = match opts.operands.as_slice() {
        [] => {
            h.l.class_of(ty)
                .map(str::to_string)
                .ok_or(Error::Msg(format!("instance type {ty} has no class name in the metadata")))?
        }
        [c] => c.text(),
        _ => return Err(Error::Usage("at most one class".into())),
    };
    let chain = v8.metadata.class_chain(&class, h.l.is_js_object_type(ty));
    // Per offset, the nearest class's fields (JSObject's `internal_fields` where a
    // JSFunction keeps `shared` is no field of the object's).
    let mut fields: Vec<(u64, String, String)> = Vec::new();
    for c in &chain {
        let known: Vec<u64> = fields.iter().map(|f| f.0).collect();
        fields.extend(v8.metadata.class_fields(c).into_iter().filter(|f| !known.contains(&f.0)));
    }
    if h.l.is_js_object_type(ty) {
        let slots = in_object_slots(&h, obj, &mut fields)?;
        fields.extend(slots);
    }
    fields.sort();
    if fields.len() <= 1 {
        return Err(Error::Msg(format!("the metadata exports no fields for class {class}")));
    }
    for (off, field, ty) in fields {
        let at = obj.offset(off)?;
        let value = field_value(&h, at, &ty).unwrap_or_else(|e| format!("<{e}>"));
        let _ = writeln!(out, "{at} {field} = {value}");
    }
    Ok(())
}

/// A JavaScript object's slots past its class's fields: those before its in-object
/// properties (fields of its type the metadata does not name, or embedder fields) by
/// index, then its in-object properties by name (from its map's descriptors) or as
/// unused. The metadata's JSObject `internal_fields`, which only marks where the header
/// ends, gives way to them.
fn in_object_slots(h: &Heap, obj: Addr, fields: &mut Vec<(u64, String, String)>) -> Result<Vec<(u64, String, String)>> {
    let l = h.l;
    let m = h.map_info(h.map(obj)?)?;
    fields.retain(|f| !(f.1 == "internal_fields" && f.0 == l.js_object_header_size));
    let first = fields.iter().map(|f| f.0 + l.tagged_size).max().unwrap_or(0).max(l.js_object_header_size);
    let descriptors = if h.is_fast_mode(&m) { h.descriptors(&m).unwrap_or_default() } else { Rc::default() };
    let property = |slot: u64| {
        descriptors.iter().find_map(|d| match d.location {
            Location::Field { index, inobject: true } | Location::UnboxedDouble { index }
                if m.inobject_start + index == slot =>
            {
                let raw = matches!(d.location, Location::UnboxedDouble { .. });
                Some((h.name_text(d.key, MAX_NAME).unwrap_or_else(|_| "?".into()), raw))
            }
            _ => None,
        })
    };
    Ok((first / l.tagged_size..m.size_words)
        .map(|slot| {
            let (name, ty) = if slot < m.inobject_start {
                (format!("[slot {slot}]"), "Object")
            } else {
                match property(slot) {
                    Some((name, true)) => (format!(".{name}"), "double"),
                    Some((name, false)) => (format!(".{name}"), "Object"),
                    None => ("(unused)".to_string(), "Object"),
                }
            };
            (slot * l.tagged_size, name, ty.to_string())
        })
        .collect())
}

/// A field's value as its metadata type says it is stored, and what it is:
/// `42 (uint16_t)`, `2a00000000 (SMI: 42)`, `1faae246f811 (Map)`.
fn field_value(h: &Heap, at: Addr, ty: &str) -> Result<String> {
    let int = |bytes: usize, signed: bool| -> Result<String> {
        let mut b = [0u8; 8];
        h.t.read(at, &mut b[..bytes])?;
        let v = u64::from_le_bytes(b);
        let shift = 64 - 8 * bytes as u32;
        let v = if signed { (((v << shift) as i64) >> shift).to_string() } else { v.to_string() };
        Ok(format!("{v} ({ty})"))
    };
    match ty {
        "char" | "uint8_t" => int(1, false),
        "uint16_t" => int(2, false),
        "int16_t" => int(2, true),
        "int" | "int32_t" => int(4, true),
        "uint32_t" => int(4, false),
        "double" => Ok(format!("{} (double)", number(f64::from_bits(h.t.read_u64(at)?)))),
        "uintptr_t" | "size_t" | "Address" => Ok(format!("{:x} ({ty})", h.t.read_u64(at)?)),
        _ => {
            let word = h.t.read_u64(at)?;
            Ok(match Value::decode(word, h.l) {
                Value::Smi(n) => format!("{word:x} (SMI: {n})"),
                Value::Heap(a) => {
                    let what = h.type_of(a).ok().and_then(|t| h.l.class_of(t)).unwrap_or("?");
                    format!("{word:x} ({what})")
                }
                Value::Weak(a) if a.0 == 0 => format!("{word:x} (cleared weak reference)"),
                Value::Weak(_) | Value::Double(_) => format!("{word:x} (weak reference)"),
            })
        }
    }
}
