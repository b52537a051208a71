//! `addr::jsfunction`: a function's name and where it is defined; a bound function's
//! target, `this` and arguments.

use std::fmt::Write;

use super::{value_type, Dcmd};
use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{Call, Session};
use crate::target::{Error, Result};
use crate::v8::heap::Heap;
use crate::v8::value::{untag, Value};

pub const DCMD: Dcmd = Dcmd {
    name: c"jsfunction",
    usage: c":",
    descr: c"print information about a JavaScript function",
    help: "Print the name of the JavaScript function at addr and where it is defined. For a
bound function (fn.bind(this, args...)): the function it wraps, the `this` it was bound
to and each bound argument, with their types.

Example:
  > 1c5a0c9a4e61::jsfunction
  function: myClosure
  defined at /home/me/app.js line 3
  > 1c5a0c9a5231::jsfunction
  bound function that wraps: 1c5a0c9a51f1
  with \"this\" = 1c5a0c9a5299 (JSObject: Object)
        arg0  = 3a0c5bd0b1a1 (InternalizedString)
        arg1  = 200000000 (SMI: value = 2)
",
    options: Spec(""),
    run,
};

fn run(s: &Session, call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    opts.no_operands()?;
    let h = s.heap()?;
    let given = call.required_addr()?;
    let f = untag(given, h.l);
    let ty = h.type_of(f).map_err(|_| Error::Msg(format!("{given} is not a JavaScript function")))?;
    if u64::from(ty) == h.l.type_js_bound_function {
        return bound(&h, f, out);
    }
    if !h.is_function(f) {
        return Err(Error::Msg(format!("{given} is not a JavaScript function")));
    }
    let name = h.function_name(f)?;
    let _ = writeln!(out, "function: {}", if name.is_empty() { "<anonymous>" } else { &name });
    match h.function_location(f)? {
        (file, Some(line)) => writeln!(out, "defined at {file} line {line}"),
        (file, None) => writeln!(out, "defined at {file}"),
    }
    .unwrap_or(());
    Ok(())
}

/// `bound function that wraps: ADDR`, its `this` and its arguments, as mdb_v8 prints them.
fn bound(h: &Heap, f: crate::target::Addr, out: &mut Output) -> Result<()> {
    let l = h.l;
    let word = |v: Value| v.encode(l);
    let described = |v: Value| value_type(h, v).unwrap_or_else(|e| e.to_string());
    let target = h.value(f, l.js_bound_function_target)?;
    let this = h.value(f, l.js_bound_function_this)?;
    let _ = writeln!(out, "bound function that wraps: {:x}", word(target));
    let _ = writeln!(out, "with \"this\" = {:x} ({})", word(this), described(this));
    let args = h.pointer(f, l.js_bound_function_arguments, "a bound function with its arguments")?;
    for (i, v) in h.slots(args)?.into_iter().enumerate() {
        let _ = writeln!(out, "      arg{i:<3}= {:x} ({})", word(v), described(v));
    }
    Ok(())
}
