//! Output to mdb, with the longjmp discipline.
//!
//! mdb may leave a dcmd by `longjmp` from inside `mdb_printf` (pager quit, ^C). Rust frames
//! skipped that way must own nothing that needs dropping. So a dcmd first computes its
//! whole answer into an [`Output`] and [`park`]s it in a module-global buffer; when every
//! owned value is dropped, [`flush`] feeds the buffer to `mdb_printf` piece by piece
//! through a stack buffer: the printing frame holds only integers and a byte array. A
//! buffer left behind by an interrupted print is cleared by the next entry point.

use std::cell::UnsafeCell;
use std::ffi::{c_char, CString};
use std::fmt;

use crate::target::Addr;

/// The text a dcmd prints, built before anything is printed.
#[derive(Default)]
pub struct Output {
    chunks: Vec<Chunk>,
    /// The output feeds a pipeline (`DCMD_PIPE_OUT`).
    pipe: bool,
}

enum Chunk {
    Text(String),
    /// Addresses, one per line: compact for listings of millions of objects.
    Addrs(Vec<u64>),
    /// Addresses for the next stage of a pipeline: with a `0x`, so that mdb reads each as
    /// a number (a bare `deadbeef` is looked up as a symbol first).
    PipedAddrs(Vec<u64>),
}

impl Output {
    /// The output of a dcmd; `pipe` when it feeds a pipeline.
    pub fn new(pipe: bool) -> Output {
        Output { chunks: Vec::new(), pipe }
    }

    /// Append one line (a newline is added).
    pub fn line(&mut self, s: &str) {
        let text = self.text();
        text.push_str(s);
        text.push('\n');
    }

    /// Append one address line: as `%lx\n` would print it (mdb_v8's listings), or as
    /// `%#lx\n` when the output feeds a pipeline.
    pub fn addr(&mut self, a: Addr) {
        match (self.chunks.last_mut(), self.pipe) {
            (Some(Chunk::Addrs(v)), false) | (Some(Chunk::PipedAddrs(v)), true) => v.push(a.0),
            (_, false) => self.chunks.push(Chunk::Addrs(vec![a.0])),
            (_, true) => self.chunks.push(Chunk::PipedAddrs(vec![a.0])),
        }
    }

    fn text(&mut self) -> &mut String {
        if !matches!(self.chunks.last(), Some(Chunk::Text(_))) {
            self.chunks.push(Chunk::Text(String::new()));
        }
        match self.chunks.last_mut() {
            Some(Chunk::Text(s)) => s,
            _ => unreachable!("a text chunk was just pushed"),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }
}

impl fmt::Write for Output {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.text().push_str(s);
        Ok(())
    }
}

thread_local! {
    /// The output being printed; see the module docs.
    static PENDING: UnsafeCell<Vec<Chunk>> = const { UnsafeCell::new(Vec::new()) };
}

/// Size of one piece handed to `mdb_printf`.
const PIECE: usize = 4096;

/// Queue `out` for printing by the next [`flush`], after anything queued before.
pub fn park(out: Output) {
    // SAFETY: the module runs on mdb's single thread and no reference into PENDING outlives
    // the closure.
    PENDING.with(|p| unsafe { (*p.get()).extend(out.chunks) });
}

/// Print what [`park`] queued to mdb's standard output. Call it from a frame that owns
/// nothing needing a drop: mdb may longjmp out of `mdb_printf`.
pub fn flush() {
    let mut chunk = 0usize;
    let mut pos = 0usize;
    loop {
        let mut buf = [0u8; PIECE + 1];
        // SAFETY: see park(); the shared borrow ends with the closure.
        let len = PENDING.with(|p| fill(unsafe { &*p.get() }, &mut chunk, &mut pos, &mut buf[..PIECE]));
        if len == 0 {
            break;
        }
        buf[len] = 0;
        // SAFETY: buf is NUL-terminated and lives in this frame; "%s" takes one string.
        unsafe { mdb_sys::mdb_printf(c"%s".as_ptr(), buf.as_ptr() as *const c_char) };
    }
    // SAFETY: see park().
    PENDING.with(|p| unsafe { (*p.get()).clear() });
}

