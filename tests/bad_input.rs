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
    let r = mdb_core(&node("22.23.5"), &core("20.20.2", "population.js"), &["::v8layout"]);
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
    assert!(r.stderr.contains("Usage: v8layout \nmdb: try '::help v8layout' for more information\n"), "{}", r.stderr);
}

/// Heap bytes overwritten with noise: every command still ends cleanly.
#[test]
fn corrupted_heap_bytes() {
    let dir = Scratch::new("corrupt");
    let bad = dir.0.join("corrupt.core");
    std::fs::copy(core("20.20.2", "population.js"), &bad).unwrap();
    let mut bytes = std::fs::read(&bad).unwrap();
    // xorshift noise: 512 bytes of every 32 KiB of segment data (gcore writes the ELF
    // headers first and the notes last).
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for block in (1 << 20..bytes.len().saturating_sub(4 << 20)).step_by(32 << 10) {
        for b in &mut bytes[block..block + 512] {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
    }
    std::fs::write(&bad, &bytes).unwrap();
    drop(bytes);
    let r = mdb_core(
        &node("20.20.2"),
        &bad,
        &[
            "::findjsobjects -v",
            "::findjsobjects -a -l | ::findjsobjects -r",
            "::walk jsobj ! wc -l",
            "::findjsobjects -c Point | ::findjsobjects",
        ],
    );
    assert!(r.status == 0 || r.status == 1, "status {}; stderr:\n{}", r.status, r.stderr);
    assert!(r.stdout.contains("JavaScript objects =>"), "{}", r.stdout);
    for line in r.stderr.lines() {
        assert!(line.starts_with("mdb: "), "stray stderr line: {line}");
    }
}

#[test]
fn status_describes_the_target() {
    let c = core("20.20.2", "population.js");
    let r = mdb_core(&node("20.20.2"), &c, &["::status"]);
    assert!(r.ok().contains(&format!("debugging core file {} (node binary ", c.display())), "{}", r.stdout);
}

/// Every value dcmd and walker, given addresses inside objects (not at their starts):
/// one clean line per failure, never a crash, a hang or an internal error.
#[test]
fn interior_and_garbage_addresses() {
    let (node, core) = (node("20.20.2"), core("20.20.2", "population.js"));
    let objects = mdb_core(&node, &core, &["::walk jsobj ! head -200"]);
    let commands = [
        "::jsprint -d 3",
        "::v8print",
        "::v8type",
        "::jsconstructor",
        "::jsarray",
        "::walk jsprop",
        "::walk jselement",
        "::nodebuffer -f",
        "::findjsobjects",
        "::jsframe -v",
        "::jsframe -iv",
        "::jsstack -v",
        "::jsfunction",
        "::jsclosure",
        "::jssource",
        "::v8str -v",
    ];
    let mut script = String::from("::load v8.so\n");
    for (i, line) in objects.ok().lines().skip(2).enumerate() {
        let addr = u64::from_str_radix(line.trim_start_matches("0x"), 16).unwrap();
        let interior = addr + 8 * (1 + i as u64 % 5);
        script.push_str(&format!("{interior:x}{}\n", commands[i % commands.len()]));
    }
    for garbage in ["1", "ffffffffffffffff", "7fffffff0001", "400001"] {
        for c in commands {
            script.push_str(&format!("{garbage}{c}\n"));
        }
    }
    let mut child = std::process::Command::new(common::host())
        .arg(&node)
        .arg(&core)
        .current_dir(common::root().join("target/release"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(script.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.code().is_some(), "killed by a signal");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("internal error"), "{stderr}");
    for line in stderr.lines() {
        assert!(line.starts_with("mdb: ") || line.starts_with("Usage: ") || line.starts_with("       (type"), "{line}");
    }
}

/// A copy of the values.js core (node 20) with the u64 at `at` set to `value`, under `dir`.
fn with_u64(dir: &Scratch, at: usize, value: u64) -> std::path::PathBuf {
    let mut bytes = std::fs::read(core("20.20.2", "values.js")).unwrap();
    bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
    let path = dir.0.join("bad.core");
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Program headers that no process could have (an absurd `p_memsz`, a `p_vaddr` near
/// 2^64, more bytes in the file than in memory) are refused at open with one line naming
/// the segment. The first two made the first scan step through 2^48 bytes, forever.
#[test]
fn impossible_segments() {
    use common::corrupt::{last_user_load, phdrs, PT_LOAD, P_FILESZ, P_MEMSZ, P_VADDR};
    let dir = Scratch::new("segments");
    let intact = std::fs::read(core("20.20.2", "values.js")).unwrap();
    let loads: Vec<_> = phdrs(&intact).into_iter().filter(|p| p.p_type == PT_LOAD).collect();
    let (first, last) = (loads[0], last_user_load(&intact));
    drop(intact);
    let cases = [
        (first.at + P_MEMSZ, 1 << 40, "overlap".to_string()),
        (last.at + P_MEMSZ, 0xff82_8df8_1000, "outside the x86-64 address space".to_string()),
        (last.at + P_VADDR, 0xffff_ffff_ffff_f000, "ends past the top of the address space".to_string()),
        (first.at + P_FILESZ, first.memsz + 4096, "more than in memory".to_string()),
    ];
    for (at, value, needle) in cases {
        let bad = with_u64(&dir, at, value);
        let r = mdb_core(&node("20.20.2"), &bad, &["::findjsobjects", "::v8layout"]);
        fails_with(&r, &needle);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(r.stderr.contains("program header"), "{}", r.stderr);
    }
}

/// A writable segment that claims all the address space up to the next one (about 2^47
/// bytes, of which the core holds a few MiB): the host accepts it, as nothing in it is
/// impossible, and the heap search stops at the end of what the core holds instead of
/// trying every 256 KiB block of it (which took 20 s, with a failed read per block).
#[test]
fn a_region_far_larger_than_the_core_holds() {
    use common::corrupt::{phdrs, PF_W, PT_LOAD, P_MEMSZ};
    let dir = Scratch::new("vast");
    let intact = std::fs::read(core("20.20.2", "values.js")).unwrap();
    let mut loads: Vec<_> = phdrs(&intact).into_iter().filter(|p| p.p_type == PT_LOAD).collect();
    drop(intact);
    loads.sort_by_key(|p| p.vaddr);
    let (widest, gap) = loads
        .windows(2)
        .filter(|w| w[0].p_flags & PF_W != 0 && w[1].vaddr < 1 << 47)
        .map(|w| (w[0], w[1].vaddr - w[0].vaddr))
        .max_by_key(|&(_, gap)| gap)
        .unwrap();
    // Address-space layouts vary from core to core; 2^41 bytes is 2^23 blocks.
    assert!(gap > 1 << 41, "the widest gap after a writable segment is only {gap:#x} bytes");
    let bad = with_u64(&dir, widest.at + P_MEMSZ, gap);
    let expected = mdb_core(&node("20.20.2"), &core("20.20.2", "values.js"), &["::findjsobjects"]);
    // A ^C in the three millionth read breaks it off: the intact core's ::findjsobjects
    // takes under a million, a step per 256 KiB block of the gap at least 2^23.
    let node = node("20.20.2");
    let args = ["-e", "::load v8.so", "-e", "::findjsobjects", node.to_str().unwrap(), bad.to_str().unwrap()];
    let r = common::mdb_with(&args, "", &[("MDB_HOST_SIGINT_AFTER_READS", "3000000")]);
    assert_eq!(r.ok(), expected.ok());
}
