//! Bad input gets a clear one-line error, a non-zero exit and no crash.

mod common;

use std::path::Path;

use common::{core, mdb, mdb_core, node, Fixture, Scratch};

/// The run failed cleanly: exit status 1 or 2 (not a signal), and `needle` on stderr.
fn fails_with(r: &common::Run, needle: &str) {
    assert!(r.status == 1 || r.status == 2, "status {}; stderr:\n{}", r.status, r.stderr);
    assert!(r.stderr.contains(needle), "expected \"{needle}\" in stderr:\n{}", r.stderr);
    for line in r.stderr.lines() {
        assert!(line.starts_with("mdb: "), "stray stderr line: {line}");
    }
}

#[test]
fn core_of_a_process_that_is_not_node() {
    let dir = Scratch::new("notnode");
    let f = Fixture::start(&common::root().join("tests/fixtures/not-node.sh"), &[]);
    let core = dir.0.join("sleep.core");
    f.gcore(&core);
    let r = mdb(&["-e", "::load v8.so", "-e", "::v8layout", core.to_str().unwrap()]);
    fails_with(&r, "no V8 postmortem metadata");
    assert_eq!(r.stdout, "");
}

#[test]
fn truncated_core() {
    let dir = Scratch::new("truncated");
    let full = core("20.20.2", "population.js");
    let cut = dir.0.join("cut.core");
    let len = std::fs::metadata(&full).unwrap().len();
    std::fs::copy(&full, &cut).unwrap();
    std::fs::OpenOptions::new().write(true).open(&cut).unwrap().set_len(len / 2).unwrap();
    let r = mdb_core(&node("20.20.2"), &cut, &["::v8layout"]);
    fails_with(&r, "truncated");
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
}

#[test]
fn wrong_node_binary() {
    let r = mdb_core(&node("22.23.3"), &core("20.20.2", "population.js"), &["::v8layout"]);
    fails_with(&r, "does not match the core");
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
}

#[test]
fn missing_files() {
    let r = mdb(&["-e", "::load v8.so", "/nonexistent/core"]);
    fails_with(&r, "/nonexistent/core");
    let r = mdb_core(Path::new("/nonexistent/node"), &core("20.20.2", "population.js"), &["::v8layout"]);
    fails_with(&r, "/nonexistent/node");
}

#[test]
fn a_core_that_is_not_a_core() {
    let r = mdb_core(&node("20.20.2"), &node("20.20.2"), &["::v8layout"]);
    fails_with(&r, "not an ELF core file");
}

#[test]
fn unknown_dcmd_and_bad_options() {
    let c = core("20.20.2", "population.js");
    let r = mdb_core(&node("20.20.2"), &c, &["::nosuchdcmd"]);
    fails_with(&r, "unknown dcmd name");
    let r = mdb_core(&node("20.20.2"), &c, &["::v8layout -q"]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("mdb: v8layout: illegal option -- q"), "{}", r.stderr);
    assert!(r.stderr.contains("Usage: ::v8layout"), "{}", r.stderr);
}
