//! `::findjsobjects` and its walkers on real cores of every supported node version,
//! against the known population of tests/fixtures/population.js.

mod common;

use std::collections::BTreeSet;

use common::{core, mdb_core, node, Run};

/// One summary row.
#[derive(Debug)]
struct Row {
    addr: String,
    count: u64,
    nprops: u64,
    what: String,
}

struct Target {
    version: &'static str,
}

impl Target {
    fn run(&self, commands: &[&str]) -> Run {
        mdb_core(&node(self.version), &core(self.version, "population.js"), commands)
    }

    fn out(&self, commands: &[&str]) -> String {
        let r = self.run(commands);
        // Progress lines appear when a scan or the graph's build (for -r) takes over a
        // second (a loaded machine).
        let progress = |l: &&str| l.contains(": scanning the heap: ") || l.contains(": building the heap graph: ");
        let other: Vec<&str> = r.stderr.lines().filter(|l| !progress(l)).collect();
        assert!(other.is_empty(), "stderr of {commands:?}: {}", r.stderr);
        r.ok().to_string()
    }

    /// The summary rows (after the two ::load lines and the header).
    fn summary(&self, extra: &str) -> Vec<Row> {
        let out = self.out(&[&format!("::findjsobjects {extra}")]);
        let mut lines = out.lines().skip_while(|l| !l.trim_start().starts_with("OBJECT"));
        assert_eq!(
            lines.next().map(str::split_whitespace).map(Iterator::collect::<Vec<_>>),
            Some(vec!["OBJECT", "#OBJECTS", "#PROPS", "CONSTRUCTOR:", "PROPS"])
        );
        lines
            .map(|l| {
                let mut f = l.split_whitespace();
                let (addr, count, nprops) = (f.next().unwrap(), f.next().unwrap(), f.next().unwrap());
                Row {
                    addr: addr.to_string(),
                    count: count.parse().unwrap(),
                    nprops: nprops.parse().unwrap(),
                    what: f.collect::<Vec<_>>().join(" "),
                }
            })
            .collect()
    }
}

fn row<'a>(rows: &'a [Row], what: &str) -> &'a Row {
    let found: Vec<&Row> = rows.iter().filter(|r| r.what == what).collect();
    assert_eq!(found.len(), 1, "expected exactly one group \"{what}\", found {found:?}");
    found[0]
}

fn lines(s: &str) -> Vec<&str> {
    s.lines().skip(2).collect()
}

