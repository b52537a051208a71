//! The heap graph on real cores of every supported node version: retaining paths
//! (`::jsretainers`), `::jsfindrefs` and `::findjsobjects -r` over
//! tests/fixtures/retainers.js, whose every leak is held one known way.

mod common;

use common::{core, core_and_snapshot, mdb_core, node, root};

fn run(version: &str, commands: &[&str]) -> String {
    let r = mdb_core(&node(version), &core(version, "retainers.js"), commands);
    for bad in ["internal error", "panicked"] {
        assert!(!r.stdout.contains(bad) && !r.stderr.contains(bad), "{commands:?}:\n{}\n{}", r.stdout, r.stderr);
    }
    let other: Vec<&str> = r.stderr.lines().filter(|l| !l.contains("% done")).collect();
    assert!(other.is_empty(), "stderr of {commands:?}: {}", r.stderr);
    r.ok().lines().skip(2).map(|l| format!("{l}\n")).collect()
}

/// A closure's location without its line (V8 keeps the line only for functions not yet
/// compiled, which differs between versions).
fn without_lines(s: &str) -> String {
    let file = root().join("tests/fixtures/retainers.js").display().to_string();
    let mut out = s.replace(&file, "retainers.js");
    while let Some(at) = out.find("retainers.js:") {
        let rest = &out[at + "retainers.js:".len()..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        out.replace_range(at + "retainers.js".len()..at + "retainers.js:".len() + digits, "");
    }
    out
}

/// The module's closures share its context: a path through it may start at either
/// global function (the two paths are equally short).
fn one_closure(s: &str) -> String {
    s.replace(
        "globalThis.Registry (Registry (closure, retainers.js)) context.",
        "globalThis.lookup (lookup (closure, retainers.js)) context.",
    )
}

fn paths(version: &str) {
    let group = |cons: &str| {
        one_closure(&without_lines(&run(
            version,
            &[&format!("::findjsobjects -c {cons} | ::findjsobjects | ::jsretainers")],
        )))
    };
    assert_eq!(
        group("CacheEntry"),
        "100 × globalThis.lookup (lookup (closure, retainers.js)) context.cache (Map).get(...) → CacheEntry\n"
    );
    // The listener's array is in the module's context, which every closure of the module shares.
    assert_eq!(
        group("ListenerItem"),
        "1000 × globalThis.lookup (lookup (closure, retainers.js)) context.bigArray[...] → ListenerItem\n"
    );
    assert_eq!(
        group("TimerState"),
        "1 × globalThis.lookup (lookup (closure, retainers.js)) context.timerState → TimerState\n"
    );
    assert_eq!(
        group("PendingThing"),
        "1 × globalThis.lookup (lookup (closure, retainers.js)) context.pendingThing → PendingThing\n"
    );
    assert_eq!(
        group("RegistryItem"),
        "1 × globalThis.Registry (Registry (closure, retainers.js)).items[...] → RegistryItem\n"
    );
    assert_eq!(group("GlobalItem"), "1 × globalThis.leak.item → GlobalItem\n");

    // One object: its key shows, and the address it ends at is the one given.
    let rep = run(version, &["::findjsobjects -c GlobalItem"]);
    let one = run(version, &[&format!("{}::jsretainers", rep.trim())]);
    assert_eq!(one, format!("globalThis.leak.item → GlobalItem {}\n", rep.trim()));
    let rep = run(version, &["::findjsobjects -c CacheEntry"]);
    let entry = one_closure(&without_lines(&run(version, &[&format!("{}::jsretainers -n 2", rep.trim())])));
    let lines: Vec<&str> = entry.lines().collect();
    assert!(!lines.is_empty() && lines.len() <= 2, "{entry}");
    assert!(
        lines[0].starts_with("globalThis.lookup (lookup (closure, retainers.js)) context.cache (Map).get(\"/users/"),
        "{entry}"
    );
}
mod paths_on {
    use super::paths;
    crate::test_every_version!(paths);
}

fn references(version: &str) {
    // -r sees through closures: every closure of the module's context holds timerState.
    let out = run(version, &["::findjsobjects -c TimerState | ::findjsobjects -r"]);
    assert!(!out.is_empty() && out.lines().all(|l| l.ends_with(" context.timerState")), "{out}");
    // ... and through a Map's table: the mdb_v8 format for its values.
    let out = run(version, &["::findjsobjects -c CacheEntry | ::findjsobjects | ::findjsobjects -r"]);
    assert_eq!(out.lines().count(), 100, "{out}");
    assert!(out.lines().all(|l| l.contains(".get(\"/users/")), "{out}");
    // jsfindrefs: the closures of that context, and the Map for an entry.
    let out = run(version, &["::findjsobjects -c TimerState | ::jsfindrefs -v"]);
    assert!(out.lines().any(|l| l.ends_with("(type: JSFunction)")), "{out}");
    let out = run(version, &["::findjsobjects -c CacheEntry | ::jsfindrefs -v"]);
    assert!(out.lines().any(|l| l.ends_with("(type: JSMap)")), "{out}");
}
mod references_on {
    use super::references;
    crate::test_every_version!(references);
}

/// The scan and the graph find objects two ways (map words, and a walk object to object by
/// V8's size rules): every JavaScript object the scan finds starts an object of the graph.
/// (The scan once took map pointers in a native context's slots for objects.) Both skip
/// what V8 treats as free: the allocation areas' unused bytes and the free-list blocks
/// (FreeSpace objects). Before they found them on node 12-14 and 16 (V8 7.8-8.4 have a
/// two-word allocation area and 7.8-7.9 do not export FREE_SPACE_TYPE; node 16's area is
/// further from its Heap), both read dead objects' bytes there, and on 12-14 the sweep
/// printed decode errors. On node 24-26 (V8 13.6 on) a block's size counts words, not
/// bytes: read as bytes, no size fit, the dead bytes were walked, and on a fresh node 25
/// core a dead object's size covered a live function.
fn scan_objects_start_graph_objects(version: &str) {
    let graph = mdb_core(&node(version), &core(version, "values.js"), &["::jsgraph"]);
    assert!(graph.ok().contains("implausible free-list blocks => 0\n"), "{}", graph.stdout);
    // Each Isolate is its glibc malloc chunk (45 KB on node 12, 71 KB on 26), not a window
    // around its Heap: that window's unrelated words made (Isolate) roots V8 does not have.
    assert!(graph.stdout.contains("Isolates bounded by a window => 0\n"), "{}", graph.stdout);
    let isolate = graph.stdout.lines().find_map(|l| l.split("Isolate size (bytes) => ").nth(1));
    let isolate: u64 = isolate.and_then(|n| n.parse().ok()).unwrap_or(0);
    assert!((32 << 10..128 << 10).contains(&isolate), "{}", graph.stdout);
    // The search for roots reads writable memory, less glibc's free chunks: about 50 MB
    // here. (It read 500-800 MB of these gcores before: their PROT_NONE reservations as
    // read-only zeroes, and freed malloc memory.)
    let bytes = |label: &str| {
        let n = graph.stdout.lines().find_map(|l| l.split(&format!("{label} => ")).nth(1)?.parse::<u64>().ok());
        n.unwrap_or_else(|| panic!("no {label}: {}", graph.stdout))
    };
    assert!(bytes("native memory searched (bytes)") < 128 << 20, "{}", graph.stdout);
    assert!(bytes("free malloc bytes not searched") > 0, "{}", graph.stdout);
    let stats = mdb_core(&node(version), &core(version, "values.js"), &["::findjsobjects -v"]);
    // Whether there are free-list blocks depends on the GCs before the core; there is
    // always an allocation area (node 12's FREE_SPACE_TYPE is checked in tests/layout.rs).
    let line = stats.stdout.lines().find(|l| l.contains("unallocated bytes skipped")).unwrap_or_default();
    assert!(line.contains(" => ") && !line.ends_with("=> 0"), "{}", stats.stdout);
    let r = mdb_core(&node(version), &core(version, "values.js"), &["::walk jsobj | ::jssize"]);
    let objects = mdb_core(&node(version), &core(version, "values.js"), &["::walk jsobj"]).ok().lines().count() - 2;
    assert!(!r.stderr.contains("not the start of a heap object"), "{}", r.stderr);
    // The module's two banner lines, then one header and a row an object.
    assert_eq!(r.ok().lines().skip(3).count(), objects, "{}", r.stdout);
}
mod scan_objects_start_graph_objects_on {
    use super::scan_objects_start_graph_objects;
    crate::test_every_version!(scan_objects_start_graph_objects);
}

#[test]
fn garbage_addresses_are_errors() {
    let r = mdb_core(&node("20.20.2"), &core("20.20.2", "retainers.js"), &["1234::jsretainers"]);
    assert_ne!(r.status, 0);
    assert!(r.stderr.contains("is not the start of a heap object"), "{}", r.stderr);
    let r = mdb_core(&node("20.20.2"), &core("20.20.2", "retainers.js"), &["1234::jsfindrefs"]);
    assert!(r.stderr.contains("is not the start of a heap object"), "{}", r.stderr);
}

use common::RETAINERS_CLASSES as CLASSES;

/// `::findjsobjects -s` rows by constructor: (objects, SIZE, RETAINED), groups summed.
fn sized_groups(out: &str) -> std::collections::HashMap<String, (u64, u64, u64)> {
    let mut groups = std::collections::HashMap::new();
    for line in out.lines().skip_while(|l| !l.trim_start().starts_with("OBJECT")).skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let n = |i: usize| f[i].parse::<u64>().unwrap();
        let constructor = f[5..].join(" ").split(':').next().unwrap().to_string();
        let e: &mut (u64, u64, u64) = groups.entry(constructor).or_default();
        (e.0, e.1, e.2) = (e.0 + n(1), e.1 + n(3), e.2 + n(4));
    }
    groups
}

