//! A reader of V8's `.heapsnapshot` files (what `v8.writeHeapSnapshot()` writes), and the
//! analyses the oracle tests compare against: per-(type, name) counts and self sizes, the
//! dominator tree and retained sizes as DevTools and memlab compute them, the distance from
//! the root and one shortest retaining path.
//!
//! The `nodes` and `edges` arrays (tens of millions of numbers in a real snapshot) are read
//! by a small number scanner straight into flat arrays; only the rest of the file (meta,
//! strings) goes through serde_json.
//!
//! **Which edges count for dominators** (DevTools' HeapSnapshot.ts `isEssentialEdge` and its
//! page-object rule, as memlab 2's `TraceFinder.computeDominatorsAndRetainedSizes` applies
//! them to node snapshots):
//! - weak edges never count;
//! - shortcut edges count only from the root (node 0), where they mark the user roots;
//! - self edges do not count;
//! - "page objects" are the nodes reachable from the root's edges other than shortcuts (and
//!   other than an element edge to "(Document DOM trees)"), through non-weak edges; an edge
//!   from a node that is not a page object to one that is does not count, except from the root.
//!
//! The dominators are computed here by Cooper, Harvey and Kennedy's iterative algorithm
//! ("A Simple, Fast Dominance Algorithm"), independent of the module's semi-NCA
//! (src/v8/dominators.rs), over the nodes reachable from the root by the edges that count.
//! memlab also places every node that is not so reachable under the root (orphans with only
//! weak retainers, then cliques that retain one another): here those have no dominator and
//! no retained size, and the root's retained size is the reachable nodes' total.
//!
//! **Distance** is DevTools' (`HeapSnapshot.calculateDistances`): a breadth-first search over
//! non-weak edges, first from the user roots (the root's children that are not synthetic
//! nodes, at distance 1), then from the root for what those did not reach, at distances
//! counted from `UNREACHABLE_BASE` (DevTools' `baseUnreachableDistance`). DevTools' JS-specific
//! edge filters for distances (descriptor arrays' internal slots, a native context's
//! `sloppy_function_map`, ephemeron tables) are not applied here.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::path::Path;

/// DevTools' distance base for nodes the user roots do not reach.
pub const UNREACHABLE_BASE: u32 = 100_000_000;

/// One heap snapshot, as flat arrays indexed by node ordinal and edge index.
pub struct Snapshot {
    pub node_types: Vec<String>,
    pub edge_types: Vec<String>,
    pub strings: Vec<String>,
    /// Per node: type (index into `node_types`), name (into `strings`), id, self size.
    pub node_type: Vec<u32>,
    pub node_name: Vec<u32>,
    pub node_id: Vec<u64>,
    pub self_size: Vec<u64>,
    /// Node i's edges are `first_edge[i]..first_edge[i + 1]`.
    pub first_edge: Vec<u32>,
    /// Per edge: type (into `edge_types`), name or index (into `strings` unless the edge is
    /// an element or hidden edge, whose number is an index), target node ordinal.
    pub edge_type: Vec<u32>,
    pub edge_name: Vec<u32>,
    pub edge_to: Vec<u32>,
    /// Where nodes are defined: (node ordinal, script id, line, column), 0-based.
    pub locations: Vec<[u64; 4]>,
}

/// The numbers of a JSON array of non-negative integers that starts just after `key`.
fn numbers_after(text: &[u8], key: &str) -> (Vec<u64>, std::ops::Range<usize>) {
    let at =
        text.windows(key.len()).position(|w| w == key.as_bytes()).unwrap_or_else(|| panic!("no {key} in the snapshot"));
    let start = at + key.len();
    let mut out = Vec::new();
    let (mut value, mut in_number) = (0u64, false);
    for (i, &b) in text[start..].iter().enumerate() {
        match b {
            b'0'..=b'9' => {
                value = value * 10 + u64::from(b - b'0');
                in_number = true;
            }
            b',' | b']' | b'\n' | b'\r' | b' ' => {
                if in_number {
                    out.push(value);
                }
                (value, in_number) = (0, false);
                if b == b']' {
                    return (out, at..start + i + 1);
                }
            }
            _ => panic!("unexpected byte {b:#x} in {key} at {}", start + i),
        }
    }
    panic!("unterminated {key}")
}

