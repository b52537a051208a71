//! The host's mdb semantics, checked with a tiny C module (tests/probe/probe.c) that
//! prints what it is handed: flags, addresses, arguments, pipelines, walks, usage and
//! exit statuses. No core needed.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use common::{mdb, mdb_with, root, Run};

/// Build probe.so once (gcc, against our mdb_modapi.h).
fn probe() -> &'static PathBuf {
    static PROBE: OnceLock<PathBuf> = OnceLock::new();
    PROBE.get_or_init(|| {
        let dir = root().join("target/probe");
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("probe.so");
        let st = Command::new("gcc")
            .args(["-shared", "-fPIC", "-Wall", "-Werror", "-o"])
            .arg(&out)
            .arg("-I")
            .arg(root().join("mdb-sys/include"))
            .arg(root().join("tests/probe/probe.c"))
            .status()
            .expect("run gcc");
        assert!(st.success(), "building probe.so failed");
        out
    })
}

/// Run commands with probe.so loaded and no target.
fn run(commands: &[&str]) -> Run {
    let load = format!("::load {}", probe().display());
    let mut args = vec!["-e".to_string(), load];
    for c in commands {
        args.push("-e".into());
        args.push(c.to_string());
    }
    mdb(&args)
}

#[test]
fn flags_for_each_kind_of_invocation() {
    let r = run(&["::probe", "1234::probe", "1234,3::probe", ",2::probe"]);
    assert_eq!(
        r.ok(),
        "addr=0 flags=0 dot=0 argc=0\n\
         addr=1234 flags=1 dot=1234 argc=0\n\
         addr=1234 flags=7 dot=1234 argc=0\n\
         addr=1234 flags=3 dot=1234 argc=0\n\
         addr=1234 flags=3 dot=1234 argc=0\n\
         addr=1234 flags=6 dot=1234 argc=0\n\
         addr=1234 flags=2 dot=1234 argc=0\n"
    );
}

#[test]
fn pipelines_pass_addresses_with_pipe_flags() {
    let r = run(&["::walk count | ::probe", "10::walk count | ::probe x | ::probe"]);
    assert_eq!(
        r.ok(),
        "addr=100 flags=f dot=100 argc=0\n\
         addr=101 flags=b dot=101 argc=0\n\
         addr=102 flags=b dot=102 argc=0\n\
         addr=10 flags=f dot=10 argc=0\n\
         addr=11 flags=b dot=11 argc=0\n\
         addr=12 flags=b dot=12 argc=0\n"
    );
}

#[test]
fn walks_print_addresses_and_get_pipe_takes_the_rest() {
    let r = run(&["::walk count", "200::walk count", "::walk count | ::gather"]);
    // mdb_get_pipe hands over the current address first, then the rest.
    assert_eq!(r.ok(), "0x100\n0x101\n0x102\n0x200\n0x201\n0x202\naddr=100 pipe=3: 100 101 102\n");
    // Outside a pipeline it hands over nothing.
    assert_eq!(run(&["5::gather"]).ok(), "addr=5 pipe=0:\n");
    // mdb_set_pipe replaces what it set before.
    assert_eq!(run(&["::setpipe | ::probe"]).ok(), "addr=3 flags=f dot=3 argc=0\n");
}

#[test]
fn arguments_radix_quotes_and_immediates() {
    // A bare expression sets dot and repeats the last command there.
    let r = run(&["0t10::probe -v 'a b' $[0t16+1] 0x10", "10;.::probe"]);
    assert_eq!(
        r.ok(),
        "addr=a flags=1 dot=a argc=4 s:-v s:a b i:11 s:0x10\n\
         addr=10 flags=1 dot=10 argc=4 s:-v s:a b i:11 s:0x10\n\
         addr=10 flags=1 dot=10 argc=0\n"
    );
}

#[test]
fn shell_pipes_and_semicolons() {
    // `!` takes the rest of the line, semicolons included.
    let r = run(&["5::probe; ::walk count ! wc -l; echo end"]);
    assert_eq!(r.ok().split_whitespace().collect::<Vec<_>>(), ["addr=5", "flags=1", "dot=5", "argc=0", "3", "end"]);
}

