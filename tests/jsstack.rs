//! The crash half: threads and registers from cores and live processes, and `::jsstack`.

mod common;

use common::{core, kernel_core, mdb, mdb_core, node, Fixture};

/// Run `commands` on the kernel core of jsstack_abort.js (an uncaught exception thrown
/// three calls deep under --abort-on-uncaught-exception); stdout, after checking that
/// nothing went wrong inside.
fn on_abort_core(version: &str, commands: &[&str]) -> String {
    let core = kernel_core(version, "jsstack_abort.js", &["--abort-on-uncaught-exception"]);
    let r = mdb_core(&node(version), &core, commands);
    let all = format!("{}{}", r.stdout, r.stderr);
    assert!(!all.contains("internal error") && !all.contains("panicked"), "{all}");
    r.ok().to_string()
}

/// The kernel's core names the thread that took the fatal signal, lists every thread,
/// and gives their registers; a thread that does not exist is a one-line error.
fn threads_of_a_kernel_core(version: &str) {
    let out = on_abort_core(version, &["::status", "::walk thread", "::regs"]);
    let lines: Vec<&str> = out.lines().collect();
    // V8 ends an uncaught exception under --abort-on-uncaught-exception with a breakpoint
    // trap (node 18-20) or an abort, on the main thread.
    let status = lines.iter().find(|l| l.starts_with("status: ")).expect("a status line");
    assert!(
        status.starts_with("status: process terminated by SIG")
            && (status.contains("SIGTRAP") || status.contains("SIGABRT") || status.contains("SIGILL"))
            && status.contains(", thread 1 (lwp "),
        "{out}"
    );
    let ids: Vec<&str> = lines.iter().copied().filter(|l| l.starts_with("0x")).collect();
    assert_eq!(ids.first(), Some(&"0x1"), "the main thread first: {out}");
    assert!(ids.len() >= 5, "node runs worker threads too: {out}");
    let rip = lines.iter().find(|l| l.starts_with("%rip ")).expect("rip");
    assert!(rip.contains("0x0000"), "{rip}");

    let core = kernel_core(version, "jsstack_abort.js", &["--abort-on-uncaught-exception"]);
    let r = mdb_core(&node(version), &core, &["0t999999999::regs"]);
    assert_eq!(r.stderr.trim(), "mdb: no such thread: 3b9ac9ff", "{}", r.stderr);
}
mod kernel_core_threads {
    use super::*;
    test_every_version!(threads_of_a_kernel_core);
}

/// A live process: its threads are stopped for a moment to read their registers.
#[test]
fn threads_of_a_live_process() {
    let f = Fixture::node("20.20.2", "population.js");
    let pid = f.pid().to_string();
    let r = mdb(&["-e", "::walk thread", "-e", "::regs", "-p", &pid]);
    let out = r.ok();
    assert!(out.starts_with("0x1\n"), "{out}");
    let rsp = out.lines().find(|l| l.starts_with("%rflags ")).expect("rsp line");
    assert!(!rsp.ends_with("0x0000000000000000"), "{out}");
    let count = std::fs::read_dir(format!("/proc/{pid}/task")).unwrap().count();
    assert_eq!(out.lines().filter(|l| l.starts_with("0x")).count(), count, "{out}");
}

/// The JavaScript lines of a `::jsstack`, in order.
fn js_lines(out: &str) -> Vec<&str> {
    out.lines().filter(|l| l.starts_with("js:")).collect()
}

/// The `-v` block of the frame of `function`: its header line and the lines under it.
fn frame_block<'a>(out: &'a str, function: &str) -> Vec<&'a str> {
    let mut lines = out.lines().skip_while(|l| !l.contains(&format!(" {function} (")));
    let header = lines.next().unwrap_or_else(|| panic!("no frame of {function} in {out}"));
    let details = lines.take_while(|l| l.starts_with("    ") && !l.trim_start().starts_with('('));
    std::iter::once(header).chain(details).collect()
}

/// The line of a frame block that gives `name` (`    name: ...`).
fn field<'a>(block: &[&'a str], name: &str) -> &'a str {
    block.iter().find(|l| l.starts_with(&format!("    {name}:"))).unwrap_or_else(|| panic!("no {name} in {block:?}"))
}

