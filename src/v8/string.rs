//! Reading V8 strings of every representation: sequential, cons (walked with an explicit
//! stack, never recursion), sliced, thin and external, one- and two-byte.

use super::heap::Heap;
use crate::target::{Addr, Error, Result};

/// The most pieces (cons halves, slices) one string may be made of before we give up.
const MAX_PIECES: usize = 1 << 20;

/// A string read from the heap, possibly cut short.
#[derive(Clone, Debug, PartialEq)]
pub struct JsString {
    pub text: String,
    /// The string's full length in UTF-16 code units.
    pub length: u64,
    /// Whether `text` stops before the end (at the caller's limit).
    pub truncated: bool,
}

impl Heap<'_> {
    /// Whether `obj` is a string.
    pub fn is_string(&self, obj: Addr) -> bool {
        self.type_of(obj).is_ok_and(|t| self.l.is_string_type(t))
    }

    /// The length of a string, in UTF-16 code units.
    pub fn string_length(&self, s: Addr) -> Result<u64> {
        let n = self.t.read_i32(s.offset(self.l.string_length)?)?;
        u64::try_from(n).map_err(|_| Error::Corrupt { addr: s, why: format!("string length {n}") })
    }

    /// Read at most `limit` code units of the string at `s`.
    pub fn read_string(&self, s: Addr, limit: u64) -> Result<JsString> {
        let length = self.string_length(s)?;
        let want = length.min(limit);
        let mut units: Vec<u16> = Vec::with_capacity(want.min(1 << 16) as usize);
        // Pieces still to read: (string, first code unit, count), leftmost on top.
        let mut stack = vec![(s, 0u64, want)];
        let mut pieces = 0;
        while let Some((s, from, count)) = stack.pop() {
            if count == 0 {
                continue;
            }
            pieces += 1;
            if pieces > MAX_PIECES {
                return Err(Error::Corrupt { addr: s, why: "string made of too many pieces".into() });
            }
            let ty = u64::from(self.type_of(s)?);
            if ty >= self.l.first_nonstring_type {
                return Err(Error::NotA { addr: s, what: "a string" });
            }
            let l = self.l;
            let one_byte = ty & l.string_encoding_mask == l.one_byte_string_tag;
            let repr = ty & l.string_representation_mask;
            let len = self.string_length(s)?;
            if from.checked_add(count).is_none_or(|end| end > len) {
                return Err(Error::Corrupt { addr: s, why: "string piece out of bounds".into() });
            }
            if repr == l.seq_string_tag {
                let chars = if one_byte { l.seq_one_byte_chars } else { l.seq_two_byte_chars };
                self.read_units(s.offset(chars)?, one_byte, from, count, &mut units)?;
            } else if repr == l.cons_string_tag {
                let first = self.pointer(s, l.cons_first, "a cons string")?;
                let second = self.pointer(s, l.cons_second, "a cons string")?;
                let flen = self.string_length(first)?;
                if from + count > flen {
                    let start = from.saturating_sub(flen);
                    stack.push((second, start, from + count - flen - start));
                }
                if from < flen {
                    stack.push((first, from, count.min(flen - from)));
                }
            } else if repr == l.sliced_string_tag {
                let parent = self.pointer(s, l.sliced_parent, "a sliced string")?;
                let offset = u64::try_from(self.smi(s, l.sliced_offset)?)
                    .map_err(|_| Error::Corrupt { addr: s, why: "negative slice offset".into() })?;
                stack.push((parent, offset + from, count));
            } else if repr == l.thin_string_tag {
                stack.push((self.pointer(s, l.thin_actual, "a thin string")?, from, count));
            } else if repr == l.external_string_tag {
                if ty & l.uncached_external_string_mask != 0 {
                    return Err(Error::Msg(format!("external string {s} has no cached data pointer")));
                }
                let data = Addr(self.t.read_u64(s.offset(l.external_data)?)?);
                self.read_units(data, one_byte, from, count, &mut units)?;
            } else {
                return Err(Error::Corrupt { addr: s, why: format!("unknown string representation {repr}") });
            }
        }
        Ok(JsString { text: String::from_utf16_lossy(&units), length, truncated: want < length })
    }

    /// Append `count` code units starting at unit `from` of character data at `data`.
    fn read_units(&self, data: Addr, one_byte: bool, from: u64, count: u64, out: &mut Vec<u16>) -> Result<()> {
        let width = if one_byte { 1 } else { 2 };
        let bytes = self.t.read_vec(data.offset(from * width)?, (count * width) as usize)?;
        if one_byte {
            out.extend(bytes.iter().map(|&b| u16::from(b)));
        } else {
            out.extend(bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])));
        }
        Ok(())
    }

    /// Whether a property key is one of V8's internal private symbols, which JavaScript
    /// never sees (private names, `#x`, are not hidden).
    pub fn is_internal_key(&self, v: super::value::Value) -> bool {
        let Some(a) = v.heap() else { return false };
        if self.type_of(a).map(u64::from).ok() != Some(self.l.type_symbol) {
            return false;
        }
        let flags = a.offset(self.l.symbol_flags).and_then(|f| self.t.read_u32(f)).unwrap_or(0);
        u64::from(flags) & self.l.symbol_private_mask != 0 && !self.name_text(v, 1).is_ok_and(|d| d.starts_with('#'))
    }

    /// A property key or name as text: strings as they are, Smis in decimal, symbols as
    /// `Symbol(description)` (private names as their `#name`).
    pub fn name_text(&self, v: super::value::Value, limit: u64) -> Result<String> {
        use super::value::Value;
        match v {
            Value::Smi(n) => Ok(n.to_string()),
            Value::Heap(a) => {
                let ty = u64::from(self.type_of(a)?);
                if ty < self.l.first_nonstring_type {
                    return Ok(self.read_string(a, limit)?.text);
                }
                if ty == self.l.type_symbol {
                    let desc = match self.value(a, self.l.symbol_name)?.heap() {
                        Some(d) if self.is_string(d) => self.read_string(d, limit)?.text,
                        _ => String::new(),
                    };
                    return Ok(if desc.starts_with('#') { desc } else { format!("Symbol({desc})") });
                }
                Err(Error::NotA { addr: a, what: "a property name" })
            }
            Value::Weak(a) => Err(Error::NotA { addr: a, what: "a property name" }),
            Value::Double(_) => Err(Error::Msg("a raw double is not a property name".into())),
        }
    }
}
