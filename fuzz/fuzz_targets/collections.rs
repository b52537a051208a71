//! The OrderedHashMap/OrderedHashSet behind a Map or Set (the knob's low bit picks which).
#![no_main]

use libfuzzer_sys::fuzz_target;
use v8_fuzz::FuzzHeap;

fuzz_target!(|data: &[u8]| {
    let Some(f) = FuzzHeap::new(data) else { return };
    let l = f.layout();
    let ty = if f.knob & 1 == 0 { l.type_js_map } else { l.type_js_set };
    let _ = f.heap().collection_entries(f.root, ty as u16);
});
