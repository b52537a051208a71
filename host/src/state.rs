//! The host's global state. The mdb API functions are plain C functions with no context
//! argument, so what they need lives here, in thread-locals (mdb is single-threaded).
//!
//! A `RefCell` here is only ever borrowed for the duration of one small operation, never
//! across a call into the module: dcmds call back into the API re-entrantly.

use std::cell::{Cell, OnceCell, RefCell};
use std::io::{IsTerminal, Write};

use crate::frame::{self, Abort};
use mdb_host::target::Target;

thread_local! {
    static TARGET: OnceCell<Box<dyn Target>> = const { OnceCell::new() };
    static OUT: RefCell<Out> = RefCell::new(Out::default());
    static DOT: Cell<u64> = const { Cell::new(0) };
    static GC: RefCell<Vec<*mut libc::c_void>> = const { RefCell::new(Vec::new()) };
}

/// Set the target once, at startup.
pub fn set_target(t: Box<dyn Target>) {
    TARGET.with(|cell| {
        let _ = cell.set(t);
    });
}

/// Run `f` on the target, if there is one.
pub fn with_target<R>(f: impl FnOnce(&dyn Target) -> R) -> Option<R> {
    TARGET.with(|cell| cell.get().map(|t| f(t.as_ref())))
}

pub fn dot() -> u64 {
    DOT.with(Cell::get)
}

pub fn set_dot(v: u64) {
    DOT.with(|d| d.set(v));
}

/// Standard output and error as dcmds see them: indentation, captures for pipelines.
#[derive(Default)]
struct Out {
    /// Output captured for the next pipeline stage or a shell command, innermost last.
    captures: Vec<Vec<u8>>,
    /// mdb's margin (`mdb_inc_indent`).
    indent: usize,
    /// Column of the next byte on stdout (index 0) and stderr (index 1).
    column: [usize; 2],
    /// Whether the terminal gets attribute escapes.
    attrs: bool,
    pager: Pager,
    /// Lines written to the terminal since the pager last asked (or the command began).
    lines: usize,
    /// The pager was told to go on without asking again, for this command.
    continuous: bool,
    /// The pager was told to quit: the rest of this command's output is dropped.
    discard: bool,
    /// Terminal output not written yet. Output to a file or pipe is written in blocks
    /// (a write a line made `::walk ... | ::jsprint` into a file syscall-bound); a
    /// terminal gets each line as it is made.
    pending: Vec<u8>,
    /// stdout is a terminal.
    tty: bool,
}

/// How much terminal output is held before it is written.
const PENDING_LIMIT: usize = 64 << 10;

/// mdb's pager: after a screenful of lines on the terminal, it asks before going on.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum Pager {
    #[default]
    Off,
    /// Ask the user, every `rows - 1` lines.
    Terminal { rows: usize },
    /// The test knob `MDB_HOST_PAGER_QUIT_AFTER=N`: answer `q` after N lines.
    QuitAfter(usize),
}

/// What the pager was told at its prompt.
enum Answer {
    Page,
    Line,
    Continuous,
    Quit,
}

/// Write `bytes` to stream 1 (stdout) or 2 (stderr), applying the margin at line starts.
pub fn output(stream: i32, bytes: &[u8]) {
    OUT.with(|o| {
        let mut o = o.borrow_mut();
        let idx = usize::from(stream != 1);
        let mut text = Vec::with_capacity(bytes.len() + o.indent);
        let mut col = o.column[idx];
        for &b in bytes {
            if col == 0 && b != b'\n' {
                text.resize(text.len() + o.indent, b' ');
                col = o.indent;
            }
            text.push(b);
            col = if b == b'\n' { 0 } else { col + 1 };
        }
        o.column[idx] = col;
        match (idx, o.captures.last_mut()) {
            (0, Some(buf)) => buf.extend_from_slice(&text),
            (0, None) => o.page(&text),
            _ => {
                o.flush();
                let _ = std::io::stderr().write_all(&text);
            }
        }
    })
}

impl Out {
    /// Write to the terminal through the pager.
    fn page(&mut self, mut text: &[u8]) {
        while !text.is_empty() && !self.discard {
            let line_end = text.iter().position(|&b| b == b'\n').map(|i| i + 1);
            let (line, rest) = text.split_at(line_end.unwrap_or(text.len()));
            self.pending.extend_from_slice(line);
            if self.tty || self.pending.len() >= PENDING_LIMIT {
                self.flush();
            }
            text = rest;
            if line_end.is_none() {
                break;
            }
            self.lines += 1;
            let full = match self.pager {
                Pager::Off => false,
                Pager::Terminal { rows } => !self.continuous && self.lines + 1 >= rows,
                Pager::QuitAfter(n) => self.lines >= n,
            };
            if !full {
                continue;
            }
            self.flush();
            match self.ask() {
                Answer::Page => self.lines = 0,
                Answer::Line => self.lines -= 1,
                Answer::Continuous => self.continuous = true,
                Answer::Quit => {
                    self.discard = true;
                    frame::request(Abort::Pager);
                }
            }
        }
    }

