//! Generates raw bindings to the mdb module API with bindgen.
//!
//! On illumos the system's `<sys/mdb_modapi.h>` and `<libproc.h>` are the truth. Everywhere
//! else (the Linux host and the tests) we bind our own `include/mdb_modapi.h` and
//! `include/libproc_mapping.h`, written from the amd64 ABI facts; `tests/abi.rs` in the
//! module crate pins their sizes and offsets.

use std::env;
use std::path::PathBuf;

fn main() {
    let illumos = env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("illumos");
    let include = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("include");
    let wrapper = if illumos {
        "#include <sys/mdb_modapi.h>\n#include <libproc.h>\n".to_string()
    } else {
        "#include \"mdb_modapi.h\"\n#include \"libproc_mapping.h\"\n".to_string()
    };
    println!("cargo:rerun-if-changed=include");
    if illumos {
        // Pmapping_iter lives in libproc; mdb itself provides every mdb_* function.
        println!("cargo:rustc-link-lib=proc");
    }

    let bindings = bindgen::Builder::default()
        .header_contents("wrapper.h", &wrapper)
        .clang_arg(format!("-I{}", include.display()))
        .allowlist_function("mdb_.*|Pmapping_iter")
        .allowlist_type("mdb_.*|prmap_t|proc_map_f|GElf_Sym")
        .allowlist_var("mdb_prop_.*|MDB_.*|DCMD_.*|WALK_.*|UM_.*|MA_.*|PRMAPSZ")
        .default_macro_constant_type(bindgen::MacroTypeVariation::Signed)
        .derive_default(true)
        .layout_tests(false)
        .generate()
        .expect("bindgen failed on the mdb module API header");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("bindings.rs");
    bindings.write_to_file(out).expect("cannot write bindings");
}
