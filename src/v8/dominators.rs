//! Dominators and retained sizes over a graph in CSR form (the heap graph's dense ids).
//!
//! [`immediate_dominators`] is the semi-NCA algorithm (Georgiadis; Lengauer-Tarjan's
//! semidominators, then each immediate dominator as the nearest common ancestor of a node's
//! DFS parent and its semidominator), with every step iterative: the DFS walks back up through
//! the parent array instead of a stack, and path compression is done with one reusable stack.
//! Near-linear on heap graphs, it needs no recursion however long the chains are.
//!
//! Memory, for n nodes, r of them reachable and m' edges between reachable nodes: the result
//! (n u32) plus five u32 arrays of r and the reverse graph of the reachable part (r + 1 + m'
//! u32). No allocation per node.
//!
//! Input rules (nothing panics, whatever the input):
//! - the node count is `offsets.len() - 1` (no nodes if `offsets` is empty);
//! - node i's edge range is `offsets[i]..offsets[i + 1]` clipped to `targets`; a range whose
//!   end is below its start is empty;
//! - an edge whose target is not below the node count is ignored;
//! - self loops, duplicate edges and cycles are allowed and change nothing;
//! - with a `closed` set, an edge from a node outside it into it is ignored (a node missing
//!   from the slice is outside);
//! - a root that is not a node makes every node unreachable;
//! - node ids are u32 and u32::MAX marks the unreachable: a graph of u32::MAX nodes or more
//!   is refused (every node unreachable, every retained size 0).

/// A graph in CSR form: node i's successors are targets[offsets[i] as usize..offsets[i + 1] as usize].
#[derive(Clone, Copy)]
pub struct Csr<'a> {
    pub offsets: &'a [u32],
    pub targets: &'a [u32],
    /// Nodes that only edges from among themselves enter (`closed[v]`): an edge into the
    /// set from outside it does not count. `None`: every edge counts.
    pub closed: Option<&'a [bool]>,
}

/// The marker of an unreachable node in [`immediate_dominators`]' result.
pub const UNREACHABLE: u32 = u32::MAX;

impl Csr<'_> {
    fn node_count(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Node `v`'s edge range in `targets` (see the module's input rules).
    fn range(&self, v: usize) -> (usize, usize) {
        let len = self.targets.len();
        let start = (self.offsets[v] as usize).min(len);
        (start, (self.offsets[v + 1] as usize).clamp(start, len))
    }

    /// Whether the edge `v → w` counts: `w` is a node, and not in the closed set unless
    /// `v` is.
    fn counts(&self, v: usize, w: u32) -> bool {
        let inside = |x: usize| self.closed.is_some_and(|c| c.get(x).copied().unwrap_or(false));
        (w as usize) < self.node_count() && (!inside(w as usize) || inside(v))
    }

    /// Node `v`'s successors that count.
    fn successors(&self, v: usize) -> impl Iterator<Item = u32> + '_ {
        let (start, end) = self.range(v);
        self.targets[start..end].iter().copied().filter(move |&w| self.counts(v, w))
    }
}

