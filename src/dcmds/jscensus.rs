#![doc = concat!("`::jscensus`: save the census to a file, and compare a core against a saved one.\n\n```text\n", include_str!("jscensus.help"), "```")]

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use super::findjsobjects::group_row;
use super::jsretainers::{group_paths, DEFAULT_DEPTH};
use super::Dcmd;
use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{progress, Call, Session};
use crate::target::{Addr, Error, Result};
use crate::v8::census::Census;
use crate::v8::graph::UNREACHABLE;
use crate::v8::refs::Namer;

pub const DCMD: Dcmd = Dcmd {
    name: c"jscensus",
    usage: c"-s file | -d file",
    descr: c"save the census of JavaScript objects, or compare with a saved one",
    help: include_str!("jscensus.help"),
    options: Spec("d:s:"),
    run,
};

/// The first line of a saved census.
const MAGIC: &str = "v8.so census";
/// The format this module writes and reads.
const VERSION: u32 = 1;
/// Most groups a saved census may hold (a real heap has tens of thousands).
const MAX_GROUPS: usize = 10_000_000;
/// Width of the diff's "CONSTRUCTOR: PROPS" column before property names are elided, as
/// in `::findjsobjects`.
const DESCRIPTION_WIDTH: usize = 45;

/// One group of a census, as saved: what identifies it, and its count and size.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    label: String,
    nprops: u64,
    props: Vec<String>,
    count: u64,
    size: u64,
}

impl Row {
    fn key(&self) -> (&str, u64, &[String]) {
        (&self.label, self.nprops, &self.props)
    }
}

fn run(s: &Session, _call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    opts.no_operands()?;
    match (opts.string('s'), opts.string('d')) {
        (Some(file), None) => {
            let (now, _) = current(s)?;
            std::fs::write(&file, format(&now)).map_err(|e| Error::Msg(format!("cannot write {file}: {e}")))?;
            let objects: u64 = now.iter().map(|r| r.count).sum();
            let _ = writeln!(out, "jscensus: saved {} groups ({objects} objects) to {file}", now.len());
        }
        (None, Some(file)) => {
            let text = std::fs::read_to_string(&file).map_err(|e| Error::Msg(format!("cannot read {file}: {e}")))?;
            let before = parse(&text).map_err(|why| Error::Msg(format!("{file}: {why}")))?;
            let (now, live) = current(s)?;
            let top = print_diff(&before, &now, out);
            if let Some(i) = top {
                print_paths(s, &now[i], live.instances(&live.groups[i]), out)?;
            }
        }
        _ => return Err(Error::Usage("specify one of -s file and -d file".into())),
    }
    Ok(())
}

/// The current core's census of live objects, one row per group (malformed groups left
/// out, as `::findjsobjects` leaves them out), and the census of those objects, whose
/// groups are the rows'. An object is live when the heap graph reaches it from a root:
/// the scan also finds dead objects that no collection has reclaimed yet (young ones
/// most of all), which V8's own view (a heap snapshot, which collects first) does not hold.
fn current(s: &Session) -> Result<(Vec<Row>, Census)> {
    let (census, _) = s.census("jscensus")?;
    let g = s.graph("jscensus")?;
    let reached = |a: Addr| g.id(a).is_some_and(|i| g.dist[i as usize] != UNREACHABLE);
    let live = census.retain(|group, a| !group.malformed() && reached(a));
    let sizes = live.group_sizes(&s.heap()?, &mut progress("jscensus", "sizing the groups"))?;
    let rows = live
        .groups
        .iter()
        .zip(sizes)
        .map(|(g, size)| Row {
            label: g.label(),
            nprops: g.nprops,
            props: g.props.clone(),
            count: g.count() as u64,
            size,
        })
        .collect();
    Ok((rows, live))
}

