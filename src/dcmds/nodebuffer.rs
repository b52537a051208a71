//! `::nodebuffer`: where a Buffer's bytes are.

use std::fmt::Write;

use super::{js_object, Dcmd};
use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{Call, Session};
use crate::target::{Error, Result};
use crate::v8::buffer::View;

pub const DCMD: Dcmd = Dcmd {
    name: c"nodebuffer",
    usage: c":[-f]",
    descr: c"print the address of a Buffer's data",
    help: "Print the address of the bytes of the Node.js Buffer at addr (in the C++ heap, or
on the V8 heap for small typed arrays), to read them with mdb's own commands.

Options:
  -f    accept any ArrayBuffer, typed array or DataView, not only Buffers and Uint8Arrays

Example:
  > 3f73d8cfc8b1::nodebuffer
  3a415d78
",
    options: Spec("f"),
    run,
};

fn run(s: &Session, call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    opts.no_operands()?;
    let h = s.heap()?;
    let (obj, m) = js_object(&h, call.addr)?;
    let name = h.constructor_name(&m);
    if !opts.flag('f') && name != "Buffer" && name != "Uint8Array" {
        return Err(Error::Msg(format!(
            "{} is a {name}, not a Buffer (-f to accept it)",
            call.addr.unwrap_or_default()
        )));
    }
    let view = View::load(&h, obj, &m)?;
    let data =
        view.data.ok_or_else(|| Error::Msg(format!("{obj} has no backing store: its bytes are in its typed array")))?;
    let _ = writeln!(out, "{:x}", data.0);
    Ok(())
}
