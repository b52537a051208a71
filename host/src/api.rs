//! The mdb module API, exported to dlopen'ed modules (the binary links with
//! `--export-dynamic`). The variadic functions (`mdb_printf`, `mdb_warn`, `mdb_snprintf`)
//! are in `printf.c`, which calls back into the `host_*` functions at the bottom.
//!
//! Semantics follow illumos mdb (shared/reference/mdb-modapi.md §1.5 and §3): return
//! values, errno on failure, and the flags a walk passes.

use std::ffi::{c_char, c_int, c_uint, c_void, CStr, CString};
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};

use mdb_sys as sys;
use object::elf;

use crate::frame::api;
use crate::state;
use mdb_host::target::{LoadObject, Mapping, SymTable, Symbol, Target};

/// How many `mdb_vread` calls the module made, and how many bytes they asked for (the
/// `MDB_HOST_READ_STATS` test knob reports them at exit).
static READS: AtomicU64 = AtomicU64::new(0);
static READ_BYTES: AtomicU64 = AtomicU64::new(0);

/// `mdb: N reads of M bytes`, the module's reads so far.
pub fn read_stats() -> String {
    format!("mdb: {} reads of {} bytes", READS.load(Ordering::Relaxed), READ_BYTES.load(Ordering::Relaxed))
}

/// mdb's own errno values (`EMDB_*`: 1000 on, in the order of illumos' mdb_errno.h), those
/// the host can set, with mdb's messages.
pub mod errno {
    use std::cell::Cell;

    pub const NOSYM: i32 = 1000;
    pub const NOOBJ: i32 = 1001;
    pub const NOMAP: i32 = 1002;
    pub const NOWALK: i32 = 1004;
    pub const WALKINIT: i32 = 1018;
    pub const PARTIAL: i32 = 1036;

    thread_local! {
        /// The bytes read and asked for by the last partial read, for its message.
        static PARTIAL_BYTES: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
    }

    /// Remember a partial read's figures (mdb keeps them for `EMDB_PARTIAL`'s message).
    pub fn set_partial(got: usize, want: usize) {
        PARTIAL_BYTES.with(|p| p.set((got, want)));
    }

    /// The message for one of mdb's errno values.
    pub fn message(err: i32) -> Option<String> {
        Some(
            match err {
                NOSYM => "unknown symbol name",
                NOOBJ => "unknown object file name",
                NOMAP => "no mapping for address",
                NOWALK => "unknown walk name",
                WALKINIT => "failed to initialize walk",
                PARTIAL => {
                    let (got, want) = PARTIAL_BYTES.with(Cell::get);
                    return Some(format!("only {got} of {want} bytes could be read"));
                }
                _ => return None,
            }
            .to_string(),
        )
    }
}

fn set_errno(e: i32) {
    // SAFETY: __errno_location returns this thread's errno.
    unsafe { *libc::__errno_location() = e };
}

/// 1 for a core file (mdb's `mdb_prop_postmortem`).
#[no_mangle]
pub static mut mdb_prop_postmortem: c_int = 0;

api! {
#[no_mangle]
pub unsafe extern "C" fn mdb_vread(buf: *mut c_void, n: usize, addr: usize) -> isize {
    crate::frame::count_read();
    READS.fetch_add(1, Ordering::Relaxed);
    READ_BYTES.fetch_add(n as u64, Ordering::Relaxed);
    if n == 0 {
        return 0;
    }
    // SAFETY: the module passes a writable buffer of n bytes.
    let out = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), n) };
    match state::with_target(|t| t.read(addr as u64, out)) {
        Some(Ok(())) => n as isize,
        Some(Err(mdb_host::target::ReadError::Partial { got, want, .. })) => {
            errno::set_partial(got, want);
            set_errno(errno::PARTIAL);
            -1
        }
        Some(Err(mdb_host::target::ReadError::NoMap { .. })) => {
            set_errno(errno::NOMAP);
            -1
        }
        None => {
            set_errno(errno::NOMAP);
            -1
        }
    }
}
}

