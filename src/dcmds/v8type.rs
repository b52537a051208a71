//! `::v8type`: the V8 type of a value.

use std::fmt::Write;

use super::Dcmd;
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
    let addr = call.addr.ok_or(Error::Usage("an address is required".into()))?;
    let obj = match Value::decode(addr.0, h.l) {
        Value::Smi(n) => {
            let _ = writeln!(out, "{:#x}: SMI: value = {n}", addr.0);
            return Ok(());
        }
        Value::Heap(a) | Value::Weak(a) => a,
        Value::Double(_) => return Err(Error::Usage("a raw double is not an address".into())),
    };
    let ty = h.type_of(obj).map_err(|_| Error::Msg(format!("{addr} is not a V8 heap object")))?;
    let name = h.l.type_names.get(&ty).cloned().unwrap_or_else(|| format!("<instance type {ty}>"));
    let _ = write!(out, "{:#x}: {name}", addr.0);
    if h.l.is_js_object_type(ty) {
        let _ = write!(out, ": {}", h.constructor_name(&h.map_info(h.map(obj)?)?));
    }
    out.line("");
    Ok(())
}
