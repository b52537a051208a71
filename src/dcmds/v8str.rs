//! `addr::v8str`: the contents of a V8 string.

use std::fmt::Write;

use super::Dcmd;
use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{Call, Session};
use crate::target::{Error, Result};
use crate::v8::value::untag;

pub const DCMD: Dcmd = Dcmd {
    name: c"v8str",
    usage: c":[-v]",
    descr: c"print the contents of a V8 string",
    help: "Print the characters of the V8 string at addr, whatever its representation
(sequential, cons, sliced, thin or external), up to 1 MiB of them.

Options:
  -v    first say what the string is: its type and its length in UTF-16 units

Example:
  > 99f54623c19::v8str -v
  InternalizedString, length 9
  the-label
",
    options: Spec("v"),
    run,
};

/// The most UTF-16 units printed.
const MAX_UNITS: u64 = 1 << 20;

fn run(s: &Session, call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    opts.no_operands()?;
    let h = s.heap()?;
    let given = call.required_addr()?;
    let obj = untag(given, h.l);
    if !h.is_string(obj) {
        return Err(Error::Msg(format!("{given} is not a string")));
    }
    let string = h.read_string(obj, MAX_UNITS)?;
    if opts.flag('v') {
        let ty = h.type_of(obj)?;
        let name = h.l.type_label(ty);
        let _ = writeln!(out, "{name}, length {}", string.length);
    }
    let more = if string.truncated { "[...]" } else { "" };
    let _ = writeln!(out, "{}{more}", string.text);
    Ok(())
}