/// Immediate dominator of each node reachable from `root` (root → root; unreachable → u32::MAX).
pub fn immediate_dominators(g: Csr<'_>, root: u32) -> Vec<u32> {
    let n = g.node_count();
    if (root as usize) >= n || n >= UNREACHABLE as usize {
        return vec![UNREACHABLE; n];
    }
    // pre[v]: node v's DFS number plus one, 0 while unvisited; at the end, the result.
    let mut pre = vec![0u32; n];
    // Depth-first numbering. vert[i] is the node numbered i, parent[i] its DFS parent's
    // number; cursor[i] is the index in `targets` of node i's next edge to explore. The walk
    // returns to the parent when a node's edges are exhausted, so it needs no stack.
    // The arrays reserve room for every node: untouched pages cost no memory, and no
    // reallocation doubles the peak.
    let (mut vert, mut parent, mut cursor) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    vert.push(root);
    parent.push(0u32);
    cursor.push(g.range(root as usize).0 as u32);
    pre[root as usize] = 1;
    let mut i = 0usize;
    loop {
        let end = g.range(vert[i] as usize).1;
        let from = cursor[i] as usize;
        let v = vert[i] as usize;
        let next = g.targets[from..end].iter().position(|&w| g.counts(v, w) && pre[w as usize] == 0);
        match next {
            Some(k) => {
                let w = g.targets[from + k];
                // Below `end`, which is at most an offset, a u32.
                cursor[i] = (from + k + 1) as u32;
                let number = vert.len();
                pre[w as usize] = number as u32 + 1;
                vert.push(w);
                parent.push(i as u32);
                cursor.push(g.range(w as usize).0 as u32);
                i = number;
            }
            None if i == 0 => break,
            None => i = parent[i] as usize,
        }
    }
    drop(cursor);
    let r = vert.len();

    // The reverse graph of the reachable part, in DFS numbers.
    let mut roff = vec![0u32; r + 1];
    for &v in &vert {
        for w in g.successors(v as usize) {
            if let Some(j) = pre[w as usize].checked_sub(1) {
                roff[j as usize + 1] += 1;
            }
        }
    }
    for j in 0..r {
        roff[j + 1] += roff[j];
    }
    let mut fill = roff.clone();
    let mut preds = vec![0u32; roff[r] as usize];
    for (i, &v) in vert.iter().enumerate() {
        for w in g.successors(v as usize) {
            if let Some(j) = pre[w as usize].checked_sub(1) {
                preds[fill[j as usize] as usize] = i as u32;
                fill[j as usize] += 1;
            }
        }
    }
    drop(fill);

    // Semidominators, in decreasing DFS number, with Lengauer-Tarjan's link and eval on a
    // forest: ancestor[i] is i's forest parent (u32::MAX for a forest root), label[i] the
    // number with the least semidominator on the compressed path above i.
    let mut semi: Vec<u32> = (0..r as u32).collect();
    let mut label: Vec<u32> = (0..r as u32).collect();
    let mut ancestor = vec![UNREACHABLE; r];
    let mut path = Vec::new();
    for w in (1..r).rev() {
        let mut s = semi[w];
        for &v in &preds[roff[w] as usize..roff[w + 1] as usize] {
            // A predecessor numbered below w is not processed yet: its semidominator is
            // itself and it is not in the forest (two random reads saved).
            s = s.min(if (v as usize) < w {
                v
            } else {
                semi[eval(v, &mut ancestor, &mut label, &semi, &mut path) as usize]
            });
        }
        semi[w] = s;
        ancestor[w] = parent[w];
    }
    drop((preds, roff, ancestor));

    // Immediate dominators: the nearest common ancestor of the DFS parent and the
    // semidominator, found by climbing the dominators already known (in label, reused).
    let idom = &mut label;
    idom[0] = 0;
    for w in 1..r {
        let mut x = parent[w];
        while x > semi[w] {
            x = idom[x as usize];
        }
        idom[w] = x;
    }

    for p in pre.iter_mut() {
        *p = match p.checked_sub(1) {
            Some(i) => vert[idom[i as usize] as usize],
            None => UNREACHABLE,
        };
    }
    pre
}

/// Lengauer-Tarjan's eval: the number with the least semidominator on the forest path from
/// `v` up to (not including) its forest root, compressing the path on the way.
fn eval(v: u32, ancestor: &mut [u32], label: &mut [u32], semi: &[u32], path: &mut Vec<u32>) -> u32 {
    if ancestor[v as usize] == UNREACHABLE {
        return v;
    }
    // Collect the path up to the node just below the top whose ancestor is a forest root.
    path.clear();
    let mut x = v;
    while ancestor[ancestor[x as usize] as usize] != UNREACHABLE {
        path.push(x);
        x = ancestor[x as usize];
    }
    // Compress from the top down: each node takes its ancestor's label if that is better.
    while let Some(y) = path.pop() {
        let a = ancestor[y as usize] as usize;
        if semi[label[a] as usize] < semi[label[y as usize] as usize] {
            label[y as usize] = label[a];
        }
        ancestor[y as usize] = ancestor[a];
    }
    label[v as usize]
}

