//! Raw bindings to the illumos mdb module API (`mdb_modapi.h`) and the slice of libproc a
//! module uses to enumerate memory (`prmap_t`, `Pmapping_iter`). No logic lives here: the
//! module's `src/mdb/` is the only place that calls these.
#![allow(non_camel_case_types, non_upper_case_globals, non_snake_case, dead_code)]

include!(concat!(env!("OUT_DIR"), "/bindings.rs"));

/// `MDB_OBJ_EVERY`: a pointer-valued macro that bindgen cannot express (not an address).
pub const MDB_OBJ_EVERY: *const core::ffi::c_char = core::ptr::without_provenance(usize::MAX);
/// `MDB_OBJ_EXEC`.
pub const MDB_OBJ_EXEC: *const core::ffi::c_char = core::ptr::null();
/// `MDB_OBJ_RTLD` (not an address).
pub const MDB_OBJ_RTLD: *const core::ffi::c_char = core::ptr::without_provenance(1);
