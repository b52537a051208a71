//! The heap graph on real cores of every supported node version: retaining paths
//! (`::jsretainers`), `::jsfindrefs` and `::findjsobjects -r` over
//! tests/fixtures/retainers.js, whose every leak is held one known way.

mod common;

use common::{core, mdb_core, node, root};

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

#[test]
fn garbage_addresses_are_errors() {
    let r = mdb_core(&node("20.20.2"), &core("20.20.2", "retainers.js"), &["1234::jsretainers"]);
    assert_ne!(r.status, 0);
    assert!(r.stderr.contains("is not the start of a heap object"), "{}", r.stderr);
    let r = mdb_core(&node("20.20.2"), &core("20.20.2", "retainers.js"), &["1234::jsfindrefs"]);
    assert!(r.stderr.contains("is not the start of a heap object"), "{}", r.stderr);
}