impl Snapshot {
    pub fn read(path: &Path) -> Snapshot {
        let mut text = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let (nodes, node_range) = numbers_after(&text, "\"nodes\":[");
        let (edges, edge_range) = numbers_after(&text, "\"edges\":[");
        let (locations, _) = numbers_after(&text, "\"locations\":[");
        // The rest, with the two arrays emptied, is small enough for serde_json.
        assert!(node_range.end <= edge_range.start, "nodes come before edges");
        text.splice(edge_range.clone(), b"\"edges\":[]".iter().copied());
        text.splice(node_range.clone(), b"\"nodes\":[]".iter().copied());
        let rest: serde_json::Value = serde_json::from_slice(&text).expect("parse the snapshot's meta and strings");
        let meta = &rest["snapshot"]["meta"];
        let names = |v: &serde_json::Value| -> Vec<String> {
            v.as_array().expect("an array of names").iter().map(|s| s.as_str().expect("a name").to_string()).collect()
        };
        let (node_fields, edge_fields) = (names(&meta["node_fields"]), names(&meta["edge_fields"]));
        let field = |fields: &[String], name: &str| fields.iter().position(|f| f == name).expect(name);
        let (nf, ef) = (node_fields.len(), edge_fields.len());
        assert!(nodes.len() % nf == 0 && edges.len() % ef == 0, "partial node or edge records");
        let column = |v: &[u64], width: usize, i: usize| -> Vec<u64> { v.chunks_exact(width).map(|r| r[i]).collect() };
        let small = |v: Vec<u64>| -> Vec<u32> { v.into_iter().map(|x| u32::try_from(x).expect("a u32")).collect() };
        let edge_count = column(&nodes, nf, field(&node_fields, "edge_count"));
        let mut first_edge = vec![0u32];
        for c in &edge_count {
            first_edge.push(first_edge.last().unwrap() + u32::try_from(*c).unwrap());
        }
        assert_eq!(*first_edge.last().unwrap() as usize, edges.len() / ef, "edge counts add up to the edges");
        let to = column(&edges, ef, field(&edge_fields, "to_node"));
        Snapshot {
            node_types: names(&meta["node_types"][0]),
            edge_types: names(&meta["edge_types"][0]),
            strings: names(&rest["strings"]),
            node_type: small(column(&nodes, nf, field(&node_fields, "type"))),
            node_name: small(column(&nodes, nf, field(&node_fields, "name"))),
            node_id: column(&nodes, nf, field(&node_fields, "id")),
            self_size: column(&nodes, nf, field(&node_fields, "self_size")),
            first_edge,
            edge_type: small(column(&edges, ef, field(&edge_fields, "type"))),
            edge_name: small(column(&edges, ef, field(&edge_fields, "name_or_index"))),
            edge_to: to.into_iter().map(|t| u32::try_from(t / nf as u64).unwrap()).collect(),
            locations: locations.chunks_exact(4).map(|l| [l[0] / nf as u64, l[1], l[2], l[3]]).collect(),
        }
    }

    pub fn node_count(&self) -> usize {
        self.node_type.len()
    }

    pub fn type_of(&self, v: usize) -> &str {
        &self.node_types[self.node_type[v] as usize]
    }

    pub fn name_of(&self, v: usize) -> &str {
        &self.strings[self.node_name[v] as usize]
    }

    pub fn edges(&self, v: usize) -> std::ops::Range<usize> {
        self.first_edge[v] as usize..self.first_edge[v + 1] as usize
    }

    pub fn edge_type_of(&self, e: usize) -> &str {
        &self.edge_types[self.edge_type[e] as usize]
    }

    /// An edge's name as DevTools shows it: a property name, or `[index]` for elements.
    pub fn edge_label(&self, e: usize) -> String {
        match self.edge_type_of(e) {
            "element" | "hidden" => format!("[{}]", self.edge_name[e]),
            _ => self.strings[self.edge_name[e] as usize].clone(),
        }
    }

