//! An object's map, descriptors, named properties (fast, dictionary and global) and
//! elements (tagged, double, NumberDictionary), and its constructor's name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use v8_fuzz::FuzzHeap;

fuzz_target!(|data: &[u8]| {
    let Some(f) = FuzzHeap::new(data) else { return };
    let h = f.heap();
    let Ok(m) = h.map(f.root).and_then(|map| h.map_info(map)) else { return };
    let _ = h.named_properties(f.root, &m);
    let _ = h.elements(f.root, &m);
    let _ = h.constructor_name(&m);
});
