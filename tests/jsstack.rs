//! The crash half: threads and registers from cores and live processes, and `::jsstack`.

mod common;

use common::{kernel_core, mdb, mdb_core, node, Fixture};

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