    /// The target of node v's edge named `name` (not element or hidden edges), if any.
    pub fn child(&self, v: usize, name: &str) -> Option<usize> {
        self.edges(v)
            .find(|&e| {
                !matches!(self.edge_type_of(e), "element" | "hidden")
                    && self.strings[self.edge_name[e] as usize] == name
            })
            .map(|e| self.edge_to[e] as usize)
    }

    /// Nodes of this type and name.
    pub fn find(&self, ty: &str, name: &str) -> Vec<usize> {
        (0..self.node_count()).filter(|&v| self.type_of(v) == ty && self.name_of(v) == name).collect()
    }

    /// The node with this id.
    pub fn by_id(&self, id: u64) -> Option<usize> {
        self.node_id.iter().position(|&i| i == id)
    }

    /// Count and total self size per (type, name).
    pub fn census(&self) -> HashMap<(String, String), (u64, u64)> {
        let mut out: HashMap<(String, String), (u64, u64)> = HashMap::new();
        for v in 0..self.node_count() {
            let e = out.entry((self.type_of(v).to_string(), self.name_of(v).to_string())).or_default();
            e.0 += 1;
            e.1 += self.self_size[v];
        }
        out
    }

    /// The graph of the edges that count for dominators (see the module docs), in CSR form.
    pub fn essential_graph(&self) -> (Vec<u32>, Vec<u32>) {
        let n = self.node_count();
        let page = self.page_objects();
        let (mut offsets, mut targets) = (vec![0u32], Vec::new());
        for v in 0..n {
            for e in self.edges(v) {
                let (ty, w) = (self.edge_type_of(e), self.edge_to[e] as usize);
                let counts = ty != "weak" && (ty != "shortcut" || v == 0) && v != w && (v == 0 || !page[w] || page[v]);
                if counts {
                    targets.push(w as u32);
                }
            }
            offsets.push(targets.len() as u32);
        }
        (offsets, targets)
    }

    /// memlab's page objects: reachable from the root's non-shortcut edges by non-weak edges.
    fn page_objects(&self) -> Vec<bool> {
        let mut page = vec![false; self.node_count()];
        let mut stack = Vec::new();
        for e in self.edges(0) {
            let w = self.edge_to[e] as usize;
            let skip = match self.edge_type_of(e) {
                "element" => self.name_of(w) == "(Document DOM trees)",
                "shortcut" => true,
                _ => false,
            };
            if !skip && !page[w] {
                page[w] = true;
                stack.push(w);
            }
        }
        while let Some(v) = stack.pop() {
            for e in self.edges(v) {
                let w = self.edge_to[e] as usize;
                if self.edge_type_of(e) != "weak" && !page[w] {
                    page[w] = true;
                    stack.push(w);
                }
            }
        }
        page
    }

