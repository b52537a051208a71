//! A function's name and location: SharedFunctionInfo, ScopeInfo (names and positions),
//! Script, line ends and source.
#![no_main]

use libfuzzer_sys::fuzz_target;
use v8_fuzz::FuzzHeap;

fuzz_target!(|data: &[u8]| {
    let Some(f) = FuzzHeap::new(data) else { return };
    let h = f.heap();
    let _ = h.is_function(f.root);
    let _ = h.function_name(f.root);
    let _ = h.function_location(f.root);
});
