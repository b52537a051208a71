//! Running parsed commands with mdb's semantics: dcmd flags, pipelines (each stage's
//! output read back as addresses), walks, `!` shell pipes, and the built-in dcmds.

use std::cell::RefCell;
use std::ffi::{c_int, c_void, CString};
use std::io::Write;

use anyhow::{anyhow, bail, Result};
use mdb_sys as sys;

use crate::api::errno;
use crate::lang::{self, ArgText, Command, Stage};
use crate::modules::{self, DcmdEntry};
use crate::state;

const OK: c_int = sys::DCMD_OK;
const USAGE: c_int = sys::DCMD_USAGE;
const ABORT: c_int = sys::DCMD_ABORT;

thread_local! {
    /// Addresses still to come for the running pipeline stage (for `mdb_get_pipe`).
    static PIPE_IN: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
    /// Addresses a stage handed on with `mdb_set_pipe`.
    static PIPE_OUT: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// `mdb_get_pipe`: all remaining input addresses; the stage is not called again.
pub fn take_pipe_input() -> Vec<u64> {
    PIPE_IN.with(|p| std::mem::take(&mut *p.borrow_mut()))
}

/// `mdb_set_pipe`: addresses for the next stage, without printing them.
pub fn add_pipe_output(addrs: Vec<u64>) {
    PIPE_OUT.with(|p| p.borrow_mut().extend(addrs));
}

/// What running a line asks of the caller.
#[derive(Debug, PartialEq)]
pub enum Flow {
    Continue,
    Quit,
}

/// The command interpreter: remembers the last command for a bare-expression repeat.
#[derive(Default)]
pub struct Interpreter {
    last: Option<Command>,
    /// Whether any command so far failed (for `-e`'s exit status).
    pub failed: bool,
}

impl Interpreter {
    /// Run one input line. Errors are reported on stderr and counted as failures.
    pub fn run_line(&mut self, line: &str) -> Flow {
        let commands = match lang::parse_line(line) {
            Ok(c) => c,
            Err(e) => {
                self.fail(&e);
                return Flow::Continue;
            }
        };
        for cmd in commands {
            let result = self.run_command(&cmd);
            state::finish_line();
            state::gc_collect();
            match result {
                Ok(Flow::Quit) => return Flow::Quit,
                Ok(Flow::Continue) => {}
                Err(e) => self.fail(&e),
            }
        }
        Flow::Continue
    }

    fn fail(&mut self, e: &anyhow::Error) {
        self.failed = true;
        state::output(2, format!("mdb: {e}\n").as_bytes());
    }

    fn run_command(&mut self, cmd: &Command) -> Result<Flow> {
        // A bare expression sets dot and repeats the last command at that address.
        if let [Stage::Expr(expr)] = cmd.stages.as_slice() {
            state::set_dot(eval(expr)?);
            let Some(mut last) = self.last.clone() else { return Ok(Flow::Continue) };
            if let Some(Stage::Dcmd { addr, .. }) = last.stages.first_mut() {
                *addr = Some(".".into());
            }
            return self.run_pipeline(&last);
        }
        self.last = Some(cmd.clone());
        self.run_pipeline(cmd)
    }

    fn run_pipeline(&mut self, cmd: &Command) -> Result<Flow> {
        let mut input: Option<Vec<u64>> = None;
        let n = cmd.stages.len();
        for (i, stage) in cmd.stages.iter().enumerate() {
            let feeds_next = i + 1 < n;
            let capture = feeds_next || cmd.shell.is_some();
            if capture {
                state::begin_capture();
            }
            PIPE_OUT.with(|p| p.borrow_mut().clear());
            let status = self.run_stage(stage, input.take(), feeds_next);
            let text = if capture { state::end_capture() } else { Vec::new() };
            let status = status?;
            if status == Status::Quit {
                return Ok(Flow::Quit);
            }
            if status == Status::Failed {
                self.failed = true;
            }
            if status == Status::Stop {
                self.failed = true;
                return Ok(Flow::Continue);
            }
            if feeds_next {
                let mut addrs = PIPE_OUT.with(|p| std::mem::take(&mut *p.borrow_mut()));
                addrs.extend(read_addresses(&text)?);
                input = Some(addrs);
            } else if let Some(shell) = &cmd.shell {
                run_shell(shell, &text)?;
            }
        }
        Ok(Flow::Continue)
    }

    fn run_stage(&mut self, stage: &Stage, input: Option<Vec<u64>>, pipe_out: bool) -> Result<Status> {
        match stage {
            Stage::Quit => Ok(Status::Quit),
            Stage::Expr(e) => {
                state::set_dot(eval(e)?);
                Ok(Status::Ok)
            }
            Stage::Dcmd { addr, count, name, args } => {
                let out_flag = if pipe_out { sys::DCMD_PIPE_OUT as u32 } else { 0 };
                let calls: Vec<(u64, u32)> = match (input, addr, count) {
                    (Some(list), _, _) => {
                        let base = (sys::DCMD_ADDRSPEC | sys::DCMD_LOOP | sys::DCMD_PIPE) as u32;
                        loop_calls(list, base)
                    }
                    (None, Some(a), Some(c)) => {
                        let a = eval(a)?;
                        loop_calls(vec![a; eval(c)? as usize], (sys::DCMD_ADDRSPEC | sys::DCMD_LOOP) as u32)
                    }
                    (None, Some(a), None) => vec![(eval(a)?, sys::DCMD_ADDRSPEC as u32)],
                    (None, None, Some(c)) => loop_calls(vec![state::dot(); eval(c)? as usize], sys::DCMD_LOOP as u32),
                    (None, None, None) => vec![(state::dot(), 0)],
                };
                let args = eval_args(args)?;
                self.run_calls(name, &args, calls, out_flag)
            }
        }
    }

    /// Call a dcmd once per (address, flags); USAGE and ABORT stop the loop.
    fn run_calls(&mut self, name: &str, args: &[Arg], calls: Vec<(u64, u32)>, out_flag: u32) -> Result<Status> {
        let mut status = Status::Ok;
        let addrs: Vec<u64> = calls.iter().map(|c| c.0).collect();
        for (i, (addr, flags)) in calls.into_iter().enumerate() {
            // Remaining addresses are offered to mdb_get_pipe; if taken, the loop ends.
            PIPE_IN.with(|p| *p.borrow_mut() = addrs[i + 1..].to_vec());
            state::set_dot(addr);
            let rc = self.call(name, addr, flags | out_flag, args)?;
            let taken = PIPE_IN.with(|p| p.borrow().is_empty()) && i + 1 < addrs.len();
            match rc {
                OK => {}
                USAGE | ABORT => return Ok(Status::Stop),
                _ => status = Status::Failed,
            }
            if taken {
                break;
            }
        }
        PIPE_IN.with(|p| p.borrow_mut().clear());
        Ok(status)
    }

    /// Call a built-in or module dcmd once.
    fn call(&mut self, name: &str, addr: u64, flags: u32, args: &[Arg]) -> Result<c_int> {
        if let Some(rc) = builtin(name, addr, flags, args)? {
            return Ok(rc);
        }
        let d = modules::dcmd(name).ok_or_else(|| anyhow!("invalid command '::{name}': unknown dcmd name"))?;
        let rc = call_module_dcmd(&d, addr, flags, args);
        if rc == USAGE {
            print_usage(&d);
        }
        Ok(rc)
    }
}

/// How a stage ended.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Status {
    Ok,
    /// A dcmd returned DCMD_ERR; the pipeline goes on.
    Failed,
    /// DCMD_USAGE or DCMD_ABORT: the pipeline stops.
    Stop,
    Quit,
}

