//! The mdb structs, as mdb-sys binds them, have the illumos amd64 layout
//! (shared/reference/mdb-modapi.md §1.3), byte for byte, and the items the module uses
//! have the types the illumos headers give them; the module built for illumos exports
//! its entry points and leaves mdb's functions undefined.

use std::ffi::{c_char, c_int, c_uint, c_void};
use std::mem::{offset_of, size_of};
use std::path::Path;
use std::process::Command;

use mdb_sys::*;

// Type checks: each of these compiles only if the binding has exactly the type the illumos
// headers declare. They are constants, never called, so no mdb symbol is linked in.

/// `mdb_type_t` is a C enum (unsigned int for these enumerators), and `a_type` has it.
const _: fn(mdb_type_t) -> c_uint = |t| t;
const _: fn(&mdb_arg_t) -> mdb_type_t = |a| a.a_type;
const _: [mdb_type_t; 3] = [MDB_TYPE_STRING, MDB_TYPE_IMMEDIATE, MDB_TYPE_CHAR];

/// Callback types: pointer typedefs, with `mdb_symbol_t` and `mdb_object_t` not const.
const _: mdb_symbol_cb_t = None::<unsafe extern "C" fn(*mut mdb_symbol_t, *mut c_void) -> c_int>;
const _: mdb_object_cb_t = None::<unsafe extern "C" fn(*mut mdb_object_t, *mut c_void) -> c_int>;
const _: mdb_walk_cb_t = None::<unsafe extern "C" fn(usize, *const c_void, *mut c_void) -> c_int>;
const _: proc_map_f = None::<unsafe extern "C" fn(*mut c_void, *const prmap_t, *const c_char) -> c_int>;

/// Functions that take those callbacks, and the output functions' return types.
const _: unsafe extern "C" fn(*const c_char, c_uint, c_uint, mdb_symbol_cb_t, *mut c_void) -> c_int = mdb_symbol_iter;
const _: unsafe extern "C" fn(*const c_char, mdb_walk_cb_t, *mut c_void, usize) -> c_int = mdb_pwalk;
const _: unsafe extern "C" fn(*mut ps_prochandle, proc_map_f, *mut c_void) -> c_int = Pmapping_iter;
const _: unsafe extern "C" fn(*const c_char, ...) = mdb_printf;
const _: unsafe extern "C" fn(*const c_char, ...) = mdb_warn;
const _: unsafe extern "C" fn(*mut c_char, usize, *const c_char, ...) -> usize = mdb_snprintf;
const _: unsafe extern "C" fn(*const c_char, *mut c_void, usize) -> isize = mdb_get_xdata;
const _: unsafe extern "C" fn(ulong_t) -> ulong_t = mdb_inc_indent;

/// Threads and registers: `mdb_tid_t` is a `uintptr_t`, `mdb_reg_t` a `uint64_t`.
const _: fn(mdb_tid_t) -> usize = |t| t;
const _: fn(mdb_reg_t) -> u64 = |r| r;
const _: unsafe extern "C" fn(mdb_tid_t, *const c_char, *mut mdb_reg_t) -> c_int = mdb_getareg;
const _: unsafe extern "C" fn(usize, c_uint, *mut c_char, usize, *mut GElf_Sym) -> c_int = mdb_lookup_by_addr;

#[test]
fn struct_sizes() {
    assert_eq!(size_of::<mdb_arg_t>(), 16);
    assert_eq!(size_of::<mdb_dcmd_t>(), 48);
    assert_eq!(size_of::<mdb_walk_state_t>(), 48);
    assert_eq!(size_of::<mdb_walker_t>(), 48);
    assert_eq!(size_of::<mdb_modinfo_t>(), 24);
    assert_eq!(size_of::<mdb_pipe_t>(), 16);
    assert_eq!(size_of::<mdb_object_t>(), 32);
    assert_eq!(size_of::<mdb_symbol_t>(), 32);
    assert_eq!(size_of::<GElf_Sym>(), 24);
    assert_eq!(size_of::<prmap_t>(), 104);
}

