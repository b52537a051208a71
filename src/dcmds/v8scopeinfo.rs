//! `addr::v8scopeinfo`: what a V8 ScopeInfo says about a scope's variables.
//!
//! ```text
//! > 17b4679e44c1::v8scopeinfo
//! 0 parameters
//! 2 context local variables
//!     context local variable 0: 17b4679d2e21 ("str")
//!     context local variable 1: 12d9a8b08209 ("count")
//! ```

use std::fmt::Write;

use super::Dcmd;
use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{Call, Session};
use crate::target::{Error, Result};
use crate::v8::value::untag;

pub const DCMD: Dcmd = Dcmd {
    name: c"v8scopeinfo",
    usage: c":",
    descr: c"print information about a V8 ScopeInfo object",
    help: "Print what the V8 ScopeInfo at ADDR records about its scope, in mdb_v8's format: how
many parameters the function declares, then how many context local variables the
scope's context holds, each with its index (its slot in a Context, after the fixed
slots: ::v8context's `slot N`) and the address of its name. A function's ScopeInfo
is the `shared scope_info` ::v8function prints; a context's is its `scope info` slot.

V8 no longer records the names of parameters and stack locals in a ScopeInfo (mdb_v8
printed them from the older ScopeInfo layout), so there are no `parameter N:` or `stack local
variable` lines.

Example (tests/fixtures/closures.js, node 20: makeClosure's `str` and `count`):
  > 17b4679e44c1::v8scopeinfo
  0 parameters
  2 context local variables
      context local variable 0: 17b4679d2e21 (\"str\")
      context local variable 1: 12d9a8b08209 (\"count\")
",
    options: Spec(""),
    run,
};

fn run(s: &Session, call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    opts.no_operands()?;
    let h = s.heap()?;
    let given = call.required_addr()?;
    let si = untag(given, h.l);
    if !h.type_of(si).is_ok_and(|t| u64::from(t) == h.l.type_scope_info) {
        return Err(Error::Msg(format!("{given} is not a ScopeInfo")));
    }
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let params = h.scope_info_parameter_count(si)? as usize;
    let _ = writeln!(out, "{params} parameter{}", plural(params));
    let names = h.context_local_name_values(si)?;
    let _ = writeln!(out, "{} context local variable{}", names.len(), plural(names.len()));
    for (i, name) in names.into_iter().enumerate() {
        let _ = writeln!(out, "    context local variable {i}: {:x} (\"{}\")", name.encode(h.l), h.local_name(name));
    }
    Ok(())
}
