#![doc = concat!("`::jsfindrefs`: the values that refer to a heap value.\n\n```text\n", include_str!("jsfindrefs.help"), "```")]

use std::collections::HashSet;
use std::fmt::Write;

use super::Dcmd;
use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{Call, Session};
use crate::target::{Addr, Result};
use crate::v8::value::tagged;

pub const DCMD: Dcmd = Dcmd {
    name: c"jsfindrefs",
    usage: c":[-dv] [-l maxdepth]",
    descr: c"find values that refer to the given value",
    help: include_str!("jsfindrefs.help"),
    options: Spec("dvl:"),
    run,
};

const DEFAULT_DEPTH: u64 = 5;

fn run(s: &Session, call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    opts.no_operands()?;
    let given = call.required_addr()?;
    let max_depth = opts.number('l', DEFAULT_DEPTH)?;
    let (v8, g) = (s.v8()?, s.graph("jsfindrefs")?);
    let l = &v8.layout;
    let id = g.object(given, l)?;
    let type_name = |i: u32| match g.types[i as usize] {
        t if l.is_js_function_type(t) => "JSFunction".to_string(),
        t => l.type_names.get(&t).cloned().unwrap_or_else(|| format!("type {t}")),
    };
    let show = |i: u32| Addr(tagged(Addr(g.addrs[i as usize]), l));
    let is_value = |i: u32| {
        let t = g.types[i as usize];
        l.is_js_object_type(t)
            || l.is_string_type(t)
            || u64::from(t) == l.type_heap_number
            || u64::from(t) == l.type_oddball
    };
    let mut seen: HashSet<u32> = HashSet::from([id]);
    let mut level = vec![id];
    for depth in 1..=max_depth {
        let mut next = Vec::new();
        for (from, _) in g.referrers(&level) {
            if opts.flag('d') {
                let _ = writeln!(out, "jsfindrefs: depth {depth}: {} ({})", show(from), type_name(from));
            }
            if is_value(from) {
                if opts.flag('v') {
                    let _ = writeln!(out, "{} (type: {})", show(from), type_name(from));
                } else {
                    out.addr(show(from));
                }
            } else if seen.insert(from) {
                next.push(from);
            }
        }
        if next.is_empty() {
            break;
        }
        level = next;
    }
    Ok(())
}