/// The retaining paths of the live objects of the group that grew most (`row`).
fn print_paths(s: &Session, row: &Row, objects: &[u64], out: &mut Output) -> Result<()> {
    let (v8, g, h) = (s.v8()?, s.graph("jscensus")?, s.heap()?);
    let namer = Namer::new(&h, &v8.metadata, &g);
    let ids: Vec<u32> = objects.iter().filter_map(|&a| g.id(Addr(a))).collect();
    let _ =
        writeln!(out, "\nretaining paths of the {} {} objects in this core (as ::jsretainers):", ids.len(), row.label);
    for line in group_paths(&g, &namer, &ids, DEFAULT_DEPTH) {
        out.line(&line);
    }
    Ok(())
}

/// A field with `\`, tab, newline and carriage return escaped.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

fn unescape(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        out.push(match c {
            '\\' => match chars.next()? {
                '\\' => '\\',
                't' => '\t',
                'n' => '\n',
                'r' => '\r',
                _ => return None,
            },
            c => c,
        });
    }
    Some(out)
}

/// The saved form (see the manual).
fn format(rows: &[Row]) -> String {
    let mut text = format!("{MAGIC} {VERSION}\n# COUNT\tSIZE\tNPROPS\tCONSTRUCTOR\tPROPS...\n");
    for r in rows {
        let _ = write!(text, "{}\t{}\t{}\t{}", r.count, r.size, r.nprops, escape(&r.label));
        for p in &r.props {
            text.push('\t');
            text.push_str(&escape(p));
        }
        text.push('\n');
    }
    let _ = writeln!(text, "end {}", rows.len());
    text
}

/// A saved census, or why the text is not one (a one-line reason).
fn parse(text: &str) -> std::result::Result<Vec<Row>, String> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let version = match lines.next() {
        Some((_, l)) => l.strip_prefix(MAGIC).and_then(|v| v.strip_prefix(' ')),
        None => None,
    };
    match version {
        None => return Err(format!("not a census saved by ::jscensus -s (no \"{MAGIC}\" line)")),
        Some(v) if v != VERSION.to_string() => {
            return Err(format!("census format version {v:?}; this module reads version {VERSION}"))
        }
        Some(_) => {}
    }
    let mut rows = Vec::new();
    let mut keys: HashSet<(String, u64, Vec<String>)> = HashSet::new();
    for (n, line) in lines {
        if line.starts_with('#') {
            continue;
        }
        if let Some(count) = line.strip_prefix("end ") {
            if count.parse::<usize>().ok() != Some(rows.len()) {
                return Err(format!("line {n}: corrupt census: \"{line}\" after {} groups", rows.len()));
            }
            return Ok(rows);
        }
        let corrupt = || format!("line {n}: corrupt census");
        let fields: Vec<&str> = line.split('\t').collect();
        let [count, size, nprops, label, props @ ..] = fields.as_slice() else { return Err(corrupt()) };
        let number = |f: &str| f.parse::<u64>().map_err(|_| corrupt());
        let row = Row {
            count: number(count)?,
            size: number(size)?,
            nprops: number(nprops)?,
            label: unescape(label).ok_or_else(corrupt)?,
            props: props.iter().map(|p| unescape(p)).collect::<Option<_>>().ok_or_else(corrupt)?,
        };
        if rows.len() == MAX_GROUPS {
            return Err(format!("line {n}: more than {MAX_GROUPS} groups"));
        }
        if !keys.insert((row.label.clone(), row.nprops, row.props.clone())) {
            return Err(format!("line {n}: corrupt census: a second line for group {}", row.label));
        }
        rows.push(row);
    }
    Err(format!("truncated census: no \"end\" line after {} groups", rows.len()))
}

/// Signed growth, "+N", "-N" or "0".
fn growth(before: u64, after: u64) -> String {
    match after.cmp(&before) {
        std::cmp::Ordering::Greater => format!("+{}", after - before),
        std::cmp::Ordering::Less => format!("-{}", before - after),
        std::cmp::Ordering::Equal => "0".into(),
    }
}

/// A group's (count, size) in the saved census and in this core.
struct Change<'a> {
    row: &'a Row,
    /// Its index in this core's rows, if it has objects here.
    at: Option<usize>,
    before: (u64, u64),
    after: (u64, u64),
}

