//! `addr::v8function`: a JSFunction's V8-level details: name, definition, context and
//! the ScopeInfo its SharedFunctionInfo keeps.
//!
//! ```text
//! > 1c5a0c9a4e61::v8function
//! 1c5a0c9a4e61: JSFunction: myClosure
//! defined at /home/me/closures.js line 7
//! context: 1c5a0c9a4e01
//! shared scope_info: 1f0e2b6d9b11
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
    help: "ADDR::v8function [-d]

Print the JSFunction at ADDR as mdb_v8 did: its name, where it is defined, the
Context it closes over (for ::v8context) and its SharedFunctionInfo's ScopeInfo (for
::v8scopeinfo; `shared scope_info not available` until V8 has compiled the function,
when the SharedFunctionInfo holds only the name). mdb_v8 went on to print the function's
Code object and its instruction range: not yet supported, and neither is -d (its
disassembly).

Example (tests/fixtures/closures.js, node 20):
  > 1c5a0c9a4e61::v8function
  1c5a0c9a4e61: JSFunction: myClosure
  defined at /home/me/closures.js line 7
  context: 1c5a0c9a4e01
  shared scope_info: 1f0e2b6d9b11
  > 1c5a0c9a4e01::v8context
  scope info: 1f0e2b6d9a39 (ScopeInfo)
  previous context: 2d2ba8d03c29 (ScriptContext)
  native context: 2d2ba8d03b11 (NativeContext)
      slot 0: 3a0c5bd0b1a1 (InternalizedString)
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
    let given = call.addr.ok_or(Error::Usage("an address is required".into()))?;
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
