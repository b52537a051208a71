//! Leaving a command early, as mdb does: the Rust face of `frame.c` (read its header
//! comment for the whole story).
//!
//! A module's dcmd and a top-level walk run inside [`run`]: on ^C or a pager quit, mdb
//! longjmps out of the module back to the command, and so does the host. The jump only
//! ever skips the module's frames, C frames and the plain trampolines below: host code
//! that a module calls is bracketed with [`api!`], and an abort that arrives while it
//! runs waits until it returns to the module.

use std::ffi::c_void;

mod ffi {
    use std::ffi::{c_int, c_void};
    extern "C" {
        pub fn host_frame_init();
        pub fn host_frame_run(f: extern "C" fn(*mut c_void), arg: *mut c_void) -> c_int;
        pub fn host_api_enter();
        pub fn host_api_leave();
        pub fn host_request_abort(why: c_int);
        pub fn host_abort_pending() -> c_int;
        pub fn host_take_abort() -> c_int;
        pub fn host_count_read();
    }
}

pub use ffi::{host_api_enter, host_api_leave};

/// Why a command was left early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Abort {
    /// ^C (SIGINT).
    Interrupt,
    /// `q` at the pager's prompt.
    Pager,
}

impl Abort {
    fn from_code(code: i32) -> Option<Abort> {
        match code {
            1 => Some(Abort::Interrupt),
            2 => Some(Abort::Pager),
            _ => None,
        }
    }

    fn code(self) -> i32 {
        match self {
            Abort::Interrupt => 1,
            Abort::Pager => 2,
        }
    }
}

/// Install the SIGINT handler (once, before the first command).
pub fn init() {
    // SAFETY: installs a signal handler written for this purpose; reads an env var.
    unsafe { ffi::host_frame_init() }
}

/// Run `f(arg)` as a command frame; `Some` if it was left by a jump.
///
/// # Safety
/// `f` must be a plain trampoline: nothing in its frame may need dropping, since a jump
/// skips it. `arg` must be valid for `f`.
pub unsafe fn run(f: extern "C" fn(*mut c_void), arg: *mut c_void) -> Option<Abort> {
    // SAFETY: per this function's contract.
    Abort::from_code(unsafe { ffi::host_frame_run(f, arg) })
}

/// Run `f(arg)` with interrupts held, as mdb runs the stages of a pipeline before the
/// last: a ^C waits, and the caller takes it afterwards with [`take`].
pub fn run_held(f: extern "C" fn(*mut c_void), arg: *mut c_void) {
    // SAFETY: bookkeeping calls into frame.c; outside a frame, leaving never jumps.
    unsafe { ffi::host_api_enter() };
    f(arg);
    // SAFETY: as above.
    unsafe { ffi::host_api_leave() };
}

/// Ask for an abort; it happens when host code next returns to the module.
pub fn request(why: Abort) {
    // SAFETY: sets a flag.
    unsafe { ffi::host_request_abort(why.code()) }
}

/// The abort asked for and not yet performed.
pub fn pending() -> Option<Abort> {
    // SAFETY: reads a flag.
    Abort::from_code(unsafe { ffi::host_abort_pending() })
}

/// Take (and clear) the abort asked for outside any frame.
pub fn take() -> Option<Abort> {
    // SAFETY: reads and clears flags.
    Abort::from_code(unsafe { ffi::host_take_abort() })
}

/// Count one `mdb_vread` (the `MDB_HOST_SIGINT_AFTER_READS` test knob).
pub fn count_read() {
    // SAFETY: may raise SIGINT, which is what the knob is for.
    unsafe { ffi::host_count_read() }
}

/// Define host functions that a module calls, each bracketed by `host_api_enter` and
/// `host_api_leave`: a ^C that lands in one is held until it returns, and then (like a
/// pager quit asked for inside it) performed by `host_api_leave`. The body runs in a
/// closure, so that everything it owns is dropped before that jump can happen.
macro_rules! api {
    ($($(#[$meta:meta])* pub unsafe extern "C" fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? { $($body:tt)* })*) => {
        $($(#[$meta])*
        pub unsafe extern "C" fn $name($($arg: $ty),*) $(-> $ret)? {
            // SAFETY: bookkeeping calls into frame.c.
            unsafe { $crate::frame::host_api_enter() };
            #[allow(clippy::redundant_closure_call)]
            let result = (|| $(-> $ret)? { $($body)* })();
            // SAFETY: as above; may jump out of this function, which owns nothing now.
            unsafe { $crate::frame::host_api_leave() };
            result
        })*
    };
}
pub(crate) use api;
