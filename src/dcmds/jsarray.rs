//! `::jsarray`: the elements of a JavaScript array, as raw tagged words.

use std::fmt::Write;

use super::{js_object, Dcmd};
use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{Call, Session};
use crate::target::{Error, Result};
use crate::v8::object::Elements;

pub const DCMD: Dcmd = Dcmd {
    name: c"jsarray",
    usage: c":[-i]",
    descr: c"print the elements of a JavaScript array",
    help: "Print the elements of the JavaScript array at addr, one tagged word a line (up to
the array's length; holes print as the hole's address). Pipe them to ::jsprint.
Arrays of doubles have no tagged elements: use ::jsprint.

Options:
  -i    prefix each element with its index

Example:
  > 3f73d8cfc8b1::jsarray | ::jsprint
",
    options: Spec("i"),
    run,
};

fn run(s: &Session, call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    opts.no_operands()?;
    let h = s.heap()?;
    let (obj, m) = js_object(&h, call.addr)?;
    if u64::from(m.instance_type) != h.l.type_js_array {
        return Err(Error::Msg(format!("{} is not an array", call.addr.unwrap_or_default())));
    }
    let len = u64::try_from(h.smi(obj, h.l.js_array_length)?).unwrap_or(0);
    let Elements::Tagged(items) = h.elements(obj, &m)? else {
        return Err(Error::Msg(
            "this array's elements are not tagged words (a double or dictionary array): use ::jsprint".into(),
        ));
    };
    for (i, v) in items.into_iter().take(len as usize).enumerate() {
        let word = v.encode(h.l);
        if opts.flag('i') {
            let _ = writeln!(out, "{i} {word:x}");
        } else {
            out.addr(crate::target::Addr(word));
        }
    }
    Ok(())
}