#[test]
fn help_dcmds_and_walkers() {
    let r = run(&["::help probe", "::dcmds", "::walkers"]);
    let out = r.ok();
    assert!(out.contains("NAME\n  probe - print address, flags and arguments\n"), "{out}");
    assert!(out.contains("SYNOPSIS\n  [ addr ] ::probe [args]\n"), "{out}");
    assert!(out.contains("DESCRIPTION\n  Prints its address, flags and arguments.\n"), "{out}");
    // mdb's listing: sorted, "%-24s - %s", built-ins included, no module named.
    assert!(out.contains("\ngather                   - take all piped addresses with mdb_get_pipe\n"), "{out}");
    assert!(out.contains("\nwalk                     - walk data structure\n"), "{out}");
    assert!(out.contains("count                    - three consecutive addresses\nmany "), "{out}");
    let dcmds: Vec<&str> = out.lines().filter(|l| l.contains(" - ")).map(|l| l.split(' ').next().unwrap()).collect();
    assert!(dcmds.windows(2).filter(|w| w[0] > w[1]).count() == 1, "two sorted lists: {dcmds:?}");
    let r = run(&["::help nosuch"]);
    assert_eq!((r.status, r.stderr.as_str()), (1, "mdb: unknown command: nosuch\n"));
}

#[test]
fn errors_usage_and_exit_statuses() {
    let r = run(&["1::fail"]);
    assert_eq!(r.status, 1);
    assert_eq!(r.stderr, "mdb: failing on purpose\n");

    // As with mdb -e, the exit status is the last dcmd's.
    let r = run(&["1::fail -x", "::probe"]);
    assert_eq!(r.status, 0);
    assert_eq!(r.stderr, "Usage: address::fail [-x]\n");
    assert_eq!(r.stdout, "addr=1 flags=0 dot=1 argc=0\n", "later commands still run, dot kept");
    let r = run(&["::probe", "1::fail; ::probe; 1::fail"]);
    assert_eq!((r.status, r.stderr.as_str()), (1, "mdb: failing on purpose\nmdb: failing on purpose\n"));

    // USAGE stops a pipeline; ERR does not.
    let r = run(&["::walk count | ::fail -x | ::probe"]);
    assert_eq!((r.status, r.stdout.as_str()), (1, ""));

    // An unknown dcmd or a syntax error is a parse error: nothing more runs, status 1.
    let r = run(&["::nosuch; ::probe", "::probe"]);
    assert_eq!((r.status, r.stdout.as_str()), (1, ""));
    assert_eq!(r.stderr, "mdb: invalid command '::nosuch': unknown dcmd name\n");
    let r = run(&["::probe \"unterminated", "::probe"]);
    assert!(r.status == 1 && r.stdout.is_empty() && r.stderr.contains("unterminated"), "{}", r.stderr);
    let r = run(&["nosuchsymbol::probe"]);
    assert_eq!(r.stderr, "mdb: failed to dereference symbol: unknown symbol name\n");

    let r = run(&["::walk nosuch"]);
    assert_eq!((r.status, r.stderr.as_str()), (1, "mdb: failed to perform walk: unknown walk name\n"));
    // mdb prints only the usage line; the host first says what was wrong.
    let r = run(&["::walk"]);
    assert_eq!(
        (r.status, r.stderr.as_str()),
        (1, "mdb: walk: a walker name is needed\nUsage: [address]::walk name [variable]\n")
    );
    let r = run(&["::dcmds -x"]);
    assert_eq!((r.status, r.stderr.as_str()), (1, "mdb: dcmds: unexpected argument \"-x\"\nUsage: dcmds \n"));
    let r = run(&["1::walkers"]);
    assert_eq!(r.stderr, "mdb: walkers: takes no address\nUsage: walkers \n");
    let r = run(&["::unload"]);
    assert_eq!(r.stderr, "mdb: unload: a module name is needed\nUsage: unload module\n");
    // mdb's proc target ignores ::status's arguments.
    assert!(run(&["::status extra"]).ok().starts_with("debugging "));
    // A pasted argument that goes on for pages is cut, and what is cut is counted.
    let r = run(&[&format!("::{}", "x".repeat(100_000))]);
    assert!(r.stderr.len() < 400 && r.stderr.ends_with(" more characters)\n"), "{}", r.stderr);

    let r = mdb(&["-e", "::load nosuchmodule"]);
    assert_eq!((r.status, r.stderr.as_str()), (1, "mdb: no module 'nosuchmodule' could be found\n"));
    let r = mdb(&["-e", "::load"]);
    assert_eq!(
        r.stderr,
        "mdb: load: a module name is needed\nUsage: load [-s] module\nmdb: try '::help load' for more information\n"
    );

    let r = run(&["$q", "::probe"]);
    assert_eq!((r.status, r.stdout.as_str()), (0, ""));
}

#[test]
fn modules_unload_and_reload() {
    let r = run(&["::unload probe", "::probe"]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("unknown dcmd name"));
    let r = run(&[&format!("::load {}", probe().display())]);
    assert_eq!((r.status, r.stderr.as_str()), (1, "mdb: probe module is already loaded\n"));
    let r = run(&["::unload nosuch"]);
    assert_eq!(r.stderr, "mdb: failed to unload nosuch: specified module is not loaded\n");
}

