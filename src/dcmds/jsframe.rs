//! `addr::jsframe`: one stack frame, given a frame pointer.

use super::jsstack::{print_frame, Style};
use super::Dcmd;
use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{Call, Session};
use crate::target::{Addr, Error, Result};

pub const DCMD: Dcmd = Dcmd {
    name: c"jsframe",
    usage: c":[-aiv] [-f function] [-p property] [-n numlines]",
    descr: c"summarize a JavaScript stack frame",
    help: "Print one stack frame, as ::jsstack prints it. addr is a frame pointer, as the
jsframe walker gives them: the frame printed is the one addr links to, its caller, at
frame pointer *addr and running the code at the return address *(addr + 8). With -i,
the frame at addr itself (its code address is then unknown: a native frame there shows
as unknown code).

Options:
  -a, -v, -f function, -p property, -n numlines   as for ::jsstack
  -i            the frame at addr, not the one it links to

Example:
  > ::walk jsframe | ::jsframe
  js:     thrower
  js:     middle
  ...
  > 7ffd5c1e9f40::jsframe -iv -n 0
  7ffd5c1e9f40 ? middle (interpreted frame, JSFunction: 1c5a0c9a4e61)
      file: /home/me/app.js
      posn: line 7
      at:   line 8, column 10
      this: 3b5d48e81a99 (Oddball)
      arg1: 2a00000000 (SMI: value = 42)
      arg2: 1c5a0c9a5101 (JSObject: Object)
",
    options: Spec("aivf:p:n:"),
    run,
};

fn run(s: &Session, call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    opts.no_operands()?;
    let h = s.heap()?;
    let mut style = Style::from(opts)?;
    // One frame is never elided.
    style.all = true;
    let addr = call.addr.ok_or(Error::Usage("a frame pointer is required".into()))?;
    let frame = if opts.flag('i') {
        h.frame(addr, None)
    } else {
        let unreadable = |_| Error::Msg(format!("{addr} is not a frame pointer (cannot read the frame there)"));
        let fp = h.t.read_u64(addr).map_err(unreadable)?;
        let pc = h.t.read_u64(addr.offset(8)?).map_err(unreadable)?;
        if fp == 0 {
            return Ok(());
        }
        h.frame(Addr(fp), Some(Addr(pc)))
    };
    if style.function.is_none()
        || matches!(&frame.kind, crate::v8::frames::Kind::Js { function, .. } if h.function_name(*function).ok() == style.function)
    {
        print_frame(&h, &frame, &style, out);
    }
    Ok(())
}