#[test]
fn field_offsets() {
    assert_eq!((offset_of!(mdb_arg_t, a_type), offset_of!(mdb_arg_t, a_un)), (0, 8));
    assert_eq!(
        [
            offset_of!(mdb_dcmd_t, dc_name),
            offset_of!(mdb_dcmd_t, dc_usage),
            offset_of!(mdb_dcmd_t, dc_descr),
            offset_of!(mdb_dcmd_t, dc_funcp),
            offset_of!(mdb_dcmd_t, dc_help),
            offset_of!(mdb_dcmd_t, dc_tabp)
        ],
        [0, 8, 16, 24, 32, 40]
    );
    assert_eq!(
        [
            offset_of!(mdb_walk_state_t, walk_callback),
            offset_of!(mdb_walk_state_t, walk_cbdata),
            offset_of!(mdb_walk_state_t, walk_addr),
            offset_of!(mdb_walk_state_t, walk_data),
            offset_of!(mdb_walk_state_t, walk_arg),
            offset_of!(mdb_walk_state_t, walk_layer)
        ],
        [0, 8, 16, 24, 32, 40]
    );
    assert_eq!(
        [
            offset_of!(mdb_walker_t, walk_name),
            offset_of!(mdb_walker_t, walk_descr),
            offset_of!(mdb_walker_t, walk_init),
            offset_of!(mdb_walker_t, walk_step),
            offset_of!(mdb_walker_t, walk_fini),
            offset_of!(mdb_walker_t, walk_init_arg)
        ],
        [0, 8, 16, 24, 32, 40]
    );
    assert_eq!(
        [
            offset_of!(mdb_modinfo_t, mi_dvers),
            offset_of!(mdb_modinfo_t, mi_dcmds),
            offset_of!(mdb_modinfo_t, mi_walkers)
        ],
        [0, 8, 16]
    );
    assert_eq!((offset_of!(mdb_pipe_t, pipe_data), offset_of!(mdb_pipe_t, pipe_len)), (0, 8));
    assert_eq!(
        [
            offset_of!(mdb_symbol_t, sym_name),
            offset_of!(mdb_symbol_t, sym_object),
            offset_of!(mdb_symbol_t, sym_sym),
            offset_of!(mdb_symbol_t, sym_table),
            offset_of!(mdb_symbol_t, sym_id)
        ],
        [0, 8, 16, 24, 28]
    );
    assert_eq!(
        [
            offset_of!(GElf_Sym, st_name),
            offset_of!(GElf_Sym, st_info),
            offset_of!(GElf_Sym, st_other),
            offset_of!(GElf_Sym, st_shndx),
            offset_of!(GElf_Sym, st_value),
            offset_of!(GElf_Sym, st_size)
        ],
        [0, 4, 5, 6, 8, 16]
    );
    assert_eq!(
        [
            offset_of!(prmap_t, pr_vaddr),
            offset_of!(prmap_t, pr_size),
            offset_of!(prmap_t, pr_mapname),
            offset_of!(prmap_t, pr_offset),
            offset_of!(prmap_t, pr_mflags),
            offset_of!(prmap_t, pr_pagesize),
            offset_of!(prmap_t, pr_shmid)
        ],
        [0, 8, 16, 80, 88, 92, 96]
    );
}

#[test]
fn constants() {
    assert_eq!((DCMD_ADDRSPEC, DCMD_LOOP, DCMD_LOOPFIRST, DCMD_PIPE, DCMD_PIPE_OUT), (1, 2, 4, 8, 16));
    assert_eq!((DCMD_OK, DCMD_ERR, DCMD_USAGE, DCMD_NEXT, DCMD_ABORT), (0, 1, 2, 3, 4));
    assert_eq!((WALK_ERR, WALK_NEXT, WALK_DONE), (-1, 0, 1));
    assert_eq!((MDB_TYPE_STRING, MDB_TYPE_IMMEDIATE, MDB_TYPE_CHAR), (0, 1, 2));
    assert_eq!(size_of::<mdb_type_t>(), 4);
    assert_eq!((UM_NOSLEEP, UM_SLEEP, UM_GC), (0, 1, 2));
    assert_eq!((MA_EXEC, MA_WRITE, MA_READ, MA_BREAK, MA_ANON), (1, 2, 4, 16, 64));
}

