//! An Error's call sites, which V8 keeps until its `stack` is first read: each frame's
//! function and where in its script the call is.
//!
//! V8 records a call as a code offset (the bytecode offset, for optimized frames too:
//! their summaries name the bytecode), and maps it to a script position only when the
//! stack is formatted, through the bytecode's source position table. This does the same.

use super::function::MAX_NAME;
use super::heap::Heap;
use super::object::Property;
use super::refs::is_identifier;
use super::value::Value;
use crate::target::{Addr, Error, Result};

/// A SharedFunctionInfo's FunctionKind: its flags' low five bits.
const FUNCTION_KIND_MASK: u32 = 0x1f;
/// Most prototypes looked through for a method's name.
const MAX_PROTOTYPES: usize = 64;
/// Largest source position table read (V8's are a few bytes a bytecode).
const MAX_POSITION_TABLE: u64 = 16 << 20;

/// One frame of an Error's call sites.
pub struct CallSite {
    /// The frame's JavaScript function; None for a frame of none (a WebAssembly one).
    function: Option<Addr>,
    /// The frame's `this`.
    receiver: Value,
    /// Whether the frame is a constructor's (`new F`).
    constructor: bool,
    /// Whether the frame is an awaiting async function's (`async F`), from its suspended
    /// generator rather than the stack.
    awaiting: bool,
    /// The code the offset is into (a BytecodeArray, or what wraps or replaces one).
    code: Value,
    /// The code offset. (V8 puts a script position in its place only while formatting,
    /// which replaces the call sites with the formatted stack.)
    offset: Option<i64>,
}

/// Where a call is, 1-based as V8 prints it.
#[derive(Debug, PartialEq, Eq)]
pub struct Location {
    pub line: u64,
    pub column: u64,
}