/// The kernel core: thrower <- middle <- outer <- the module's top level, between the
/// native frames of V8 throwing and aborting and node's start-up.
fn jsstack_of_a_kernel_core(version: &str) {
    let out = on_abort_core(version, &["::jsstack"]);
    let js = js_lines(&out);
    assert_eq!(js[..4], ["js:     thrower", "js:     middle", "js:     outer", "js:     <anonymous>"], "{out}");
    let lines: Vec<&str> = out.lines().collect();
    let first_js = lines.iter().position(|l| l.starts_with("js:")).unwrap();
    assert!(lines[..first_js].iter().any(|l| l.starts_with("native: ") && l.contains("Throw")), "{out}");
    assert!(lines[..first_js].iter().any(|l| l.contains("internal frame")), "{out}");
    let last_js = lines.iter().rposition(|l| l.starts_with("js:")).unwrap();
    assert!(lines[last_js..].iter().any(|l| l.starts_with("native: ") && l.contains("node")), "{out}");
    // C++ names demangled, as mdb ($G) showed them to mdb_v8: no mangled name left.
    assert!(lines.iter().any(|l| l.starts_with("native: v8::internal::Runtime_Throw+0x")), "{out}");
    assert!(lines.iter().any(|l| l.starts_with("native: node::Start+0x")), "{out}");
    assert!(!lines.iter().any(|l| l.starts_with("native: _Z")), "{out}");

    let verbose = on_abort_core(version, &["::jsstack -v -n 0"]);
    let file = common::root().join("tests/fixtures/jsstack_abort.js");
    let file = format!("    file: {}", file.display());
    let thrower = frame_block(&verbose, "thrower");
    assert!(thrower[0].contains(" thrower (interpreted frame, JSFunction: "), "{verbose}");
    // Where each function is defined (posn), and where its interpreted frame is (at):
    // the throw, and the calls.
    assert_eq!(thrower[1..4], [file.as_str(), "    posn: line 4", "    at:   line 5, column 3"]);
    assert!(thrower[4].starts_with("    this: ") && thrower[4].ends_with("(Oddball) undefined"), "{thrower:?}");
    assert!(thrower[5].ends_with(" (SMI: value = 43)"), "{thrower:?}");
    assert!(thrower[6].starts_with("    arg2: ") && thrower[6].ends_with("String) \"the-label\""), "{thrower:?}");
    assert_eq!(thrower.len(), 7, "{thrower:?}");
    let middle = frame_block(&verbose, "middle");
    assert_eq!(middle[2..4], ["    posn: line 7", "    at:   line 8, column 10"]);
    assert!(middle[5].ends_with(" (SMI: value = 42)") && middle[6].ends_with(" (JSObject: Object)"), "{middle:?}");
    let outer = frame_block(&verbose, "outer");
    assert_eq!(
        (&outer[2..4], outer.len()),
        (&["    posn: line 10", "    at:   line 11, column 10"][..], 6),
        "{outer:?}"
    );
    assert!(outer[5].ends_with(" (SMI: value = 21)"), "{outer:?}");

    // -f, -n and -p.
    let only = on_abort_core(version, &["::jsstack -v -f middle -n 3"]);
    let block = frame_block(&only, "middle");
    assert_eq!(
        block[7..],
        ["        7 function middle(count, obj) {", "        8   return thrower(count + 1, obj.label);", "        9 }"]
    );
    let frames = only.lines().filter(|l| l.contains(" frame, JSFunction: ")).count();
    assert_eq!(frames, 1, "only middle's frame: {only}");
    let property = on_abort_core(version, &["::jsstack -v -n 0 -f middle -p label"]);
    let block = frame_block(&property, "middle");
    assert!(block[4].starts_with("    arg2.label: ") && block[4].ends_with("\"the-label\""), "{block:?}");
    assert_eq!(block.len(), 5, "{block:?}");
    let plain = on_abort_core(version, &["::jsstack -f outer"]);
    assert_eq!(js_lines(&plain), ["js:     outer"]);

    // The walker and ::jsframe name the same frames (all but the top one).
    let walked = on_abort_core(version, &["::walk jsframe | ::jsframe"]);
    assert_eq!(js_lines(&walked), js, "{walked}");
    assert!(walked.lines().any(|l| l.contains("<ExitFrame>")), "{walked}");
}
mod kernel_core_jsstack {
    use super::*;
    test_every_version!(jsstack_of_a_kernel_core);
}

/// Run `commands` on a gcore of jsstack_spin.js, checking nothing went wrong inside.
fn on_spin_core(version: &str, commands: &[&str]) -> String {
    let r = mdb_core(&node(version), &core(version, "jsstack_spin.js"), commands);
    let all = format!("{}{}", r.stdout, r.stderr);
    assert!(!all.contains("internal error") && !all.contains("panicked"), "{all}");
    r.ok().to_string()
}

