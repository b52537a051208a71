//! `addr::walk jselement`: the elements of an array, holes included.

use super::{Walk, Walker};
use crate::dcmds::js_object;
use crate::mdb::Session;
use crate::target::{Addr, Error, Result};
use crate::v8::object::Elements;

pub const WALKER: Walker =
    Walker { name: c"jselement", descr: c"the elements of a JavaScript array, holes included (as the hole)", start };

fn start(s: &Session, addr: Option<Addr>) -> Result<Walk> {
    let h = s.heap()?;
    let (obj, m) = js_object(&h, addr)?;
    if u64::from(m.instance_type) != h.l.type_js_array {
        return Err(Error::Msg(format!("{} is not an array", addr.unwrap_or_default())));
    }
    let len = u64::try_from(h.smi(obj, h.l.js_array_length)?).unwrap_or(0) as usize;
    let Elements::Tagged(items) = h.elements(obj, &m)? else {
        return Err(Error::Msg("this array's elements are not tagged words (a double or dictionary array)".into()));
    };
    let words: Vec<Addr> = items.into_iter().take(len).map(|v| Addr(v.encode(h.l))).collect();
    Ok(Box::new(words.into_iter()))
}
