//! The dcmds, one file each. A file holds the dcmd's manual (its `::help` text), its
//! options, and its `run`, which computes the output without printing anything.

use std::ffi::CStr;

use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{Call, Session};
use crate::target::{Addr, Error, Result};
use crate::v8::heap::Heap;
use crate::v8::object::MapInfo;
use crate::v8::value::Value;

pub mod findjsobjects;
pub mod jsarray;
pub mod jscensus;
pub mod jsclosure;
pub mod jsconstructor;
pub mod jsfindrefs;
pub mod jsframe;
pub mod jsfunction;
pub mod jsfunctions;
pub mod jsgraph;
pub mod jsheapsnapshot;
pub mod jsprint;
pub mod jsretainers;
pub mod jssize;
pub mod jssource;
pub mod jsstack;
pub mod nodebuffer;
pub mod v8context;
pub mod v8function;
pub mod v8layout;
pub mod v8print;
pub mod v8scopeinfo;
pub mod v8str;
pub mod v8type;
pub mod v8whatis;

/// A dcmd as the module registers it with mdb.
pub struct Dcmd {
    pub name: &'static CStr,
    /// mdb's usage string: `:` = needs an address, `?` = takes one optionally.
    pub usage: &'static CStr,
    /// One line for `::dcmds`.
    pub descr: &'static CStr,
    /// The manual printed by `::help NAME`.
    pub help: &'static str,
    /// Accepted options, getopt-style.
    pub options: Spec,
    pub run: fn(&Session, &Call, &Opts, &mut Output) -> Result<()>,
}

/// The JavaScript object at a (tagged) address given to a dcmd, with its map.
pub fn js_object(h: &Heap, given: Option<Addr>) -> Result<(Addr, MapInfo)> {
    let given = given.ok_or(Error::Usage("an address is required".into()))?;
    let not = || Error::Msg(format!("{given} is not a JavaScript object"));
    let Value::Heap(obj) = Value::decode(given.0, h.l) else { return Err(not()) };
    let ty = h.type_of(obj).map_err(|_| not())?;
    if !h.l.is_js_object_type(ty) {
        return Err(not());
    }
    Ok((obj, h.map_info(h.map(obj)?)?))
}

/// What a value is, as `::v8type` says it: `SMI: value = N`, or the heap object's
/// instance type, with the constructor for a JavaScript object.
pub fn value_type(h: &Heap, v: Value) -> Result<String> {
    let obj = match v {
        Value::Smi(n) => return Ok(format!("SMI: value = {n}")),
        Value::Heap(a) | Value::Weak(a) => a,
        Value::Double(bits) => return Ok(format!("unboxed double: value = {}", f64::from_bits(bits))),
    };
    let ty = h.type_of(obj).map_err(|_| Error::Msg(format!("{:x} is not a V8 heap object", v.encode(h.l))))?;
    let name = h.l.type_label(ty);
    if h.l.is_js_object_type(ty) {
        return Ok(format!("{name}: {}", h.constructor_name(&h.map_info(h.map(obj)?)?)));
    }
    Ok(name)
}
