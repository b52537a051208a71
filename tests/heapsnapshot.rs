//! `::jsheapsnapshot` against a real client and V8's own snapshot of the same moment.
//!
//! tests/fixtures/retainers.js has V8 write its heap snapshot just before the core is
//! taken. The core is exported, and memlab (@memlab/core's parser and its retainer
//! traces) loads both files: for each class of the fixture, the export has the same
//! objects with the same self sizes as V8's snapshot, and the path by which V8's snapshot
//! retains the fixture's global leak (memlab's trace there) is in the export. The object
//! behind a node id of the export is found again with `-i ID`.
//!
//! Differences on purpose, not compared: the export has no native (C++) nodes (a core has
//! no embedder graph), its roots are grouped by where the pointer to them was found, and
//! code in executable pages is left out; so node and edge totals differ.

mod common;

use common::{core_and_snapshot, mdb_core, node, npm_package, root, Scratch};
use serde_json::Value;

use common::RETAINERS_CLASSES as CLASSES;

/// memlab's summary of a snapshot (tests/memlab/summary.js) with the trace of `class`.
fn memlab(snapshot: &std::path::Path, class: &str) -> Value {
    // memlab needs a recent node, whichever node made the snapshot.
    let out = common::node_command(common::MEMLAB_NODE)
        .arg(root().join("tests/memlab/summary.js"))
        .arg(npm_package("@memlab/core"))
        .arg(snapshot)
        .arg(class)
        .output()
        .expect("run memlab");
    assert!(out.status.success(), "memlab failed on {}: {}", snapshot.display(), String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("memlab's summary")
}

fn export(version: &str) {
    let dir = Scratch::new(&format!("heapsnapshot-{version}"));
    let (core, theirs) = core_and_snapshot(version, "retainers.js");
    let ours = dir.0.join("export.heapsnapshot");
    let r = mdb_core(&node(version), &core, &[&format!("::jsheapsnapshot {}", ours.display())]);
    let out = r.ok();
    assert!(out.lines().any(|l| l.starts_with(&format!("wrote {}: ", ours.display()))), "{out}");
    let leftovers: Vec<_> =
        std::fs::read_dir(&dir.0).unwrap().flatten().filter(|e| e.path().to_string_lossy().ends_with(".tmp")).collect();
    assert!(leftovers.is_empty(), "scratch files left: {leftovers:?}");

    let (a, b) = (memlab(&ours, "GlobalItem"), memlab(&theirs, "GlobalItem"));
    for &(class, count) in CLASSES {
        assert_eq!(a["objects"][class], b["objects"][class], "{version} {class}: (objects, self size), ours vs V8's");
        assert_eq!(a["objects"][class][0], count, "{version} {class}");
    }
    // V8's snapshot retains the fixture's global leak by globalThis.leak.item, though
    // memlab's shortest trace there need not take that path (on node 12-15 it reads
    // element:7, internal:29: an internal array's element, then a system slot). memlab's trace in the
    // export may start at a conservative root instead (a stale handle in native memory,
    // see ::help jsretainers). So both files are checked for the path itself: the global's
    // `leak` and its `item`.
    assert!(!a["trace"].as_array().unwrap().is_empty(), "{version}: memlab finds no trace in the export");
    let leak_item = |p: &Properties| {
        let item = p.retainers(p.find("GlobalItem"));
        assert!(matches!(item.as_slice(), [(_, o, i)] if o == "Object" && i == "item"), "{version}: {item:?}");
        p.retainers(item[0].0)
    };
    let leak = leak_item(&Properties::read(&theirs));
    assert!(leak.iter().any(|(_, _, l)| l == "leak"), "{version}: V8's snapshot: {leak:?}");
    let p = Properties::read(&ours);
    let leak = leak_item(&p);
    assert!(leak.iter().any(|(_, g, l)| g == "JSGlobalObject" && l == "leak"), "{version}: {leak:?}");
    // Most of V8's nodes are in the export (the rest: native and code objects).
    let (n, m) = (a["nodes"].as_u64().unwrap(), b["nodes"].as_u64().unwrap());
    assert!(n * 10 > m * 6 && n < m * 2, "{version}: {n} nodes exported, V8's snapshot has {m}");

    // A node id of the export leads back to its object.
    let id = p.ids[p.find("GlobalItem")];
    let r = mdb_core(&node(version), &core, &[&format!("::jsheapsnapshot -i {id} | ::jsconstructor")]);
    assert_eq!(r.ok().lines().last(), Some("GlobalItem"), "{version}: -i {id}");
    let r = mdb_core(&node(version), &core, &["::jsheapsnapshot -i 2"]);
    assert!(r.stderr.contains("@2 is not an object node"), "{}", r.stderr);
}
mod export_on {
    use super::export;
    crate::test_every_version!(export);
}

/// The object nodes' names and every node's id, and the `property` edges by target.
struct Properties {
    names: Vec<String>,
    ids: Vec<u64>,
    into: std::collections::BTreeMap<usize, Vec<(usize, String)>>,
}

impl Properties {
    fn read(path: &std::path::Path) -> Properties {
        let s: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let meta = &s["snapshot"]["meta"];
        let nf = meta["node_fields"].as_array().unwrap().len();
        let property = meta["edge_types"][0].as_array().unwrap().iter().position(|t| t == "property").unwrap();
        let object = meta["node_types"][0].as_array().unwrap().iter().position(|t| t == "object").unwrap();
        let strings = s["strings"].as_array().unwrap();
        let (nodes, edges) = (s["nodes"].as_array().unwrap(), s["edges"].as_array().unwrap());
        let at = |v: &Value| v.as_u64().unwrap() as usize;
        // An object node's name; other nodes' names are left empty.
        let names = nodes
            .chunks_exact(nf)
            .map(|n| if at(&n[0]) == object { strings[at(&n[1])].as_str().unwrap().to_string() } else { String::new() })
            .collect();
        let ids = nodes.chunks_exact(nf).map(|n| n[2].as_u64().unwrap()).collect();
        let mut into: std::collections::BTreeMap<usize, Vec<(usize, String)>> = Default::default();
        let mut e = 0;
        for (from, n) in nodes.chunks_exact(nf).enumerate() {
            for edge in edges[e * 3..(e + at(&n[4])) * 3].chunks_exact(3).filter(|edge| at(&edge[0]) == property) {
                into.entry(at(&edge[2]) / nf).or_default().push((from, strings[at(&edge[1])].as_str().unwrap().into()));
            }
            e += at(&n[4]);
        }
        Properties { names, ids, into }
    }

    /// The first object node named `name`.
    fn find(&self, name: &str) -> usize {
        self.names.iter().position(|n| n == name).unwrap_or_else(|| panic!("no object node {name}"))
    }

    /// Who refers to node `n` by a property: the retainer's name and the property's.
    fn retainers(&self, n: usize) -> Vec<(usize, String, String)> {
        let r = self.into.get(&n).map_or(&[][..], |v| v.as_slice());
        r.iter().map(|(from, p)| (*from, self.names[*from].clone(), p.clone())).collect()
    }
}

#[test]
fn usage_errors() {
    let version = "20.20.2";
    let core = common::core(version, "values.js");
    let r = mdb_core(&node(version), &core, &["::jsheapsnapshot"]);
    assert!(r.stderr.contains("name the file to write"), "{}", r.stderr);
    let r = mdb_core(&node(version), &core, &["::jsheapsnapshot /nonexistent/dir/x.heapsnapshot"]);
    assert!(r.stderr.contains("/nonexistent/dir/"), "{}", r.stderr);
    assert!(!r.stderr.contains("internal error") && !r.stderr.contains("panicked"), "{}", r.stderr);
    let r = mdb_core(&node(version), &core, &["::jsheapsnapshot -i banana"]);
    assert!(r.stderr.contains("-i takes a snapshot node id"), "{}", r.stderr);
}
