//! Running parsed commands with mdb's semantics: dcmd flags, pipelines (each stage's
//! output read back as addresses), walks, `!` shell pipes, and the built-in dcmds.

use std::cell::RefCell;
use std::ffi::{c_int, c_void, CString};
use std::io::Write;

use anyhow::{anyhow, bail, Result};
use mdb_sys as sys;

use crate::api::errno;
use crate::frame::{self, api, Abort};
use crate::modules::{self, DcmdEntry};
use crate::state;
use mdb_host::lang::{self, ArgText, Command, Stage};
use mdb_host::target::{Signal, REGISTERS};

const OK: c_int = sys::DCMD_OK;
const ERR: c_int = sys::DCMD_ERR;
const USAGE: c_int = sys::DCMD_USAGE;
const ABORT: c_int = sys::DCMD_ABORT;

thread_local! {
    /// The piped address of the running call and those still to come (for `mdb_get_pipe`);
    /// empty unless the call has `DCMD_PIPE`.
    static PIPE_IN: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
    /// Addresses a stage handed on with `mdb_set_pipe`.
    static PIPE_OUT: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// `mdb_get_pipe`: the running call's address and every one still to come (none outside
/// a pipeline); the stage is not called again.
pub fn take_pipe_input() -> Vec<u64> {
    PIPE_IN.with(|p| std::mem::take(&mut *p.borrow_mut()))
}

/// `mdb_set_pipe`: the addresses for the next stage (replacing any set before), without
/// printing them.
pub fn set_pipe_output(addrs: Vec<u64>) {
    PIPE_OUT.with(|p| *p.borrow_mut() = addrs);
}

/// What running a line asks of the caller.
#[derive(Debug, PartialEq)]
pub enum Flow {
    Continue,
    /// `$q`.
    Quit,
    /// The line was cut short where mdb's parser gives up (a syntax error, an unknown dcmd,
    /// an address that does not evaluate) or by ^C. With `-e`, mdb stops there and exits 1.
    Broken,
}

/// The command interpreter: remembers the last command for a bare-expression repeat.
#[derive(Default)]
pub struct Interpreter {
    last: Option<Command>,
    /// What the last dcmd that ran returned (mdb's `m_lastret`): `-e`'s exit status.
    pub last_status: c_int,
}

impl Interpreter {
    /// Run one input line. Errors are reported on stderr.
    pub fn run_line(&mut self, line: &str) -> Flow {
        state::new_page();
        let commands = match lang::parse_line(line) {
            Ok(c) => c,
            Err(e) => return broken(&e),
        };
        for cmd in commands {
            let result = self.run_command(&cmd);
            state::finish_line();
            state::gc_collect();
            match result {
                Ok(Flow::Continue) => {}
                Ok(flow) => return flow,
                Err(e) => return broken(&e),
            }
        }
        Flow::Continue
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
            match status? {
                Status::Done => {}
                Status::Quit => return Ok(Flow::Quit),
                Status::Stop => return Ok(Flow::Continue),
                // mdb ends the line with a newline on ^C, and drops the rest of it.
                Status::Aborted(Abort::Interrupt) => {
                    state::output(1, b"\n");
                    return Ok(Flow::Broken);
                }
                Status::Aborted(Abort::Pager) => return Ok(Flow::Continue),
            }
            if feeds_next {
                let mut addrs = PIPE_OUT.with(|p| std::mem::take(&mut *p.borrow_mut()));
                match read_addresses(&text) {
                    Ok(more) => addrs.extend(more),
                    // mdb reports it and breaks the pipeline off; the line goes on.
                    Err(e) => {
                        warn(&e);
                        return Ok(Flow::Continue);
                    }
                }
                input = Some(addrs);
            } else if let Some(shell) = &cmd.shell {
                if let Err(e) = run_shell(shell, &text) {
                    warn(&e);
                }
            }
        }
        Ok(Flow::Continue)
    }

    fn run_stage(&mut self, stage: &Stage, input: Option<Vec<u64>>, pipe_out: bool) -> Result<Status> {
        match stage {
            Stage::Quit => Ok(Status::Quit),
            Stage::Expr(e) => {
                state::set_dot(eval(e)?);
                Ok(Status::Done)
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
                self.run_calls(name, &args, calls, out_flag, !pipe_out)
            }
        }
    }

    /// Call a dcmd once per (address, flags); USAGE and ABORT stop the loop. `last` says
    /// whether this is the last stage of its pipeline: only that one runs with interrupts
    /// enabled, as in mdb (a ^C during an earlier stage waits until that stage is done).
    fn run_calls(
        &mut self,
        name: &str,
        args: &[Arg],
        calls: Vec<(u64, u32)>,
        out_flag: u32,
        last: bool,
    ) -> Result<Status> {
        // Unknown names are mdb parse errors: nothing of the line runs.
        let target = match builtin_entry(name) {
            Some(b) => Callee::Builtin(b),
            None => Callee::Module(
                modules::dcmd(name).ok_or_else(|| anyhow!("invalid command '::{name}': unknown dcmd name"))?,
            ),
        };
        let addrs: Vec<u64> = calls.iter().map(|c| c.0).collect();
        let mut status = Status::Done;
        for (i, (addr, flags)) in calls.into_iter().enumerate() {
            // A piped call offers its address and the rest to mdb_get_pipe; if it takes
            // them, the loop ends.
            let piped = flags & sys::DCMD_PIPE as u32 != 0;
            PIPE_IN.with(|p| *p.borrow_mut() = if piped { addrs[i..].to_vec() } else { Vec::new() });
            state::set_dot(addr);
            let called = match &target {
                Callee::Builtin(b) => run_builtin(b, addr, flags | out_flag, args),
                Callee::Module(d) => call_module_dcmd(d, addr, flags | out_flag, args, last),
            };
            let taken = piped && PIPE_IN.with(|p| p.borrow().is_empty());
            // A ^C while interrupts were held (an earlier stage, or the host's own code).
            let called = match frame::take() {
                Some(Abort::Interrupt) => Called::Aborted(Abort::Interrupt),
                _ => called,
            };
            let rc = match called {
                Called::Returned(rc) => rc,
                Called::Aborted(why) => {
                    status = Status::Aborted(why);
                    break;
                }
            };
            self.last_status = rc;
            if rc == USAGE {
                match &target {
                    Callee::Builtin(b) => print_usage(b.name, b.usage, b.has_help),
                    Callee::Module(d) => print_usage(&d.name, &d.usage, d.help.is_some()),
                }
            }
            if rc == USAGE || rc == ABORT {
                status = Status::Stop;
                break;
            }
            if taken {
                break;
            }
        }
        PIPE_IN.with(|p| p.borrow_mut().clear());
        Ok(status)
    }
}