api! {
#[no_mangle]
pub unsafe extern "C" fn mdb_readstr(buf: *mut c_char, n: usize, addr: usize) -> isize {
    if n == 0 {
        return 0;
    }
    let mut len = 0;
    while len + 1 < n {
        let mut b = 0u8;
        // SAFETY: reading one byte into a local.
        if unsafe { mdb_vread((&mut b as *mut u8).cast(), 1, addr + len) } != 1 {
            if len == 0 {
                return -1;
            }
            break;
        }
        // SAFETY: len < n - 1, inside the caller's buffer.
        unsafe { *buf.add(len) = b as c_char };
        if b == 0 {
            return len as isize;
        }
        len += 1;
    }
    // SAFETY: len <= n - 1.
    unsafe { *buf.add(len) = 0 };
    if len + 1 == n {
        n as isize
    } else {
        len as isize
    }
}
}

/// Which load objects an `obj` argument names, as mdb reads it: `MDB_OBJ_EXEC`, `MDB_OBJ_RTLD`,
/// `MDB_OBJ_EVERY` or an object's name (see `LoadObject::is_named`). Empty: no such object.
fn objects_named(t: &dyn Target, obj: *const c_char) -> Vec<&LoadObject> {
    let objects = t.objects();
    match obj {
        o if o == sys::MDB_OBJ_EXEC => vec![&objects[0]],
        o if o == sys::MDB_OBJ_RTLD => t.rtld().into_iter().collect(),
        o if o == sys::MDB_OBJ_EVERY => objects.iter().collect(),
        _ => {
            // SAFETY: any other value is a NUL-terminated name from the module.
            let name = unsafe { CStr::from_ptr(obj) }.to_string_lossy();
            t.object(&name).into_iter().collect()
        }
    }
}

/// The symbol `name` of the first of the objects `obj` names, relocated; errno set when
/// there is no such object (EMDB_NOOBJ) or symbol (EMDB_NOSYM).
fn lookup(obj: *const c_char, name: *const c_char) -> Option<Symbol> {
    // SAFETY: the module passes a NUL-terminated name.
    let name = unsafe { CStr::from_ptr(name) }.to_string_lossy();
    let found = state::with_target(|t| {
        let objects = objects_named(t, obj);
        if objects.is_empty() {
            return Err(errno::NOOBJ);
        }
        objects.iter().find_map(|o| o.symbols().by_name(&name).cloned()).ok_or(errno::NOSYM)
    });
    match found.unwrap_or(Err(errno::NOSYM)) {
        Ok(sym) => Some(sym),
        Err(err) => {
            set_errno(err);
            None
        }
    }
}

fn fill_sym(out: *mut sys::GElf_Sym, s: &Symbol) {
    if out.is_null() {
        return;
    }
    // SAFETY: the module passes a valid out-parameter.
    unsafe {
        *out = sys::GElf_Sym {
            st_name: 0,
            st_info: s.info,
            st_other: s.other,
            st_shndx: s.shndx,
            st_value: s.value,
            st_size: s.size,
        }
    };
}

api! {
#[no_mangle]
pub unsafe extern "C" fn mdb_lookup_by_name(name: *const c_char, sym: *mut sys::GElf_Sym) -> c_int {
    // SAFETY: forwarded.
    unsafe { mdb_lookup_by_obj(sys::MDB_OBJ_EVERY, name, sym) }
}

/// As mdb does, lookups relocate: the value is the symbol's run-time address.
#[no_mangle]
pub unsafe extern "C" fn mdb_lookup_by_obj(obj: *const c_char, name: *const c_char, sym: *mut sys::GElf_Sym) -> c_int {
    match lookup(obj, name) {
        Some(s) => {
            fill_sym(sym, &s);
            0
        }
        None => -1,
    }
}
}