#[test]
fn bad_command_lines() {
    for args in [&["-x"][..], &["-p", "notapid"], &["a", "b", "c"], &["/nonexistent/core"]] {
        let r = mdb(args);
        assert_eq!(r.status, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.starts_with("mdb: "), "{args:?}: {}", r.stderr);
    }
}

/// Run commands from standard input (as at mdb's prompt: a ^C does not end the session),
/// with probe.so loaded and the host's test knobs set.
fn run_input(input: &str, env: &[(&str, &str)]) -> Run {
    common::mdb_with(&[] as &[&str], &format!("::load {}\n{input}", probe().display()), env)
}

#[test]
fn sigint_leaves_the_dcmd_and_the_next_command_runs() {
    // Raised inside the 100th mdb_vread: the jump comes as that call returns to the module.
    let r = run_input("::spin\n::probe\n", &[("MDB_HOST_SIGINT_AFTER_READS", "100")]);
    assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("\naddr=0 flags=0 dot=0 argc=0\n", ""));
    // Landing in module code, the signal jumps at once: "done" is never printed.
    let r = run_input("::spin -r\n::probe\n", &[]);
    assert_eq!(r.stdout, "\naddr=0 flags=0 dot=0 argc=0\n");
    // The rest of the line is dropped, and with -e the run ends there, with status 1.
    let r = run_input("::spin -r; ::probe\n", &[]);
    assert_eq!(r.stdout, "\n");
    let r = mdb_with(&["-e", &format!("::load {}", probe().display()), "-e", "::spin -r", "-e", "::probe"], "", &[]);
    assert_eq!((r.status, r.stdout.as_str()), (1, "\n"));
}

#[test]
fn a_pager_quit_ends_a_long_walk_at_once_and_runs_its_fini() {
    let r = run_input("::walk many\n::walk count\n", &[("MDB_HOST_PAGER_QUIT_AFTER", "3")]);
    assert_eq!(r.stdout, "0x0\n0x1\n0x2\n0x100\n0x101\n0x102\n");
    assert_eq!(r.stderr, "mdb: many: fini after 3 steps\n", "the walk stopped at the quit, its fini ran");
    // A quit inside a dcmd's output: the rest of its output is dropped.
    let r = run_input("::walk count | ::probe\n::probe\n", &[("MDB_HOST_PAGER_QUIT_AFTER", "2")]);
    assert_eq!(
        r.stdout,
        "addr=100 flags=f dot=100 argc=0\naddr=101 flags=b dot=101 argc=0\naddr=101 flags=0 dot=101 argc=0\n"
    );
}

/// A PIE's core, as real mdb reads a Linux core: `mdb_symbol_iter` reports the file's
/// (unrelocated) value and names the object; lookups relocate, by object too.
#[test]
fn symbols_of_a_pie_core_are_iterated_unrelocated_and_looked_up_relocated() {
    let dir = common::Scratch::new("pie");
    let (source, pie, core) = (dir.0.join("pie.c"), dir.0.join("pie"), dir.0.join("pie.core"));
    std::fs::write(&source, "#include <stdio.h>\n#include <unistd.h>\nint answer = 42;\nint main(void) { puts(\"ready\"); fflush(stdout); pause(); return answer; }\n").unwrap();
    let st = Command::new("gcc").args(["-fPIE", "-pie", "-rdynamic", "-o"]).arg(&pie).arg(&source).status().unwrap();
    assert!(st.success(), "building the PIE failed");
    common::Fixture::start(&pie, &[]).gcore(&core);

    let nm = Command::new("nm").arg("-D").arg(&pie).output().unwrap();
    let nm = String::from_utf8(nm.stdout).unwrap();
    let file_value = nm.lines().find(|l| l.ends_with(" answer")).and_then(|l| l.split(' ').next()).unwrap();
    let file_value = u64::from_str_radix(file_value, 16).unwrap();

    let pie_name = pie.display().to_string();
    let probe = format!("::load {}", probe().display());
    let r = mdb(&[
        "-e",
        &probe,
        "-e",
        "::sym answer pie",
        "-e",
        "::sym answer nosuchobject",
        &pie_name,
        &core.display().to_string(),
    ]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(lines[0], format!("iter {pie_name} {file_value:x}"), "iterated: the file's value");
    let relocated = u64::from_str_radix(lines[1].strip_prefix("name ").unwrap(), 16).unwrap();
    assert!(relocated > file_value + 0x10000, "looked up: relocated ({relocated:#x})");
    assert_eq!(lines[2], format!("obj {relocated:x}"), "by object: relocated");
    assert_eq!(lines[3..], [lines[0], lines[1]]);
    assert_eq!(r.stderr, "mdb: lookup in nosuchobject: unknown object file name\n");
}