impl Heap<'_> {
    /// The frames of an Error's call sites, innermost first, from the FixedArray V8
    /// keeps until the stack is formatted. Its elements are one object a frame (a
    /// CallSiteInfo, V8 9.4 and later; named StackFrameInfo to 9.6), or name a frame of
    /// a raw frame array (a StackTraceFrame and its FrameArray, V8 7.8 to 8.6); or, from
    /// V8 13, the array is itself a raw frame array.
    pub fn call_sites(&self, sites: Addr) -> Result<Vec<CallSite>> {
        let l = self.l;
        let slots = self.slots(sites)?;
        if slots.is_empty() {
            return Ok(Vec::new());
        }
        let kind = |v: &Value| v.heap().and_then(|a| self.type_of(a).ok()).map(u64::from);
        let info = l.type_call_site_info;
        let per_frame =
            slots.first().and_then(kind).filter(|&t| Some(t) == info || Some(t) == l.type_stack_trace_frame);
        if let Some(t) = per_frame {
            return slots
                .iter()
                .map(|s| {
                    let what = "an array of one call site object a frame";
                    let frame = s.heap().filter(|_| kind(s) == Some(t)).ok_or(Error::NotA { addr: sites, what })?;
                    if Some(t) == info {
                        return self.call_site_info(frame);
                    }
                    let array = self.pointer(frame, l.stack_trace_frame_array, "a StackTraceFrame")?;
                    let index = u64::try_from(self.smi(frame, l.stack_trace_frame_index)?)
                        .map_err(|_| Error::Corrupt { addr: frame, why: "a negative frame index".into() })?;
                    self.raw_frame(array, index)
                })
                .collect();
        }
        if l.call_sites_raw_frame_slots == 0 {
            return Err(Error::Unsupported(format!("V8 {} keeps call sites this module does not decode", l.version)));
        }
        let frames = (slots.len() as u64).saturating_sub(l.call_sites_raw_header_slots) / l.call_sites_raw_frame_slots;
        (0..frames).map(|i| self.raw_frame(sites, i)).collect()
    }

    /// Where a call site's call is, or None where V8 has no position for it: code other
    /// than bytecode, or bytecode whose positions V8 has not collected (it collects them
    /// lazily, when a stack through the function is first formatted).
    fn call_site_location(&self, site: &CallSite) -> Result<Option<Location>> {
        let (Some(f), Some(offset)) = (site.function, site.offset) else { return Ok(None) };
        self.code_location(f, site.code, offset)
    }

    /// Where an interpreted frame of function `f` is: its bytecode array, and the offset
    /// the interpreter keeps in the frame, which counts from the array's tagged address
    /// (InterpretedFrame::GetBytecodeOffset takes off the header less the tag).
    pub fn interpreted_location(&self, f: Addr, bytecode: Value, raw_offset: i64) -> Result<Option<Location>> {
        let l = self.l;
        let header = i64::try_from(l.bytecode_array_data - l.heap_object_tag).map_err(|_| Error::Overflow(f))?;
        self.code_location(f, bytecode, raw_offset - header)
    }

    /// Where code offset `offset` into `code` is in function `f`'s script.
    fn code_location(&self, f: Addr, code: Value, offset: i64) -> Result<Option<Location>> {
        let l = self.l;
        let Some(table) = self.source_position_table(code)? else { return Ok(None) };
        source_position_at(&table, l.source_position_deltas(), l.source_positions_first_offset, offset)
            .map(|p| self.location(f, p))
            .transpose()
    }

    /// Script position `position` of function `f`'s script as a line and column.
    fn location(&self, f: Addr, position: u64) -> Result<Location> {
        let l = self.l;
        let sfi = self.pointer(f, l.js_function_shared, "a function")?;
        let script = self.pointer(sfi, l.sfi_script, "a function with a script")?;
        let (line, start) = self.line_and_start(script, position)?;
        Ok(Location { line, column: position - start + 1 })
    }

    /// A CallSiteInfo's function, code and offset.
    fn call_site_info(&self, info: Addr) -> Result<CallSite> {
        let l = self.l;
        let flags = self.value(info, l.call_site_info_flags)?.smi().unwrap_or(0);
        Ok(CallSite {
            function: self.js_function(self.value(info, l.call_site_info_function)?),
            receiver: self.value(info, l.call_site_info_receiver)?,
            constructor: flags >> l.call_site_constructor_bit & 1 != 0,
            awaiting: flags >> l.call_site_async_bit & 1 != 0,
            code: self.value(info, l.call_site_info_code)?,
            offset: self.value(info, l.call_site_info_offset)?.smi(),
        })
    }

    /// Frame `index` of a raw frame array (a FrameArray before V8 9.4, the raw capture
    /// array from V8 13), checked against the array's length.
    fn raw_frame(&self, array: Addr, index: u64) -> Result<CallSite> {
        let l = self.l;
        let first = index
            .checked_mul(l.call_sites_raw_frame_slots)
            .and_then(|s| s.checked_add(l.call_sites_raw_header_slots))
            .ok_or(Error::Overflow(array))?;
        if l.call_sites_raw_frame_slots == 0 || first + l.call_sites_raw_frame_slots > self.array_length(array)? {
            return Err(Error::NotA { addr: array, what: "a frame array holding that frame" });
        }
        let flags = self.slot(array, first + l.call_sites_raw_flags)?.smi().unwrap_or(0);
        Ok(CallSite {
            function: self.js_function(self.slot(array, first + l.call_sites_raw_function)?),
            receiver: self.slot(array, first + l.call_sites_raw_receiver)?,
            constructor: flags >> l.call_site_constructor_bit & 1 != 0,
            awaiting: flags >> l.call_site_async_bit & 1 != 0,
            code: self.slot(array, first + l.call_sites_raw_code)?,
            offset: self.slot(array, first + l.call_sites_raw_offset)?.smi(),
        })
    }

    /// A frame as V8 writes it in a stack after `at ` (SerializeJSStackFrame): its name
    /// and where the call is (`FILE:LINE:COLUMN`; where V8 holds no position for it,
    /// the line the function is defined at), or the location alone for a frame without
    /// a name; `async ` before an awaiting function's, and an awaiting Promise.all,
    /// allSettled or any as `Promise.all (index N)`, N the element it waits for.
    pub fn call_site_frame(&self, site: &CallSite) -> String {
        let Some(f) = site.function else { return "<not a JavaScript function>".into() };
        let name = self.function_name(f).unwrap_or_default();
        let location = match (self.function_location(f), self.call_site_location(site)) {
            (Ok((file, _)), Ok(Some(at))) => Some(format!("{file}:{}:{}", at.line, at.column)),
            (Ok((file, Some(line))), _) => Some(format!("{file}, defined at line {line}")),
            (Ok((file, None)), _) => Some(file),
            (Err(_), _) => None,
        };
        // A combinator's frame has no script (it is a builtin), and the element's index
        // in the offset's place (CallSiteBuilder::AppendPromiseCombinatorFrame).
        let combinator = Some(&name).filter(|n| ["all", "allSettled", "any"].contains(&n.as_str()));
        let frame = match (combinator, site.offset, self.call_site_name(site, f, &name), location) {
            (Some(c), Some(index), _, None) if site.awaiting => format!("Promise.{c} (index {index})"),
            (_, _, Some(name), Some(at)) => format!("{name} ({at})"),
            (_, _, Some(name), None) => name,
            (_, _, None, Some(at)) => at,
            (_, _, None, None) => "<anonymous>".to_string(),
        };
        if site.awaiting {
            format!("async {frame}")
        } else {
            frame
        }
    }

    /// A call site's name as V8 writes it in a stack (SerializeJSStackFrame): `new F`
    /// for a constructor's frame; for a method call (`this` neither undefined, null nor
    /// the global proxy) `Type.function [as method]`, where the type is `this`'s
    /// constructor and the method the property of `this` or its prototypes holding the
    /// function; else the function's name. None where V8 writes no name (a plain call of
    /// an anonymous function), or for no JavaScript function.
    /// (`f` is the frame's function, `name` its name.)
    fn call_site_name(&self, site: &CallSite, f: Addr, name: &str) -> Option<String> {
        let named = |n: &str| Some(n.to_string()).filter(|n| !n.is_empty());
        if site.constructor {
            return Some(format!("new {}", named(name).as_deref().unwrap_or("<anonymous>")));
        }
        if self.is_toplevel(site.receiver) {
            return named(name);
        }
        let type_name = named(&self.receiver_type_name(site.receiver));
        let method = self.method_name(site.receiver, f, name);
        Some(match named(name) {
            Some(name) => {
                let mut out = String::new();
                // V8 prefixed the type where the name does not start with it; from V8
                // 10 where the name is an identifier other than the type.
                let prefixed = |t: &String| match self.l.stack_type_prefix_identifiers {
                    0 => !name.starts_with(t.as_str()),
                    _ => is_identifier(&name) && name != *t,
                };
                if let Some(t) = type_name.filter(prefixed) {
                    out = format!("{t}.");
                }
                out.push_str(&name);
                let ends_with =
                    |m: &String| *m == name || [".", " "].iter().any(|c| name.ends_with(&format!("{c}{m}")));
                if let Some(m) = method.filter(|m| !ends_with(m)) {
                    out.push_str(&format!(" [as {m}]"));
                }
                out
            }
            None => format!(
                "{}{}",
                type_name.map(|t| format!("{t}.")).unwrap_or_default(),
                method.as_deref().unwrap_or("<anonymous>")
            ),
        })
    }

    /// Whether a call with this `this` is no method call (IsToplevel): undefined, null
    /// (or the hole), or the global proxy.
    fn is_toplevel(&self, receiver: Value) -> bool {
        let l = self.l;
        let Some(r) = receiver.heap() else { return false };
        match self.oddball_kind(r) {
            Ok(Some(kind)) => ![l.oddball_true, l.oddball_false].iter().any(|&k| i64::try_from(k) == Ok(kind)),
            _ => self.type_of(r).map(u64::from).is_ok_and(|t| t == l.type_js_global_proxy || Some(t) == l.type_hole),
        }
    }

    /// The name of the constructor of `this` (of a primitive, its wrapper's: Number...),
    /// or from V8 10 of a class, the class's (a static method's `this`).
    fn receiver_type_name(&self, receiver: Value) -> String {
        let l = self.l;
        let Some(this) = receiver.heap() else { return "Number".into() };
        if let Some(class) = self.class_name(this) {
            return class;
        }
        match self.type_of(this).map(u64::from) {
            Ok(t) if t == l.type_heap_number => "Number".into(),
            Ok(t) if t == l.type_symbol => "Symbol".into(),
            Ok(t) if t == l.type_oddball => "Boolean".into(),
            Ok(t) if t < l.first_nonstring_type => "String".into(),
            Ok(_) => {
                self.map(this).and_then(|m| self.map_info(m)).map(|m| self.stack_type_name(&m)).unwrap_or_default()
            }
            Err(_) => String::new(),
        }
    }

    /// The name of class constructor `f` where V8 types calls on a class by it (IsJSClassConstructor).
    fn class_name(&self, f: Addr) -> Option<String> {
        let l = self.l;
        let (first, flags) = (l.function_kind_first_class_constructor?, l.sfi_flags?);
        let sfi = self.is_function(f).then(|| self.value(f, l.js_function_shared).ok()?.heap())??;
        let kind = u64::from(self.t.read_u32(sfi.offset(flags).ok()?).ok()? & FUNCTION_KIND_MASK);
        (first..first + 4).contains(&kind).then(|| self.function_name(f).ok()).flatten().filter(|n| !n.is_empty())
    }

    /// The property of `this` or its prototypes that holds `f` (GetMethodName): the one
    /// named as the function is (less a `get `/`set ` prefix) if it does, else the one
    /// enumerable own property of the chain that does (none if several do).
    fn method_name(&self, receiver: Value, f: Addr, name: &str) -> Option<String> {
        let name = name.strip_prefix("get ").or_else(|| name.strip_prefix("set ")).unwrap_or(name).to_string();
        let holds = |p: &Property| {
            p.value.heap() == Some(f)
                || p.accessor
                    && p.value.heap().is_some_and(|pair| {
                        [self.l.accessor_pair_getter, self.l.accessor_pair_setter]
                            .iter()
                            .any(|&off| self.value(pair, off).ok().and_then(Value::heap) == Some(f))
                    })
        };
        let chain = self.prototype_chain(receiver);
        let key = |p: &Property| {
            p.key.heap().filter(|&k| self.is_string(k)).and_then(|k| self.read_string(k, MAX_NAME).ok()).map(|s| s.text)
        };
        if !name.is_empty() {
            let first = chain.iter().find_map(|props| props.iter().find(|p| key(p).as_deref() == Some(name.as_str())));
            if first.is_some_and(holds) {
                return Some(name);
            }
        }
        let mut found = chain.iter().flatten().filter(|p| p.enumerable && holds(p)).filter_map(key);
        let one = found.next()?;
        found.next().is_none().then_some(one)
    }

    /// The own properties of `this` and each of its prototypes, `this` first, as far as
    /// they are JavaScript objects (at most MAX_PROTOTYPES).
    fn prototype_chain(&self, receiver: Value) -> Vec<Vec<Property>> {
        let mut chain = Vec::new();
        let mut at = receiver.heap();
        while let Some(obj) = at.filter(|_| chain.len() < MAX_PROTOTYPES) {
            let Ok(m) = self.map(obj).and_then(|m| self.map_info(m)) else { break };
            if !self.l.is_js_object_type(m.instance_type) {
                break;
            }
            chain.push(self.named_properties(obj, &m).unwrap_or_default());
            at = m.prototype.heap();
        }
        chain
    }

    fn js_function(&self, v: Value) -> Option<Addr> {
        v.heap().filter(|&f| self.is_function(f))
    }

    /// The bytes of the source position table of the bytecode a call site's code is
    /// (or wraps, V8 12+), or None where there is none: other code (V8 13.6+ defers a
    /// baseline frame as its machine code and pc offset), or positions not collected yet
    /// or never to be (undefined or an exception; from V8 12, Smi 0 for both).
    fn source_position_table(&self, code: Value) -> Result<Option<Vec<u8>>> {
        let l = self.l;
        let Some(mut code) = code.heap() else { return Ok(None) };
        if Some(u64::from(self.type_of(code)?)) == l.type_bytecode_wrapper {
            code = self.pointer(code, l.bytecode_wrapper_bytecode, "a BytecodeWrapper")?;
        }
        if u64::from(self.type_of(code)?) != l.type_bytecode_array {
            return Ok(None);
        }
        let Some(mut table) = self.value(code, l.bytecode_array_source_positions)?.heap() else { return Ok(None) };
        if Some(u64::from(self.type_of(table)?)) == l.type_source_position_table_with_frame_cache {
            table = self.pointer(table, l.source_position_table_with_frame_cache_table, "a position table")?;
        }
        let ty = Some(u64::from(self.type_of(table)?));
        if ty != Some(l.type_byte_array) && ty != l.type_trusted_byte_array {
            return Ok(None);
        }
        let len = u64::try_from(self.smi(table, l.fixed_array_length)?)
            .ok()
            .filter(|&n| n <= MAX_POSITION_TABLE)
            .ok_or(Error::Corrupt { addr: table, why: "a source position table's length".into() })?;
        Ok(Some(self.t.read_vec(table.offset(l.fixed_array_data)?, len as usize)?))
    }
}