fn check(version: &'static str) {
    let t = Target { version };
    let rows = t.summary("");

    // Exact populations. Object literals count one more: the boilerplate V8 keeps per
    // literal site. Doomed objects were dropped after the last GC: garbage not yet
    // collected is counted; Collected ones were collected and are not.
    for (what, count, nprops) in [
        ("Point: x, y", 1000, 2),
        ("Derived: base, derived", 300, 2),
        ("Legacy: name, legacyTag", 200, 2),
        ("Object: alpha, beta, gamma", 151, 3),
        ("Object: 1, 2, numericTag", 61, 3),
        ("Object: nullProto", 120, 1),
        ("Object: dictKeep", 71, 1),
        ("TestMap", 30, 0),
        ("TestSet", 25, 0),
        ("TestDate", 24, 0),
        ("TestRegExp: lastIndex", 23, 1),
        ("TestError: message", 22, 1),
        ("TestPromise", 21, 0),
        ("TestBytes", 19, 0),
        ("Function (keepClosure)", 20, 0),
        // A subclass constructor: its prototype is Base, a function, so it is a Function.
        ("Function (Derived)", 1, 0),
        ("Function (TestMap)", 1, 0),
        ("Doomed: doomedIndex", 50, 1),
        ("Marker: markerField", 1, 1),
        ("Object: heldMarker", 1, 1),
        ("Object: viaDict", 1, 1),
    ] {
        let r = row(&rows, what);
        assert_eq!((r.count, r.nprops), (count, nprops), "{what} on node {version}");
    }
    assert!(!rows.iter().any(|r| r.what.starts_with("Collected")), "collected garbage must not be counted");
    let arrays: Vec<&Row> = rows.iter().filter(|r| r.what == "Array" && r.nprops == 333).collect();
    assert_eq!(arrays.len(), 1);
    assert_eq!(arrays[0].count, 40);

    // Sorted like mdb_v8: ascending by #objects × #props, then #objects, then #props.
    let weights: Vec<(u64, u64, u64)> = rows.iter().map(|r| (r.count * r.nprops, r.count, r.nprops)).collect();
    assert!(weights.windows(2).all(|w| w[0] <= w[1]), "summary not sorted");

    // -c, -p, -k print representatives; addr:: lists a whole group, representative first.
    let derived = row(&rows, "Function (Derived)");
    assert_eq!(lines(&t.out(&[&format!("{}::jsconstructor", derived.addr)])).last(), Some(&"Function"));
    let point = row(&rows, "Point: x, y");
    assert_eq!(lines(&t.out(&["::findjsobjects -c Point"])), vec![point.addr.as_str()]);
    let all_points = t.out(&["::findjsobjects -c Point | ::findjsobjects"]);
    let all_points = lines(&all_points);
    assert_eq!(all_points.len(), 1000);
    assert_eq!(all_points[0], point.addr);
    let unique: BTreeSet<&&str> = all_points.iter().collect();
    assert_eq!(unique.len(), 1000);
    let from_second = t.out(&[&format!("{}::findjsobjects", all_points[500])]);
    assert_eq!(lines(&from_second), all_points, "any instance lists its whole group");
    assert_eq!(
        lines(&t.out(&["::findjsobjects -p legacyTag"])),
        vec![row(&rows, "Legacy: name, legacyTag").addr.as_str()]
    );
    assert!(lines(&t.out(&["::findjsobjects -p noSuchProperty"])).is_empty());
    assert!(lines(&t.out(&["::findjsobjects -c NoSuchConstructor"])).is_empty());
    let dict = t.out(&["::findjsobjects -k dict"]);
    for what in ["Object: dictKeep", "Object: viaDict"] {
        assert!(lines(&dict).contains(&row(&rows, what).addr.as_str()), "-k dict lacks {what}");
    }
    assert!(!lines(&dict).contains(&point.addr.as_str()));
    assert!(
        lines(&t.out(&["::findjsobjects -k numeric"])).contains(&row(&rows, "Object: 1, 2, numericTag").addr.as_str())
    );
    assert!(lines(&t.out(&["::findjsobjects -k inobject"])).contains(&point.addr.as_str()));

    // -l lists every representative; the walkers agree with the summary.
    let reps = t.out(&["::findjsobjects -l"]);
    assert_eq!(lines(&reps).len(), rows.len());
    let walked = t.out(&["::walk findjsobjects"]);
    let walked: Vec<String> = lines(&walked).iter().map(|a| a.trim_start_matches("0x").to_string()).collect();
    assert_eq!(walked, lines(&reps));
    let total: u64 =
        t.out(&["::findjsobjects -a | ::findjsobjects ! wc -l"]).lines().nth(2).unwrap().trim().parse().unwrap();
    let walked_all: u64 = t.out(&["::walk jsobj ! wc -l"]).lines().nth(2).unwrap().trim().parse().unwrap();
    assert_eq!(total, walked_all);

    // -v: counters consistent with the summary.
    let v = t.out(&["::findjsobjects -v"]);
    let stat = |label: &str| -> u64 {
        let line =
            v.lines().find(|l| l.contains(&format!(" {label} => "))).unwrap_or_else(|| panic!("no {label} in {v}"));
        line.rsplit(" => ").next().unwrap().parse().unwrap()
    };
    assert_eq!(stat("JavaScript objects"), total);
    assert_eq!(stat("unique objects"), lines(&t.out(&["::findjsobjects -a -l"])).len() as u64);
    assert!(stat("heap pages") > 0 && stat("maps") > 100);
    assert!(v.lines().any(|l| l.starts_with("findjsobjects:         elapsed time (seconds) => ")));
    // Counters are printed only by the call that scans.
    assert!(!t.out(&["::findjsobjects", "::findjsobjects -v"]).contains("=>"));

    // -r: exactly the known referrers of the marker, none from array slack space.
    let marker = &row(&rows, "Marker: markerField").addr;
    let r = t.out(&[&format!("{marker}::findjsobjects -r")]);
    let mut refs: Vec<&str> = lines(&r);
    refs.sort();
    let held = &row(&rows, "Object: heldMarker").addr;
    let dict = &row(&rows, "Object: viaDict").addr;
    assert_eq!(refs.len(), 3, "{r}");
    assert!(refs.contains(&format!("{marker} referred to by {held}.heldMarker").as_str()), "{r}");
    assert!(refs.contains(&format!("{marker} referred to by {dict}.viaDict").as_str()), "{r}");
    assert!(refs.iter().any(|l| l.starts_with(&format!("{marker} referred to by ")) && l.ends_with("[1]")), "{r}");
    // -m marks accumulate for a later -r.
    let r = t.out(&[&format!("{held}::findjsobjects -m"), &format!("{marker}::findjsobjects -r")]);
    assert!(r.contains(&format!("findjsobjects: marked {held}")), "{r}");
    assert!(r.lines().any(|l| l.starts_with(&format!("{held} referred to by ")) && l.ends_with(".holder")), "{r}");
    assert_eq!(r.matches(" referred to by ").count(), 4, "{r}");
    // Marks are used up by -r.
    let r = t.out(&[
        &format!("{held}::findjsobjects -m"),
        &format!("{marker}::findjsobjects -r"),
        &format!("{marker}::findjsobjects -r"),
    ]);
    assert_eq!(r.matches(" referred to by ").count(), 4 + 3, "{r}");
    // Piped objects are searched for together: ten points, ten referrer lines.
    let piped = t.out(&[
        "::findjsobjects -c Point | ::findjsobjects ! head -10 > /dev/null",
        "::findjsobjects -c Point | ::findjsobjects | ::findjsobjects -r ! grep -c 'referred to by'",
    ]);
    assert_eq!(lines(&piped), vec!["1000"]);
    // A point is held by one slot of the points array.
    let point_ref = t.out(&[&format!("{}::findjsobjects -r", all_points[0])]);
    let point_ref = lines(&point_ref);
    assert_eq!(point_ref.len(), 1, "{point_ref:?}");
    assert!(point_ref[0].starts_with(&format!("{} referred to by ", all_points[0])) && point_ref[0].ends_with(']'));
}

