//! Stack frames: a thread's frame-pointer chain, each frame classified.
//!
//! V8 keeps frame pointers in all the code it generates, so a thread's frames are a
//! linked list through the saved `rbp` words: the frame at `fp` returns to `*(fp + 8)` in
//! its caller, whose frame is at `*fp`. Each frame is one of:
//!
//! - a JavaScript frame: its function slot holds a JSFunction and its context slot a
//!   context. It ran bytecode in the interpreter when its bytecode-array slot holds a
//!   BytecodeArray and its bytecode-offset slot a Smi; baseline (Sparkplug) code keeps the
//!   same slots, with the feedback vector in the offset slot; anything else is optimized
//!   code: Maglev's or TurboFan's by the kind of the Code whose InstructionStream holds
//!   the frame's pc (V8 12+; before, the Code's kind is not exported);
//! - another V8 frame (entry, exit, construct, builtin, stub...): a frame-type marker
//!   (`type << 1`, Smi-tagged) in the context slot, named by `v8dbg_frametype_*`;
//! - a native frame: C or C++ code, named from the binary's symbols (V8's embedded
//!   builtins are symbols too, `Builtins_*`).
//!
//! Never trusting the core: the walk stops after [`MAX_FRAMES`], at a frame pointer of 0,
//! one that does not increase, or one outside the stack mapping the walk started in.

use super::callsite::Location;
use super::heap::Heap;
use super::value::Value;
use crate::target::{Addr, Error, Region, Result};

/// The most frames one walk follows (node's default stack is under 1 MiB: some 10,000
/// of the smallest frames; a runaway recursion is cut here).
pub const MAX_FRAMES: usize = 16384;
/// How the symbols of V8's embedded builtins begin.
const BUILTIN_PREFIX: &str = "Builtins_";
/// How far below a pc the start of its InstructionStream is looked for, and in what
/// blocks the code is read.
const MAX_CODE_SCAN: u64 = 1 << 20;
const CODE_SCAN_BLOCK: u64 = 1 << 12;
/// The most arguments read from one frame (V8's own limit is 65535).
pub const MAX_ARGS: u64 = 65535;

/// What kind of code a JavaScript frame runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tier {
    Interpreted,
    Baseline,
    /// Optimized code of a compiler this module cannot tell (V8 before 12).
    Optimized,
    Maglev,
    Turbofan,
}

impl Tier {
    pub fn name(self) -> &'static str {
        match self {
            Tier::Interpreted => "interpreted",
            Tier::Baseline => "baseline",
            Tier::Optimized => "optimized",
            Tier::Maglev => "Maglev optimized",
            Tier::Turbofan => "TurboFan optimized",
        }
    }
}

/// What a frame is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A JavaScript function's frame.
    Js { function: Addr, tier: Tier },
    /// A V8 frame of this type (`EntryFrame`, `ExitFrame`, ...).
    V8(String),
    /// Native code at `symbol + offset`.
    Native { symbol: String, offset: u64 },
    /// Code the binary has no symbol for and V8 does not mark (JIT stubs, or garbage).
    Unknown,
}

/// One frame: its frame pointer, the address its code is at (unknown for a frame named
/// only by its frame pointer), and what it is.
#[derive(Clone, Debug)]
pub struct Frame {
    pub fp: Addr,
    pub pc: Option<Addr>,
    pub kind: Kind,
}

/// The frames of a chain, and why the walk stopped early if it did.
pub struct Stack {
    pub frames: Vec<Frame>,
    pub stopped: Option<String>,
}