/// The dcmd a stage calls.
enum Callee {
    Builtin(&'static Builtin),
    Module(DcmdEntry),
}

/// Report an error at the level of mdb's parser: the rest of the line is dropped.
fn broken(e: &anyhow::Error) -> Flow {
    warn(e);
    Flow::Broken
}

/// `mdb: <message>` on standard error.
fn warn(e: &anyhow::Error) {
    say_error(&e.to_string());
}

/// Print a built-in dcmd's failure (as mdb_warn does) and return DCMD_ERR.
fn builtin_failed(msg: String) -> c_int {
    say_error(&msg);
    ERR
}

/// The longest error message printed whole: past it, the rest (a pasted argument that
/// goes on for pages) is only counted.
const MAX_MESSAGE: usize = 300;

/// `mdb: <message>` on standard error, cut at MAX_MESSAGE characters.
fn say_error(msg: &str) {
    let text = match msg.char_indices().nth(MAX_MESSAGE) {
        Some((at, _)) => format!("{}... ({} more characters)", &msg[..at], msg[at..].chars().count()),
        None => msg.to_string(),
    };
    state::output(2, format!("mdb: {text}\n").as_bytes());
}

/// What one call of a dcmd came to.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Called {
    /// It returned this `DCMD_*` status.
    Returned(c_int),
    /// ^C or the pager left it by a jump.
    Aborted(Abort),
}