api! {
#[no_mangle]
pub unsafe extern "C" fn mdb_lookup_by_addr(
    addr: usize,
    flags: c_uint,
    buf: *mut c_char,
    len: usize,
    sym: *mut sys::GElf_Sym,
) -> c_int {
    let hit = state::with_target(|t| t.symbol_at(addr as u64).map(|(s, off)| (s.clone(), off))).flatten();
    match hit {
        Some((s, off)) if flags != sys::MDB_SYM_EXACT as c_uint || off == 0 => {
            copy_cstr(&s.name, buf, len);
            fill_sym(sym, &s);
            0
        }
        _ => {
            set_errno(errno::NOSYM);
            -1
        }
    }
}
}

/// Copy `s` into a C buffer of `len` bytes, truncating, always NUL-terminated.
fn copy_cstr(s: &str, buf: *mut c_char, len: usize) {
    if buf.is_null() || len == 0 {
        return;
    }
    let n = s.len().min(len - 1);
    // SAFETY: n < len bytes fit in the caller's buffer.
    unsafe {
        ptr::copy_nonoverlapping(s.as_ptr().cast::<c_char>(), buf, n);
        *buf.add(n) = 0;
    }
}

api! {
#[no_mangle]
pub unsafe extern "C" fn mdb_readsym(buf: *mut c_void, n: usize, name: *const c_char) -> isize {
    match lookup(sys::MDB_OBJ_EVERY, name) {
        // SAFETY: forwarded.
        Some(s) => unsafe { mdb_vread(buf, n, s.value as usize) },
        None => -1,
    }
}
}

/// Symbol-type bits of `mdb_symbol_iter`, by ELF type.
fn type_bit(kind: u8) -> c_uint {
    (match kind {
        elf::STT_NOTYPE => sys::MDB_TYPE_NOTYPE,
        elf::STT_OBJECT => sys::MDB_TYPE_OBJECT,
        elf::STT_FUNC => sys::MDB_TYPE_FUNC,
        elf::STT_SECTION => sys::MDB_TYPE_SECT,
        elf::STT_FILE => sys::MDB_TYPE_FILE,
        elf::STT_COMMON => sys::MDB_TYPE_COMMON,
        elf::STT_TLS => sys::MDB_TYPE_TLS,
        _ => 0,
    }) as c_uint
}

fn bind_bit(bind: u8) -> c_uint {
    (match bind {
        elf::STB_LOCAL => sys::MDB_BIND_LOCAL,
        elf::STB_GLOBAL => sys::MDB_BIND_GLOBAL,
        elf::STB_WEAK => sys::MDB_BIND_WEAK,
        _ => 0,
    }) as c_uint
}

/// One symbol as `mdb_symbol_iter` reports it.
struct Iterated {
    name: CString,
    sym: sys::GElf_Sym,
    /// Index of the object's name in the names collected with it.
    object: usize,
    id: c_uint,
}

api! {
/// Like mdb on a core, the values are the file's: on a Linux core rtld_db cannot run, so
/// libproc knows no load bias, and the symbols of a PIE executable or a shared library are
/// reported unrelocated (illumos libproc `Psymbol_iter_com` adds `file_dyn_base`, which only
/// rtld_db sets). A live process's are relocated, as rtld_db makes them on illumos.
/// `sym_object` is the object's path, the name rtld's link map gives it.
#[no_mangle]
pub unsafe extern "C" fn mdb_symbol_iter(
    obj: *const c_char,
    which: c_uint,
    kind: c_uint,
    cb: sys::mdb_symbol_cb_t,
    data: *mut c_void,
) -> c_int {
    let Some(cb) = cb else { return -1 };
    let table = if which == sys::MDB_DYNSYM as c_uint { SymTable::Dynsym } else { SymTable::Symtab };
    // Collect first: the callback may call back into the API.
    let collected = state::with_target(|t| {
        let objects = objects_named(t, obj);
        if objects.is_empty() {
            return None;
        }
        let names: Vec<CString> =
            objects.iter().map(|o| CString::new(o.path.as_os_str().as_encoded_bytes()).unwrap_or_default()).collect();
        let mut syms = Vec::new();
        for (index, o) in objects.iter().enumerate() {
            let unrelocated = o.dynamic && !t.is_live();
            for (id, s) in o.symbols().iter(table).enumerate() {
                if type_bit(s.kind()) & kind == 0 || bind_bit(s.binding()) & kind == 0 {
                    continue;
                }
                let mut sym = sys::GElf_Sym::default();
                fill_sym(&mut sym, s);
                if unrelocated && s.moves() {
                    sym.st_value = s.value.wrapping_sub(o.bias);
                }
                let name = CString::new(s.name.as_str()).unwrap_or_default();
                syms.push(Iterated { name, sym, object: index, id: id as c_uint });
            }
        }
        Some((names, syms))
    });
    let Some((names, syms)) = collected.flatten() else {
        set_errno(errno::NOOBJ);
        return -1;
    };
    for s in &syms {
        let mut msym = sys::mdb_symbol_t {
            sym_name: s.name.as_ptr(),
            sym_object: names[s.object].as_ptr(),
            sym_sym: &s.sym,
            sym_table: which,
            sym_id: s.id,
        };
        // SAFETY: the callback gets pointers valid for the duration of the call.
        let rc = unsafe { cb(&mut msym, data) };
        if rc != 0 {
            return rc;
        }
    }
    0
}
}