fn loop_calls(addrs: Vec<u64>, base: u32) -> Vec<(u64, u32)> {
    addrs
        .into_iter()
        .enumerate()
        .map(|(i, a)| (a, if i == 0 { base | sys::DCMD_LOOPFIRST as u32 } else { base }))
        .collect()
}

/// An evaluated dcmd argument.
#[derive(Clone, Debug)]
pub enum Arg {
    Str(CString),
    Imm(u64),
}

fn eval(expr: &str) -> Result<u64> {
    let symbol = |name: &str| state::with_target(|t| t.lookup(name).map(|s| s.value)).flatten();
    lang::eval(expr, state::dot(), &symbol)
}

fn eval_args(args: &[ArgText]) -> Result<Vec<Arg>> {
    args.iter()
        .map(|a| match a {
            ArgText::Word(w) => Ok(Arg::Str(CString::new(w.as_str())?)),
            ArgText::Immediate(e) => Ok(Arg::Imm(eval(e)?)),
        })
        .collect()
}

fn call_module_dcmd(d: &DcmdEntry, addr: u64, flags: u32, args: &[Arg]) -> c_int {
    let argv: Vec<sys::mdb_arg_t> = args
        .iter()
        .map(|a| match a {
            Arg::Str(s) => {
                sys::mdb_arg_t { a_type: sys::MDB_TYPE_STRING, a_un: sys::mdb_arg__bindgen_ty_1 { a_str: s.as_ptr() } }
            }
            Arg::Imm(v) => {
                sys::mdb_arg_t { a_type: sys::MDB_TYPE_IMMEDIATE, a_un: sys::mdb_arg__bindgen_ty_1 { a_val: *v } }
            }
        })
        .collect();
    // SAFETY: argv and the strings it points to outlive the call.
    unsafe { (d.func)(addr as usize, flags, argv.len() as c_int, argv.as_ptr()) }
}

