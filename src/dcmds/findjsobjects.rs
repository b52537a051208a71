#![doc = concat!("`::findjsobjects`: find and group every JavaScript object.\n\n```text\n", include_str!("findjsobjects.help"), "```")]

use std::fmt::Write;

use super::Dcmd;
use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{Call, Flags, Session};
use crate::target::{Addr, Error, Result};
use crate::v8::census::{Census, Group, Kinds};
use crate::v8::graph::{Graph, UNREACHABLE};
use crate::v8::refs::{Namer, Via};
use crate::v8::value::{tagged, untag};

pub const DCMD: Dcmd = Dcmd {
    name: c"findjsobjects",
    usage: c"?[-ablmrsv] [-c cons | -k kind | -p prop]",
    descr: c"find JavaScript objects",
    help: include_str!("findjsobjects.help"),
    options: Spec("abc:k:lmp:rsv"),
    run,
};

/// The filters: at most one of -c, -p, -k.
enum Filter {
    None,
    Constructor(String),
    Property(String),
    Kind(String),
}

impl Filter {
    fn from(opts: &Opts) -> Result<Filter> {
        let given: Vec<(char, String)> =
            ['c', 'p', 'k'].into_iter().filter_map(|c| opts.string(c).map(|v| (c, v))).collect();
        match given.as_slice() {
            [] => Ok(Filter::None),
            [(c, v)] => Ok(match c {
                'c' => Filter::Constructor(v.clone()),
                'p' => Filter::Property(v.clone()),
                _ => Filter::Kind(v.clone()),
            }),
            [(a, _), (b, _), ..] => Err(Error::Usage(format!("cannot specify both -{a} and -{b}"))),
        }
    }

    fn letter(&self) -> Option<char> {
        match self {
            Filter::None => None,
            Filter::Constructor(_) => Some('c'),
            Filter::Property(_) => Some('p'),
            Filter::Kind(_) => Some('k'),
        }
    }

    fn matches(&self, g: &Group) -> bool {
        match self {
            Filter::None => true,
            Filter::Constructor(c) => g.constructor == *c,
            Filter::Property(p) => g.props.iter().any(|n| n == p),
            Filter::Kind(k) => Kinds::NAMES.iter().any(|(name, kind)| k.contains(name) && g.kinds.contains(*kind)),
        }
    }
}

fn run(s: &Session, call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    opts.no_operands()?;
    let filter = Filter::from(opts)?;
    let (list, mark, refs, all) = (opts.flag('l'), opts.flag('m'), opts.flag('r'), opts.flag('a'));
    if mark && refs {
        return Err(Error::Usage("cannot specify both -m and -r".into()));
    }
    if list && call.addr.is_none() {
        if let Some(c) = filter.letter() {
            return Err(Error::Usage(format!(
                "cannot specify -l with -{c}; instead, pipe output of ::findjsobjects -{c} to ::findjsobjects -l"
            )));
        }
    }
    let (census, scanned) = s.census("findjsobjects")?;
    if opts.flag('v') && scanned && call.flags.header() {
        stats(&census, out);
    }
    // The graph's totals too, when it is built (or -s builds it): the census alone
    // never builds it.
    if opts.flag('v') && call.flags.header() {
        if opts.flag('s') {
            s.graph("findjsobjects")?;
        }
        if let Some(g) = s.v8()?.graph() {
            let st = &g.stats;
            let _ = writeln!(out, "findjsobjects: {:>30} => {}", "heap size (bytes)", st.bytes);
            let _ = writeln!(out, "findjsobjects: {:>30} => {}", "reachable (bytes)", st.reachable_bytes);
        }
    }
    let v8 = s.v8()?;
    let l = &v8.layout;
    // Objects are shown and taken as tagged pointers, as mdb_v8 did.
    let show = |a: u64| Addr(tagged(Addr(a), l));
    match call.addr.map(|a| (a, untag(a, l))) {
        None if mark => Err(Error::Usage("-m requires an address".into())),
        None if refs => {
            let marks = std::mem::take(&mut *v8.marks.borrow_mut());
            if marks.is_empty() {
                return Err(Error::Usage("-r requires an address or objects marked with -m".into()));
            }
            references(s, &census, marks, show, out)
        }
        // A table cannot feed a pipeline: piped, the summary lists representatives.
        None if list || !matches!(filter, Filter::None) || call.flags.contains(Flags::PIPE_OUT) => {
            for g in census.groups.iter().filter(|g| (all || !g.malformed()) && filter.matches(g)) {
                out.addr(show(census.instances(g)[0]));
            }
            Ok(())
        }
        None if opts.flag('s') => sized_summary(s, &census, all, call, show, out),
        None => {
            summary(&census, all, call, show, out);
            Ok(())
        }
        Some((given, addr)) => {
            let group = census.group_of(addr).ok_or(Error::Msg(format!("{given} is not a valid object")))?;
            if mark {
                let targets: Vec<Addr> =
                    if list { census.instances(group).iter().map(|&a| Addr(a)).collect() } else { vec![addr] };
                for a in &targets {
                    let _ = writeln!(out, "findjsobjects: marked {}", show(a.0));
                }
                v8.marks.borrow_mut().extend(targets);
                return Ok(());
            }
            if refs {
                let mut targets = std::mem::take(&mut *v8.marks.borrow_mut());
                if list {
                    targets.extend(census.instances(group).iter().map(|&a| Addr(a)));
                } else if call.flags.contains(Flags::PIPE) {
                    // Piped: every piped object (mdb's pipe starts with this call's own) in
                    // one pass over the heap.
                    targets.extend(crate::mdb::take_pipe().into_iter().map(|a| untag(a, l)));
                } else {
                    targets.push(addr);
                }
                return references(s, &census, targets, show, out);
            }
            if filter.matches(group) {
                for &a in census.instances(group) {
                    out.addr(show(a));
                }
            }
            Ok(())
        }
    }
}