api! {
/// Register `name` of thread `tid` (mdb's thread ids: lwp 1 is the main thread). 0, or -1
/// with errno ESRCH for a thread the target does not have (or whose registers cannot be
/// read) and EINVAL for a register name it does not know.
#[no_mangle]
pub unsafe extern "C" fn mdb_getareg(tid: usize, name: *const c_char, reg: *mut sys::mdb_reg_t) -> c_int {
    // SAFETY: the module passes a NUL-terminated register name.
    let name = unsafe { CStr::from_ptr(name) }.to_string_lossy();
    let value = state::with_target(|t| t.thread(tid as u64).map(|th| th.register(&name).ok_or(libc::EINVAL)));
    match value.flatten().unwrap_or(Err(libc::ESRCH)) {
        Ok(v) => {
            // SAFETY: reg is the caller's out-parameter.
            unsafe { *reg = v };
            0
        }
        Err(e) => {
            set_errno(e);
            -1
        }
    }
}
}

api! {
/// The host's `thread` walker, as mdb's proc target has it: each thread's id (walk_data
/// counts the threads done).
pub unsafe extern "C" fn thread_walk_step(w: *mut sys::mdb_walk_state_t) -> c_int {
    // SAFETY: the walk state of this walk, valid for the step.
    let w = unsafe { &mut *w };
    let index = w.walk_data as usize;
    let id = state::with_target(|t| t.threads().ok()?.get(index).map(|th| th.id)).flatten();
    let Some(id) = id else { return sys::WALK_DONE };
    w.walk_data = (index + 1) as *mut c_void;
    w.walk_addr = id as usize;
    // SAFETY: calling the walk's own callback with its own data.
    w.walk_callback.map_or(sys::WALK_NEXT, |cb| unsafe { cb(w.walk_addr, ptr::null(), w.walk_cbdata) })
}
}

/// The process handle handed out as "pshandle": only its address matters.
static PSHANDLE: u8 = 0;

api! {
#[no_mangle]
pub unsafe extern "C" fn mdb_get_xdata(name: *const c_char, buf: *mut c_void, n: usize) -> isize {
    // SAFETY: the module passes a NUL-terminated name.
    let name = unsafe { CStr::from_ptr(name) };
    let size = std::mem::size_of::<*const u8>();
    if name != c"pshandle" || state::with_target(|_| ()).is_none() {
        // mdb's own answer for an unknown xdata name is the system's ENODATA.
        set_errno(libc::ENODATA);
        return -1;
    }
    if buf.is_null() || n == 0 {
        return size as isize;
    }
    if n < size {
        set_errno(libc::EINVAL);
        return -1;
    }
    // SAFETY: buf holds at least a pointer.
    unsafe { *buf.cast::<*const u8>() = &PSHANDLE };
    size as isize
}
}

