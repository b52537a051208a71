//! Generates raw bindings to the mdb module API with bindgen.
//!
//! Which header is bound:
//! - Built on an illumos machine for illumos: the system's `<sys/mdb_modapi.h>` and
//!   `<libproc.h>` are the truth (package `developer/debug/mdb`, and libproc).
//! - Everywhere else, including a cross-build for illumos from Linux (where no illumos
//!   headers exist): our own `include/mdb_modapi.h` and `include/libproc_mapping.h`,
//!   written to declare every item with the type the illumos headers give it.
//!
//! The build script runs on the build machine, so `cfg!(target_os)` here is that machine's
//! OS, and `CARGO_CFG_TARGET_OS` the OS the module is built for. `tests/abi.rs` in the
//! module crate pins sizes, offsets, enumerators and callback signatures of the result.

use std::env;
use std::path::PathBuf;

fn main() {
    let for_illumos = env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("illumos");
    let system_headers = for_illumos && cfg!(target_os = "illumos");
    let include = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("include");
    let wrapper = if system_headers {
        "#include <sys/mdb_modapi.h>\n#include <libproc.h>\n"
    } else {
        "#include \"mdb_modapi.h\"\n#include \"libproc_mapping.h\"\n"
    };
    println!("cargo:rerun-if-changed=include");
    if for_illumos {
        // Pmapping_iter lives in libproc; mdb itself provides every mdb_* function.
        println!("cargo:rustc-link-lib=proc");
    }

    let mut builder = bindgen::Builder::default().header_contents("wrapper.h", wrapper);
    if !system_headers {
        builder = builder.clang_arg(format!("-I{}", include.display()));
    }
    let bindings = builder
        .allowlist_function("mdb_.*|Pmapping_iter")
        .allowlist_type("mdb_.*|prmap_t|proc_map_f|GElf_Sym")
        .allowlist_var("mdb_prop_.*|MDB_.*|DCMD_.*|WALK_.*|UM_.*|MA_.*|PRMAPSZ")
        // mdb_type_t's enumerators keep their C names (MDB_TYPE_STRING, not
        // mdb_type_t_MDB_TYPE_STRING), as they would be if they were macros.
        .prepend_enum_name(false)
        .default_macro_constant_type(bindgen::MacroTypeVariation::Signed)
        .derive_default(true)
        .layout_tests(false)
        .generate()
        .expect("bindgen failed on the mdb module API header");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("bindings.rs");
    bindings.write_to_file(out).expect("cannot write bindings");
}