impl Heap<'_> {
    /// The frame pointers of the chain starting at `fp`: `fp`, `*fp`, `**fp`... as long as
    /// they increase inside the readable mapping `fp` is in, at most [`MAX_FRAMES`]; the
    /// return address of each (`*(fp + 8)`); and why the walk stopped if not at a 0.
    pub fn frame_chain(&self, fp: Addr, regions: &[Region]) -> (Vec<(Addr, Addr)>, Option<String>) {
        let Some(stack) = regions.iter().find(|r| r.read && (r.start.0..r.end()).contains(&fp.0)) else {
            return (Vec::new(), Some(format!("frame pointer {fp} is not in a readable mapping")));
        };
        let mut chain = Vec::new();
        let mut at = fp;
        while chain.len() < MAX_FRAMES {
            let read = |a: Addr| self.t.read_u64(a);
            let (next, ret) = match (read(at), at.offset(8).and_then(read)) {
                (Ok(n), Ok(r)) => (Addr(n), Addr(r)),
                _ => return (chain, Some(format!("cannot read the frame at {at}"))),
            };
            chain.push((at, ret));
            if next.0 == 0 {
                return (chain, None);
            }
            if next <= at || next.0 >= stack.end() {
                return (chain, Some(format!("frame pointer {next} (saved at {at}) leaves the stack")));
            }
            at = next;
        }
        (chain, Some(format!("more than {MAX_FRAMES} frames")))
    }

    /// The stack from frame pointer `fp` with the top frame's code at `pc` (a thread's
    /// `rbp` and `rip`; unknown for a stack named by a frame pointer only): each frame
    /// with the address its code is at, classified.
    pub fn stack(&self, fp: Addr, pc: Option<Addr>, regions: &[Region]) -> Stack {
        let (chain, stopped) = self.frame_chain(fp, regions);
        let pcs = std::iter::once(pc).chain(chain.iter().map(|&(_, ret)| Some(ret)));
        let frames = chain.iter().zip(pcs).map(|(&(fp, _), pc)| self.frame(fp, pc)).collect();
        Stack { frames, stopped }
    }

    /// The stack words of V8's own frames (JavaScript, entry, exit, builtin...) on the
    /// stack of a thread whose `rsp`, `rbp` and `rip` are given: each frame's words from
    /// just above its callee's return address (the stack pointer for the top frame) to its
    /// own return address. These are the words V8's GC visits as stack roots; a native
    /// frame's words are not (they may be stale copies of anything).
    pub fn v8_frame_spans(&self, sp: Addr, fp: Addr, pc: Addr, regions: &[Region]) -> Vec<(u64, u64)> {
        let stack = self.stack(fp, Some(pc), regions);
        let lows = std::iter::once(sp.0).chain(stack.frames.iter().map(|f| f.fp.0.saturating_add(16)));
        stack
            .frames
            .iter()
            .zip(lows)
            .filter(|(f, _)| matches!(f.kind, Kind::Js { .. } | Kind::V8(_)))
            .map(|(f, low)| (low, f.fp.0.saturating_add(16)))
            .filter(|(low, high)| low < high)
            .collect()
    }

    /// The frame at `fp` whose code is at `pc`. Only code V8 generated (no symbol: JIT
    /// code) or embedded in the binary (`Builtins_*`) makes JavaScript and V8 frames; a C++
    /// frame's slots are not looked at, whatever they happen to hold.
    pub fn frame(&self, fp: Addr, pc: Option<Addr>) -> Frame {
        let symbol = pc.and_then(|pc| self.t.symbol_at(pc));
        let v8_code = symbol.as_ref().is_none_or(|(name, _)| name.starts_with(BUILTIN_PREFIX));
        let v8_kind = if v8_code { self.js_frame(fp, pc).or_else(|| self.v8_frame(fp)) } else { None };
        let kind = match (v8_kind, symbol) {
            (Some(kind), _) => kind,
            (None, Some((symbol, offset))) => Kind::Native { symbol, offset },
            (None, None) => Kind::Unknown,
        };
        Frame { fp, pc, kind }
    }

    /// The tagged word in the slot `off` bytes from `fp`.
    fn fp_slot(&self, fp: Addr, off: i64) -> Option<Value> {
        let at = fp.0.checked_add_signed(off)?;
        Some(Value::decode(self.t.read_u64(Addr(at)).ok()?, self.l))
    }

    /// A JavaScript frame: a JSFunction in the function slot and a heap object (its
    /// context) in the context slot.
    fn js_frame(&self, fp: Addr, pc: Option<Addr>) -> Option<Kind> {
        let l = self.l;
        let function = self.fp_slot(fp, l.fp_function)?.heap().filter(|&f| self.is_function(f))?;
        self.fp_slot(fp, l.fp_context_or_frame_type)?.heap()?;
        let bytecode = self.fp_slot(fp, l.fp_bytecode_array).and_then(Value::heap);
        let interpreted =
            bytecode.is_some_and(|b| self.type_of(b).is_ok_and(|t| u64::from(t) == l.type_bytecode_array));
        let tier = match (interpreted, self.fp_slot(fp, l.fp_bytecode_offset)) {
            (true, Some(Value::Smi(_))) => Tier::Interpreted,
            (true, _) => Tier::Baseline,
            (false, _) => pc.and_then(|pc| self.optimized_tier(pc)).unwrap_or(Tier::Optimized),
        };
        Some(Kind::Js { function, tier })
    }

    /// Where the interpreted frame at `fp` of function `function` is in its script: at
    /// the bytecode it is executing, which for a caller's frame is the call. (Baseline
    /// and optimized frames keep no bytecode offset in the frame.)
    pub fn interpreted_frame_location(&self, fp: Addr, function: Addr) -> Result<Option<Location>> {
        let l = self.l;
        let Some(bytecode) = self.fp_slot(fp, l.fp_bytecode_array) else { return Ok(None) };
        let Some(Value::Smi(offset)) = self.fp_slot(fp, l.fp_bytecode_offset) else { return Ok(None) };
        self.interpreted_location(function, bytecode, offset)
    }

    /// Which compiler made the optimized code at `pc`: walk back from `pc` to the
    /// header of its InstructionStream (a word pointing to a map of that type, whose Code
    /// points back to it), at most [`MAX_CODE_SCAN`] bytes, and read the Code's kind.
    fn optimized_tier(&self, pc: Addr) -> Option<Tier> {
        let l = self.l;
        let (stream_type, code_type) = (l.type_instruction_stream?, l.type_code?);
        let (flags, back) = (l.code_flags?, l.code_instruction_stream?);
        let mut block = pc.0 & !(CODE_SCAN_BLOCK - 1);
        let floor = pc.0.saturating_sub(MAX_CODE_SCAN);
        while block >= floor {
            let words = self.t.read_vec(Addr(block), CODE_SCAN_BLOCK as usize).ok()?;
            let top = (pc.0 - block).min(CODE_SCAN_BLOCK) as usize / 8;
            for i in (0..top).rev() {
                let word = u64::from_le_bytes(words[i * 8..i * 8 + 8].try_into().ok()?);
                let Value::Heap(map) = Value::decode(word, l) else { continue };
                if !self.map_type(map).is_ok_and(|t| u64::from(t) == stream_type) {
                    continue;
                }
                let stream = Addr(block + i as u64 * 8);
                let Some(code) = self.value(stream, l.instruction_stream_code).ok().and_then(Value::heap) else {
                    continue;
                };
                // A look-alike (an immediate in the instructions) does not point back.
                if !self.type_of(code).is_ok_and(|t| u64::from(t) == code_type)
                    || self.value(code, back).ok().and_then(Value::heap) != Some(stream)
                {
                    continue;
                }
                let kind = (u64::from(self.t.read_u32(code.offset(flags).ok()?).ok()?) >> l.code_kind_shift?)
                    & l.code_kind_mask?;
                return match kind {
                    k if Some(k) == l.code_kind_maglev => Some(Tier::Maglev),
                    k if Some(k) == l.code_kind_turbofan => Some(Tier::Turbofan),
                    _ => None,
                };
            }
            block = block.checked_sub(CODE_SCAN_BLOCK)?;
        }
        None
    }

    /// A frame with a V8 frame-type marker in its context slot.
    fn v8_frame(&self, fp: Addr) -> Option<Kind> {
        let word = self.t.read_u64(Addr(fp.0.checked_add_signed(self.l.fp_context_or_frame_type)?)).ok()?;
        if word & self.l.smi_tag_mask != self.l.smi_tag {
            return None;
        }
        let ty = i64::try_from(word >> 1).ok()?;
        self.l.frame_types.get(&ty).map(|name| Kind::V8(name.clone()))
    }

    /// A JavaScript frame's receiver and arguments, first to last. Where V8 reverses the
    /// arguments ([`Layout::js_args_reversed`](super::layout::Layout)), the receiver is
    /// just above the saved return address, the arguments above it, and the argument count
    /// is in the frame; before, the receiver is above the arguments, pushed in order, as
    /// many as `function`'s formal parameters.
    pub fn frame_arguments(&self, fp: Addr, function: Addr) -> Result<(Value, Vec<Value>)> {
        let l = self.l;
        let slot = |off: i64| {
            let at = fp.0.checked_add_signed(off).ok_or(Error::Overflow(fp))?;
            self.t.read_u64(Addr(at))
        };
        let reversed = l.js_args_reversed == 1;
        let count = if reversed {
            slot(l.fp_argc)?.checked_sub(l.js_argc_includes_receiver)
        } else {
            let shared = self.pointer(function, l.js_function_shared, "a function with a SharedFunctionInfo")?;
            Some(u64::from(self.t.read_u16(shared.offset(l.sfi_formal_parameter_count)?)?))
        };
        let n = count.filter(|&n| n <= MAX_ARGS).ok_or(Error::Corrupt { addr: fp, why: "argument count".into() })?;
        // The slots of the receiver and of the arguments, first to last, counted from the
        // one above the return address.
        let (receiver, args): (u64, Vec<u64>) =
            if reversed { (0, (1..=n).collect()) } else { (n, (0..n).rev().collect()) };
        let at = |k: u64| slot(l.fp_args + (l.pointer_size * k) as i64).map(|w| Value::decode(w, l));
        Ok((at(receiver)?, args.into_iter().map(at).collect::<Result<_>>()?))
    }
}
