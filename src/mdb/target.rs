//! [`MdbTarget`]: the [`Target`] trait over the mdb API (`mdb_vread`, symbol lookups,
//! and libproc's `Pmapping_iter` on the handle from `mdb_get_xdata("pshandle")`).

use std::ffi::{c_char, c_int, c_void, CStr, CString};

use mdb_sys as sys;

use super::guard_callback;
use crate::target::{Addr, Error, Region, Result, Target};

/// The target mdb is attached to. Zero-sized: mdb holds all the state.
pub struct MdbTarget;

impl Target for MdbTarget {
    fn read(&self, addr: Addr, buf: &mut [u8]) -> Result<()> {
        let Ok(addr_c) = usize::try_from(addr.0) else {
            return Err(Error::Read { addr, len: buf.len() });
        };
        // SAFETY: buf is a valid writable buffer of buf.len() bytes.
        let n = unsafe { sys::mdb_vread(buf.as_mut_ptr().cast(), buf.len(), addr_c) };
        if usize::try_from(n).ok() == Some(buf.len()) {
            Ok(())
        } else {
            Err(Error::Read { addr, len: buf.len() })
        }
    }

    fn symbol(&self, name: &str) -> Option<Addr> {
        let name = CString::new(name).ok()?;
        let mut sym = sys::GElf_Sym::default();
        // SAFETY: name is NUL-terminated; sym is a valid out-parameter.
        let rc = unsafe { sys::mdb_lookup_by_name(name.as_ptr(), &mut sym) };
        (rc == 0).then_some(Addr(sym.st_value))
    }

    /// Every global object symbol starting with `prefix`, in every load object, at its
    /// run-time address. `mdb_symbol_iter` reports file values on a core whose load objects
    /// mdb cannot relocate (a Linux core: no rtld_db), and relocated ones otherwise, so the
    /// bias of each object is measured: one of its symbols looked up with
    /// `mdb_lookup_by_obj`, which always relocates, minus its iterated value.
    fn symbols_with_prefix(&self, prefix: &str, f: &mut dyn FnMut(&str, Addr)) {
        /// The symbols found, grouped by the object mdb named.
        struct Found<'a> {
            prefix: &'a str,
            objects: Vec<(Object, Vec<(String, u64)>)>,
        }
        unsafe extern "C" fn each(sym: *mut sys::mdb_symbol_t, data: *mut c_void) -> c_int {
            guard_callback(|| {
                // SAFETY: mdb passes a valid symbol; data is the Found below, alive for the call.
                let (sym, found) = unsafe { (&*sym, &mut *(data as *mut Found)) };
                // SAFETY: mdb's symbol names are NUL-terminated, valid for the callback.
                let name = unsafe { CStr::from_ptr(sym.sym_name) }.to_string_lossy();
                if name.starts_with(found.prefix) {
                    // SAFETY: sym_sym points to the symbol's GElf_Sym for the callback.
                    let value = unsafe { (*sym.sym_sym).st_value };
                    // SAFETY: sym_object is mdb's object name or MDB_OBJ_* for the callback.
                    let object = unsafe { Object::of(sym.sym_object) };
                    match found.objects.iter_mut().find(|(o, _)| *o == object) {
                        Some((_, syms)) => syms.push((name.into_owned(), value)),
                        None => found.objects.push((object, vec![(name.into_owned(), value)])),
                    }
                }
                0
            })
        }
        let mut found = Found { prefix, objects: Vec::new() };
        // SAFETY: `each` only uses `found` during the iteration.
        unsafe {
            sys::mdb_symbol_iter(
                sys::MDB_OBJ_EVERY,
                sys::MDB_DYNSYM as _,
                (sys::MDB_BIND_GLOBAL | sys::MDB_TYPE_OBJECT) as _,
                Some(each),
                (&mut found as *mut Found).cast(),
            )
        };
        for (object, syms) in &found.objects {
            let bias = syms.first().and_then(|(name, value)| Some(object.lookup(name)?.wrapping_sub(*value)));
            for (name, value) in syms {
                f(name, Addr(value.wrapping_add(bias.unwrap_or(0))));
            }
        }
    }

    fn regions(&self) -> Result<Vec<Region>> {
        let mut handle: *mut c_void = std::ptr::null_mut();
        let size = std::mem::size_of_val(&handle);
        // SAFETY: handle is a pointer-sized out-buffer, as the "pshandle" xdata requires.
        let n = unsafe { sys::mdb_get_xdata(c"pshandle".as_ptr(), (&mut handle as *mut *mut c_void).cast(), size) };
        if usize::try_from(n).ok() != Some(size) || handle.is_null() {
            return Err(Error::Unsupported(
                "this target has no process handle (pshandle): attach to a process or open a core file".into(),
            ));
        }
        unsafe extern "C" fn each(data: *mut c_void, map: *const sys::prmap_t, object: *const c_char) -> c_int {
            guard_callback(|| {
                // SAFETY: libproc passes a valid prmap_t; data is the Vec below.
                let (regions, m) = unsafe { (&mut *(data as *mut Vec<Region>), &*map) };
                let flags = m.pr_mflags;
                regions.push(Region {
                    start: Addr(m.pr_vaddr as u64),
                    size: m.pr_size as u64,
                    read: flags & sys::MA_READ != 0,
                    write: flags & sys::MA_WRITE != 0,
                    exec: flags & sys::MA_EXEC != 0,
                    file_backed: !object.is_null(),
                });
                0
            })
        }
        let mut regions: Vec<Region> = Vec::new();
        // SAFETY: handle came from mdb; `each` only uses `regions` during the iteration.
        unsafe { sys::Pmapping_iter(handle.cast(), Some(each), (&mut regions as *mut Vec<Region>).cast()) };
        regions.sort_by_key(|r| r.start);
        Ok(regions)
    }

    fn threads(&self) -> Result<Vec<u64>> {
        unsafe extern "C" fn each(tid: usize, _: *const c_void, data: *mut c_void) -> c_int {
            guard_callback(|| {
                // SAFETY: data is the Vec below, alive for the walk.
                let ids = unsafe { &mut *(data as *mut Vec<u64>) };
                // A corrupt or runaway thread list stops at a bound.
                if ids.len() >= MAX_THREADS {
                    return sys::WALK_DONE;
                }
                ids.push(tid as u64);
                sys::WALK_NEXT
            })
        }
        let mut ids: Vec<u64> = Vec::new();
        // SAFETY: `each` only uses `ids` during the walk.
        let rc = unsafe { sys::mdb_walk(c"thread".as_ptr(), Some(each), (&mut ids as *mut Vec<u64>).cast()) };
        if rc != 0 {
            return Err(Error::Msg("cannot walk the target's threads".into()));
        }
        Ok(ids)
    }

    fn register(&self, tid: u64, name: &str) -> Result<u64> {
        let cname = CString::new(name).map_err(|_| Error::Usage(format!("bad register name {name:?}")))?;
        let mut value: sys::mdb_reg_t = 0;
        let tid_c = usize::try_from(tid).map_err(|_| Error::Msg(format!("no such thread: {tid:x}")))?;
        // SAFETY: cname is NUL-terminated; value is a valid out-parameter.
        let rc = unsafe { sys::mdb_getareg(tid_c, cname.as_ptr(), &mut value) };
        if rc == 0 {
            Ok(value)
        } else {
            Err(Error::Msg(format!("failed to read register {name} of thread {tid:x}")))
        }
    }

    fn symbol_at(&self, addr: Addr) -> Option<(String, u64)> {
        let addr_c = usize::try_from(addr.0).ok()?;
        let mut buf = [0 as c_char; 512];
        let mut sym = sys::GElf_Sym::default();
        // SAFETY: buf and sym are valid out-parameters of the sizes given.
        let rc =
            unsafe { sys::mdb_lookup_by_addr(addr_c, sys::MDB_SYM_FUZZY as _, buf.as_mut_ptr(), buf.len(), &mut sym) };
        if rc != 0 {
            return None;
        }
        // SAFETY: mdb NUL-terminates the name within buf.
        let name = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy().into_owned();
        Some((name, addr.0.checked_sub(sym.st_value)?))
    }
}