    /// Write what is pending.
    fn flush(&mut self) {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(&self.pending);
        let _ = stdout.flush();
        self.pending.clear();
    }

    /// mdb's prompt, answered with one key from the terminal.
    fn ask(&self) -> Answer {
        let Pager::Terminal { .. } = self.pager else { return Answer::Quit };
        const PROMPT: &str = ">> More [<space>, <cr>, q, n, c, a] ? ";
        let mut stdout = std::io::stdout();
        let _ = write!(stdout, "{PROMPT}");
        let _ = stdout.flush();
        let key = read_key();
        // Erase the prompt.
        let _ = write!(stdout, "\r{:width$}\r", "", width = PROMPT.len());
        let _ = stdout.flush();
        match key {
            Some(b' ') => Answer::Page,
            Some(b'\n' | b'\r' | b'n' | b'N') => Answer::Line,
            Some(b'c' | b'C') => Answer::Continuous,
            _ => Answer::Quit,
        }
    }
}

/// One key from the terminal on standard input, without waiting for a newline.
fn read_key() -> Option<u8> {
    // SAFETY: termios calls on fd 0 with structs owned by this frame; the old settings are
    // put back before returning.
    unsafe {
        let mut old: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(0, &mut old) != 0 {
            return None;
        }
        let mut raw = old;
        raw.c_lflag &= !(libc::ICANON | libc::ECHO | libc::ISIG);
        raw.c_cc[libc::VMIN] = 1;
        raw.c_cc[libc::VTIME] = 0;
        libc::tcsetattr(0, libc::TCSANOW, &raw);
        let mut key = 0u8;
        let n = libc::read(0, (&mut key as *mut u8).cast(), 1);
        libc::tcsetattr(0, libc::TCSANOW, &old);
        (n == 1).then_some(key)
    }
}

/// Turn the pager on (commands come from a terminal) or off. The test knob
/// `MDB_HOST_PAGER_QUIT_AFTER=N` puts a pager that quits after N lines in any case.
pub fn set_pager(terminal: bool) {
    let knob = std::env::var("MDB_HOST_PAGER_QUIT_AFTER").ok().and_then(|v| v.parse().ok());
    let pager = match knob {
        Some(n) => Pager::QuitAfter(n),
        None if terminal => Pager::Terminal { rows: terminal_rows() },
        None => Pager::Off,
    };
    OUT.with(|o| {
        let mut o = o.borrow_mut();
        o.pager = pager;
        o.tty = std::io::stdout().is_terminal();
    });
}

/// The terminal's height (24 if it does not say).
fn terminal_rows() -> usize {
    // SAFETY: TIOCGWINSZ fills a winsize owned by this frame.
    let rows = unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        if libc::ioctl(0, libc::TIOCGWINSZ, &mut ws) == 0 {
            ws.ws_row
        } else {
            0
        }
    };
    if rows > 1 {
        usize::from(rows)
    } else {
        24
    }
}

/// A new command line: the pager counts from zero and prints again.
pub fn new_page() {
    OUT.with(|o| {
        let mut o = o.borrow_mut();
        o.lines = 0;
        o.continuous = false;
        o.discard = false;
    });
}

/// Column of the next byte on a stream (for `%T` in the printf shim).
pub fn column(stream: i32) -> usize {
    OUT.with(|o| o.borrow().column[usize::from(stream != 1)])
}

/// End an unterminated last line, as mdb does after each command.
pub fn finish_line() {
    if column(1) != 0 {
        output(1, b"\n");
    }
    flush();
}

/// Write all pending output (mdb_flush; before a shell command and at each command's end).
pub fn flush() {
    OUT.with(|o| o.borrow_mut().flush());
}

/// Change the margin by `delta`; returns the old margin.
pub fn indent(delta: isize) -> usize {
    OUT.with(|o| {
        let mut o = o.borrow_mut();
        let old = o.indent;
        o.indent = old.saturating_add_signed(delta);
        old
    })
}

/// Start capturing standard output (for a pipeline stage or `!`).
pub fn begin_capture() {
    OUT.with(|o| {
        let mut o = o.borrow_mut();
        o.captures.push(Vec::new());
        o.column[0] = 0;
    });
}

/// Stop the innermost capture and return what was printed.
pub fn end_capture() -> Vec<u8> {
    OUT.with(|o| {
        let mut o = o.borrow_mut();
        o.column[0] = 0;
        o.captures.pop().unwrap_or_default()
    })
}

pub fn set_attrs(on: bool) {
    OUT.with(|o| o.borrow_mut().attrs = on);
}

pub fn attrs() -> bool {
    OUT.with(|o| o.borrow().attrs)
}

/// Remember a `UM_GC` allocation, freed when the current command ends.
pub fn gc_track(p: *mut libc::c_void) {
    GC.with(|g| g.borrow_mut().push(p));
}

/// Free every `UM_GC` allocation (after a top-level command).
pub fn gc_collect() {
    let ptrs = GC.with(|g| std::mem::take(&mut *g.borrow_mut()));
    for p in ptrs {
        // SAFETY: each pointer came from malloc in mdb_alloc and is freed once.
        unsafe { libc::free(p) };
    }
}
