//! The host's global state. The mdb API functions are plain C functions with no context
//! argument, so what they need lives here, in thread-locals (mdb is single-threaded).
//!
//! A `RefCell` here is only ever borrowed for the duration of one small operation, never
//! across a call into the module: dcmds call back into the API re-entrantly.

use std::cell::{Cell, OnceCell, RefCell};
use std::io::Write;

use crate::target::Target;

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
            (0, None) => {
                let _ = std::io::stdout().write_all(&text);
            }
            _ => {
                let _ = std::io::stdout().flush();
                let _ = std::io::stderr().write_all(&text);
            }
        }
    })
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
    let _ = std::io::stdout().flush();
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
