//! The mdb structs, as mdb-sys binds them, have the illumos amd64 layout
//! (shared/reference/mdb-modapi.md §1.3), byte for byte.

use std::mem::{offset_of, size_of};

use mdb_sys::*;

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
    assert_eq!((MDB_TYPE_STRING, MDB_TYPE_IMMEDIATE), (0, 1));
    assert_eq!((UM_NOSLEEP, UM_SLEEP, UM_GC), (0, 1, 2));
    assert_eq!((MA_EXEC, MA_WRITE, MA_READ, MA_BREAK, MA_ANON), (1, 2, 4, 16, 64));
}

/// The module defines its entry points and leaves every mdb function to mdb.
#[test]
fn module_symbols() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let module = root.join("target/release/libv8.so");
    assert!(module.is_file(), "{} is missing: run `make build`", module.display());
    let out = std::process::Command::new("nm").arg("-D").arg(&module).output().expect("run nm");
    let text = String::from_utf8_lossy(&out.stdout);
    let kind = |name: &str| {
        text.lines().find(|l| l.split_whitespace().last() == Some(name)).and_then(|l| l.split_whitespace().rev().nth(1))
    };
    for name in ["_mdb_init", "_mdb_fini"] {
        assert_eq!(kind(name), Some("T"), "{name} should be defined");
    }
    for name in [
        "mdb_vread",
        "mdb_printf",
        "mdb_warn",
        "mdb_lookup_by_name",
        "mdb_symbol_iter",
        "mdb_get_xdata",
        "Pmapping_iter",
    ] {
        assert_eq!(kind(name), Some("U"), "{name} should be left to mdb");
    }
}
