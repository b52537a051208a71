//! `::jsconstructor`: the constructor of a JavaScript object.

use std::fmt::Write;

use super::{js_object, Dcmd};
use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{Call, Session};
use crate::target::Result;
use crate::v8::value::tagged;

pub const DCMD: Dcmd = Dcmd {
    name: c"jsconstructor",
    usage: c":[-v]",
    descr: c"print the constructor of a JavaScript object",
    help: "Print the name of the constructor of the JavaScript object at addr, as a JavaScript
programmer would name it: an instance of `class B extends A` is a B, a Buffer a Buffer.

Options:
  -v    also print the constructor function: NAME (JSFunction: ADDR)

Example:
  > 3f73d8cfc8b1::jsconstructor -v
  CacheEntry (JSFunction: 2b6e0d9a4e31)
",
    options: Spec("v"),
    run,
};

fn run(s: &Session, call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    opts.no_operands()?;
    let h = s.heap()?;
    let (_, m) = js_object(&h, call.addr)?;
    let (name, function) = h.constructor(&m);
    match (opts.flag('v'), function) {
        (true, Some(f)) => {
            let _ = writeln!(out, "{name} (JSFunction: {:x})", tagged(f, h.l));
        }
        _ => out.line(&name),
    }
    Ok(())
}
