//! `::jsprint` of containers past its default cap (tests/fixtures/large.js): what is
//! left out is said, and `-A` prints everything.

mod common;

use common::{core, mdb_core, node};

fn check(version: &'static str) {
    let large = common::marked_object(version, "large.js", "largeMarker", "array");
    let run = |cmd: &str| {
        let r = mdb_core(&node(version), &core(version, "large.js"), &[&format!("{large}::jsprint {cmd}")]);
        r.ok().lines().skip(2).map(|l| format!("{l}\n")).collect::<String>()
    };
    // (member, how many are left out, the line saying so, the last one printed)
    for (member, left_out, more, last) in [
        ("array", 34_464, "    ... 34,464 more elements\n]\n", "    65535,\n"),
        ("map", 4_464, "    ... 4,464 more entries\n}\n", "    65535 => 65535,\n"),
        ("set", 464, "    ... 464 more entries\n}\n", "    65535,\n"),
        ("many", 4_464, "    ... 4,464 more properties\n}\n", "    \"p65535\": 65535,\n"),
    ] {
        let out = run(member);
        assert!(out.ends_with(&format!("{last}{more}")), "{member}: {}", &out[out.len().saturating_sub(300)..]);
        let all = run(&format!("-A {member}"));
        assert!(!all.contains(" more "), "{member} -A");
        assert_eq!(all.lines().count(), out.lines().count() - 1 + left_out, "{member} -A");
    }
}

test_every_version!(check);