fn sizes(version: &str) {
    let groups = sized_groups(&run(version, &["::findjsobjects -s"]));
    for &(class, count) in CLASSES {
        let (n, size, retained) = groups[class];
        assert_eq!(n, count, "{class}");
        assert!(size > 0 && size % count == 0, "{class}: {size} bytes for {count} objects");
        assert!(retained >= size, "{class}: retains {retained} of {size}");
    }
    // An empty class's objects hold nothing else; a CacheEntry holds its url string
    // (the Map's key is another string: the fixture builds the two apart).
    let (_, size, retained) = groups["ListenerItem"];
    assert_eq!(retained, size);
    let (_, size, retained) = groups["CacheEntry"];
    assert!(retained > size && retained <= size + 100 * 32, "{size} {retained}");
    // One object: the same figures in ::jssize, at its distance from globalThis.
    let rep = run(version, &["::findjsobjects -c GlobalItem"]);
    let row = run(version, &[&format!("{}::jssize", rep.trim())]);
    let f: Vec<String> = row.lines().nth(1).unwrap().split_whitespace().map(String::from).collect();
    assert_eq!((f[0].as_str(), f[4].as_str()), (rep.trim(), "GlobalItem"), "{row}");
    assert_eq!(f[1].parse::<u64>().unwrap(), groups["GlobalItem"].1, "{row}");
    // It retains at least itself (and its own map, which only it uses once its class's
    // initial map has moved on).
    assert!(f[2].parse::<u64>().unwrap() >= f[1].parse::<u64>().unwrap(), "{row}");
    // globalThis (1) .leak (2) .item (3).
    assert_eq!(f[3], "3", "{row}");
}
mod sizes_on {
    use super::sizes;
    crate::test_every_version!(sizes);
}