/// mdb's usage line: `[addr]::` for `?` usages, `addr::` for `:` ones.
fn print_usage(d: &DcmdEntry) {
    let (prefix, usage) = match d.usage.chars().next() {
        Some('?') => ("[addr]", &d.usage[1..]),
        Some(':') => ("addr", &d.usage[1..]),
        _ => ("", d.usage.as_str()),
    };
    let mut text = format!("Usage: {prefix}::{} {}\n", d.name, usage.trim());
    if d.help.is_some() {
        text.push_str(&format!("       (type '::help {}' for more information)\n", d.name));
    }
    state::output(2, text.as_bytes());
}

/// Read a stage's output back as mdb input: one address expression per line or `;`.
fn read_addresses(text: &[u8]) -> Result<Vec<u64>> {
    String::from_utf8_lossy(text)
        .split(['\n', ';'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| eval(l).map_err(|_| anyhow!("syntax error in pipeline input: \"{l}\" is not an address")))
        .collect()
}

fn run_shell(cmd: &str, input: &[u8]) -> Result<()> {
    let _ = std::io::stdout().flush();
    let shell = std::env::var("SHELL").unwrap_or_else(|_| "/bin/sh".into());
    let mut child = std::process::Command::new(shell)
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| anyhow!("cannot run shell command \"{cmd}\": {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A shell command that exits early (head) closes the pipe: not an error.
        let _ = stdin.write_all(input);
    }
    child.wait()?;
    Ok(())
}

/// `mdb_pwalk`: run walker `name` from `addr`, calling `cb` for each step. Errors are
/// mdb errno values.
pub fn walk(name: &str, addr: u64, cb: sys::mdb_walk_cb_t, data: *mut c_void) -> std::result::Result<(), i32> {
    let w = modules::walker(name).ok_or(errno::NOWALK)?;
    let mut ws = sys::mdb_walk_state_t {
        walk_callback: cb,
        walk_cbdata: data,
        walk_addr: addr as usize,
        walk_data: std::ptr::null_mut(),
        walk_arg: w.init_arg,
        walk_layer: std::ptr::null(),
    };
    if let Some(init) = w.init {
        // SAFETY: the walker's own init with a valid state.
        match unsafe { init(&mut ws) } {
            sys::WALK_NEXT => {}
            sys::WALK_DONE => return Ok(()),
            _ => return Err(errno::WALKINIT),
        }
    }
    // SAFETY: steps and fini get the state init prepared.
    while unsafe { (w.step)(&mut ws) } == sys::WALK_NEXT {}
    if let Some(fini) = w.fini {
        // SAFETY: fini runs once, after a successful init, on the same state.
        unsafe { fini(&mut ws) };
    }
    Ok(())
}

/// The callback of `::walk`: print each address as `%#lr`.
unsafe extern "C" fn print_walked(addr: usize, _buf: *const c_void, _data: *mut c_void) -> c_int {
    state::output(1, format!("{addr:#x}\n").as_bytes());
    sys::WALK_NEXT
}

/// The host's own dcmds. Returns None when `name` is not one of them.
fn builtin(name: &str, addr: u64, flags: u32, args: &[Arg]) -> Result<Option<c_int>> {
    let words: Vec<String> = args
        .iter()
        .map(|a| match a {
            Arg::Str(s) => s.to_string_lossy().into_owned(),
            Arg::Imm(v) => format!("{v:x}"),
        })
        .collect();
    let say = |text: String| state::output(1, text.as_bytes());
    let rc = match (name, words.as_slice()) {
        ("load", [m]) => match modules::load(m) {
            Ok(_) => OK,
            Err(e) => bail!("{e}"),
        },
        ("unload", [m]) => {
            modules::unload(m)?;
            OK
        }
        ("walk", [w]) | ("walk", [w, _]) => {
            let start = if flags & sys::DCMD_ADDRSPEC as u32 != 0 { addr } else { 0 };
            match walk(w, start, Some(print_walked), std::ptr::null_mut()) {
                Ok(()) => OK,
                Err(e) if e == errno::NOWALK => bail!("failed to perform walk: unknown walk name \"{w}\""),
                Err(_) => bail!("failed to perform walk {w}: walk initialization failed"),
            }
        }
        ("help", []) => {
            say(GENERAL_HELP.to_string());
            OK
        }
        ("help", [d]) => {
            help(d)?;
            OK
        }
        ("dcmds", []) => {
            for (n, descr) in BUILTINS {
                say(format!("{n:<16} - {descr}\n"));
            }
            for d in modules::all_dcmds() {
                say(format!("{:<16} - {} ({})\n", d.name, d.descr, d.module));
            }
            OK
        }
        ("walkers", []) => {
            for w in modules::all_walkers() {
                say(format!("{:<16} - {} ({})\n", w.name, w.descr, w.module));
            }
            OK
        }
        ("status", []) => {
            let what = state::with_target(|t| t.describe()).unwrap_or_else(|| "no target".into());
            say(format!("debugging {what}\n"));
            OK
        }
        (n, _) if BUILTINS.iter().any(|(b, _)| *b == n) => {
            let usage = BUILTIN_USAGE.iter().find(|(b, _)| *b == n).map_or("", |(_, u)| u);
            state::output(2, format!("Usage: ::{n} {usage}\n").as_bytes());
            USAGE
        }
        _ => return Ok(None),
    };
    Ok(Some(rc))
}

const BUILTINS: &[(&str, &str)] = &[
    ("dcmds", "list available debugger commands"),
    ("help", "list commands or give help on one"),
    ("load", "load a debugger module"),
    ("status", "print a summary of the current target"),
    ("unload", "unload a debugger module"),
    ("walk", "walk a data structure"),
    ("walkers", "list available walkers"),
];

const BUILTIN_USAGE: &[(&str, &str)] = &[
    ("dcmds", ""),
    ("help", "[command]"),
    ("load", "module"),
    ("status", ""),
    ("unload", "module"),
    ("walk", "name [variable]"),
    ("walkers", ""),
];

const GENERAL_HELP: &str = "\
Each debugger command in mdb is structured as follows:

      [ address [, count]] dcmd [ arguments ... ]
                ^^^^^^^^^^ ^^^^^^^^^^^^^^^^^^^^^^
 Starts with ::      Arguments are strings or $[expression] values.

Commands: addr::dcmd, ::dcmd | ::dcmd (pipelines), ::walk NAME, ::load NAME,
::unload NAME, ::dcmds, ::walkers, ::help NAME, '; ' between commands,
'! shell-command' to pipe output to the shell, $q to quit.
Numbers are hexadecimal unless prefixed: 0t (decimal), 0x, 0o, 0i.
";

/// `::help NAME`: the synopsis, then the dcmd's own help, indented as mdb does.
fn help(name: &str) -> Result<()> {
    let say = |text: String| state::output(1, text.as_bytes());
    if let Some((n, descr)) = BUILTINS.iter().find(|(b, _)| *b == name) {
        let usage = BUILTIN_USAGE.iter().find(|(b, _)| b == n).map_or("", |(_, u)| u);
        say(format!("\nNAME\n  {n} - {descr}\n\nSYNOPSIS\n  ::{n} {usage}\n\nATTRIBUTES\n\n  Target: proc\n  Module: mdb\n  Interface Stability: Evolving\n\n"));
        return Ok(());
    }
    let d = modules::dcmd(name).ok_or_else(|| anyhow!("unknown command '{name}'"))?;
    let synopsis = match d.usage.chars().next() {
        Some('?') => format!("[ addr ] ::{} {}", d.name, &d.usage[1..]),
        Some(':') => format!("addr ::{} {}", d.name, &d.usage[1..]),
        _ => format!("::{} {}", d.name, d.usage),
    };
    say(format!("\nNAME\n  {} - {}\n\nSYNOPSIS\n  {}\n\n", d.name, d.descr, synopsis.trim_end()));
    if let Some(h) = d.help {
        say("DESCRIPTION\n".into());
        state::indent(2);
        // SAFETY: the module's help function prints through the API.
        unsafe { h() };
        state::finish_line();
        state::indent(-2);
        say("\n".into());
    }
    say(format!("ATTRIBUTES\n\n  Target: proc\n  Module: {}\n  Interface Stability: Unstable\n\n", d.module));
    Ok(())
}
