#![doc = concat!("`::jsretainers`: why is a heap object alive.\n\n```text\n", include_str!("jsretainers.help"), "```")]

use std::collections::HashMap;
use std::fmt::Write;

use super::Dcmd;
use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{Call, Flags, Session};
use crate::target::{Addr, Result};
use crate::v8::graph::{Graph, UNREACHABLE};
use crate::v8::refs::Namer;
use crate::v8::value::tagged;

pub const DCMD: Dcmd = Dcmd {
    name: c"jsretainers",
    usage: c":[-n paths] [-d depth]",
    descr: c"print the shortest retaining paths of a heap object",
    help: include_str!("jsretainers.help"),
    options: Spec("n:d:"),
    run,
};

/// Paths printed by default, and the deepest path looked for.
const DEFAULT_PATHS: u64 = 1;
pub const DEFAULT_DEPTH: u64 = 64;

fn run(s: &Session, call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    opts.no_operands()?;
    let given = call.required_addr()?;
    let (paths, depth) = (opts.number('n', DEFAULT_PATHS)?, opts.number('d', DEFAULT_DEPTH)?);
    let (v8, g, h) = (s.v8()?, s.graph("jsretainers")?, s.heap()?);
    let l = &v8.layout;
    let namer = Namer::new(&h, &v8.metadata, &g);
    let id_of = |a: Addr| g.object(a, l);
    if call.flags.contains(Flags::PIPE) {
        // Piped: one shortest path per object, grouped by what they have in common.
        let ids = crate::mdb::take_pipe().into_iter().map(id_of).collect::<Result<Vec<u32>>>()?;
        for line in group_paths(&g, &namer, &ids, depth) {
            out.line(&line);
        }
        return Ok(());
    }
    let id = id_of(given)?;
    let found = shortest_paths(&g, id, paths);
    if found.is_empty() {
        let _ = writeln!(
            out,
            "{:x} is not reachable from a root (garbage, or held only by weak references)",
            tagged(Addr(g.addrs[id as usize]), l)
        );
        return Ok(());
    }
    for p in found {
        if p.len() as u64 > depth + 1 {
            let _ = writeln!(out, "(no path of at most {depth} edges: the shortest has {})", p.len() - 1);
            break;
        }
        out.line(&namer.path_text(&p).0);
    }
    Ok(())
}

/// The retaining paths of a set of objects: one shortest path per object, one line per
/// distinct path (its last key or index left out) with the number of objects held that
/// way, most first; then those with no path of at most `depth` edges, and those no root
/// reaches.
pub fn group_paths(g: &Graph, namer: &Namer, ids: &[u32], depth: u64) -> Vec<String> {
    let mut groups: HashMap<String, u64> = HashMap::new();
    let (mut unreachable, mut deep) = (0u64, 0u64);
    for &id in ids {
        match g.path_to(id) {
            Some(p) if (p.len() as u64) <= depth + 1 => *groups.entry(namer.path_text(&p).1).or_default() += 1,
            Some(_) => deep += 1,
            None => unreachable += 1,
        }
    }
    let mut rows: Vec<(String, u64)> = groups.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut lines: Vec<String> = rows.into_iter().map(|(pattern, n)| format!("{n} × {pattern}")).collect();
    if deep > 0 {
        lines.push(format!("{deep} × (no path of at most {depth} edges)"));
    }
    if unreachable > 0 {
        lines.push(format!("{unreachable} × (not reachable from a root)"));
    }
    lines
}

/// Up to `n` distinct shortest paths from the synthetic root to `id` (root first),
/// through each node's predecessors as near the roots as its search-tree parent.
fn shortest_paths(g: &Graph, id: u32, n: u64) -> Vec<Vec<u32>> {
    let Some(first) = g.path_to(id) else { return Vec::new() };
    if n <= 1 {
        return vec![first];
    }
    let mut preds: HashMap<u32, Vec<u32>> = HashMap::new();
    let mut out = Vec::new();
    // Depth-first from the target towards the root: the path so far, reversed.
    let mut stack = vec![vec![id]];
    while let Some(rev) = stack.pop() {
        if out.len() as u64 >= n {
            break;
        }
        let at = *rev.last().unwrap_or(&id);
        if at == g.root() {
            out.push(rev.into_iter().rev().collect());
            continue;
        }
        // A predecessor is as far from the roots as the search tree's parent.
        let parent = g.parent[at as usize];
        let ps = preds.entry(at).or_insert_with(|| {
            let mut ps: Vec<u32> = if parent == g.root() { vec![g.root()] } else { Vec::new() };
            let d = g.dist.get(parent as usize).copied().unwrap_or(UNREACHABLE);
            ps.extend(g.referrers(&[at]).into_iter().map(|r| r.0).filter(|&p| p != at && g.dist[p as usize] == d));
            ps
        });
        for &p in ps.iter().rev() {
            let mut next = rev.clone();
            next.push(p);
            stack.push(next);
        }
    }
    out
}