/// Per constructor: objects and total shallow size among the snapshot's nodes of type
/// "object".
fn snapshot_sizes(path: &std::path::Path) -> std::collections::HashMap<String, (u64, u64)> {
    let s: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let meta = &s["snapshot"]["meta"];
    let fields: Vec<&str> = meta["node_fields"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    let types: Vec<&str> = meta["node_types"][0].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    let at = |name: &str| fields.iter().position(|f| *f == name).unwrap();
    let (ty, name, self_size) = (at("type"), at("name"), at("self_size"));
    let (strings, nodes) = (s["strings"].as_array().unwrap(), s["nodes"].as_array().unwrap());
    let mut out = std::collections::HashMap::new();
    for node in nodes.chunks_exact(fields.len()) {
        let v = |i: usize| node[i].as_u64().unwrap();
        if types[v(ty) as usize] == "object" {
            let e: &mut (u64, u64) = out.entry(strings[v(name) as usize].as_str().unwrap().to_string()).or_default();
            (e.0, e.1) = (e.0 + 1, e.1 + v(self_size));
        }
    }
    out
}

/// Whether the snapshot has a chain of property edges named `names` from some node to a
/// node named `to` (each edge of type "property").
fn snapshot_has_path(path: &std::path::Path, names: &[&str], to: &str) -> bool {
    let s: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let meta = &s["snapshot"]["meta"];
    let list = |v: &serde_json::Value| -> Vec<String> {
        v.as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect()
    };
    let (node_fields, edge_fields) = (list(&meta["node_fields"]), list(&meta["edge_fields"]));
    let edge_types = list(&meta["edge_types"][0]);
    let at = |f: &[String], name: &str| f.iter().position(|x| x == name).unwrap();
    let (strings, nodes, edges) =
        (s["strings"].as_array().unwrap(), s["nodes"].as_array().unwrap(), s["edges"].as_array().unwrap());
    let (nf, ef) = (node_fields.len(), edge_fields.len());
    let (name_at, count_at) = (at(&node_fields, "name"), at(&node_fields, "edge_count"));
    let (ety, ename, eto) = (at(&edge_fields, "type"), at(&edge_fields, "name_or_index"), at(&edge_fields, "to_node"));
    let v = |x: &serde_json::Value| x.as_u64().unwrap() as usize;
    // (from node index, edge name, to node index) of every property edge.
    let mut props = Vec::new();
    let mut e = 0;
    for (i, node) in nodes.chunks_exact(nf).enumerate() {
        for _ in 0..v(&node[count_at]) {
            let edge = &edges[e * ef..(e + 1) * ef];
            if edge_types[v(&edge[ety])] == "property" {
                props.push((i, strings[v(&edge[ename])].as_str().unwrap().to_string(), v(&edge[eto]) / nf));
            }
            e += 1;
        }
    }
    let node_name = |i: usize| strings[v(&nodes[i * nf + name_at])].as_str().unwrap();
    // Walk back from every node named `to` along the names, last first.
    let mut ends: Vec<usize> = (0..nodes.len() / nf).filter(|&i| node_name(i) == to).collect();
    for name in names.iter().rev() {
        ends = props.iter().filter(|(_, n, t)| n == name && ends.contains(t)).map(|p| p.0).collect();
    }
    !ends.is_empty()
}

/// V8's own heap snapshot of the same process as the oracle: per class of the fixture,
/// the same objects and the same shallow sizes; and the retaining path of a global's
/// object names the same property edges as the snapshot's.
fn snapshot_oracle(version: &str) {
    let (core, snapshot) = core_and_snapshot(version, "retainers.js");
    let r = mdb_core(&node(version), &core, &["::findjsobjects -s"]);
    assert!(!r.stdout.contains("internal error") && !r.stdout.contains("panicked"), "{}", r.stdout);
    let (ours, oracle) = (sized_groups(r.ok()), snapshot_sizes(&snapshot));
    for &(class, count) in CLASSES {
        let (n, size, _) = ours[class];
        assert_eq!((n, size), oracle[class], "{class}: ours (objects, bytes) vs the snapshot's");
        assert_eq!(n, count, "{class}");
    }
    let r = mdb_core(&node(version), &core, &["::findjsobjects -c GlobalItem | ::findjsobjects | ::jsretainers"]);
    assert_eq!(r.ok().lines().nth(2), Some("1 × globalThis.leak.item → GlobalItem"), "{}", r.stdout);
    assert!(snapshot_has_path(&snapshot, &["leak", "item"], "GlobalItem"));
    assert!(!snapshot_has_path(&snapshot, &["leak", "nothing"], "GlobalItem"), "the check can fail");
}
mod snapshot_oracle_on {
    use super::snapshot_oracle;
    crate::test_every_version!(snapshot_oracle);
}

/// Per name of the snapshot's "object" nodes: their retained size as DevTools counts a
/// constructor's (HeapSnapshot.ts: the retained sizes of its objects that no other of
/// them dominates), over the dominator tree computed from the snapshot.
fn snapshot_class_retained(snap: &common::snapshot::Snapshot) -> std::collections::HashMap<String, u64> {
    let idom = snap.dominators();
    let retained = snap.retained_sizes(&idom);
    let object = |v: usize| snap.type_of(v) == "object";
    let mut out = std::collections::HashMap::new();
    for v in (0..snap.node_count()).filter(|&v| object(v) && idom[v].is_some()) {
        let name = snap.name_of(v);
        // Up the dominator tree: is an object of the same name above it?
        let mut x = idom[v].unwrap();
        let mut depth = 0;
        while x != 0 && !(object(x) && snap.name_of(x) == name) && depth < snap.node_count() {
            x = idom[x].unwrap();
            depth += 1;
        }
        if x == 0 {
            *out.entry(name.to_string()).or_default() += retained[v];
        }
    }
    out
}

/// Retained sizes against the dominator tree computed from V8's own snapshot of the same
/// process: each of the fixture's classes (one group each), and `process`, within 1% (see
/// below for the exceptions).
fn retained_oracle(version: &str) {
    let (core, snapshot) = common::core_and_snapshot(version, "retainers.js");
    let r = mdb_core(&node(version), &core, &["::findjsobjects -s"]);
    assert!(!r.stdout.contains("internal error") && !r.stdout.contains("panicked"), "{}", r.stdout);
    let ours = sized_groups(r.ok());
    let snap = common::snapshot::Snapshot::read(&snapshot);
    // The eternal handles found are V8's: as many as the snapshot's (Eternal handles)
    // root holds, or a few more (node makes some after the snapshot, before the core).
    let eternal = |s: &str| s.lines().find_map(|l| l.split("eternal handles => ").nth(1)?.parse::<usize>().ok());
    let theirs = snap.find("synthetic", "(Eternal handles)").first().map_or(0, |&v| snap.edges(v).len());
    let graph = mdb_core(&node(version), &core, &["::jsgraph"]);
    let found = eternal(graph.ok()).unwrap_or(0);
    assert!(
        theirs > 100 && (theirs..theirs + 10).contains(&found),
        "ours {found}, the snapshot's {theirs}:\n{}",
        graph.stdout
    );
    let oracle = snapshot_class_retained(&snap);
    // The snapshot is taken while the module's function runs: its frame holds the classes
    // no closure captures, so the snapshot's (Stack roots) hold their constructors, and the
    // function's bytecode and feedback vector hold their shared function infos and feedback
    // cells. Here (the frame is gone by the core, and the function's bytecode may be
    // too) only their instances' maps may hold them all. Such a class retains here at most
    // that much more: its constructor's retained size and those of the objects named.
    let stack_held = ["TimerState", "PendingThing", "GlobalItem"];
    let idom = snap.dominators();
    let retained = snap.retained_sizes(&idom);
    // The constructor's retained size, and those of its initial map, prototype, shared
    // function info, feedback cell and class positions (which the function's class
    // boilerplate holds) where it does not dominate them.
    let constructor = |class: &str| {
        let held = |v: usize| {
            let named = ["initial_map", "prototype", "shared", "feedback_cell"].iter().filter_map(|e| snap.child(v, e));
            let positions =
                snap.edges(v).map(|e| snap.edge_to[e] as usize).find(|&w| snap.name_of(w) == "system / ClassPositions");
            let near = named.chain(positions);
            retained[v] + near.filter(|&w| idom[w] != Some(v)).map(|w| retained[w]).sum::<u64>()
        };
        snap.find("closure", class).into_iter().map(held).max().unwrap_or(0)
    };
    // Not explained yet (issue 9's note): `process` on node 12-14 and Debian's 18 retains
    // 2-9% more here. (On 15-19 it retained up to 2x more until the startup object cache,
    // which holds code objects before V8 10, was taken for a root; no one kind of the
    // snapshot's roots left out makes up the rest.)
    let unexplained = ["12.22.12", "13.14.0", "14.21.3", common::DEBIAN_NODE];
    let classes = CLASSES.iter().map(|c| c.0).chain(["process"]);
    let report: Vec<String> = classes
        .map(|class| {
            let (mine, theirs) = (ours[class].2, oracle.get(class).copied().unwrap_or(0));
            let slack = if stack_held.contains(&class) { constructor(class) } else { 0 };
            let percent = if class == "process" && unexplained.contains(&version) { 10 } else { 1 };
            let ok = mine + theirs / 100 >= theirs && mine <= theirs + slack + theirs * percent / 100;
            format!("{} {class}: ours {mine}, the snapshot's {theirs} (+{slack})", if ok { "ok" } else { "DIFFERS" })
        })
        .collect();
    assert!(report.iter().all(|line| line.starts_with("ok")), "{}", report.join("\n"));
}
mod retained_oracle_on {
    use super::retained_oracle;
    crate::test_every_version!(retained_oracle);
}