impl Change<'_> {
    /// The growth in objects and in bytes.
    fn growth(&self) -> (i128, i128) {
        let delta = |b: u64, a: u64| i128::from(a) - i128::from(b);
        (delta(self.before.0, self.after.0), delta(self.before.1, self.after.1))
    }
}

/// Every group whose count or size changed, largest count growth first (then size growth).
/// Returns the index in `after` of the group that grew most, if one grew in objects.
fn print_diff(before: &[Row], after: &[Row], out: &mut Output) -> Option<usize> {
    let old: HashMap<_, &Row> = before.iter().map(|r| (r.key(), r)).collect();
    let new: HashMap<_, &Row> = after.iter().map(|r| (r.key(), r)).collect();
    let now = |r: &'_ Row| (r.count, r.size);
    let mut changed: Vec<Change> = after
        .iter()
        .enumerate()
        .map(|(i, r)| Change {
            row: r,
            at: Some(i),
            before: old.get(&r.key()).map_or((0, 0), |o| now(o)),
            after: now(r),
        })
        .chain(before.iter().filter(|r| !new.contains_key(&r.key())).map(|r| Change {
            row: r,
            at: None,
            before: now(r),
            after: (0, 0),
        }))
        .filter(|c| c.before != c.after)
        .collect();
    changed.sort_by(|x, y| y.growth().cmp(&x.growth()).then_with(|| x.row.key().cmp(&y.row.key())));
    let _ = writeln!(
        out,
        "{:>8} {:>8} {:>8} {:>12} {:>12} {:>12} {:>8} CONSTRUCTOR: PROPS",
        "#BEFORE", "#AFTER", "#GROWTH", "BYTES_BEFORE", "BYTES_AFTER", "BYTES_GROWTH", "#PROPS"
    );
    let top = changed.first().filter(|c| c.growth().0 > 0).and_then(|c| c.at);
    for c in changed {
        let ((count0, size0), (count1, size1)) = (c.before, c.after);
        let prefix = format!(
            "{count0:>8} {count1:>8} {:>8} {size0:>12} {size1:>12} {:>12} {:>8} ",
            growth(count0, count1),
            growth(size0, size1),
            c.row.nprops
        );
        let width = prefix.len() + DESCRIPTION_WIDTH;
        out.line(&group_row(prefix, &c.row.label, &c.row.props, width));
    }
    top
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(label: &str, props: &[&str], count: u64, size: u64) -> Row {
        let props: Vec<String> = props.iter().map(|p| p.to_string()).collect();
        Row { label: label.into(), nprops: props.len() as u64, props, count, size }
    }

    #[test]
    fn round_trip() {
        let rows = vec![
            row("Point", &["x", "y"], 3, 120),
            row("Odd\tname\\", &["new\nline", "a\rb"], 1, 8),
            row("Array", &[], 2, 64),
        ];
        assert_eq!(parse(&format(&rows)), Ok(rows));
        assert_eq!(parse(&format(&[])), Ok(vec![]));
    }

    #[test]
    fn rejects_other_files() {
        let good = format(&[row("Point", &["x"], 1, 32)]);
        let err = |text: &str| parse(text).unwrap_err();
        assert!(err("").starts_with("not a census"));
        assert!(err("{\"snapshot\":{}}\n").starts_with("not a census"));
        assert!(err("v8.so census 2\nend 0\n").contains("version \"2\""));
        assert!(err(&good.replace("end 1\n", "")).starts_with("truncated"));
        assert!(err(&good.replace("end 1", "end 2")).contains("corrupt"));
        assert!(err(&good.replace("\t32\t", "\tx32\t")).contains("line 3: corrupt"));
        assert!(err(&good.replace("Point", "Po\\int")).contains("corrupt"));
        assert!(err(&good.replace("1\t32\t1\tPoint\tx", "1\t32")).contains("corrupt"));
        let twice = format(&[row("P", &[], 1, 8), row("P", &[], 2, 16)]);
        assert!(err(&twice).contains("a second line"));
    }

    #[test]
    fn growth_is_signed() {
        assert_eq!((growth(1, 5), growth(5, 1), growth(3, 3)), ("+4".into(), "-4".into(), "0".into()));
    }
}
