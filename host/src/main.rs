//! `mdb`: a Linux stand-in for illumos mdb that loads mdb modules (`v8.so`) over an ELF
//! core file plus its node binary, or a live process.
//!
//! ```text
//! mdb [-e CMDS]... [-p PID | [OBJECT] CORE]
//! ```
//!
//! `-e` runs its commands (repeatable, in order) and exits, with mdb's status: 1 if a
//! command line was broken off (a syntax error, an unknown dcmd, ^C) or the last dcmd that
//! ran failed, else 0. Without `-e`, commands are read from standard input, with a `> `
//! prompt, line editing and a pager on a terminal.

mod api;
mod exec;
mod frame;
mod modules;
mod state;

#[cfg(test)]
mod printf_tests;

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use exec::{Flow, Interpreter};
use mdb_host::target;

extern "C" {
    /// Defined in printf.c; calling it makes the linker keep the variadic API functions.
    fn mdb_printf_shim_linked();
}

const USAGE: &str = "usage: mdb [-e CMDS]... [-p PID | [OBJECT] CORE]";

/// The command line.
#[derive(Debug, Default, PartialEq)]
struct Options {
    commands: Vec<String>,
    pid: Option<i32>,
    object: Option<PathBuf>,
    core: Option<PathBuf>,
}

fn parse_options(args: &[String]) -> Result<Options> {
    let mut o = Options::default();
    let mut files = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-e" => o.commands.push(it.next().context("option -e needs a command")?.clone()),
            "-p" => {
                let pid = it.next().context("option -p needs a process id")?;
                o.pid = Some(pid.parse().with_context(|| format!("invalid process id \"{pid}\""))?);
            }
            "-h" | "--help" => bail!("{USAGE}"),
            s if s.starts_with('-') && s.len() > 1 => bail!("unknown option {s}\n{USAGE}"),
            _ => files.push(PathBuf::from(a)),
        }
    }
    match (files.len(), o.pid) {
        (0, _) => {}
        (_, Some(_)) => bail!("-p takes no object or core file\n{USAGE}"),
        (1, None) => o.core = files.pop(),
        (2, None) => {
            o.core = files.pop();
            o.object = files.pop();
        }
        _ => bail!("too many arguments\n{USAGE}"),
    }
    Ok(o)
}

fn open_target(o: &Options) -> Result<()> {
    let target = match (&o.core, o.pid) {
        (Some(core), _) => target::open_core(core, o.object.as_deref())?,
        (None, Some(pid)) => target::open_process(pid)?,
        (None, None) => return Ok(()),
    };
    for warning in target.warnings() {
        eprintln!("mdb: warning: {warning}");
    }
    // SAFETY: written once at startup, before any module runs.
    unsafe { api::mdb_prop_postmortem = i32::from(!target.is_live()) };
    state::set_target(target);
    Ok(())
}

fn interactive(interp: &mut Interpreter) -> Result<()> {
    let mut rl = rustyline::DefaultEditor::new()?;
    loop {
        match rl.readline("> ") {
            Ok(line) => {
                let _ = rl.add_history_entry(line.as_str());
                if interp.run_line(&line) == Flow::Quit {
                    return Ok(());
                }
            }
            Err(rustyline::error::ReadlineError::Interrupted) => continue,
            Err(_) => return Ok(()),
        }
    }
}

fn run() -> Result<bool> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = parse_options(&args)?;
    open_target(&options)?;
    let interactive_use = options.commands.is_empty() && std::io::stdin().is_terminal();
    state::set_attrs(std::io::stdout().is_terminal() && options.commands.is_empty());
    // As in mdb, the pager runs only when commands come from a terminal.
    state::set_pager(interactive_use);
    frame::init();
    let mut interp = Interpreter::default();
    let ok = if !options.commands.is_empty() {
        // As `mdb -e`: a line broken by a parse error or ^C ends the run with status 1;
        // otherwise the status says whether the last dcmd that ran succeeded.
        let mut broken = false;
        for c in &options.commands {
            match interp.run_line(c) {
                Flow::Continue => {}
                Flow::Quit => break,
                Flow::Broken => {
                    broken = true;
                    break;
                }
            }
        }
        !broken && interp.last_status == 0
    } else {
        if interactive_use {
            interactive(&mut interp)?;
        } else {
            for line in std::io::stdin().lock().lines() {
                if interp.run_line(&line?) == Flow::Quit {
                    break;
                }
            }
        }
        // Without -e, mdb's exit status does not depend on the commands.
        true
    };
    modules::unload_all();
    Ok(ok)
}

fn main() -> ExitCode {
    // SAFETY: a no-op C function.
    unsafe { mdb_printf_shim_linked() };
    let result = run();
    if std::env::var_os("MDB_HOST_READ_STATS").is_some() {
        eprintln!("{}", api::read_stats());
    }
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("mdb: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(v: &[&str]) -> Result<Options> {
        parse_options(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn command_lines() {
        let o = opts(&["-e", "::load v8", "-e", "::v8layout", "node", "core"]).unwrap();
        assert_eq!(o.commands, vec!["::load v8", "::v8layout"]);
        assert_eq!(o.object, Some(PathBuf::from("node")));
        assert_eq!(o.core, Some(PathBuf::from("core")));
        assert_eq!(opts(&["core"]).unwrap().core, Some(PathBuf::from("core")));
        assert_eq!(opts(&["-p", "42"]).unwrap().pid, Some(42));
        assert!(opts(&["-p", "x"]).is_err());
        assert!(opts(&["-p", "1", "core"]).is_err());
        assert!(opts(&["a", "b", "c"]).is_err());
        assert!(opts(&["-x"]).is_err());
        assert!(opts(&["-e"]).is_err());
    }
}
