//! `addr::jssource`: a function's source, from its script.

use std::fmt::Write;

use super::Dcmd;
use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{Call, Session};
use crate::target::{Error, Result};
use crate::v8::value::untag;

pub const DCMD: Dcmd = Dcmd {
    name: c"jssource",
    usage: c":[-n numlines]",
    descr: c"print the source code for a JavaScript function",
    help: "Print the source of the JavaScript function at addr, from the script it is defined
in, with line numbers: numlines lines of the script starting at the function's first
line (default 5).

Options:
  -n numlines   how many lines (default 5)

Example:
  > 1c5a0c9a4e61::jssource -n 3
  file: /home/me/app.js
      3   return function myClosure() {
      4     count++;
      5     return str + count;
",
    options: Spec("n:"),
    run,
};

/// Lines shown without -n.
const DEFAULT_LINES: u64 = 5;

fn run(s: &Session, call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    opts.no_operands()?;
    let h = s.heap()?;
    let given = call.required_addr()?;
    let f = untag(given, h.l);
    if !h.is_function(f) {
        return Err(Error::Msg(format!("{given} is not a JavaScript function")));
    }
    let (file, _) = h.function_location(f)?;
    let lines = h.function_source(f, opts.number('n', DEFAULT_LINES)?)?;
    let _ = writeln!(out, "file: {file}");
    for (n, text) in lines {
        let _ = writeln!(out, "{n:5} {text}");
    }
    Ok(())
}