test_every_version!(check);

#[test]
fn usage_errors_and_bad_addresses() {
    let t = Target { version: "20.20.2" };
    for (cmd, message) in [
        ("::findjsobjects -c A -p b", "cannot specify both -c and -p"),
        (
            "::findjsobjects -l -c Point",
            "cannot specify -l with -c; instead, pipe output of ::findjsobjects -c to ::findjsobjects -l",
        ),
        ("::findjsobjects -x", "illegal option -- x"),
        ("::findjsobjects -m", "-m requires an address"),
        ("::findjsobjects -r", "-r requires an address or objects marked with -m"),
        ("1::findjsobjects -m -r", "cannot specify both -m and -r"),
    ] {
        let r = t.run(&[cmd]);
        assert_eq!(r.status, 1, "{cmd}");
        assert!(r.stderr.contains(&format!("mdb: findjsobjects: {message}")), "{cmd}: {}", r.stderr);
        assert!(
            r.stderr.contains("Usage: [address]::findjsobjects [-ablmrsv] [-c cons | -k kind | -p prop]\nmdb: try '::help findjsobjects' for more information\n"),
            "{cmd}: {}",
            r.stderr
        );
    }
    for addr in ["1234", "0", "ffffffffffffffff"] {
        let r = t.run(&[&format!("{addr}::findjsobjects")]);
        assert_eq!(r.status, 1);
        assert_eq!(r.stderr, format!("mdb: findjsobjects: {addr} is not a valid object\n"));
    }
    let r = t.run(&["1234::walk jsobj"]);
    assert_eq!(r.status, 1);
}

/// The same scan on a live process (`-p PID`).
#[test]
fn live_process() {
    let f = common::Fixture::node("24.22.3", "population.js");
    let r = common::mdb(&[
        "-e",
        "::load v8.so",
        "-e",
        "::findjsobjects -c Point | ::findjsobjects ! wc -l",
        "-e",
        "::findjsobjects -p legacyTag",
        "-p",
        &f.pid().to_string(),
    ]);
    let out: Vec<&str> = r.ok().lines().skip(2).collect();
    assert_eq!(out.len(), 2, "{out:?}");
    assert_eq!(out[0].trim(), "1000");
    assert!(out[1].ends_with('1') || out[1].ends_with('9'), "a tagged representative: {}", out[1]);
}

/// The scan runs its computation on one helper thread, which `::unload` (`_mdb_fini`)
/// stops: no thread outlives the module.
#[test]
fn the_helper_thread_ends_with_the_module() {
    let t = Target { version: "22.23.5" };
    let threads = "::status ! ls /proc/$PPID/task | wc -l";
    let out = t.out(&[threads, "::findjsobjects ! true", threads, "::unload v8.so", threads]);
    assert_eq!(lines(&out), ["1", "2", "1"]);
}
