//! ArrayBuffers and their views (typed arrays, Buffers, DataViews): where the bytes are.

use super::heap::Heap;
use super::object::MapInfo;
use crate::target::{Addr, Error, Result};

/// The bytes of an ArrayBuffer or a view of one.
#[derive(Clone, Debug)]
pub struct View {
    /// Where the first byte is (the backing store, in the C++ heap, or on the V8 heap);
    /// none for the buffer V8 before 10 allocates with a typed array on the V8 heap,
    /// without a backing store (its bytes are in the typed array).
    pub data: Option<Addr>,
    pub byte_length: u64,
}

/// The largest byte length we believe (V8's own limit is 2^53).
const MAX_BYTE_LENGTH: u64 = 1 << 53;

impl View {
    pub fn load(h: &Heap, a: Addr, m: &MapInfo) -> Result<View> {
        let l = h.l;
        let ty = u64::from(m.instance_type);
        let raw = |off: u64| h.t.read_u64(a.offset(off)?);
        let checked = |len: u64| {
            if len > MAX_BYTE_LENGTH {
                Err(Error::Corrupt { addr: a, why: format!("byte length {len}") })
            } else {
                Ok(len)
            }
        };
        if ty == l.type_js_array_buffer {
            let store = raw(l.js_array_buffer_backing_store)?;
            return Ok(View {
                data: (store != 0).then_some(Addr(store)),
                byte_length: checked(raw(l.js_array_buffer_byte_length)?)?,
            });
        }
        let byte_length = checked(raw(l.js_view_byte_length)?)?;
        if ty == l.type_js_typed_array {
            // Off-heap: base_pointer is Smi 0 and external_pointer the address; on-heap:
            // base_pointer is the ByteArray and external_pointer the offset to its data.
            let base = raw(l.js_typed_array_base_pointer)?;
            let external = raw(l.js_typed_array_external_pointer)?;
            return Ok(View { data: Some(Addr(base.wrapping_add(external))), byte_length });
        }
        if ty == l.type_js_data_view {
            let buffer = h.pointer(a, l.js_view_buffer, "a DataView with a buffer")?;
            if u64::from(h.type_of(buffer)?) != l.type_js_array_buffer {
                return Err(Error::NotA { addr: buffer, what: "an ArrayBuffer" });
            }
            let store = h.t.read_u64(buffer.offset(l.js_array_buffer_backing_store)?)?;
            return Ok(View { data: Some(Addr(store.wrapping_add(raw(l.js_view_byte_offset)?))), byte_length });
        }
        Err(Error::NotA { addr: a, what: "an ArrayBuffer, typed array or DataView" })
    }
}
