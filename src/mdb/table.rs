//! What mdb sees of the module: `_mdb_init`, `_mdb_fini`, and the static dcmd and walker
//! tables with one `extern "C"` trampoline per dcmd and walker.
//!
//! mdb keeps pointers to everything here for as long as the module is loaded, so all of
//! it is `'static`.

use std::ffi::{c_int, c_uint, CStr};
use std::ptr;

use mdb_sys as sys;

use super::args::{Arg, Opts};
use super::io::{self, Output};
use super::{flags_from, guard, interrupt_pending, report, Call, Interrupts, Session, Status};
use crate::dcmds::Dcmd;
use crate::target::{Addr, Error};
use crate::walkers::{Walk, Walker};

/// mdb keeps raw pointers in these tables; they are immutable, so sharing is sound.
#[repr(transparent)]
struct Shared<T>(T);
// SAFETY: the wrapped tables are never mutated and only hold pointers to 'static data.
unsafe impl<T> Sync for Shared<T> {}

macro_rules! module_tables {
    (dcmds: [$($d:ident),* $(,)?], walkers: [$($w:ident),* $(,)?] $(,)?) => {
        mod dcmd_entries {
            $(pub mod $d {
                use super::super::*;
                pub unsafe extern "C" fn run(addr: usize, flags: c_uint, argc: c_int, argv: *const sys::mdb_arg_t) -> c_int {
                    // SAFETY: mdb passes argc valid arguments.
                    unsafe { run_dcmd(&crate::dcmds::$d::DCMD, addr, flags, argc, argv) }
                }
                pub extern "C" fn help() {
                    print_help(&crate::dcmds::$d::DCMD)
                }
            })*
        }
        mod walker_entries {
            $(pub mod $w {
                use super::super::*;
                pub unsafe extern "C" fn init(w: *mut sys::mdb_walk_state_t) -> c_int {
                    // SAFETY: mdb passes a valid walk state.
                    unsafe { walk_init(&crate::walkers::$w::WALKER, w) }
                }
            })*
        }

        static DCMDS: Shared<[sys::mdb_dcmd_t; <[&str]>::len(&[$(stringify!($d)),*]) + 1]> = Shared([
            $(sys::mdb_dcmd_t {
                dc_name: crate::dcmds::$d::DCMD.name.as_ptr(),
                dc_usage: crate::dcmds::$d::DCMD.usage.as_ptr(),
                dc_descr: crate::dcmds::$d::DCMD.descr.as_ptr(),
                dc_funcp: Some(dcmd_entries::$d::run),
                dc_help: Some(dcmd_entries::$d::help),
                dc_tabp: None,
            },)*
            sys::mdb_dcmd_t { dc_name: ptr::null(), dc_usage: ptr::null(), dc_descr: ptr::null(), dc_funcp: None, dc_help: None, dc_tabp: None },
        ]);

        static WALKERS: Shared<[sys::mdb_walker_t; <[&str]>::len(&[$(stringify!($w)),*]) + 1]> = Shared([
            $(sys::mdb_walker_t {
                walk_name: crate::walkers::$w::WALKER.name.as_ptr(),
                walk_descr: crate::walkers::$w::WALKER.descr.as_ptr(),
                walk_init: Some(walker_entries::$w::init),
                walk_step: Some(walk_step),
                walk_fini: Some(walk_fini),
                walk_init_arg: ptr::null_mut(),
            },)*
            sys::mdb_walker_t { walk_name: ptr::null(), walk_descr: ptr::null(), walk_init: None, walk_step: None, walk_fini: None, walk_init_arg: ptr::null_mut() },
        ]);
    };
}

module_tables! {
    dcmds: [findjsobjects, jsarray, jscensus, jsclosure, jsconstructor, jsfindrefs, jsframe, jsfunction, jsfunctions, jsgraph, jsheapsnapshot, jsprint, jsretainers, jssize, jssource, jsstack, nodebuffer, v8context, v8function, v8layout, v8print, v8scopeinfo, v8str, v8type, v8whatis],
    walkers: [findjsobjects, jselement, jsframe, jsobj, jsprop],
}

/// Version 4 of the module API: its 48-byte `mdb_dcmd_t` (with `dc_tabp`) is the layout of
/// every mdb since illumos 2701 (2012), and version 5 (2019) changed no layout. Declaring 4
/// keeps the module loadable on 2012–2019 mdb, which rejects versions newer than its own.
const MODULE_API_VERSION: u16 = 4;

static MODINFO: Shared<sys::mdb_modinfo_t> = Shared(sys::mdb_modinfo_t {
    mi_dvers: MODULE_API_VERSION,
    mi_dcmds: &DCMDS.0 as *const _ as *const sys::mdb_dcmd_t,
    mi_walkers: &WALKERS.0 as *const _ as *const sys::mdb_walker_t,
});

/// Called by mdb on `::load`: configure from the target and say how.
#[no_mangle]
pub extern "C" fn _mdb_init() -> *const sys::mdb_modinfo_t {
    let held = Interrupts::hold();
    io::reset();
    // Panics are reported by guard() as one line; the default hook would also print a
    // message (and maybe a backtrace) on mdb's stderr. This is the module's own std.
    std::panic::set_hook(Box::new(|_| {}));
    let info = guard("v8", ptr::null(), || {
        let session = Session::load();
        let mut out = Output::default();
        // Why the module cannot read this target, or what it reads unverified.
        let warning = match session.v8() {
            Ok(v8) => {
                out.line(&format!("V8 version: {}", v8.layout.version));
                out.line(&v8.layout.summary());
                v8.layout.unverified()
            }
            Err(e) => Some(e.to_string()),
        };
        Session::install(Some(session));
        io::park(out);
        if let Some(w) = warning {
            io::warn(&format!("v8: {w}"));
        }
        Ok(&MODINFO.0 as *const sys::mdb_modinfo_t)
    });
    held.release();
    io::flush();
    info
}

