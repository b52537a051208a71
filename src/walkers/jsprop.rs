//! `addr::walk jsprop`: the values of an object's own properties.

use super::{Walk, Walker};
use crate::dcmds::js_object;
use crate::mdb::Session;
use crate::target::{Addr, Result};
use crate::v8::object::Elements;
use crate::v8::value::Value;

pub const WALKER: Walker = Walker {
    name: c"jsprop",
    descr: c"the values of a JavaScript object's own properties (indexed, then named)",
    start,
};

fn start(s: &Session, addr: Option<Addr>) -> Result<Walk> {
    let h = s.heap()?;
    let (obj, m) = js_object(&h, addr)?;
    let mut values: Vec<Value> = match h.elements(obj, &m)? {
        Elements::Tagged(v) => v.into_iter().filter(|x| !h.is_hole(*x)).collect(),
        Elements::Dictionary(v) => v.into_iter().map(|(_, x)| x).collect(),
        Elements::Double(_) | Elements::Other => Vec::new(),
    };
    values.extend(h.named_properties(obj, &m)?.into_iter().filter(|p| !h.is_internal_key(p.key)).map(|p| p.value));
    let words: Vec<Addr> = values.into_iter().map(|v| Addr(v.encode(h.l))).collect();
    Ok(Box::new(words.into_iter()))
}
