//! `addr::v8context`: a V8 Context slot by slot.
//!
//! ```text
//! > 126deaddf7b9::v8context
//! scope info: 17b4679e44c1 (ScopeInfo)
//! previous context: 3c5c6d4011f9 (NativeContext)
//! native context: 3c5c6d4011f9 (NativeContext)
//!     slot 0: 17b4679e44a1 (InternalizedString)
//!     slot 1: 900000000 (SMI: value = 9)
//! ```

use std::fmt::Write;

use super::{value_type, Dcmd};
use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{Call, Session};
use crate::target::{Error, Result};
use crate::v8::heap::Heap;
use crate::v8::print::{print, PrintOptions};
use crate::v8::value::{untag, Value};

pub const DCMD: Dcmd = Dcmd {
    name: c"v8context",
    usage: c":[-d]",
    descr: c"print information about a V8 Context object",
    help: "Print the V8 Context at ADDR (a function's `context:` in ::v8function, or any
context's `previous context`) as mdb_v8 did: its fixed slots, labelled, then its
variable slots, `slot N` counting from the first variable, each `ADDR (TYPE)` as
::v8type says. The fixed slots are the scope info (the ScopeInfo that names the
variables: ::v8scopeinfo), the previous (enclosing) context and, on V8 before 9, the
extension and the native context (`header slot N` where V8 does not say what a slot
is); where the header has no native context, a `native context:` line follows from the
context's map. mdb_v8's `closure
function` slot is gone from V8 since 7.

Options:
  -d    also name each variable slot by its ScopeInfo and show its value as
        ::jsprint -d 0 does: slot N: ADDR (TYPE) \"name\": VALUE

Example (tests/fixtures/closures.js, node 20: the context myClosure closes over):
  > 126deaddf7b9::v8context -d
  scope info: 17b4679e44c1 (ScopeInfo)
  previous context: 3c5c6d4011f9 (NativeContext)
  native context: 3c5c6d4011f9 (NativeContext)
      slot 0: 17b4679e44a1 (InternalizedString) \"str\": \"hello world\"
      slot 1: 900000000 (SMI: value = 9) \"count\": 9
",
    options: Spec("d"),
    run,
};

fn run(s: &Session, call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    opts.no_operands()?;
    let h = s.heap()?;
    let l = h.l;
    let given = call.required_addr()?;
    let ctx = untag(given, l);
    if !h.type_of(ctx).is_ok_and(|t| (l.first_context_type..=l.last_context_type).contains(&u64::from(t))) {
        return Err(Error::Msg(format!("{given} is not a Context")));
    }
    let slots = h.slots(ctx)?;
    let described = |v: Value| match value_type(&h, v) {
        Ok(t) => format!("{:x} ({t})", v.encode(l)),
        Err(_) => format!("{:x}", v.encode(l)),
    };
    for (i, &v) in slots.iter().enumerate().take(l.context_min_slots as usize) {
        let label = match i as u64 {
            i if i == l.context_idx_scope_info => "scope info".to_string(),
            i if i == l.context_idx_prev => "previous context".to_string(),
            i if Some(i) == l.context_idx_ext => "extension".to_string(),
            i if Some(i) == l.context_idx_native => "native context".to_string(),
            i => format!("header slot {i}"),
        };
        let _ = writeln!(out, "{label}: {}", described(v));
    }
    // Where the header has no native context slot, the context's map says which it is.
    if let Some(native) = l.context_idx_native.is_none().then(|| native_context(&h, ctx)).flatten() {
        let _ = writeln!(out, "native context: {}", described(native));
    }
    let names = if opts.flag('d') { h.context_variables(ctx)? } else { Vec::new() };
    let shown = PrintOptions { depth: 0, max_string: 80, ..PrintOptions::default() };
    for (i, &v) in slots.iter().enumerate().skip(l.context_min_slots as usize) {
        let slot = i - l.context_min_slots as usize;
        let _ = write!(out, "    slot {slot}: {}", described(v));
        if let Some((name, value)) = names.get(slot) {
            let _ = write!(out, " \"{name}\": {}", print(&h, *value, &shown));
        }
        let _ = writeln!(out);
    }
    Ok(())
}

/// The native context a context belongs to: a context's map keeps it where other maps
/// keep their constructor (`constructor_or_back_pointer_or_native_context`,
/// src/objects/map.h). None when that slot holds no NativeContext.
fn native_context(h: &Heap, ctx: crate::target::Addr) -> Option<Value> {
    let v = h.value(h.map(ctx).ok()?, h.l.map_constructor).ok()?;
    let ty = h.type_of(v.heap()?).ok()?;
    (h.l.type_names.get(&ty).map(String::as_str) == Some("NativeContext")).then_some(v)
}