/// The dominator tree below a root: each node's retained size, and its place in the
/// tree's depth-first preorder.
pub struct DominatorTree {
    /// Shallow size of a node plus the shallow sizes of every node it dominates (0 if
    /// unreachable).
    pub sizes: Vec<u64>,
    /// Each node's preorder number, and the last number of its subtree: `a` dominates `b`
    /// exactly when `pre[a] <= pre[b] <= last[a]` (`UNREACHABLE` outside the tree).
    pub pre: Vec<u32>,
    pub last: Vec<u32>,
}

/// The dominator tree of `root` from `idom`, [`immediate_dominators`]' result, by one
/// iterative depth-first walk (a node's size is complete when the walk leaves it).
///
/// A node whose entry is u32::MAX, or not a node, is unreachable; so is every node whose
/// dominator chain does not end at `root` (a cycle, or another root, in input that did not
/// come from `immediate_dominators`). A node missing from `shallow` has shallow size 0.
pub fn dominator_tree(idom: &[u32], root: u32, shallow: &[u32]) -> DominatorTree {
    let n = idom.len();
    let mut tree = DominatorTree { sizes: vec![0; n], pre: vec![UNREACHABLE; n], last: vec![UNREACHABLE; n] };
    if (root as usize) >= n || n >= UNREACHABLE as usize {
        return tree;
    }
    let dominator = |v: usize| Some(idom[v] as usize).filter(|&d| d < n && d != v);
    // The tree's children lists, in CSR form.
    let mut off = vec![0u32; n + 1];
    for v in 0..n {
        if let Some(d) = dominator(v) {
            off[d + 1] += 1;
        }
    }
    for v in 0..n {
        off[v + 1] += off[v];
    }
    let mut fill = off.clone();
    let mut children = vec![0u32; off[n] as usize];
    for v in 0..n {
        if let Some(d) = dominator(v) {
            children[fill[d] as usize] = v as u32;
            fill[d] += 1;
        }
    }
    drop(fill);
    let mut counter = 0u32;
    // (node, index of its next child to visit)
    let mut stack: Vec<(u32, u32)> = vec![(root, off[root as usize])];
    tree.pre[root as usize] = 0;
    while let Some(&mut (v, ref mut next)) = stack.last_mut() {
        if *next < off[v as usize + 1] {
            let c = children[*next as usize];
            *next += 1;
            counter += 1;
            tree.pre[c as usize] = counter;
            stack.push((c, off[c as usize]));
        } else {
            let v = v as usize;
            tree.last[v] = counter;
            tree.sizes[v] += u64::from(shallow.get(v).copied().unwrap_or(0));
            stack.pop();
            if let Some(&(parent, _)) = stack.last() {
                tree.sizes[parent as usize] += tree.sizes[v];
            }
        }
    }
    tree
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A graph from an edge list over n nodes.
    fn csr(n: usize, edges: &[(u32, u32)]) -> (Vec<u32>, Vec<u32>) {
        let mut offsets = vec![0u32; n + 1];
        for &(v, _) in edges {
            offsets[v as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut targets = vec![0u32; edges.len()];
        for &(v, w) in edges {
            targets[fill[v as usize] as usize] = w;
            fill[v as usize] += 1;
        }
        (offsets, targets)
    }

    fn idoms(n: usize, edges: &[(u32, u32)], root: u32) -> Vec<u32> {
        let (offsets, targets) = csr(n, edges);
        immediate_dominators(Csr { offsets: &offsets, targets: &targets, closed: None }, root)
    }

    const X: u32 = UNREACHABLE;

    #[test]
    fn closed_set() {
        // 0 → 1 → 3 and 0 → 2 → 3 → 4; {0, 1, 3, 4} closed: 2 → 3 enters it from outside.
        let (offsets, targets) = csr(5, &[(0, 1), (0, 2), (1, 3), (2, 3), (3, 4)]);
        let closed = [true, true, false, true, true];
        let g = |closed| Csr { offsets: &offsets, targets: &targets, closed };
        assert_eq!(immediate_dominators(g(None), 0), [0, 0, 0, 0, 3]);
        assert_eq!(immediate_dominators(g(Some(&closed)), 0), [0, 0, 0, 1, 3]);
        // Nodes missing from the slice are outside the set.
        assert_eq!(immediate_dominators(g(Some(&closed[..1])), 1), [X, 1, X, 1, 3]);
    }

    #[test]
    fn diamond() {
        // 0 → 1, 2 → 3 → 4
        let e = [(0, 1), (0, 2), (1, 3), (2, 3), (3, 4)];
        assert_eq!(idoms(5, &e, 0), [0, 0, 0, 0, 3]);
        assert_eq!(
            dominator_tree(&idoms(5, &e, 0), 0, &[1, 10, 100, 1000, 10000]).sizes,
            [11111, 10, 100, 11000, 10000]
        );
    }

    #[test]
    fn loops_and_self_loops() {
        // 0 → 1 → 2 → 3 → 1 (a loop), 2 → 2, 3 → 4, duplicates
        let e = [(0, 1), (1, 2), (2, 3), (3, 1), (2, 2), (3, 4), (3, 4), (1, 2)];
        assert_eq!(idoms(5, &e, 0), [0, 0, 1, 2, 3]);
    }

    #[test]
    fn irreducible() {
        // The classic: 0 → 1, 0 → 2, 1 ↔ 2; and a larger one with two entries into a cycle.
        assert_eq!(idoms(3, &[(0, 1), (0, 2), (1, 2), (2, 1)], 0), [0, 0, 0]);
        let e = [(0, 1), (0, 2), (1, 3), (2, 4), (3, 4), (4, 3), (3, 5), (4, 5), (5, 6)];
        assert_eq!(idoms(7, &e, 0), [0, 0, 0, 0, 0, 0, 5]);
        // Cooper-Harvey-Kennedy's figure 4: 5 → 4, 5 → 3, 4 → 1, 3 → 2, 1 ↔ 2, 2 → 1.
        let e = [(5, 4), (5, 3), (4, 1), (3, 2), (1, 2), (2, 1)];
        assert_eq!(idoms(6, &e, 5), [X, 5, 5, 5, 5, 5]);
    }

    #[test]
    fn unreachable_and_bad_edges() {
        // 2 and 3 are unreachable (3 → 1 does not make 3 reachable); 7 and 1000 are not nodes.
        let e = [(0, 1), (3, 1), (2, 3), (1, 7), (1, 1000)];
        let idom = idoms(4, &e, 0);
        assert_eq!(idom, [0, 0, X, X]);
        assert_eq!(dominator_tree(&idom, 0, &[1, 2, 3, 4]).sizes, [3, 2, 0, 0]);
        assert_eq!(idoms(4, &e, 4), [X; 4]);
        assert_eq!(idoms(0, &[], 0), Vec::<u32>::new());
        let g = Csr { offsets: &[], targets: &[], closed: None };
        assert_eq!(immediate_dominators(g, 0), Vec::<u32>::new());
        // Offsets beyond the targets, decreasing offsets.
        let g = Csr { offsets: &[0, 5, 1, 9], targets: &[1, 2], closed: None };
        assert_eq!(immediate_dominators(g, 0), [0, 0, 0]);
        // dominator_tree on input that is not a dominator tree: a cycle, a bad entry,
        // another root; and a root that is no node.
        let tree = dominator_tree(&[0, 2, 1, 99, X, 5], 0, &[1, 1, 1, 1]);
        assert_eq!(
            (tree.sizes, tree.pre, tree.last),
            (vec![1, 0, 0, 0, 0, 0], vec![0, X, X, X, X, X], vec![0, X, X, X, X, X])
        );
        assert_eq!(dominator_tree(&[0, 0], 2, &[1, 1]).sizes, [0, 0]);
    }

    #[test]
    fn long_chain() {
        // 0 → 1 → ... → n-1, plus a back edge from the end to the start.
        let n = 1_000_000u32;
        let mut e: Vec<(u32, u32)> = (0..n - 1).map(|i| (i, i + 1)).collect();
        e.push((n - 1, 0));
        let idom = idoms(n as usize, &e, 0);
        assert!(idom.iter().enumerate().all(|(i, &d)| d == (i as u32).saturating_sub(1)));
        let retained = dominator_tree(&idom, 0, &vec![1; n as usize]).sizes;
        assert!(retained.iter().enumerate().all(|(i, &r)| r == u64::from(n) - i as u64));
        // And a chain with a shortcut from the root to every node: everything is the root's.
        e.extend((2..n).map(|i| (0, i)));
        let idom = idoms(n as usize, &e, 0);
        assert!(idom.iter().all(|&d| d == 0));
    }

    /// Dominators by the iterative dataflow definition: dom(root) = {root},
    /// dom(v) = {v} ∪ ⋂ dom(p) over v's predecessors p, to the fixed point.
    fn naive(n: usize, edges: &[(u32, u32)], root: usize) -> Vec<u32> {
        let mut reach = vec![false; n];
        reach[root] = true;
        let mut changed = true;
        while changed {
            changed = false;
            for &(v, w) in edges {
                if reach[v as usize] && !reach[w as usize] {
                    reach[w as usize] = true;
                    changed = true;
                }
            }
        }
        let mut dom: Vec<Vec<bool>> =
            (0..n).map(|v| if v == root { (0..n).map(|u| u == root).collect() } else { vec![true; n] }).collect();
        changed = true;
        while changed {
            changed = false;
            for w in (0..n).filter(|&w| w != root && reach[w]) {
                let mut d = vec![true; n];
                for &(v, _) in edges.iter().filter(|&&(v, x)| x as usize == w && reach[v as usize]) {
                    for u in 0..n {
                        d[u] &= dom[v as usize][u];
                    }
                }
                d[w] = true;
                if d != dom[w] {
                    dom[w] = d;
                    changed = true;
                }
            }
        }
        // The immediate dominator is the strict dominator that all other strict dominators dominate.
        (0..n)
            .map(|w| {
                if !reach[w] {
                    return X;
                }
                if w == root {
                    return root as u32;
                }
                let strict: Vec<usize> = (0..n).filter(|&u| u != w && dom[w][u]).collect();
                let i = strict.iter().find(|&&u| strict.iter().all(|&s| dom[u][s])).unwrap();
                *i as u32
            })
            .collect()
    }

    #[test]
    fn random_graphs_agree_with_the_dataflow_definition() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |bound: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % bound
        };
        for _ in 0..3000 {
            let n = 1 + next(14) as usize;
            let m = next(3 * n as u64 + 1) as usize;
            let edges: Vec<(u32, u32)> = (0..m).map(|_| (next(n as u64) as u32, next(n as u64) as u32)).collect();
            let root = next(n as u64) as usize;
            let got = idoms(n, &edges, root as u32);
            assert_eq!(got, naive(n, &edges, root), "n={n} root={root} edges={edges:?}");
            // Retained sizes: the sum over the nodes each one dominates (by the idom chains);
            // the preorder intervals say the same domination.
            let shallow: Vec<u32> = (0..n as u32).map(|v| 1 << v).collect();
            let tree = dominator_tree(&got, root as u32, &shallow);
            for (v, &r) in tree.sizes.iter().enumerate() {
                let mut want = 0u64;
                for u in (0..n).filter(|&u| got[u] != X) {
                    let mut x = u;
                    while x != v && got[x] as usize != x {
                        x = got[x] as usize;
                    }
                    if x == v {
                        want += u64::from(shallow[u]);
                    }
                    let within = tree.pre[v] <= tree.pre[u] && tree.pre[u] <= tree.last[v];
                    assert_eq!(within, x == v, "{v} dominates {u}?");
                }
                assert_eq!(r, want);
                assert_eq!(tree.pre[v] == X, got[v] == X);
            }
        }
    }
}
