//! The heap graph on real cores of every supported node version: retaining paths
//! (`::jsretainers`), `::jsfindrefs` and `::findjsobjects -r` over tests/fixtures/retainers.js.

mod common;

use common::{core, mdb_core, node};

fn run(version: &str, commands: &[&str]) -> String {
    let r = mdb_core(&node(version), &core(version, "retainers.js"), commands);
    for bad in ["internal error", "panicked"] {
        assert!(!r.stdout.contains(bad) && !r.stderr.contains(bad), "{commands:?}:\n{}\n{}", r.stdout, r.stderr);
    }
    r.ok().to_string()
}

#[test]
fn explore() {
    let out = run("20.20.2", &[
        "::findjsobjects -c CacheEntry | ::findjsobjects | ::jsretainers",
        "::findjsobjects -c ListenerItem | ::findjsobjects | ::jsretainers",
        "::findjsobjects -c TimerState | ::jsretainers",
        "::findjsobjects -c PendingThing | ::jsretainers",
        "::findjsobjects -c RegistryItem | ::jsretainers",
        "::findjsobjects -c GlobalItem | ::jsretainers",
        "::findjsobjects -c CacheEntry | ::jsretainers -n 3",
        "::findjsobjects -c TimerState | ::findjsobjects -r",
        "::findjsobjects -c PendingThing | ::jsfindrefs -v",
    ]);
    println!("{out}");
}
