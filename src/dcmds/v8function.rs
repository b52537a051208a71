//! `addr::v8function`: a JSFunction's V8-level details: name, definition, context and
//! the ScopeInfo its SharedFunctionInfo keeps.
//!
//! ```text
//! > 126deaddf7e9::v8function
//! 126deaddf7e9: JSFunction: myClosure
//! defined at /work/wt-code/tests/fixtures/closures.js line 7
//! context: 126deaddf7b9
//! shared scope_info: 17b4679e4659
//! ```

use std::fmt::Write;

use super::Dcmd;
use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{Call, Session};
use crate::target::{Error, Result};
use crate::v8::value::untag;

pub const DCMD: Dcmd = Dcmd {
    name: c"v8function",
    usage: c":[-d]",
    descr: c"print JSFunction object details",
    help: "Print the JSFunction at ADDR as mdb_v8 did: its name, where it is defined, the
Context it closes over (for ::v8context) and its SharedFunctionInfo's ScopeInfo (for
::v8scopeinfo; `shared scope_info not available` until V8 has compiled the function,
when the SharedFunctionInfo holds only the name). mdb_v8 went on to print the function's
Code object and its instruction range: not yet supported, and neither is -d (its
disassembly).

Example (tests/fixtures/closures.js, node 20):
  > 126deaddf7e9::v8function
  126deaddf7e9: JSFunction: myClosure
  defined at /work/wt-code/tests/fixtures/closures.js line 7
  context: 126deaddf7b9
  shared scope_info: 17b4679e4659
  > 126deaddf7b9::v8context
  scope info: 17b4679e44c1 (ScopeInfo)
  previous context: 3c5c6d4011f9 (NativeContext)
  native context: 3c5c6d4011f9 (NativeContext)
      slot 0: 17b4679e44a1 (InternalizedString)
      slot 1: 900000000 (SMI: value = 9)
",
    options: Spec("d"),
    run,
};

fn run(s: &Session, call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    opts.no_operands()?;
    if opts.flag('d') {
        return Err(Error::Msg("-d (disassembly) is not yet supported".into()));
    }
    let h = s.heap()?;
    let l = h.l;
    let given = call.required_addr()?;
    let f = untag(given, l);
    if !h.is_function(f) {
        return Err(Error::Msg(format!("{given} is not a JSFunction")));
    }
    let name = h.function_name(f)?;
    let _ = writeln!(out, "{given}: JSFunction: {}", if name.is_empty() { "<anonymous>" } else { &name });
    let _ = match h.function_location(f)? {
        (file, Some(line)) => writeln!(out, "defined at {file} line {line}"),
        (file, None) => writeln!(out, "defined at {file}"),
    };
    let _ = writeln!(out, "context: {:x}", h.value(f, l.js_function_context)?.encode(l));
    let _ = match h.function_scope_info(f)? {
        Some(si) => writeln!(out, "shared scope_info: {:x}", crate::v8::value::tagged(si, l)),
        None => writeln!(out, "shared scope_info not available"),
    };
    Ok(())
}