/// How a stage ended.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Status {
    /// Every call returned (DCMD_ERR lets the pipeline go on).
    Done,
    /// DCMD_USAGE or DCMD_ABORT: the pipeline stops.
    Stop,
    /// ^C or a pager quit left the command: the pipeline stops.
    Aborted(Abort),
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

/// A dcmd call, as the frame's trampoline sees it.
struct DcmdCall {
    func: unsafe extern "C" fn(usize, u32, i32, *const sys::mdb_arg_t) -> i32,
    addr: usize,
    flags: u32,
    argc: c_int,
    argv: *const sys::mdb_arg_t,
    rc: c_int,
}

/// The frame's body: call the dcmd. Owns nothing, so a jump out of it skips nothing.
extern "C" fn dcmd_frame(arg: *mut c_void) {
    // SAFETY: `arg` is the DcmdCall of call_module_dcmd, alive for the whole frame.
    let c = unsafe { &mut *arg.cast::<DcmdCall>() };
    // SAFETY: the module's dcmd with an argument vector that outlives the call.
    c.rc = unsafe { (c.func)(c.addr, c.flags, c.argc, c.argv) };
}

/// Call a module's dcmd. The last stage of a pipeline runs in a frame, as in mdb: ^C and
/// the pager may leave it by a jump. An earlier stage runs with interrupts held.
fn call_module_dcmd(d: &DcmdEntry, addr: u64, flags: u32, args: &[Arg], last: bool) -> Called {
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
    let mut call =
        DcmdCall { func: d.func, addr: addr as usize, flags, argc: argv.len() as c_int, argv: argv.as_ptr(), rc: 0 };
    let arg = (&mut call as *mut DcmdCall).cast();
    let aborted = if last {
        // SAFETY: dcmd_frame is a plain trampoline; `call` and argv outlive the frame.
        unsafe { frame::run(dcmd_frame, arg) }
    } else {
        frame::run_held(dcmd_frame, arg);
        None
    };
    aborted.map_or(Called::Returned(call.rc), Called::Aborted)
}

/// mdb's usage line, on standard error: `[address]::name` for a usage that starts with
/// `?`, `address::name` for `:`, the bare name otherwise; then, for a dcmd with a manual,
/// where to read it.
fn print_usage(name: &str, usage: &str, has_help: bool) {
    let (prefix, usage) = match usage.chars().next() {
        Some('?') => ("[address]::", &usage[1..]),
        Some(':') => ("address::", &usage[1..]),
        _ => ("", usage),
    };
    let mut text = format!("Usage: {prefix}{name} {usage}\n");
    if has_help {
        text.push_str(&format!("mdb: try '::help {name}' for more information\n"));
    }
    state::output(2, text.as_bytes());
}

/// Read a stage's output back as mdb input: one address expression per line or `;`.
fn read_addresses(text: &[u8]) -> Result<Vec<u64>> {
    let text = String::from_utf8_lossy(text);
    let mut addrs = Vec::new();
    for (n, line) in text.split('\n').enumerate() {
        for expr in line.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            if expr.contains(char::is_whitespace) || expr.contains("::") {
                bail!("syntax error on line {} of (pipeline) near \"{expr}\"", n + 1);
            }
            addrs.push(eval(expr)?);
        }
    }
    Ok(addrs)
}

