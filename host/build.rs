//! Builds the C half of the host: `src/printf.c` defines the variadic mdb API functions
//! (`mdb_printf`, `mdb_warn`, `mdb_snprintf`), which stable Rust cannot define, and
//! `src/frame.c` the command frames that ^C and the pager longjmp to (`sigsetjmp`, which
//! Rust cannot call soundly).
//!
//! Linking, step by step:
//! - `cc` compiles both into the static archive `libhost_c.a` and tells cargo to link it
//!   into every target of this crate.
//! - A linker takes an object out of an archive only if something references it. So the
//!   Rust side calls `mdb_printf_shim_linked()` (a no-op defined in printf.c) once at
//!   startup. That pulls in the whole object, with the three API functions.
//! - `-Wl,--export-dynamic` puts every global symbol of the `mdb` binary into its dynamic
//!   symbol table: these three, and the `#[no_mangle]` Rust ones. A dlopen'ed `v8.so`
//!   then resolves its `mdb_*` references against the binary. Without this flag dlopen
//!   fails with "undefined symbol: mdb_vread". Exported symbols are also kept by
//!   `--gc-sections`.

use std::env;
use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let include = manifest.join("../mdb-sys/include");

    println!("cargo:rerun-if-changed=src/printf.c");
    println!("cargo:rerun-if-changed=src/frame.c");
    println!("cargo:rerun-if-changed=src/frame.h");
    println!("cargo:rerun-if-changed=../mdb-sys/include/mdb_modapi.h");

    cc::Build::new()
        .file("src/printf.c")
        .file("src/frame.c")
        .include(&include)
        .warnings(true)
        .extra_warnings(true)
        .compile("host_c");

    println!("cargo:rustc-link-arg-bins=-Wl,--export-dynamic");
}