/// The `-v` counters, in mdb_v8's format.
fn stats(c: &Census, out: &mut Output) {
    let s = &c.stats;
    let rows: [(&str, String); 12] = [
        ("elapsed time (seconds)", format!("{:.2}", s.seconds)),
        ("heap pages", s.scan.pages.to_string()),
        ("stale from-space pages", s.scan.from_pages.to_string()),
        ("unallocated bytes skipped", s.scan.free_bytes.to_string()),
        ("free-list bytes skipped", s.scan.free_list_bytes.to_string()),
        ("maps", s.scan.maps.to_string()),
        ("heap objects", s.scan.candidates.to_string()),
        ("JavaScript objects", s.scan.js_objects.to_string()),
        ("processed arrays", s.arrays.to_string()),
        ("possible garbage", s.garbage.to_string()),
        ("functions found", s.functions.to_string()),
        ("unique objects", c.groups.len().to_string()),
    ];
    for (label, value) in rows {
        let _ = writeln!(out, "findjsobjects: {label:>30} => {value}");
    }
}

/// Width mdb_v8 fills before it elides property names.
pub const ROW_WIDTH: usize = 80;

fn summary(c: &Census, all: bool, call: &Call, show: impl Fn(u64) -> Addr, out: &mut Output) {
    if call.flags.header() {
        let _ = writeln!(out, "{:>16} {:>8} {:>8} CONSTRUCTOR: PROPS", "OBJECT", "#OBJECTS", "#PROPS");
    }
    for g in c.groups.iter().filter(|g| all || !g.malformed()) {
        let row = format!("{:>16x} {:>8} {:>8} ", show(c.instances(g)[0]).0, g.count(), g.nprops);
        out.line(&group_row(row, &g.label(), &g.props, ROW_WIDTH));
    }
}

/// `-s`: the table with each group's total shallow size and retained size (each object
/// counted once), sorted by retained size, the largest last.
fn sized_summary(
    s: &Session,
    c: &Census,
    all: bool,
    call: &Call,
    show: impl Fn(u64) -> Addr,
    out: &mut Output,
) -> Result<()> {
    let graph = s.graph("findjsobjects")?;
    let retained = graph.retained();
    let mut rows: Vec<(u64, u64, &Group)> = c
        .groups
        .iter()
        .filter(|g| all || !g.malformed())
        .map(|g| {
            let mut ids: Vec<u32> = c.instances(g).iter().filter_map(|&a| graph.id(Addr(a))).collect();
            let size = ids.iter().map(|&i| u64::from(graph.sizes[i as usize])).sum();
            (retained.of_set(&mut ids), size, g)
        })
        .collect();
    rows.sort_by_key(|&(r, size, g)| (r, size, g.count()));
    if call.flags.header() {
        let _ = writeln!(
            out,
            "{:>16} {:>8} {:>8} {:>12} {:>12} CONSTRUCTOR: PROPS",
            "OBJECT", "#OBJECTS", "#PROPS", "SIZE", "RETAINED"
        );
    }
    for (r, size, g) in rows {
        let row =
            format!("{:>16x} {:>8} {:>8} {:>12} {:>12} ", show(c.instances(g)[0]).0, g.count(), g.nprops, size, r);
        // The wider columns widen mdb_v8's row by as much.
        let width = ROW_WIDTH + row.len().saturating_sub(35);
        out.line(&group_row(row, &g.label(), &g.props, width));
    }
    Ok(())
}

