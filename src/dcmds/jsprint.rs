#![doc = concat!("`::jsprint`: print a JavaScript value.\n\n```text\n", include_str!("jsprint.help"), "```")]

use super::Dcmd;
use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{Call, Session};
use crate::target::{Error, Result};
use crate::v8::print::{self, PrintOptions, MAX_DEPTH};
use crate::v8::value::Value;

pub const DCMD: Dcmd = Dcmd {
    name: c"jsprint",
    usage: c":[-abA] [-d depth] [-N strlen] [member]",
    descr: c"print a JavaScript value",
    help: include_str!("jsprint.help"),
    options: Spec("abAd:N:"),
    run,
};

fn run(s: &Session, call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    let addr = call.required_addr()?;
    let depth = opts.number('d', 2)?;
    if depth > u64::from(MAX_DEPTH) {
        return Err(Error::Usage(format!("depth {depth} is beyond the limit of {MAX_DEPTH}")));
    }
    let all = opts.flag('A');
    let default = PrintOptions::default();
    let o = PrintOptions {
        addresses: opts.flag('a'),
        depth: depth as u32,
        max_string: opts.number('N', if all { u64::MAX } else { default.max_string })?,
        max_entries: if all { usize::MAX } else { default.max_entries },
    };
    let h = s.heap()?;
    let v = Value::decode(addr.0, h.l);
    let paths = opts.operands.iter().map(|m| print::parse_path(&m.text())).collect::<Result<Vec<_>>>()?;
    let mut text = if opts.flag('b') { format!("{addr}: ") } else { String::new() };
    if paths.is_empty() {
        if let Value::Heap(a) = v {
            h.type_of(a).map_err(|_| Error::Msg(format!("{addr} is not a JavaScript value")))?;
        }
        text.push_str(&print::print(&h, v, &o));
    } else {
        let printed: Vec<String> = paths
            .iter()
            .map(|steps| {
                let mut cur = Some(v);
                for step in steps {
                    cur = match cur {
                        Some(c) => h.member(c, step)?,
                        None => None,
                    };
                }
                Ok(cur.map_or_else(|| "undefined".to_string(), |c| print::print(&h, c, &o)))
            })
            .collect::<Result<_>>()?;
        text.push_str(&printed.join(" "));
    }
    out.line(&text);
    Ok(())
}
