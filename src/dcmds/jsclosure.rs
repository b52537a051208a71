//! `addr::jsclosure`: the variables a closure captured.

use std::fmt::Write;

use super::Dcmd;
use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{Call, Session};
use crate::target::{Error, Result};
use crate::v8::print::{print, PrintOptions};
use crate::v8::value::untag;

pub const DCMD: Dcmd = Dcmd {
    name: c"jsclosure",
    usage: c":",
    descr: c"print variables referenced by a closure",
    help: "Print the variables the JavaScript function at addr can see in its contexts: those
of the function it was created in, then those of each enclosing function or block
out to the script's top level (the script and native contexts are not shown). Each is
`\"name\": ADDR: VALUE`, the value as ::jsprint -d 0 prints it.

Example:
  > 1c5a0c9a4e61::jsclosure
      \"str\": 3a0c5bd0b1a1: \"hello world\"
      \"count\": 900000000: 9
",
    options: Spec(""),
    run,
};

/// How many enclosing contexts are followed.
const MAX_CONTEXT_DEPTH: usize = 256;

fn run(s: &Session, call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    opts.no_operands()?;
    let h = s.heap()?;
    let l = h.l;
    let given = call.required_addr()?;
    let f = untag(given, l);
    if !h.is_function(f) {
        return Err(Error::Msg(format!("{given} is not a JavaScript function")));
    }
    let shown = PrintOptions { depth: 0, max_string: 80, ..PrintOptions::default() };
    let mut context = h.value(f, l.js_function_context)?;
    for _ in 0..MAX_CONTEXT_DEPTH {
        let Some(ctx) = context.heap() else { break };
        let ty = u64::from(h.type_of(ctx)?);
        let name = l.type_names.get(&(ty as u16)).map(String::as_str).unwrap_or_default();
        if !(l.first_context_type..=l.last_context_type).contains(&ty)
            || ["NativeContext", "ScriptContext"].contains(&name)
        {
            break;
        }
        for (var, v) in h.context_variables(ctx)? {
            let _ = writeln!(out, "    \"{var}\": {:x}: {}", v.encode(l), print(&h, v, &shown));
        }
        context = h.slot(ctx, l.context_idx_prev)?;
    }
    Ok(())
}