fn run_shell(cmd: &str, input: &[u8]) -> Result<()> {
    state::flush();
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

/// How a walk ended.
#[derive(Debug, PartialEq)]
pub enum Walked {
    Done,
    /// ^C or the pager left it by a jump (after its `walk_fini`, as in mdb).
    Aborted(Abort),
}

/// A walk in progress, as its frame's trampoline sees it.
struct WalkRun {
    init: Option<unsafe extern "C" fn(*mut sys::mdb_walk_state_t) -> i32>,
    step: unsafe extern "C" fn(*mut sys::mdb_walk_state_t) -> i32,
    state: sys::mdb_walk_state_t,
    /// What `walk_init` returned, once it has.
    init_rc: Option<c_int>,
}

/// Initialise and step a walk until it is done, or until an abort is waiting (when the
/// walk runs inside host code, an abort cannot jump: the walk ends early instead). Owns
/// nothing, so a jump out of it skips nothing.
extern "C" fn walk_frame(arg: *mut c_void) {
    // SAFETY: `arg` is the WalkRun of walk(), alive for the whole frame.
    let r = unsafe { &mut *arg.cast::<WalkRun>() };
    // SAFETY: the walker's own init with a valid state; a NULL init is mdb's default.
    r.init_rc = Some(r.init.map_or(sys::WALK_NEXT, |init| unsafe { init(&mut r.state) }));
    if r.init_rc != Some(sys::WALK_NEXT) {
        return;
    }
    // SAFETY: steps get the state init prepared.
    while frame::pending().is_none() && unsafe { (r.step)(&mut r.state) } == sys::WALK_NEXT {}
}

/// Run walker `name` from `addr`, calling `cb` for each step. `framed` runs it as a command
/// frame (a top-level `::walk`); inside a dcmd (`mdb_pwalk`), the dcmd's frame is the one an
/// abort goes to. Errors are mdb errno values.
pub fn walk(
    name: &str,
    addr: u64,
    cb: sys::mdb_walk_cb_t,
    data: *mut c_void,
    framed: bool,
) -> std::result::Result<Walked, i32> {
    let w = modules::walker(name).ok_or(errno::NOWALK)?;
    let state = sys::mdb_walk_state_t {
        walk_callback: cb,
        walk_cbdata: data,
        walk_addr: addr as usize,
        walk_data: std::ptr::null_mut(),
        walk_arg: w.init_arg,
        walk_layer: std::ptr::null(),
    };
    let mut run = WalkRun { init: w.init, step: w.step, state, init_rc: None };
    let arg = (&mut run as *mut WalkRun).cast();
    let aborted = if framed {
        // SAFETY: walk_frame is a plain trampoline; `run` outlives the frame.
        unsafe { frame::run(walk_frame, arg) }
    } else {
        walk_frame(arg);
        None
    };
    match run.init_rc {
        Some(sys::WALK_NEXT) => {}
        Some(sys::WALK_DONE) => return Ok(Walked::Done),
        Some(_) => return Err(errno::WALKINIT),
        None => return Ok(aborted.map_or(Walked::Done, Walked::Aborted)),
    }
    if let Some(fini) = w.fini {
        // SAFETY: fini runs once, after a successful init (even an aborted walk), on its state.
        unsafe { fini(&mut run.state) };
    }
    Ok(aborted.map_or(Walked::Done, Walked::Aborted))
}

api! {
/// The callback of `::walk`: print each address as `%#lr`.
pub unsafe extern "C" fn print_walked(addr: usize, _buf: *const c_void, _data: *mut c_void) -> c_int {
    state::output(1, format!("{addr:#x}\n").as_bytes());
    sys::WALK_NEXT
}
}

/// One of the host's own dcmds.
struct Builtin {
    name: &'static str,
    /// As in a module's `dc_usage`: `?` or `:` first for the address it takes.
    usage: &'static str,
    descr: &'static str,
    /// mdb has a manual for it, so its usage error points to `::help`.
    has_help: bool,
    /// The address (when one was given) and the arguments as words.
    run: fn(Option<u64>, &[String]) -> Called,
}

const BUILTINS: &[Builtin] = &[
    Builtin { name: "dcmds", usage: "", descr: "list available debugger commands", has_help: false, run: dcmds },
    Builtin { name: "help", usage: "[command]", descr: "list commands or give help", has_help: false, run: help },
    Builtin { name: "load", usage: "[-s] module", descr: "load debugger module", has_help: true, run: load },
    Builtin { name: "regs", usage: "", descr: "print general-purpose registers", has_help: false, run: regs },
    Builtin { name: "status", usage: "", descr: "print summary of current target", has_help: false, run: status },
    Builtin { name: "unload", usage: "module", descr: "unload debugger module", has_help: false, run: unload },
    Builtin { name: "walk", usage: "?name [variable]", descr: "walk data structure", has_help: false, run: walk_dcmd },
    Builtin { name: "walkers", usage: "", descr: "list available walkers", has_help: false, run: walkers },
];

fn builtin_entry(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

fn run_builtin(b: &Builtin, addr: u64, flags: u32, args: &[Arg]) -> Called {
    let words: Vec<String> = args
        .iter()
        .map(|a| match a {
            Arg::Str(s) => s.to_string_lossy().into_owned(),
            Arg::Imm(v) => format!("{v:x}"),
        })
        .collect();
    (b.run)((flags & sys::DCMD_ADDRSPEC as u32 != 0).then_some(addr), &words)
}

fn say(text: String) {
    state::output(1, text.as_bytes());
}

fn done(rc: c_int) -> Called {
    Called::Returned(rc)
}

/// mdb's listing of dcmds and walkers: sorted, `%-24s - %s`.
fn list(mut entries: Vec<(String, String)>) {
    entries.sort();
    for (name, descr) in entries {
        say(format!("{name:<24} - {descr}\n"));
    }
}

/// A built-in's usage error: mdb prints only the usage line; the host first says what was
/// wrong.
fn misuse(name: &str, what: &str) -> Called {
    state::output(2, format!("mdb: {name}: {what}\n").as_bytes());
    done(USAGE)
}

/// What is wrong with giving a built-in that takes none this address or these arguments.
fn unwanted(addr: Option<u64>, words: &[String]) -> Option<String> {
    match (addr, words.first()) {
        (Some(_), _) => Some("takes no address".into()),
        (None, Some(w)) => Some(format!("unexpected argument \"{w}\"")),
        (None, None) => None,
    }
}

fn dcmds(addr: Option<u64>, words: &[String]) -> Called {
    if let Some(what) = unwanted(addr, words) {
        return misuse("dcmds", &what);
    }
    let builtins = BUILTINS.iter().map(|b| (b.name.to_string(), b.descr.to_string()));
    list(builtins.chain(modules::all_dcmds().into_iter().map(|d| (d.name, d.descr))).collect());
    done(OK)
}

fn walkers(addr: Option<u64>, words: &[String]) -> Called {
    if let Some(what) = unwanted(addr, words) {
        return misuse("walkers", &what);
    }
    list(modules::all_walkers().into_iter().map(|w| (w.name, w.descr)).collect());
    done(OK)
}

/// mdb's proc target ignores the address and any arguments. For a core, the signal that
/// ended the process and the thread that took it (the core's first thread) follow.
fn status(_: Option<u64>, _: &[String]) -> Called {
    let what = state::with_target(|t| {
        let mut what = format!("debugging {}\n", t.describe());
        let first = if t.is_live() { None } else { t.threads().ok().and_then(|th| th.first()) };
        if let Some(th) = first.filter(|th| th.signal != 0) {
            what +=
                &format!("status: process terminated by {}, thread {} (lwp {})\n", Signal(th.signal), th.id, th.lwp);
        }
        what
    });
    say(what.unwrap_or_else(|| "debugging no target\n".into()));
    done(OK)
}

/// The registers of the representative thread (the core's first, a process's main one), or
/// of thread ADDR, two to a line as mdb's amd64 `::regs` prints them.
fn regs(addr: Option<u64>, words: &[String]) -> Called {
    if let Some(what) = unwanted(None, words) {
        return misuse("regs", &what);
    }
    let text = state::with_target(|t| {
        let threads = t.threads()?;
        let th = match addr {
            Some(id) => threads.iter().find(|th| th.id == id).ok_or(format!("no such thread: {id:x}"))?,
            None => threads.first().ok_or("the target has no threads")?,
        };
        let cells: Vec<String> = REGISTERS.iter().zip(th.regs).map(|(r, v)| format!("%{r:<8} = {v:#018x}")).collect();
        Ok::<_, String>(cells.chunks(2).map(|pair| pair.join("    ") + "\n").collect::<String>())
    });
    match text.unwrap_or(Err("no target".into())) {
        Ok(text) => {
            say(text);
            done(OK)
        }
        Err(e) => done(builtin_failed(e)),
    }
}

fn load(addr: Option<u64>, words: &[String]) -> Called {
    match (addr, words) {
        (None, [m]) if !m.starts_with(['-', '+']) => done(match modules::load(m) {
            Ok(_) => OK,
            Err(e) => builtin_failed(format!("{e:#}")),
        }),
        (Some(_), _) => misuse("load", "takes no address"),
        (None, []) => misuse("load", "a module name is needed"),
        (None, [m]) => misuse("load", &format!("options are not supported: \"{m}\"")),
        (None, _) => misuse("load", "takes one module name"),
    }
}

fn unload(addr: Option<u64>, words: &[String]) -> Called {
    match (addr, words) {
        (None, [m]) => done(match modules::unload(m) {
            Ok(()) => OK,
            Err(e) => builtin_failed(format!("{e:#}")),
        }),
        (Some(_), _) => misuse("unload", "takes no address"),
        (None, []) => misuse("unload", "a module name is needed"),
        (None, _) => misuse("unload", "takes one module name"),
    }
}

fn walk_dcmd(addr: Option<u64>, words: &[String]) -> Called {
    let ([w] | [w, _]) = words else {
        return misuse("walk", if words.is_empty() { "a walker name is needed" } else { "too many arguments" });
    };
    match walk(w, addr.unwrap_or(0), Some(print_walked), std::ptr::null_mut(), true) {
        Ok(Walked::Done) => done(OK),
        Ok(Walked::Aborted(why)) => Called::Aborted(why),
        Err(e) if e == errno::NOWALK => done(builtin_failed("failed to perform walk: unknown walk name".into())),
        Err(_) => done(builtin_failed("failed to perform walk: failed to initialize walk".into())),
    }
}

fn help(addr: Option<u64>, words: &[String]) -> Called {
    match (addr, words) {
        (None, []) => {
            say(GENERAL_HELP.to_string());
            done(OK)
        }
        (None, [name]) => done(match manual(name.strip_prefix("::").unwrap_or(name)) {
            Ok(()) => OK,
            Err(e) => builtin_failed(format!("{e:#}")),
        }),
        (Some(_), _) => misuse("help", "takes no address"),
        (None, _) => misuse("help", "takes one command name at most"),
    }
}

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
fn manual(name: &str) -> Result<()> {
    let (descr, usage, module, help) = match (builtin_entry(name), modules::dcmd(name)) {
        (Some(b), _) => (b.descr.to_string(), b.usage.to_string(), "mdb".to_string(), None),
        (None, Some(d)) => (d.descr, d.usage, d.module, d.help),
        (None, None) => bail!("unknown command: {name}"),
    };
    let synopsis = match usage.chars().next() {
        Some('?') => format!("[ addr ] ::{name} {}", &usage[1..]),
        Some(':') => format!("addr ::{name} {}", &usage[1..]),
        _ => format!("::{name} {usage}"),
    };
    say(format!("\nNAME\n  {name} - {descr}\n\nSYNOPSIS\n  {}\n\n", synopsis.trim_end()));
    if let Some(h) = help {
        say("DESCRIPTION\n".into());
        state::indent(2);
        // SAFETY: the module's help function prints through the API.
        unsafe { h() };
        state::finish_line();
        state::indent(-2);
        say("\n".into());
    }
    let stability = if module == "mdb" { "Evolving" } else { "Unstable" };
    say(format!("ATTRIBUTES\n\n  Target: proc\n  Module: {module}\n  Interface Stability: {stability}\n\n"));
    Ok(())
}
