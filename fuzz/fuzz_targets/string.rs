//! Strings of every representation (sequential, cons, sliced, thin, external; one- and
//! two-byte) and property names (Smis, strings, symbols): `Heap::read_string`, `name_text`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use v8::v8::value::Value;
use v8_fuzz::FuzzHeap;

fuzz_target!(|data: &[u8]| {
    let Some(f) = FuzzHeap::new(data) else { return };
    let h = f.heap();
    let limit = 1u64 << (f.knob % 64);
    let _ = h.read_string(f.root, limit);
    let _ = h.name_text(Value::Heap(f.root), limit);
    let _ = h.is_internal_key(Value::Heap(f.root));
});