/// Copy the next piece of `chunks` (from `chunk`/`pos`) into `buf`; returns its length.
/// NUL bytes (possible in heap strings) become spaces so they cannot cut the text short.
fn fill(chunks: &[Chunk], chunk: &mut usize, pos: &mut usize, buf: &mut [u8]) -> usize {
    let mut len = 0;
    while *chunk < chunks.len() && len < buf.len() {
        match &chunks[*chunk] {
            Chunk::Text(s) => {
                let bytes = &s.as_bytes()[*pos..];
                let n = bytes.len().min(buf.len() - len);
                for (d, &b) in buf[len..len + n].iter_mut().zip(bytes) {
                    *d = if b == 0 { b' ' } else { b };
                }
                len += n;
                *pos += n;
                if *pos < s.len() {
                    break;
                }
            }
            Chunk::Addrs(v) | Chunk::PipedAddrs(v) => {
                let prefix = if matches!(chunks[*chunk], Chunk::PipedAddrs(_)) { "0x" } else { "" };
                // The longest line: a prefix, 16 digits and a newline.
                while *pos < v.len() && buf.len() - len >= 19 {
                    use std::io::Write;
                    let mut w = &mut buf[len..];
                    let before = w.len();
                    let _ = writeln!(w, "{prefix}{:x}", v[*pos]);
                    len += before - w.len();
                    *pos += 1;
                }
                if *pos < v.len() {
                    break;
                }
            }
        }
        *chunk += 1;
        *pos = 0;
    }
    len
}

/// Forget output an interrupted print left behind (called at every entry point).
pub fn reset() {
    // SAFETY: see park().
    PENDING.with(|p| unsafe { (*p.get()).clear() });
}

/// Print a warning to mdb's standard error, as `mdb: <msg>`.
pub fn warn(msg: &str) {
    let c = CString::new(cut_message(msg).replace('\0', " ")).unwrap_or_default();
    // SAFETY: a fixed format with one NUL-terminated string; mdb_warn on stderr does not
    // page, and `c` is dropped normally after the call.
    unsafe { mdb_sys::mdb_warn(c"%s\n".as_ptr(), c.as_ptr()) };
}

/// The longest warning printed whole: past it (an argument pasted at length, a huge
/// property name from the heap), the rest is only counted.
const MAX_MESSAGE: usize = 300;

fn cut_message(msg: &str) -> std::borrow::Cow<'_, str> {
    match msg.char_indices().nth(MAX_MESSAGE) {
        Some((at, _)) => format!("{}... ({} more characters)", &msg[..at], msg[at..].chars().count()).into(),
        None => msg.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write;

    fn drain(out: Output) -> String {
        let (mut chunk, mut pos, mut all) = (0, 0, Vec::new());
        loop {
            let mut buf = [0u8; 20];
            let n = fill(&out.chunks, &mut chunk, &mut pos, &mut buf);
            if n == 0 {
                break String::from_utf8(all).unwrap();
            }
            all.extend_from_slice(&buf[..n]);
        }
    }

    #[test]
    fn long_warnings_are_cut_and_say_how_much() {
        assert_eq!(cut_message("short"), "short");
        let long = format!("unexpected argument \"{}\"", "x".repeat(100_000));
        let cut = cut_message(&long);
        assert!(cut.len() < 400 && cut.ends_with("... (99722 more characters)"), "{cut}");
    }

    #[test]
    fn pieces_reassemble_text_and_addresses() {
        let mut out = Output::default();
        out.line("a long line that spans several pieces");
        out.addr(Addr(0x1234));
        out.addr(Addr(0xfedcba9876543210));
        write!(out, "x\0y").unwrap();
        out.line("");
        assert_eq!(drain(out), "a long line that spans several pieces\n1234\nfedcba9876543210\nx y\n");
        let mut piped = Output::new(true);
        piped.addr(Addr(0xfedcba9876543210));
        piped.addr(Addr(0xabc));
        assert_eq!(drain(piped), "0xfedcba9876543210\n0xabc\n");
    }
}