/// A process spinning in a known chain, each function compiled by a known tier, and a
/// worker thread spinning on its own isolate.
fn jsstack_of_a_spinning_process(version: &str) {
    let out = on_spin_core(version, &["::jsstack"]);
    let chain = ["spin", "turbofan", "maglev", "baseline", "interpreted", "<anonymous>", "processImmediate"];
    let expected: Vec<String> = chain.iter().map(|f| format!("js:     {f}")).collect();
    assert_eq!(js_lines(&out)[..chain.len()], expected, "{out}");

    let verbose = on_spin_core(version, &["::jsstack -v -n 0"]);
    let spin = frame_block(&verbose, "spin");
    assert!(field(&spin, "arg1").contains(" (SMI: value = "), "{spin:?}");
    assert!(field(&spin, "arg2").ends_with("String) \"spin-label\""), "{spin:?}");
    assert!(field(&spin, "arg3").ends_with(" (JSObject: Object)"), "{spin:?}");
    // Arguments as each caller passed them.
    for (f, n) in [("turbofan", 7), ("maglev", 6), ("baseline", 6), ("interpreted", 5)] {
        let block = frame_block(&verbose, f);
        assert!(field(&block, "arg1").ends_with(&format!(" (SMI: value = {n})")), "{block:?}");
        assert!(field(&block, "arg2").ends_with("String) \"spin-label\""), "{block:?}");
    }
    // The tiers: TurboFan (optimized), Sparkplug (baseline) where V8 has it (9.1+), Maglev
    // where V8 runs it (13+: node 22 ships it disabled), the interpreter. Which compiler
    // made optimized code is told from V8 12 (node 22) on.
    let tier = |f: &str| {
        let header = frame_block(&verbose, f)[0];
        header.split(" (").nth(1).and_then(|t| t.split(" frame").next()).unwrap_or_default().to_string()
    };
    let v8: Vec<u32> = common::v8_version(version).split('.').take(2).map(|n| n.parse().unwrap()).collect();
    assert_eq!(tier("turbofan"), if v8[0] >= 12 { "TurboFan optimized" } else { "optimized" }, "{verbose}");
    let sparkplug = (v8[0], v8[1]) >= (9, 1);
    assert_eq!(tier("baseline"), if sparkplug { "baseline" } else { "interpreted" }, "{verbose}");
    assert_eq!(tier("processImmediate"), "interpreted", "{verbose}");
    if v8[0] >= 13 {
        assert_eq!(tier("maglev"), "Maglev optimized", "{verbose}");
    }
    let marker = on_spin_core(version, &["::jsstack -v -n 0 -f spin -p spinMarker"]);
    let block = frame_block(&marker, "spin");
    assert!(field(&block, "arg3.spinMarker").ends_with("\"marker-value\""), "{block:?}");
    // Only spin's frame holds that argument: the heap graph's stack roots are the words
    // of V8's frames (tests/graph.rs checks the other roots against V8's snapshot).
    let marker = field(&spin, "arg3").split_whitespace().nth(1).unwrap();
    let paths = on_spin_core(version, &[&format!("{marker}::jsretainers")]);
    let last = paths.lines().last().unwrap_or_default();
    assert_eq!(last, format!("(Stack roots) → Object {marker}"), "{paths}");

    // Every thread: the worker spins in workerSpin on its own isolate.
    let all = on_spin_core(version, &["::jsstack -T"]);
    let threads: Vec<&str> = all.split("thread ").skip(1).collect();
    // (The main thread may be in a builtin at the moment of the core: elided above spin.)
    assert!(threads[0].starts_with("1:\n") && js_lines(threads[0]).first() == Some(&"js:     spin"), "{all}");
    assert!(threads.iter().skip(1).any(|t| js_lines(t).first() == Some(&"js:     workerSpin")), "{all}");
}
mod spinning_jsstack {
    use super::*;
    test_every_version!(jsstack_of_a_spinning_process);
}

/// Frame pointers into nothing and into garbage: one-line errors, bounded walks.
#[test]
fn bad_frame_pointers() {
    let version = "20.20.2";
    let core = kernel_core(version, "jsstack_abort.js", &["--abort-on-uncaught-exception"]);
    let run = |cmd: &str| mdb_core(&node(version), &core, &[cmd]);
    let r = run("0::jsstack");
    assert_eq!(r.stderr.trim(), "mdb: jsstack: frame pointer 0 is not in a readable mapping", "{}", r.stderr);
    let r = run("deadbeef::jsframe");
    assert_eq!(r.stderr.trim(), "mdb: jsframe: deadbeef is not a frame pointer (cannot read the frame there)");
    // A heap object is no frame: the walk ends at once or wanders a bounded way.
    let obj = run("::findjsobjects -c Object | ::findjsobjects ! head -1").ok().trim().to_string();
    let r = run(&format!("{obj}::jsstack -va"));
    assert!(!r.stderr.contains("panicked") && !r.stderr.contains("internal error"), "{}", r.stderr);
    assert!(r.stdout.lines().count() < 20_000, "bounded");
}
