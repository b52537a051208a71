//! `::jscensus -s` and `-d` on two cores of one process (tests/fixtures/growth.js): dumped,
//! then after it leaked 1000 GrowthLeak objects (and each its GrowthPayload) amid churn
//! that does not leak. The diff puts GrowthLeak's growth of exactly 1000 at the top, with
//! the bytes that 1000 objects of two in-object fields take, GrowthPayload's next; the
//! churn, dead in both cores, is not counted (the census counts what the heap graph
//! reaches); and the diff ends with the retaining paths of GrowthLeak's objects.

mod common;

use common::{mdb_core, node, Fixture, Scratch};

/// The fixture's LEAK.
const LEAK: u64 = 1000;

/// A diff line's numbers and its "CONSTRUCTOR: PROPS".
fn fields(line: &str) -> (Vec<i64>, String) {
    let f: Vec<&str> = line.split_whitespace().collect();
    let numbers = f[..7].iter().map(|n| n.parse().unwrap_or_else(|_| panic!("not a number in {line:?}"))).collect();
    (numbers, f[7..].join(" "))
}

fn check(version: &'static str) {
    let dir = Scratch::new(&format!("jscensus-{version}"));
    let (core1, core2) = (dir.0.join("before.core"), dir.0.join("after.core"));
    let mut f = Fixture::node(version, "growth.js");
    f.gcore(&core1);
    f.advance();
    f.gcore(&core2);
    drop(f);

    let saved = dir.0.join("before.census");
    let save = format!("::jscensus -s {}", saved.display());
    let r = mdb_core(&node(version), &core1, &[&save]);
    let out = r.ok();
    // (The first lines are ::load's.)
    let saved_line = out.lines().find(|l| l.starts_with("jscensus: saved ")).unwrap_or_else(|| panic!("{out}"));
    assert!(saved_line.ends_with(&format!(" objects) to {}", saved.display())), "{saved_line}");
    let text = std::fs::read_to_string(&saved).unwrap();
    assert!(text.starts_with("v8.so census 1\n"));
    assert!(text.lines().any(|l| l.starts_with("10\t") && l.ends_with("\tGrowthLeak\tid\tpayload")), "{text}");
    std::fs::remove_file(&core1).unwrap();

    let diff = format!("::jscensus -d {}", saved.display());
    let r = mdb_core(&node(version), &core2, &[&diff]);
    let out = r.ok();
    assert!(!out.contains("internal error") && !out.contains("panicked"), "{out}");
    assert!(!r.stderr.contains("internal error") && !r.stderr.contains("panicked"), "{}", r.stderr);
    let mut lines = out.lines().skip_while(|l| !l.trim_start().starts_with("#BEFORE "));
    assert!(lines.next().is_some_and(|l| l.contains("#GROWTH BYTES_BEFORE")), "{out}");
    let table: Vec<&str> = lines.by_ref().take_while(|l| !l.is_empty()).collect();
    let rows: Vec<(Vec<i64>, String)> = table.iter().map(|l| fields(l)).collect();
    // An object of a class with two in-object fields: map, properties, elements, two fields.
    let size = 8 * (3 + 2);
    let leak = LEAK as i64;
    assert_eq!(
        rows[0],
        (vec![10, 10 + leak, leak, 10 * size, (10 + leak) * size, leak * size, 2], "GrowthLeak: id, payload".into()),
        "{out}"
    );
    let payload_size = 8 * (3 + 1);
    assert_eq!(
        rows[1],
        (
            vec![10, 10 + leak, leak, 10 * payload_size, (10 + leak) * payload_size, leak * payload_size, 1],
            "GrowthPayload: value".into()
        ),
        "{out}"
    );
    // Nothing else grew by as much. The dead churn is not counted: the one GrowthChurn
    // alive in the first core (`sink`) is gone in the second, the 20,000 dead ones are not.
    assert!(rows[2..].iter().all(|(n, _)| n[2] < leak), "{out}");
    let churn: Vec<_> = rows.iter().filter(|(_, what)| what.starts_with("GrowthChurn")).collect();
    // (The lines before 18 once reached a few of the dead ones, and took a stale word for
    // the leak's root: the scan read above the allocation tops of node 12-14 and 16.)
    assert_eq!(churn, [&(vec![1, 0, -1, size, 0, -size, 2], "GrowthChurn: churnIndex, text".into())], "{out}");
    // Why the top group grew: the retaining paths of its objects in the new core.
    let paths: Vec<&str> = lines.collect();
    assert_eq!(paths[0], "retaining paths of the 1010 GrowthLeak objects in this core (as ::jsretainers):", "{out}");
    assert!(paths.len() == 2 && paths[1] == "1010 × globalThis.growth.leaked[...] → GrowthLeak", "{out}");

    // A file of another kind, or a corrupt one, is refused in one line.
    let bogus = dir.0.join("bogus.census");
    for (text, why) in [
        ("{\"snapshot\":{}}\n", "not a census saved by ::jscensus -s"),
        ("v8.so census 7\nend 0\n", "census format version \"7\""),
        ("v8.so census 1\n1\t2\n", "line 2: corrupt census"),
    ] {
        std::fs::write(&bogus, text).unwrap();
        let r = mdb_core(&node(version), &core2, &[&format!("::jscensus -d {}", bogus.display())]);
        let message: Vec<&str> = r.stderr.lines().filter(|l| !l.contains("scanning the heap")).collect();
        assert_eq!(message.len(), 1, "{:?}", r.stderr);
        let prefix = format!("jscensus: {}: ", bogus.display());
        assert!(message[0].contains(&prefix) && message[0].contains(why), "{message:?}");
        assert!(!r.stdout.contains("#BEFORE"), "{}", r.stdout);
    }
}

test_every_version!(check);
