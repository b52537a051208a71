//! The only place that calls into mdb: entry points, the panic guard, the session, output
//! and argument parsing. Everything else in the crate is plain Rust over [`Target`].
//!
//! Rules every entry point here follows (see shared/DESIGN.md):
//! - it runs inside [`guard`], so no panic crosses the FFI boundary; an error becomes
//!   `mdb_warn` plus `DCMD_ERR` (or `DCMD_USAGE`);
//! - it holds ^C back while it computes ([`Interrupts`]);
//! - it computes its answer first and prints it last, through [`io::park`] and [`io::flush`];
//! - module state (the [`Session`]) only ever holds complete results.

pub mod args;
pub mod io;
mod session;
mod table;
mod target;

use std::ffi::{c_int, c_uint};
use std::panic::{catch_unwind, AssertUnwindSafe};

pub use session::{progress, Session};
pub use target::MdbTarget;

use crate::target::{Addr, Error, Result};

bitflags::bitflags! {
    /// How a dcmd was invoked (mdb's `DCMD_*` flags).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Flags: u32 {
        /// An explicit address was given (`addr::dcmd`).
        const ADDRSPEC = mdb_sys::DCMD_ADDRSPEC as u32;
        /// Called in a loop (`addr,count::dcmd`, a pipeline, a walk).
        const LOOP = mdb_sys::DCMD_LOOP as u32;
        /// The first call of a loop: print headers now.
        const LOOPFIRST = mdb_sys::DCMD_LOOPFIRST as u32;
        /// The address came from a pipeline.
        const PIPE = mdb_sys::DCMD_PIPE as u32;
        /// The output feeds a pipeline: print addresses only.
        const PIPE_OUT = mdb_sys::DCMD_PIPE_OUT as u32;
    }
}

impl Flags {
    /// `DCMD_HDRSPEC`: whether this call should print a header.
    pub fn header(self) -> bool {
        self.contains(Flags::LOOPFIRST) || !self.contains(Flags::LOOP)
    }
}

/// One dcmd invocation.
pub struct Call {
    /// The address given (`addr::dcmd`, or piped in), if any.
    pub addr: Option<Addr>,
    pub flags: Flags,
}

impl Call {
    /// The address, for a dcmd that needs one.
    pub fn required_addr(&self) -> Result<Addr> {
        self.addr.ok_or(Error::Usage("an address is required".into()))
    }
}

/// In a pipeline stage, take every address still to come at once (`mdb_get_pipe`):
/// the dcmd is then not called again for them.
pub fn take_pipe() -> Vec<Addr> {
    let mut p = mdb_sys::mdb_pipe_t { pipe_data: std::ptr::null_mut(), pipe_len: 0 };
    // SAFETY: p is a valid out-parameter; mdb fills in an array it owns (UM_GC).
    unsafe { mdb_sys::mdb_get_pipe(&mut p) };
    if p.pipe_data.is_null() {
        return Vec::new();
    }
    // SAFETY: mdb returned pipe_len addresses at pipe_data, valid during this dcmd.
    unsafe { std::slice::from_raw_parts(p.pipe_data, p.pipe_len) }.iter().map(|&a| Addr(a as u64)).collect()
}

/// ^C, held back while the module computes.
///
/// mdb answers ^C with a longjmp out of the module, from whatever instruction it lands on.
/// Landing inside the allocator, a `RefCell` borrow or the scan helper's lock would leave
/// the module broken for good. So each entry point blocks SIGINT for its thread while it
/// computes ([`Interrupts::hold`]); the long loops look for a ^C that is waiting
/// ([`interrupt_pending`], from the scan's progress callback) and give up with
/// `Error::Interrupted`, dropping what they built; and the entry point lets the signal
/// through ([`Interrupts::release`]) once it owns nothing but its answer. mdb's handler
/// then jumps from there, and the next command finds the module as it was before.
/// Printing comes after the release: a ^C or a pager quit while printing only cuts the
/// output short.
#[must_use = "release the interrupts held"]
pub struct Interrupts(libc::sigset_t);

impl Interrupts {
    /// Block SIGINT on this thread; returns the mask to restore.
    pub fn hold() -> Interrupts {
        // SAFETY: signal-mask calls on sigset_t values owned by this frame.
        unsafe {
            let mut block: libc::sigset_t = std::mem::zeroed();
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut block);
            libc::sigaddset(&mut block, libc::SIGINT);
            libc::pthread_sigmask(libc::SIG_BLOCK, &block, &mut old);
            Interrupts(old)
        }
    }

    /// Restore the mask: a ^C that waited is delivered now, and mdb may jump from here.
    pub fn release(self) {
        // SAFETY: restores the mask saved by hold().
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &self.0, std::ptr::null_mut()) };
    }
}

/// The target is a core file (mdb's `mdb_prop_postmortem`): its memory never changes.
pub fn postmortem() -> bool {
    // SAFETY: an int mdb sets before it loads modules; read by value.
    unsafe { mdb_sys::mdb_prop_postmortem != 0 }
}

/// A ^C is waiting to be delivered (while [`Interrupts`] are held).
pub fn interrupt_pending() -> bool {
    // SAFETY: sigpending fills a sigset_t owned by this frame.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigpending(&mut set) == 0 && libc::sigismember(&set, libc::SIGINT) == 1
    }
}

/// Run an entry point's body: catch panics and report errors through `mdb_warn`.
/// Returns the body's value, or `on_error` after reporting.
pub fn guard<T>(name: &str, on_error: T, body: impl FnOnce() -> Result<T>) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            // mdb says nothing of a ^C: the waiting signal takes it back to its prompt.
            if e != Error::Interrupted {
                io::warn(&format!("{name}: {e}"));
            }
            on_error
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            io::warn(&format!("{name}: internal error (please report): {what}"));
            on_error
        }
    }
}

/// [`guard`] for C callbacks that return an int status and have no error to report.
pub(crate) fn guard_callback(body: impl FnOnce() -> c_int) -> c_int {
    guard("v8", -1, || Ok(body()))
}

/// Status returned to mdb from a dcmd.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Status {
    Ok,
    Err,
    Usage,
}

impl Status {
    fn code(self) -> c_int {
        match self {
            Status::Ok => mdb_sys::DCMD_OK,
            Status::Err => mdb_sys::DCMD_ERR,
            Status::Usage => mdb_sys::DCMD_USAGE,
        }
    }
}

/// Flags as mdb passed them (unknown bits are kept out).
fn flags_from(raw: c_uint) -> Flags {
    Flags::from_bits_truncate(raw)
}

/// Turn an `Error` from a dcmd into mdb's status, reporting it.
fn report(name: &str, e: Error) -> Status {
    match e {
        Error::Interrupted => Status::Err,
        Error::Usage(msg) => {
            io::warn(&format!("{name}: {msg}"));
            Status::Usage
        }
        e => {
            io::warn(&format!("{name}: {e}"));
            Status::Err
        }
    }
}