    /// The immediate dominator of every node reachable from the root by the edges that
    /// count (the root's is itself; `None` for the others), by Cooper-Harvey-Kennedy.
    pub fn dominators(&self) -> Vec<Option<usize>> {
        let (offsets, targets) = self.essential_graph();
        let n = self.node_count();
        let succ = |v: usize| &targets[offsets[v] as usize..offsets[v + 1] as usize];
        // Postorder by an iterative DFS (stack of (node, next edge)).
        let mut order = vec![usize::MAX; n];
        let mut postorder = Vec::new();
        let mut seen = vec![false; n];
        let mut stack = vec![(0usize, 0usize)];
        seen[0] = true;
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            if let Some(&w) = succ(v).get(*next) {
                *next += 1;
                if !seen[w as usize] {
                    seen[w as usize] = true;
                    stack.push((w as usize, 0));
                }
            } else {
                order[v] = postorder.len();
                postorder.push(v);
                stack.pop();
            }
        }
        let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
        for v in postorder.iter().copied() {
            for &w in succ(v) {
                preds[w as usize].push(v);
            }
        }
        let mut idom: Vec<Option<usize>> = vec![None; n];
        idom[0] = Some(0);
        let intersect = |idom: &[Option<usize>], mut a: usize, mut b: usize| {
            while a != b {
                while order[a] < order[b] {
                    a = idom[a].unwrap();
                }
                while order[b] < order[a] {
                    b = idom[b].unwrap();
                }
            }
            a
        };
        let mut changed = true;
        while changed {
            changed = false;
            for &v in postorder.iter().rev().skip(1) {
                let mut new: Option<usize> = None;
                for &p in &preds[v] {
                    if idom[p].is_some() {
                        new = Some(new.map_or(p, |x| intersect(&idom, p, x)));
                    }
                }
                if new != idom[v] {
                    idom[v] = new;
                    changed = true;
                }
            }
        }
        idom
    }

    /// Retained sizes from [`Snapshot::dominators`]' tree (0 for nodes outside it).
    pub fn retained_sizes(&self, idom: &[Option<usize>]) -> Vec<u64> {
        let n = self.node_count();
        // Each node's depth in the dominator tree (each chain walked up to the first node
        // of known depth, so linear in all), then deepest first.
        let mut depth: Vec<Option<u32>> = vec![None; n];
        let mut chain = Vec::new();
        for v in 0..n {
            let mut x = v;
            while depth[x].is_none() {
                match idom[x].filter(|&p| p != x) {
                    Some(p) => {
                        chain.push(x);
                        x = p;
                    }
                    None => depth[x] = Some(0),
                }
            }
            let mut d = depth[x].unwrap();
            while let Some(y) = chain.pop() {
                d += 1;
                depth[y] = Some(d);
            }
        }
        let mut by_depth: Vec<usize> = (0..n).filter(|&v| idom[v].is_some()).collect();
        by_depth.sort_by_key(|&v| std::cmp::Reverse(depth[v]));
        let mut retained = vec![0u64; n];
        for v in by_depth {
            retained[v] += self.self_size[v];
            if let Some(p) = idom[v].filter(|&p| p != v) {
                retained[p] += retained[v];
            }
        }
        retained
    }

    /// DevTools' distance of every node (see the module docs), and the edge by which a
    /// breadth-first search first reached it.
    pub fn distances(&self) -> (Vec<u32>, Vec<Option<usize>>) {
        let n = self.node_count();
        let mut distance = vec![u32::MAX; n];
        let mut via: Vec<Option<usize>> = vec![None; n];
        let mut queue = VecDeque::new();
        for e in self.edges(0) {
            let w = self.edge_to[e] as usize;
            if self.type_of(w) != "synthetic" && distance[w] == u32::MAX {
                distance[w] = 1;
                via[w] = Some(e);
                queue.push_back(w);
            }
        }
        let mut bfs = |queue: &mut VecDeque<usize>, distance: &mut Vec<u32>| {
            while let Some(v) = queue.pop_front() {
                for e in self.edges(v) {
                    let w = self.edge_to[e] as usize;
                    if self.edge_type_of(e) != "weak" && distance[w] == u32::MAX {
                        distance[w] = distance[v] + 1;
                        via[w] = Some(e);
                        queue.push_back(w);
                    }
                }
            }
        };
        let reached_users = !queue.is_empty();
        bfs(&mut queue, &mut distance);
        distance[0] = if reached_users { UNREACHABLE_BASE } else { 0 };
        queue.push_back(0);
        bfs(&mut queue, &mut distance);
        (distance, via)
    }

    /// The edge labels along one shortest retaining path from the root to `target`
    /// (DevTools' distances), from the root down, with the node each edge leaves.
    pub fn shortest_path(&self, target: usize) -> Vec<(usize, String)> {
        let (_, via) = self.distances();
        let source: HashMap<usize, usize> =
            (0..self.node_count()).flat_map(|v| self.edges(v).map(move |e| (e, v))).collect();
        let mut path = Vec::new();
        let mut v = target;
        while let Some(e) = via[v] {
            let from = source[&e];
            path.push((from, self.edge_label(e)));
            if from == 0 {
                break;
            }
            v = from;
        }
        path.reverse();
        path
    }
}
