//! `::v8type`: the V8 type of a value.

use std::fmt::Write;

use super::{value_type, Dcmd};
use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{Call, Session};
use crate::target::{Error, Result};
use crate::v8::value::Value;

pub const DCMD: Dcmd = Dcmd {
    name: c"v8type",
    usage: c":",
    descr: c"print the V8 type of a value",
    help: "Print the V8 type of the tagged value at addr: SMI with its value, or the heap
object's instance type (as the metadata names it), with the constructor for
JavaScript objects.

Example:
  > 3f73d8cfc8b1::v8type
  0x3f73d8cfc8b1: JSObject: CacheEntry
",
    options: Spec(""),
    run,
};

fn run(s: &Session, call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    opts.no_operands()?;
    let h = s.heap()?;
    let addr = call.required_addr()?;
    let what = value_type(&h, Value::decode(addr.0, h.l))
        .map_err(|_| Error::Msg(format!("{addr} is not a V8 heap object")))?;
    let _ = writeln!(out, "{:#x}: {what}", addr.0);
    Ok(())
}
