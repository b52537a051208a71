//! `::jsprint` of an arbitrary value: the knob's low 3 bits are the depth, its top bit `-a`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use v8::v8::print::{print, PrintOptions};
use v8::v8::value::Value;
use v8_fuzz::FuzzHeap;

fuzz_target!(|data: &[u8]| {
    let Some(f) = FuzzHeap::new(data) else { return };
    let o = PrintOptions { addresses: f.knob & 0x80 != 0, depth: u32::from(f.knob & 7), ..PrintOptions::default() };
    let _ = print(&f.heap(), Value::Heap(f.root), &o);
});
