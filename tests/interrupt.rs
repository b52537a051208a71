//! ^C and the pager on a real core. In mdb both leave a command by a longjmp out of the
//! module; the host does the same (tests/host.rs checks the host itself with probe.so).
//! Here: whatever point of a heap scan a ^C lands on, the next command gets the exact
//! answer, the helper thread still works and ends with the module, and a pager quit ends
//! a listing and leaves the session usable.

mod common;

use common::{core, mdb_with, node, Run};

const VERSION: &str = "20.20.2";
/// The host's thread count (the helper thread runs from the first scan to `::unload`).
const THREADS: &str = "::status ! ls /proc/$PPID/task | wc -l";

/// Commands on standard input (as at mdb's prompt, where a ^C does not end the session)
/// against the node 20 population core, with the host's test knobs in `env`.
fn session(input: &str, env: &[(&str, &str)]) -> Run {
    let (node, core) = (node(VERSION), core(VERSION, "population.js"));
    let args = [node.to_str().unwrap(), core.to_str().unwrap()];
    let r = mdb_with(&args, &format!("::load v8.so\n{input}"), env);
    for bad in ["internal error", "panicked"] {
        assert!(!r.stderr.contains(bad) && !r.stdout.contains(bad), "{bad}:\n{}\n{}", r.stdout, r.stderr);
    }
    r
}

/// The output after the two lines `::load` prints.
fn after_load(r: &Run) -> &str {
    let mut rest = r.stdout.as_str();
    for _ in 0..2 {
        assert!(rest.starts_with("V8 version") || rest.starts_with("Autoconfigured"), "{}", r.stdout);
        rest = &rest[rest.find('\n').map_or(rest.len(), |i| i + 1)..];
    }
    rest
}

/// Run `::findjsobjects` twice (then count threads around `::unload`) with each of these
/// knob settings: whatever the first command's ^C cut short, the second's answer is exact
/// and the helper thread works and ends with the module. Returns how many runs cut the
/// first command short.
fn interrupt_each(knobs: &[Vec<(&str, String)>]) -> usize {
    let reference = session("::findjsobjects\n", &[]);
    let table = after_load(&reference).to_string();
    assert!(table.lines().count() > 100 && table.contains(" Array"), "{table}");
    let input = format!("::findjsobjects\n::findjsobjects\n{THREADS}\n::unload v8\n{THREADS}\n");
    let tail = format!("{table}2\n1\n");
    let mut cut = 0;
    for knob in knobs {
        let env: Vec<(&str, &str)> = knob.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = session(&input, &env);
        assert_eq!(r.stderr, "", "{knob:?}: mdb says nothing of a ^C");
        let out = after_load(&r);
        let first =
            out.strip_suffix(&tail).unwrap_or_else(|| panic!("{knob:?}: the second answer is not exact:\n{out}"));
        // A ^C in ::load ends that line; one in the first command cuts it short (a part of
        // its table at most, then mdb's newline).
        let first = first.strip_prefix('\n').unwrap_or(first);
        if first != table {
            let part = first.trim_end_matches('\n');
            assert!(table.starts_with(part) && (part.is_empty() || first.ends_with('\n')), "{knob:?}: {first}");
            cut += 1;
        }
    }
    cut
}

#[test]
fn a_scan_interrupted_at_any_read_leaves_the_module_as_it_was() {
    // SIGINT raised inside the Nth mdb_vread of the session: N runs from the module's
    // load through every part of the scan to beyond its end.
    let knobs: Vec<Vec<(&str, String)>> = (4..23)
        .flat_map(|k| [1u64 << k, (1u64 << k) + (1 << k) / 3])
        .map(|n| vec![("MDB_HOST_SIGINT_AFTER_READS", n.to_string())])
        .collect();
    let cut = interrupt_each(&knobs);
    assert!(cut >= 10, "only {cut} of {} runs interrupted a scan", knobs.len());
}

#[test]
fn a_scan_interrupted_at_any_instant_leaves_the_module_as_it_was() {
    // A timer started early in the first scan sends SIGINT 0.1 to 30 ms later: it lands in
    // the module's own code, the allocator, a wait for the helper thread, or printing.
    // (Without the module's holding of SIGINT, one of these 60 hung in a first try.)
    let knobs: Vec<Vec<(&str, String)>> = (0..60)
        .map(|i| {
            vec![
                ("MDB_HOST_SIGINT_AFTER_READS", "3000".into()),
                ("MDB_HOST_SIGINT_DELAY_US", (100 + i * 500).to_string()),
            ]
        })
        .collect();
    let cut = interrupt_each(&knobs);
    assert!(cut >= 30, "only {cut} of {} runs interrupted the first scan", knobs.len());
}

#[test]
fn an_interrupted_walk_starts_afresh() {
    let count = session("::walk jsobj ! wc -l\n", &[]);
    let count = after_load(&count).trim().to_string();
    assert!(count.parse::<u64>().unwrap() > 1000, "{count}");
    // (The whole walk reads about 14,000 times: each N interrupts it.)
    for n in [3000, 10000] {
        let r = session("::walk jsobj\n::walk jsobj ! wc -l\n", &[("MDB_HOST_SIGINT_AFTER_READS", &n.to_string())]);
        assert_eq!((after_load(&r), r.stderr.as_str()), (format!("\n{count}\n").as_str(), ""), "N={n}");
    }
}

#[test]
fn a_pager_quit_ends_a_listing_and_the_session_goes_on() {
    let quit_after_5 = [("MDB_HOST_PAGER_QUIT_AFTER", "5")];
    let r = session("::walk jsobj\n::findjsobjects -c Array\n::walk jsobj | ::jsprint -d 0\n", &quit_after_5);
    // Each command lists more than 5 lines: 5 of each, then the next command.
    let lines: Vec<&str> = after_load(&r).lines().collect();
    assert_eq!(lines.len(), 15, "{}", r.stdout);
    assert!(lines[..5].iter().all(|l| l.starts_with("0x")), "{lines:?}");
    assert!(lines[5..10].iter().all(|l| u64::from_str_radix(l, 16).is_ok()), "Array representatives: {lines:?}");
    assert!(!lines[10..].iter().any(|l| l.starts_with("0x")), "printed values: {lines:?}");
    // (A scan over a second, on a loaded machine, reports its progress.)
    assert!(r.stderr.lines().all(|l| l.ends_with("% done")), "{}", r.stderr);
    // The pager counts each command's output afresh; the helper thread ends with the module.
    let r = session(&format!("::findjsobjects\n{THREADS}\n::unload v8\n{THREADS}\n"), &quit_after_5);
    let lines: Vec<&str> = after_load(&r).lines().collect();
    assert_eq!(lines[5..], ["2", "1"], "{}", r.stdout);
}