/// Called by mdb on `::unload` and at exit.
#[no_mangle]
pub extern "C" fn _mdb_fini() {
    let held = Interrupts::hold();
    guard("v8", (), || {
        Session::install(None);
        crate::helper::stop();
        Ok(())
    });
    held.release();
}

/// Convert mdb's argument vector.
///
/// # Safety
/// `argv` must point to `argc` valid `mdb_arg_t`s whose strings are NUL-terminated.
unsafe fn args_from(argc: c_int, argv: *const sys::mdb_arg_t) -> Vec<Arg> {
    let n = usize::try_from(argc).unwrap_or(0);
    if n == 0 || argv.is_null() {
        return Vec::new();
    }
    // SAFETY: the caller guarantees argc valid entries.
    let raw = unsafe { std::slice::from_raw_parts(argv, n) };
    raw.iter()
        .map(|a| match a.a_type {
            // SAFETY: a_type says which union member is valid.
            sys::MDB_TYPE_STRING => Arg::Str(unsafe { CStr::from_ptr(a.a_un.a_str) }.to_string_lossy().into_owned()),
            // SAFETY: every other a_type (MDB_TYPE_IMMEDIATE) uses a_val.
            _ => Arg::Imm(unsafe { a.a_un.a_val }),
        })
        .collect()
}

/// The body of every dcmd trampoline.
///
/// # Safety
/// As for [`args_from`].
unsafe fn run_dcmd(d: &'static Dcmd, addr: usize, flags: c_uint, argc: c_int, argv: *const sys::mdb_arg_t) -> c_int {
    let held = Interrupts::hold();
    io::reset();
    let name = d.name.to_str().unwrap_or("v8");
    let status = guard(name, Status::Err, || {
        // SAFETY: forwarded from mdb.
        let args = unsafe { args_from(argc, argv) };
        let flags = flags_from(flags);
        let call = Call { addr: flags.contains(super::Flags::ADDRSPEC).then_some(Addr(addr as u64)), flags };
        let session = Session::current()?;
        session.command_starts();
        let mut out = Output::new(flags.contains(super::Flags::PIPE_OUT));
        let result = Opts::parse(&args, &d.options).and_then(|opts| (d.run)(&session, &call, &opts, &mut out));
        io::park(out);
        Ok(match result {
            Ok(()) => Status::Ok,
            Err(e) => report(name, e),
        })
    });
    held.release();
    io::flush();
    status.code()
}

/// Print a dcmd's manual (mdb prints NAME and SYNOPSIS around it).
fn print_help(d: &'static Dcmd) {
    io::reset();
    guard("help", (), || {
        let mut out = Output::default();
        for line in d.help.trim_end().lines() {
            out.line(line);
        }
        io::park(out);
        Ok(())
    });
    io::flush();
}

/// # Safety
/// `w` must be a valid walk state from mdb.
unsafe fn walk_init(walker: &'static Walker, w: *mut sys::mdb_walk_state_t) -> c_int {
    // SAFETY: valid per the caller.
    let w = unsafe { &mut *w };
    let start = (w.walk_addr != 0).then_some(Addr(w.walk_addr as u64));
    let held = Interrupts::hold();
    let rc = guard(&walker.name.to_string_lossy(), sys::WALK_ERR, || {
        let session = Session::current()?;
        session.command_starts();
        let iter: Walk = (walker.start)(&session, start)?;
        if interrupt_pending() {
            return Err(Error::Interrupted);
        }
        w.walk_data = Box::into_raw(Box::new(iter)).cast();
        Ok(sys::WALK_NEXT)
    });
    held.release();
    rc
}

/// Shared step function: take the next address, then call mdb's callback holding nothing.
unsafe extern "C" fn walk_step(w: *mut sys::mdb_walk_state_t) -> c_int {
    // SAFETY: mdb passes the state that walk_init filled in.
    let w = unsafe { &mut *w };
    let data = w.walk_data as *mut Walk;
    if data.is_null() {
        return sys::WALK_DONE;
    }
    // SAFETY: walk_data is the boxed iterator from walk_init, freed only in walk_fini.
    let next = guard("walk", Err(Error::Interrupted), || Ok(Ok(unsafe { (*data).next() })));
    match (next, w.walk_callback) {
        (Ok(Some(addr)), Some(cb)) => {
            w.walk_addr = addr.0 as usize;
            // SAFETY: mdb's callback with mdb's own cbdata; we pass no buffer.
            unsafe { cb(w.walk_addr, ptr::null(), w.walk_cbdata) }
        }
        (Ok(Some(_)), None) => sys::WALK_NEXT,
        (Ok(None), _) => sys::WALK_DONE,
        (Err(_), _) => sys::WALK_ERR,
    }
}

unsafe extern "C" fn walk_fini(w: *mut sys::mdb_walk_state_t) {
    // SAFETY: mdb passes the state; walk_data is ours (or NULL).
    let w = unsafe { &mut *w };
    let data = std::mem::replace(&mut w.walk_data, ptr::null_mut()) as *mut Walk;
    if !data.is_null() {
        guard("walk", (), || {
            // SAFETY: created by Box::into_raw in walk_init, freed exactly once here.
            drop(unsafe { Box::from_raw(data) });
            Ok(())
        });
    }
}