/// The most threads the module takes from the `thread` walker.
const MAX_THREADS: usize = 100_000;

/// An object as `mdb_symbol_iter` names it in `sym_object`: a name, or one of the
/// `MDB_OBJ_*` pseudo-pointers (mdb passes its `obj` argument through when it iterates only
/// the executable's own tables).
#[derive(PartialEq, Eq)]
enum Object {
    Name(CString),
    Special(*const c_char),
}

impl Object {
    /// # Safety
    /// `ptr` is `MDB_OBJ_EXEC`, `MDB_OBJ_RTLD`, `MDB_OBJ_EVERY`, or a NUL-terminated string.
    unsafe fn of(ptr: *const c_char) -> Object {
        // MDB_OBJ_EVERY passed through means mdb iterated only the executable's own tables
        // (no rtld_db), and its relocating lookup for those is by MDB_OBJ_EXEC: an
        // MDB_OBJ_EVERY lookup there falls back to the file's values.
        if ptr == sys::MDB_OBJ_EVERY {
            Object::Special(sys::MDB_OBJ_EXEC)
        } else if [sys::MDB_OBJ_EXEC, sys::MDB_OBJ_RTLD].contains(&ptr) {
            Object::Special(ptr)
        } else {
            // SAFETY: not a pseudo-pointer, so a string, by the contract above.
            Object::Name(unsafe { CStr::from_ptr(ptr) }.to_owned())
        }
    }

    /// The run-time address of this object's symbol `name`.
    fn lookup(&self, name: &str) -> Option<u64> {
        let obj = match self {
            Object::Name(n) => n.as_ptr(),
            Object::Special(p) => *p,
        };
        let name = CString::new(name).ok()?;
        let mut sym = sys::GElf_Sym::default();
        // SAFETY: obj is a name or MDB_OBJ_* and name is NUL-terminated, both alive for
        // the call; sym is a valid out-parameter.
        let rc = unsafe { sys::mdb_lookup_by_obj(obj, name.as_ptr(), &mut sym) };
        (rc == 0).then_some(sym.st_value)
    }
}