api! {
/// libproc's mapping iterator, over the target's memory regions.
#[no_mangle]
pub unsafe extern "C" fn Pmapping_iter(_p: *mut sys::ps_prochandle, cb: sys::proc_map_f, data: *mut c_void) -> c_int {
    let Some(cb) = cb else { return -1 };
    let maps: Vec<Mapping> = state::with_target(|t| t.mappings().to_vec()).unwrap_or_default();
    for m in &maps {
        let mut pm = sys::prmap_t {
            pr_vaddr: m.start as usize,
            pr_size: m.size as usize,
            pr_offset: m.offset as i64,
            pr_mflags: mflags(m),
            pr_pagesize: 4096,
            pr_shmid: -1,
            ..Default::default()
        };
        let object = m.path.as_deref().and_then(|p| CString::new(p).ok());
        if let Some(o) = &object {
            let base = o.to_bytes().rsplit(|&b| b == b'/').next().unwrap_or_default();
            for (d, &s) in pm.pr_mapname.iter_mut().zip(base.iter().take(sys::PRMAPSZ as usize - 1)) {
                *d = s as c_char;
            }
        }
        let oname = object.as_ref().map_or(ptr::null(), |o| o.as_ptr());
        // SAFETY: pointers valid for the duration of the call.
        let rc = unsafe { cb(data, &pm, oname) };
        if rc != 0 {
            return rc;
        }
    }
    0
}
}

fn mflags(m: &Mapping) -> c_int {
    let mut f = 0;
    if m.perms.read {
        f |= sys::MA_READ;
    }
    if m.perms.write {
        f |= sys::MA_WRITE;
    }
    if m.perms.exec {
        f |= sys::MA_EXEC;
    }
    if m.path.is_none() {
        f |= sys::MA_ANON;
    }
    if m.brk {
        f |= sys::MA_BREAK;
    }
    f
}

api! {
#[no_mangle]
pub unsafe extern "C" fn mdb_alloc(size: usize, flags: c_uint) -> *mut c_void {
    // SAFETY: plain malloc; NULL only under UM_NOSLEEP, as in mdb.
    let p = unsafe { libc::malloc(size.max(1)) };
    if p.is_null() && flags & sys::UM_SLEEP as c_uint != 0 {
        eprintln!("mdb: out of memory allocating {size} bytes");
        std::process::abort();
    }
    if !p.is_null() && flags & sys::UM_GC as c_uint != 0 {
        state::gc_track(p);
    }
    p
}
}

api! {
#[no_mangle]
pub unsafe extern "C" fn mdb_zalloc(size: usize, flags: c_uint) -> *mut c_void {
    // SAFETY: forwarded.
    let p = unsafe { mdb_alloc(size, flags) };
    if !p.is_null() {
        // SAFETY: p has size bytes.
        unsafe { ptr::write_bytes(p.cast::<u8>(), 0, size) };
    }
    p
}
}

api! {
#[no_mangle]
pub unsafe extern "C" fn mdb_free(p: *mut c_void, _size: usize) {
    // SAFETY: p came from mdb_alloc (never a UM_GC block, which mdb frees itself).
    unsafe { libc::free(p) };
}
}

api! {
#[no_mangle]
pub unsafe extern "C" fn mdb_flush() {
    state::flush();
}
}

api! {
#[no_mangle]
pub unsafe extern "C" fn mdb_inc_indent(n: libc::c_ulong) -> libc::c_ulong {
    state::indent(n as isize) as libc::c_ulong
}
}

api! {
#[no_mangle]
pub unsafe extern "C" fn mdb_dec_indent(n: libc::c_ulong) -> libc::c_ulong {
    state::indent(-(n as isize)) as libc::c_ulong
}
}

api! {
#[no_mangle]
pub unsafe extern "C" fn mdb_set_dot(v: u64) {
    state::set_dot(v);
}
}

api! {
#[no_mangle]
pub unsafe extern "C" fn mdb_get_dot() -> u64 {
    state::dot()
}
}

api! {
#[no_mangle]
pub unsafe extern "C" fn mdb_walk(name: *const c_char, cb: sys::mdb_walk_cb_t, data: *mut c_void) -> c_int {
    // SAFETY: forwarded.
    unsafe { mdb_pwalk(name, cb, data, 0) }
}
}