/// The dynamic symbols of a built module, as (nm kind, name).
fn dynamic_symbols(module: &Path) -> Vec<(String, String)> {
    let out = Command::new("nm").arg("-D").arg(module).output().expect("run nm");
    assert!(out.status.success(), "nm -D {} failed", module.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace().rev();
            Some((words.next()?.to_string(), words.next()?.to_string()))
        })
        .map(|(name, kind)| (kind, name))
        .collect()
}

/// The module defines its entry points and leaves the mdb and libproc functions it calls
/// to mdb.
fn assert_module_symbols(module: &Path) {
    let syms = dynamic_symbols(module);
    let kind = |name: &str| syms.iter().find(|(_, n)| n == name).map(|(k, _)| k.as_str());
    for name in ["_mdb_init", "_mdb_fini"] {
        assert_eq!(kind(name), Some("T"), "{name} should be defined in {}", module.display());
    }
    for name in [
        "mdb_vread",
        "mdb_printf",
        "mdb_warn",
        "mdb_lookup_by_name",
        "mdb_symbol_iter",
        "mdb_get_xdata",
        "mdb_getareg",
        "mdb_lookup_by_addr",
        "mdb_walk",
        "Pmapping_iter",
    ] {
        assert_eq!(kind(name), Some("U"), "{name} should be left to mdb in {}", module.display());
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The Linux build (`make build`).
#[test]
fn module_symbols() {
    let module = root().join("target/release/libv8.so");
    assert!(module.is_file(), "{} is missing: run `make build`", module.display());
    assert_module_symbols(&module);
}

/// The illumos build (`make illumos-check`, linked on Linux by tests/illumos/cross-cc
/// against stub libraries with the illumos sonames).
#[test]
fn illumos_module() {
    let module = root().join("target/x86_64-unknown-illumos/release/libv8.so");
    assert!(module.is_file(), "{} is missing: run `make illumos-check`", module.display());
    let readelf = |flag: &str| {
        let out = Command::new("readelf").arg(flag).arg(&module).output().expect("run readelf");
        assert!(out.status.success(), "readelf {flag} failed");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let header = readelf("-h");
    assert!(header.contains("DYN (Shared object file)") && header.contains("X86-64"), "{header}");
    assert_module_symbols(&module);

    // Every library rustc's illumos target puts on the link line; cross-cc records them
    // all, the illumos ld (given -z ignore) only those a symbol binds to.
    let on_link_line = [
        "libc.so.1",
        "libgcc_s.so.1",
        "liblgrp.so.1",
        "libm.so.2",
        "libnsl.so.1",
        "libposix4.so.1",
        "libproc.so.1",
        "libpthread.so.1",
        "libresolv.so.2",
        "librt.so.1",
        "libsendfile.so.1",
        "libsocket.so.1",
        "libssp.so.0",
        "libumem.so.1",
    ];
    let dynamic = readelf("-d");
    let needed: Vec<&str> = dynamic
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(|l| l.split('[').nth(1)?.strip_suffix(']'))
        .collect();
    for lib in &needed {
        assert!(on_link_line.contains(lib), "unexpected NEEDED {lib}");
    }
    assert!(needed.contains(&"libproc.so.1") && needed.contains(&"libgcc_s.so.1"), "{needed:?}");

    // Why a target system needs libgcc_s.so.1 (panics unwind to the guard of each entry
    // point) but not libssp.so.0 (no stack-protector symbol is referenced).
    let undefined: Vec<String> =
        dynamic_symbols(&module).into_iter().filter(|(k, _)| k == "U").map(|(_, n)| n).collect();
    assert!(undefined.iter().any(|n| n == "_Unwind_RaiseException"), "no unwinder symbols");
    assert!(!undefined.iter().any(|n| n.starts_with("__stack_chk")), "stack-protector symbols: libssp would be needed");
}