/// How a source position table packs each entry's code offset delta (the kind of varint
/// and the flags beside the delta), V8 7 to 13 and V8 14 on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeDeltas {
    /// Zig-zag, negated minus one for an expression position (not a statement one).
    Signed,
    /// Unsigned, shifted left two above the breakable and statement bits.
    Flagged,
}

/// The script position V8 maps a code offset to: that of the last entry of the table at
/// or before the offset, or 0 if there is none (AbstractCode::SourcePosition). `first`
/// is the code offset the entries' deltas start from (V8's function-entry offset, -1).
/// None if the table is malformed.
///
/// Each entry is two varints (7 bits a byte, low first, the top bit saying another byte
/// follows): the code offset's delta, packed as `deltas` says, and the source position's
/// delta, zig-zag. A source position is the script offset plus one (0 is no position)
/// shifted left one above the bit that marks an external position, with an inlining id
/// above bit 31, which bytecode does not have.
pub fn source_position_at(table: &[u8], deltas: CodeDeltas, first: i64, offset: i64) -> Option<u64> {
    let mut bytes = table.iter();
    // Some(None) at the end of the table; None for a varint cut short or too long.
    let mut varint = || -> Option<Option<u64>> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let Some(&b) = bytes.next() else { return if shift == 0 { Some(None) } else { None } };
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(Some(value));
            }
        }
        None
    };
    let zigzag = |v: u64| (v >> 1) as i64 ^ -((v & 1) as i64);
    let (mut code, mut source, mut position) = (first, 0i64, 0u64);
    while let Some(packed) = varint()? {
        let delta = match deltas {
            CodeDeltas::Signed => match zigzag(packed) {
                d if d >= 0 => d,
                d => -(d + 1),
            },
            CodeDeltas::Flagged => i64::try_from(packed >> 2).ok()?,
        };
        code = code.checked_add(delta)?;
        source = source.checked_add(zigzag(varint()??))?;
        if code > offset {
            break;
        }
        position = u64::try_from(((source >> 1) & ((1 << 30) - 1)) - 1).unwrap_or(0);
    }
    Some(position)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table of `function thrower() { return new Error('x'); }` as node 24 and node
    /// 26 keep it in a core: the function entry (-1, 887), `return` (0, statement, 896),
    /// `new` (9, 903), the return (14, statement, 932).
    const SIGNED: [u8; 9] = [0x01, 0xe0, 0x1b, 0x02, 0x24, 0x13, 0x1c, 0x0a, 0x74];
    const FLAGGED: [u8; 9] = [0x02, 0xe0, 0x1b, 0x07, 0x24, 0x26, 0x1c, 0x17, 0x74];

    #[test]
    fn maps_a_code_offset_to_the_last_position_at_or_before_it() {
        for (table, deltas) in [(&SIGNED, CodeDeltas::Signed), (&FLAGGED, CodeDeltas::Flagged)] {
            let at = |offset| source_position_at(table, deltas, -1, offset);
            let positions = [-1, 0, 8, 9, 13, 14, 99].map(|o| at(o).unwrap());
            assert_eq!(positions, [887, 896, 896, 903, 903, 932, 932], "{deltas:?}");
            // Before the first entry: position 0, as V8 has it.
            assert_eq!(at(-2), Some(0));
            // Deltas counted from 0 shift every entry by one.
            assert_eq!(source_position_at(table, deltas, 0, 9), Some(896));
            assert_eq!(source_position_at(&[], deltas, -1, 5), Some(0));
        }
    }

    #[test]
    fn identifiers_as_v8_tells_them_from_other_names() {
        assert!(["twin", "_load", "$x", "café", "a1"].iter().all(|n| is_identifier(n)));
        assert!(!["", "1a", "Module._load", "..js", "get x"].iter().any(|n| is_identifier(n)));
    }

    #[test]
    fn a_malformed_table_is_none() {
        // A varint that never ends, an entry without its source delta, a hostile length.
        for deltas in [CodeDeltas::Signed, CodeDeltas::Flagged] {
            assert_eq!(source_position_at(&[0x80, 0x80], deltas, -1, 5), None);
            assert_eq!(source_position_at(&[0x02], deltas, -1, 5), None);
            assert_eq!(source_position_at(&[0xff; 16], deltas, -1, 5), None);
        }
    }
}
