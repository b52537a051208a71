//! `::jsfunctions`: every JavaScript function in the heap, one line per function (its
//! closures counted together).

use std::fmt::Write;

use super::Dcmd;
use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{Call, Session};
use crate::target::{Addr, Error, Result};
use crate::v8::value::{tagged, untag};

pub const DCMD: Dcmd = Dcmd {
    name: c"jsfunctions",
    usage: c"?[-l] [-s file_filter] [-n name_filter]",
    descr: c"list JavaScript functions",
    help: "List the JavaScript functions of the heap: one line per function (per
SharedFunctionInfo), with one of its closures, how many closures it has, its name and
where it is defined. It uses the scan ::findjsobjects makes (once per session).

Given addr (a function), list that function's closures.

Options:
  -l            closures' addresses only (for a pipeline)
  -n name       only functions whose name contains name
  -s file       only functions whose script's name contains file
  -X, -x addr   not yet supported

Example:
  > ::jsfunctions -n myIter
              FUNC   #FUNCS NAME                                     FROM
      2c1e8a7c6e29        3 myIterFunction                           /home/me/app.js line 12
  > 2c1e8a7c6e29::jsfunctions -l
  2c1e8a7c6e29
  2c1e8a7c7011
  2c1e8a7c7101
",
    options: Spec("lXs:n:x:"),
    run,
};

fn run(s: &Session, call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    opts.no_operands()?;
    if opts.flag('X') || opts.value('x').is_some() {
        return Err(Error::Msg("jsfunctions: -X and -x are not yet supported".into()));
    }
    let h = s.heap()?;
    let l = h.l;
    let (census, _) = s.census("jsfunctions")?;
    let functions = census.functions(&h);
    if let Some(given) = call.addr {
        let f = untag(given, l);
        let shared = h.word(f, l.js_function_shared)?;
        let function = functions.by_shared.get(&shared).filter(|_| h.is_function(f));
        let function = function.ok_or(Error::Msg(format!("{given} is not a JavaScript function")))?;
        functions.list[*function].closures.iter().for_each(|&c| out.addr(Addr(tagged(c, l))));
        return Ok(());
    }
    let name_filter = opts.string('n');
    let file_filter = opts.string('s');
    let mut rows = Vec::new();
    for f in &functions.list {
        let (Some(&first), true) = (f.closures.first(), name_filter.as_ref().is_none_or(|n| f.name.contains(n))) else {
            continue;
        };
        let (file, line) = h.function_location(first).unwrap_or_else(|_| ("<unknown script>".into(), None));
        if file_filter.as_ref().is_some_and(|s| !file.contains(s)) {
            continue;
        }
        let from = match line {
            Some(line) => format!("{file} line {line}"),
            None => file,
        };
        rows.push((
            first,
            f.closures.len(),
            if f.name.is_empty() { "<anonymous>".into() } else { f.name.clone() },
            from,
        ));
    }
    rows.sort_by(|a, b| (a.1, &a.2, &a.3).cmp(&(b.1, &b.2, &b.3)));
    if opts.flag('l') {
        rows.iter().for_each(|r| out.addr(Addr(tagged(r.0, l))));
        return Ok(());
    }
    if call.flags.header() {
        let _ = writeln!(out, "{:>16} {:>8} {:<40} FROM", "FUNC", "#FUNCS", "NAME");
    }
    for (first, count, name, from) in rows {
        let _ = writeln!(out, "{:>16x} {count:>8} {name:<40} {from}", tagged(first, l));
    }
    Ok(())
}
