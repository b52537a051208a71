//! The host's ELF core reader on arbitrary bytes: ELF and program headers, PT_NOTE notes
//! (NT_FILE, NT_AUXV, NT_PRPSINFO), the executable's mapping and BuildID, the mappings.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mdb_host::target::parse_core_bytes(data);
});