/// The columns `prefix`, then "CONSTRUCTOR: PROPS" with the property names elided (" ...")
/// where the row would pass `width` characters, as mdb_v8 printed them.
pub fn group_row(prefix: String, label: &str, props: &[String], width: usize) -> String {
    let mut row = prefix;
    row.push_str(label);
    if !props.is_empty() {
        row.push(':');
        for (i, name) in props.iter().enumerate() {
            if row.len() + name.len() + 2 > width {
                row.push_str(" ...");
                break;
            }
            row.push_str(if i == 0 { " " } else { ", " });
            row.push_str(name);
        }
    }
    row
}

/// `-r`: who refers to each target, through the heap graph: JavaScript objects by
/// property, element or Map entry (through their backing stores), closures by context
/// variable, and any other heap object by field.
fn references(
    s: &Session,
    _c: &Census,
    targets: Vec<Addr>,
    show: impl Fn(u64) -> Addr,
    out: &mut Output,
) -> Result<()> {
    let (v8, g, h) = (s.v8()?, s.graph("findjsobjects")?, s.heap()?);
    let namer = Namer::new(&h, &v8.metadata, &g);
    let ids: Vec<u32> = targets.iter().filter_map(|&a| g.id(a)).collect();
    // Garbage refers to nothing a program can reach: only live referrers count.
    let live = |r: &(u32, u32)| g.dist[r.0 as usize] != UNREACHABLE;
    let direct: Vec<(u32, u32)> = g.referrers(&ids).into_iter().filter(live).collect();
    // Backing stores and property cells stand for their owners (up to two levels: a
    // global's dictionary holds property cells).
    let mut owners: Vec<(u32, u32)> = Vec::new();
    let mut level: Vec<u32> = direct.iter().map(|r| r.0).filter(|&f| namer.hidden(f)).collect();
    for _ in 0..2 {
        level.sort_unstable();
        level.dedup();
        let up: Vec<(u32, u32)> = g.referrers(&level).into_iter().filter(live).collect();
        level = up.iter().map(|r| r.0).filter(|&f| namer.hidden(f)).collect();
        owners.extend(up);
    }
    let holders = |store: u32| -> Vec<u32> {
        let mut found = Vec::new();
        let mut frontier = vec![store];
        for _ in 0..3 {
            let next: Vec<u32> =
                owners.iter().filter(|(_, s)| frontier.contains(s)).map(|r| r.0).filter(|&o| o != store).collect();
            found.extend(next.iter().copied().filter(|&o| !namer.hidden(o)));
            frontier = next.into_iter().filter(|&o| namer.hidden(o)).collect();
        }
        found
    };
    let addr = |id: u32| show(g.addrs[id as usize]);
    let mut seen = std::collections::HashSet::new();
    let mut lines: Vec<String> = Vec::new();
    for &(from, to) in &direct {
        let froms = Some(holders(from)).filter(|o| namer.hidden(from) && !o.is_empty()).unwrap_or(vec![from]);
        for f in froms {
            for via in namer.names(f, to) {
                seen.insert(to);
                lines.extend(reference_lines(&namer, &g, f, &via, addr(to), &addr));
            }
        }
    }
    lines.dedup();
    for line in &lines {
        out.line(line);
    }
    for t in targets {
        if g.id(t).is_none_or(|id| !seen.contains(&id)) {
            let _ = writeln!(out, "{} is not referred to by a known object.", show(t.0));
        }
    }
    Ok(())
}

/// The lines for `from` referring to `to` through `via`: mdb_v8's formats for
/// JavaScript objects, `CLOSURE context.NAME` for each closure of a context.
fn reference_lines(
    namer: &Namer,
    g: &Graph,
    from: u32,
    via: &Via,
    to: Addr,
    addr: &dyn Fn(u32) -> Addr,
) -> Vec<String> {
    let l = namer.h.l;
    let ty = g.types[from as usize];
    if l.is_js_object_type(ty) && !matches!(via, Via::Internal(_)) {
        let text = match via {
            Via::Property(n) => format!(".{n}"),
            v => v.text(),
        };
        return vec![format!("{to} referred to by {}{text}", addr(from))];
    }
    if let Via::Context(name) = via {
        let closures: Vec<String> = g
            .referrers(&[from])
            .into_iter()
            .filter(|&(f, _)| namer.h.is_function(Addr(g.addrs[f as usize])))
            .map(|(f, _)| format!("{to} referred to by {} context.{name}", addr(f)))
            .collect();
        if !closures.is_empty() {
            return closures;
        }
    }
    vec![format!("{to} referred to by {} ({}){}", addr(from), namer.label(from), via.text())]
}
