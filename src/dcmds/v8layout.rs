#![doc = concat!("`::v8layout`: print the V8 layout loaded from the target.\n\n```text\n", include_str!("v8layout.help"), "```")]

use std::fmt::Write;

use super::Dcmd;
use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{Call, Session};
use crate::target::Result;
use crate::v8::layout::Origin;

pub const DCMD: Dcmd = Dcmd {
    name: c"v8layout",
    usage: c"",
    descr: c"print the V8 heap layout the module loaded, and where each value came from",
    help: include_str!("v8layout.help"),
    options: Spec(""),
    run,
};

fn run(s: &Session, _call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    opts.no_operands()?;
    let l = &s.v8()?.layout;
    out.line(&format!("V8 version: {}", l.version));
    out.line(&l.summary());
    let _ = writeln!(out, "{:<36} {:>12}  SOURCE", "NAME", "VALUE");
    for (name, value, origin) in &l.origins {
        let value = value.map_or_else(|| "-".to_string(), |v| v.to_string());
        let source = match origin {
            Origin::Symbol(sym) => sym.clone(),
            Origin::Fallback(how) => format!("fallback: {how}"),
            Origin::Absent => "absent in this version".to_string(),
        };
        let _ = writeln!(out, "{name:<36} {value:>12}  {source}");
    }
    Ok(())
}
