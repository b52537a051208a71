//! The dominator computation on a synthetic heap-shaped graph, for `make bench`:
//! `cargo run --release --example dominators [NODES [EDGES]]` (default 20 million nodes,
//! 100 million edges). Every node but the root has one edge from a random lower node (so all
//! are reachable), the rest of the edges join random nodes; prints the time of each step.

use std::time::Instant;
use v8::v8::dominators::{dominator_tree, immediate_dominators, Csr};

fn main() {
    let arg = |i: usize, default: usize| std::env::args().nth(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (n, m) = (arg(1, 20_000_000), arg(2, 100_000_000));
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |bound: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % bound as u64) as u32
    };
    let t = Instant::now();
    // Node v's edges: v's tree child edges come from the sources chosen below, so build the
    // edge list by source first (counts, then fill).
    let sources: Vec<u32> = (0..m).map(|e| if e > 0 && e < n { next(e) } else { next(n) }).collect();
    let mut offsets = vec![0u32; n + 1];
    for &s in &sources {
        offsets[s as usize + 1] += 1;
    }
    for i in 0..n {
        offsets[i + 1] += offsets[i];
    }
    let mut fill = offsets.clone();
    let mut targets = vec![0u32; m];
    for (e, &s) in sources.iter().enumerate() {
        targets[fill[s as usize] as usize] = if e < n { e as u32 } else { next(n) };
        fill[s as usize] += 1;
    }
    drop((sources, fill));
    let shallow: Vec<u32> = (0..n).map(|_| 16 + next(64)).collect();
    eprintln!("graph: {n} nodes, {m} edges, built in {:.1?}", t.elapsed());
    let t = Instant::now();
    let idom = immediate_dominators(Csr { offsets: &offsets, targets: &targets, closed: None }, 0);
    eprintln!("immediate dominators: {:.1?}", t.elapsed());
    let t = Instant::now();
    let retained = dominator_tree(&idom, 0, &shallow).sizes;
    eprintln!("retained sizes: {:.1?}", t.elapsed());
    let total: u64 = shallow.iter().map(|&s| u64::from(s)).sum();
    assert_eq!(retained[0], total, "the root retains everything");
    let dominated_by_root = idom.iter().filter(|&&d| d == 0).count();
    eprintln!("{dominated_by_root} nodes have the root as immediate dominator");
}
