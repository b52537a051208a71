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

/// How many `::findjsobjects` each run of [`interrupt_each`] makes.
const SCANS: usize = 3;

/// Which of `SCANS` commands, each printing `table` when whole, a ^C cut short in `out`:
/// the others must print it whole. A cut command prints a part of the table at most (whole
/// lines), then mdb's newline; a ^C in `::load` ends that line instead.
fn cut_command(out: &str, table: &str) -> Result<Option<usize>, String> {
    let mut rest = out;
    let mut before = 0;
    while before < SCANS && rest.starts_with(table) {
        rest = &rest[table.len()..];
        before += 1;
    }
    let mut after = 0;
    while before + after < SCANS && rest.ends_with(table) {
        rest = &rest[..rest.len() - table.len()];
        after += 1;
    }
    let rest = rest.strip_prefix('\n').unwrap_or(rest);
    let part = rest.trim_end_matches('\n');
    match before + after {
        SCANS if rest.is_empty() => Ok(None),
        n if n + 1 == SCANS && table.starts_with(part) && (part.is_empty() || rest.ends_with('\n')) => Ok(Some(before)),
        _ => Err(format!("{before} whole answers, then {rest:?}, then {after} whole answers")),
    }
}

/// Run `::findjsobjects` [`SCANS`] times (then count threads around `::unload`) with each
/// of these knob settings: whichever command a ^C cut short, the next one's answer is
/// exact and the helper thread works and ends with the module. Returns how many runs cut
/// a command short that another `::findjsobjects` followed (the timer's ^C may land in any
/// of them: how long a scan takes depends on the machine).
fn interrupt_each(knobs: &[Vec<(&str, String)>]) -> usize {
    let reference = session("::findjsobjects\n", &[]);
    let table = after_load(&reference).to_string();
    assert!(table.lines().count() > 100 && table.contains(" Array"), "{table}");
    let input = format!("{}{THREADS}\n::unload v8\n{THREADS}\n", "::findjsobjects\n".repeat(SCANS));
    let mut cut = 0;
    for knob in knobs {
        let env: Vec<(&str, &str)> = knob.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = session(&input, &env);
        assert_eq!(r.stderr, "", "{knob:?}: mdb says nothing of a ^C");
        let out = after_load(&r);
        let scans = out.strip_suffix("2\n1\n").unwrap_or_else(|| panic!("{knob:?}: threads:\n{out}"));
        match cut_command(scans, &table) {
            Ok(Some(i)) if i + 1 < SCANS => cut += 1,
            Ok(_) => {}
            Err(e) => panic!("{knob:?}: {e}"),
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
    // A timer started at a read spread over the first scan's reads sends SIGINT 0.1 to 3 ms
    // later: it lands in the module's own code, the allocator, a wait for the helper
    // thread, or printing. (Without the module's holding of SIGINT, one of these hung in a
    // first try.) A fixed read with delays up to 30 ms had the ^C miss the scans once the
    // block cache made them fast.
    let stats = session("::findjsobjects ! true\n", &[("MDB_HOST_READ_STATS", "1")]);
    let reads: u64 = stats.stderr.lines().last().and_then(|l| l.split(' ').nth(1)?.parse().ok()).unwrap();
    assert!(reads > 1000, "{}", stats.stderr);
    let knobs: Vec<Vec<(&str, String)>> = (0..60u64)
        .map(|i| {
            vec![
                ("MDB_HOST_SIGINT_AFTER_READS", (10 + i * reads / 60).to_string()),
                ("MDB_HOST_SIGINT_DELAY_US", (100 + i % 7 * 480).to_string()),
            ]
        })
        .collect();
    let cut = interrupt_each(&knobs);
    assert!(cut >= 45, "only {cut} of {} runs interrupted a scan", knobs.len());
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