api! {
#[no_mangle]
pub unsafe extern "C" fn mdb_pwalk(
    name: *const c_char,
    cb: sys::mdb_walk_cb_t,
    data: *mut c_void,
    addr: usize,
) -> c_int {
    // SAFETY: the module passes a NUL-terminated name.
    let name = unsafe { CStr::from_ptr(name) }.to_string_lossy();
    match crate::exec::walk(&name, addr as u64, cb, data, false) {
        // An aborted walk ran its walk_fini; leaving this function performs the abort.
        Ok(_) => 0,
        Err(e) => {
            set_errno(e);
            -1
        }
    }
}
}

api! {
#[no_mangle]
pub unsafe extern "C" fn mdb_get_pipe(p: *mut sys::mdb_pipe_t) {
    if p.is_null() {
        state::output(2, b"mdb: dcmd failure: mdb_get_pipe invoked with NULL pointer\n");
        return;
    }
    // As in mdb: the current address first, then every one still to come; none (NULL)
    // outside a pipeline.
    let addrs = crate::exec::take_pipe_input();
    let data = if addrs.is_empty() {
        ptr::null_mut()
    } else {
        // SAFETY: a UM_SLEEP allocation never fails.
        let data = unsafe { mdb_alloc(std::mem::size_of_val(addrs.as_slice()), (sys::UM_SLEEP | sys::UM_GC) as c_uint) };
        let data = data.cast::<usize>();
        for (i, a) in addrs.iter().enumerate() {
            // SAFETY: data has room for addrs.len() words.
            unsafe { *data.add(i) = *a as usize };
        }
        data
    };
    // SAFETY: p is a valid pipe descriptor (checked non-NULL above).
    unsafe { *p = sys::mdb_pipe_t { pipe_data: data, pipe_len: addrs.len() } };
}
}

api! {
#[no_mangle]
pub unsafe extern "C" fn mdb_set_pipe(p: *const sys::mdb_pipe_t) {
    // SAFETY: the module passes a valid descriptor of pipe_len words.
    let p = unsafe { &*p };
    let addrs = if p.pipe_data.is_null() {
        Vec::new()
    } else {
        // SAFETY: a non-NULL pipe_data holds pipe_len addresses (mdb_set_pipe's contract).
        unsafe { std::slice::from_raw_parts(p.pipe_data, p.pipe_len) }.iter().map(|&a| a as u64).collect()
    };
    crate::exec::set_pipe_output(addrs);
}
}

// --- Called by printf.c.

#[no_mangle]
pub unsafe extern "C" fn host_output(stream: c_int, buf: *const c_char, len: usize) {
    // SAFETY: printf.c passes len valid bytes.
    state::output(stream, unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), len) });
}

#[no_mangle]
pub extern "C" fn host_column(stream: c_int) -> usize {
    state::column(stream)
}

#[no_mangle]
pub extern "C" fn host_attrs_enabled() -> c_int {
    c_int::from(state::attrs())
}

/// Messages for mdb's errno values, and libc's for the rest.
#[no_mangle]
pub extern "C" fn host_strerror(err: c_int) -> *const c_char {
    thread_local! { static MSG: std::cell::RefCell<CString> = std::cell::RefCell::new(CString::default()); }
    let text = errno::message(err).unwrap_or_else(|| std::io::Error::from_raw_os_error(err).to_string());
    MSG.with(|m| {
        *m.borrow_mut() = CString::new(text).unwrap_or_default();
        m.borrow().as_ptr()
    })
}

/// `sym+0x10` for `%a`, as mdb writes it.
#[no_mangle]
pub unsafe extern "C" fn host_symbolize(addr: usize, buf: *mut c_char, len: usize) -> c_int {
    let text = state::with_target(|t| {
        t.symbol_at(addr as u64).map(|(s, off)| match off {
            0 => s.name.clone(),
            1..=9 => format!("{}+{off}", s.name),
            _ => format!("{}+{off:#x}", s.name),
        })
    })
    .flatten();
    match text {
        Some(t) => {
            copy_cstr(&t, buf, len);
            0
        }
        None => -1,
    }
}
