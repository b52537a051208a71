//! JavaScript functions: names, and constructor names of objects.

use super::heap::Heap;
use super::object::MapInfo;
use super::value::Value;
use crate::target::{Addr, Error, Result};

/// How far we follow a map's back-pointer chain to its constructor.
const MAX_BACK_POINTERS: usize = 64;
/// How many prototypes we look through for a `constructor` property.
const MAX_PROTOTYPE_CHAIN: usize = 64;

/// What one prototype says about the constructor.
enum ProtoConstructor {
    /// Its own `constructor` property: a named function.
    Found(String, Addr),
    /// No own `constructor` property: ask its prototype (this value).
    Inherit(Value),
    /// A `constructor` that is no named function, or no JavaScript object.
    Unknown,
}
/// ScopeInfo keeps local names inline below this count (kScopeInfoMaxInlinedLocalNamesSize).
const MAX_INLINED_LOCAL_NAMES: u64 = 75;
/// How many ScopeInfo slots after the locals may hold the function's name.
const NAME_SEARCH_SLOTS: u64 = 4;
/// How many ScopeInfo slots after the locals may hold the position info.
const POSITION_SEARCH_SLOTS: u64 = 6;
/// Most characters of a script read for its source lines.
const MAX_SOURCE: u64 = 64 << 20;
/// Longest function or constructor name we read.
pub const MAX_NAME: u64 = 256;

impl Heap<'_> {
    /// Whether `obj` is a JSFunction (of any kind: plain, async, class constructor...):
    /// of a function type, and pointing to a SharedFunctionInfo.
    pub fn is_function(&self, obj: Addr) -> bool {
        self.type_of(obj).is_ok_and(|t| self.l.is_js_function_type(t))
            && self
                .value(obj, self.l.js_function_shared)
                .ok()
                .and_then(|v| v.heap())
                .and_then(|sfi| self.type_of(sfi).ok())
                .is_some_and(|t| u64::from(t) == self.l.type_shared_function_info)
    }

    /// The name of a JSFunction, or "" for an anonymous one.
    pub fn function_name(&self, f: Addr) -> Result<String> {
        let l = self.l;
        let sfi = self.pointer(f, l.js_function_shared, "a function")?;
        if u64::from(self.type_of(sfi)?) != l.type_shared_function_info {
            return Err(Error::NotA { addr: f, what: "a function (no SharedFunctionInfo)" });
        }
        let Some(n) = self.value(sfi, l.sfi_name_or_scope_info)?.heap() else { return Ok(String::new()) };
        let ty = u64::from(self.type_of(n)?);
        if ty < l.first_nonstring_type {
            return Ok(self.read_string(n, MAX_NAME)?.text);
        }
        if ty == l.type_scope_info {
            return self.scope_info_function_name(n);
        }
        Ok(String::new())
    }

    /// Where a function is defined: its script's name, and the line when V8 still
    /// records the function's start (functions not yet compiled keep it in their
    /// UncompiledData; compiled ones keep it behind ScopeInfo flags V8 does not export).
    pub fn function_location(&self, f: Addr) -> Result<(String, Option<u64>)> {
        let l = self.l;
        let (script, start) = self.function_start(f)?;
        let file = match self.value(script, l.script_name)?.heap() {
            Some(n) if self.is_string(n) => self.read_string(n, MAX_NAME * 4)?.text,
            _ => "<unknown script>".into(),
        };
        let line = match start {
            Some(pos) => self.line_of(script, pos).ok(),
            None => None,
        };
        Ok((file, line))
    }

    /// Where a function is defined as a heap snapshot's location has it: its script's
    /// id, and the 0-based line and column of its start (V8's
    /// ExtractLocationForJSFunction). None where V8 records no start.
    pub fn function_snapshot_location(&self, f: Addr) -> Result<Option<[u64; 3]>> {
        let (script, start) = self.function_start(f)?;
        let Some(pos) = start else { return Ok(None) };
        let id = u64::try_from(self.smi(script, self.l.script_id)?).unwrap_or(0);
        let (line, line_start) = self.line_and_start(script, pos)?;
        Ok(Some([id, line - 1, pos - line_start]))
    }

    /// A function's Script and the character position it starts at, when V8 records it.
    fn function_start(&self, f: Addr) -> Result<(Addr, Option<u64>)> {
        let l = self.l;
        let sfi = self.pointer(f, l.js_function_shared, "a function")?;
        let script = self.pointer(sfi, l.sfi_script, "a function with a script")?;
        if u64::from(self.type_of(script)?) != l.type_script {
            return Err(Error::NotA { addr: script, what: "a Script" });
        }
        // The UncompiledData is in one of the slots before the name (its place moved).
        let start = (1..l.sfi_name_or_scope_info / l.tagged_size)
            .filter_map(|i| self.value(sfi, i * l.tagged_size).ok()?.heap())
            .find(|&d| {
                self.type_of(d).ok().and_then(|t| l.type_names.get(&t)).is_some_and(|n| n.starts_with("UncompiledData"))
            })
            .map(|d| self.t.read_i32(d.offset(l.uncompiled_start_position)?))
            .transpose()?
            .and_then(|p| u64::try_from(p).ok());
        let start = match start {
            Some(pos) => Some(pos),
            None => self.function_scope_info(f)?.and_then(|si| self.scope_info_start(si)),
        };
        Ok((script, start))
    }

    /// The ScopeInfo of a compiled function (its SharedFunctionInfo holds only the name
    /// until V8 compiles it).
    pub fn function_scope_info(&self, f: Addr) -> Result<Option<Addr>> {
        let l = self.l;
        let sfi = self.pointer(f, l.js_function_shared, "a function")?;
        Ok(match self.value(sfi, l.sfi_name_or_scope_info)?.heap() {
            Some(si) if u64::from(self.type_of(si)?) == l.type_scope_info => Some(si),
            _ => None,
        })
    }

    /// Up to `count` lines of the source of the script a function is defined in,
    /// starting at the function's first line: (line number, text) pairs.
    pub fn function_source(&self, f: Addr, count: u64) -> Result<Vec<(u64, String)>> {
        let l = self.l;
        let (_, line) = self.function_location(f)?;
        let line = line.ok_or(Error::NotA { addr: f, what: "a function whose position V8 records" })?;
        let sfi = self.pointer(f, l.js_function_shared, "a function")?;
        let script = self.pointer(sfi, l.sfi_script, "a function with a script")?;
        let source = self.pointer(script, l.script_source, "a script with source")?;
        let text = self.read_string(source, MAX_SOURCE)?.text;
        let first = usize::try_from(line - 1).unwrap_or(usize::MAX);
        let take = usize::try_from(count).unwrap_or(usize::MAX);
        Ok(text.lines().skip(first).take(take).zip(line..).map(|(t, n)| (n, t.to_string())).collect())
    }

    /// A compiled function's start position, from its ScopeInfo's position info: two
    /// Smis (start <= end). Where they are depends on ScopeInfo flags V8 does not export:
    /// V8 13+ keeps them in the header, between the counts and the variables; older V8
    /// after the context locals and the optional function-variable and inferred-name
    /// slots, where they are the last non-decreasing pair of Smis.
    fn scope_info_start(&self, si: Addr) -> Option<u64> {
        let l = self.l;
        let smi = |i: u64| self.scope_info_slot(si, i).ok()?.smi().and_then(|v| u64::try_from(v).ok());
        // (A class's default constructor starts and ends at the class: start == end.)
        let pair = |i: u64| Some((smi(i)?, smi(i + 1)?)).filter(|(a, b)| a <= b);
        let counts_end = l.scopeinfo_idx_nparams.max(l.scopeinfo_idx_ncontextlocals) + 1;
        if l.scopeinfo_idx_first_vars >= counts_end + 2 {
            return pair(counts_end).map(|(start, _)| start);
        }
        let locals = smi(l.scopeinfo_idx_ncontextlocals)?;
        let name_slots = if locals < MAX_INLINED_LOCAL_NAMES { locals } else { 1 };
        let after = l.scopeinfo_idx_first_vars + name_slots + locals;
        (after..after + POSITION_SEARCH_SLOTS).rev().find_map(pair).map(|(start, _)| start)
    }

    /// The 1-based line of character position `pos` in a script.
    fn line_of(&self, script: Addr, pos: u64) -> Result<u64> {
        Ok(self.line_and_start(script, pos)?.0)
    }

    /// The 1-based line of character position `pos` in a script, and the position the
    /// line starts at (Script::GetPositionInfo, leaving out the line and column offsets that
    /// only a vm script compiled with an offset has).
    pub fn line_and_start(&self, script: Addr, pos: u64) -> Result<(u64, u64)> {
        let ends = self.cache.line_ends(script, || self.line_ends(script))?;
        let line = ends.partition_point(|&e| u64::from(e) < pos);
        let start = line.checked_sub(1).map_or(0, |i| u64::from(ends[i]) + 1);
        Ok((line as u64 + 1, start.min(pos)))
    }

    /// Where a script's lines end (UTF-16 positions of its line terminators): V8's line
    /// ends when it computed them, else found in the source.
    fn line_ends(&self, script: Addr) -> Result<Vec<u32>> {
        let l = self.l;
        let position = |n: u64| u32::try_from(n).map_err(|_| Error::Corrupt { addr: script, why: "line end".into() });
        if let Some(ends) = self
            .value(script, l.script_line_ends)?
            .heap()
            .filter(|&e| self.type_of(e).is_ok_and(|t| u64::from(t) == l.type_fixed_array))
        {
            return self
                .slots(ends)?
                .into_iter()
                .filter_map(Value::smi)
                .map(|e| position(u64::try_from(e).unwrap_or(0)))
                .collect();
        }
        let source = self.pointer(script, l.script_source, "a script with source")?;
        let text = self.read_string(source, u64::MAX)?.text;
        // V8's line terminators (String::CalculateLineEnds): LF, a CR not before an LF,
        // U+2028 and U+2029.
        let mut ends = Vec::new();
        let mut at = 0u64;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            let ends_line = match c {
                '\n' | '\u{2028}' | '\u{2029}' => true,
                '\r' => chars.peek() != Some(&'\n'),
                _ => false,
            };
            if ends_line {
                ends.push(position(at)?);
            }
            at += c.len_utf16() as u64;
        }
        Ok(ends)
    }

    /// ScopeInfo slot `i` (slots start at `scope_info_slots`: after the map, or after a
    /// FixedArray's length in V8 up to 8.x).
    fn scope_info_slot(&self, si: Addr, i: u64) -> Result<Value> {
        self.value(si, self.l.scope_info_slots + i * self.l.tagged_size)
    }

    /// The number of parameters a ScopeInfo declares (the receiver not counted).
    pub fn scope_info_parameter_count(&self, si: Addr) -> Result<u64> {
        self.scope_info_count(si, self.l.scopeinfo_idx_nparams, "parameter count")
    }

    /// A ScopeInfo count slot, checked against sane limits.
    fn scope_info_count(&self, si: Addr, index: u64, what: &'static str) -> Result<u64> {
        let count = self.scope_info_slot(si, index)?.smi().unwrap_or(0);
        u64::try_from(count)
            .ok()
            .filter(|&c| c <= super::heap::MAX_ARRAY_LENGTH)
            .ok_or(Error::Corrupt { addr: si, why: format!("ScopeInfo with a bad {what}") })
    }

    /// The names of a ScopeInfo's context locals, in slot order: `names[i]` is the
    /// variable in context slot `context_min_slots + i`. A name that cannot be read is
    /// an empty string.
    pub fn context_local_names(&self, si: Addr) -> Result<Vec<String>> {
        Ok(self.context_local_name_values(si)?.into_iter().map(|v| self.local_name(v)).collect())
    }

    /// The text of a local's name (a String), or "" for anything else.
    pub fn local_name(&self, v: Value) -> String {
        match v.heap().filter(|&s| self.is_string(s)) {
            Some(s) => self.read_string(s, MAX_NAME).map(|s| s.text).unwrap_or_default(),
            None => String::new(),
        }
    }

    /// The names of a ScopeInfo's context locals as the heap holds them (Strings, or
    /// whatever a damaged core has there), in slot order. Few locals are kept inline
    /// after the fixed slots; many, in a NameToIndexHashTable (name → index) in the first
    /// variable slot (a local no entry names is left as Smi 0).
    pub fn context_local_name_values(&self, si: Addr) -> Result<Vec<Value>> {
        let l = self.l;
        let count = self.scope_info_count(si, l.scopeinfo_idx_ncontextlocals, "context local count")?;
        if count < MAX_INLINED_LOCAL_NAMES {
            return (0..count).map(|i| self.scope_info_slot(si, l.scopeinfo_idx_first_vars + i)).collect();
        }
        let table = self
            .scope_info_slot(si, l.scopeinfo_idx_first_vars)?
            .heap()
            .ok_or(Error::Corrupt { addr: si, why: "ScopeInfo without its table of local names".into() })?;
        let slots = self.slots(table)?;
        let capacity = self.hash_table_capacity(table, &slots)?;
        let mut names = vec![Value::Smi(0); count as usize];
        let start = self.l.hash_table_capacity_index + 1;
        for e in 0..capacity {
            let (Some(&key), Some(index)) =
                (slots.get((start + 2 * e) as usize), slots.get((start + 2 * e + 1) as usize).and_then(|v| v.smi()))
            else {
                continue;
            };
            if let Some(slot) = usize::try_from(index).ok().and_then(|i| names.get_mut(i)) {
                *slot = key;
            }
        }
        Ok(names)
    }

    /// A context's own variables, named by its ScopeInfo, with their values (the value
    /// of a ContextCell where V8 14 keeps one in the slot).
    pub fn context_variables(&self, ctx: Addr) -> Result<Vec<(String, Value)>> {
        let l = self.l;
        let scope_info = self
            .slot(ctx, l.context_idx_scope_info)?
            .heap()
            .ok_or(Error::Corrupt { addr: ctx, why: "a context without its ScopeInfo".into() })?;
        let mut vars = Vec::new();
        for (i, name) in self.context_local_names(scope_info)?.into_iter().enumerate() {
            let mut v = self.slot(ctx, l.context_min_slots + i as u64)?;
            if let Some(cell) = v.heap().filter(|&c| self.type_of(c).ok().map(u64::from) == l.type_context_cell) {
                v = self.value(cell, l.context_cell_value)?;
            }
            vars.push((name, v));
        }
        Ok(vars)
    }

    /// The function name a ScopeInfo keeps after its context locals. Which optional
    /// fields precede it depends on flags V8 does not export, so take the first
    /// non-empty string in the few slots where it can be (as llnode does).
    fn scope_info_function_name(&self, si: Addr) -> Result<String> {
        let l = self.l;
        let locals = self.scope_info_slot(si, l.scopeinfo_idx_ncontextlocals)?.smi().unwrap_or(0).max(0) as u64;
        let name_slots = if locals < MAX_INLINED_LOCAL_NAMES { locals } else { 1 };
        let first = l.scopeinfo_idx_first_vars + name_slots + locals;
        for i in first..first + NAME_SEARCH_SLOTS {
            if let Some(s) = self.scope_info_slot(si, i)?.heap().filter(|&s| self.is_string(s)) {
                let text = self.read_string(s, MAX_NAME)?.text;
                if !text.is_empty() {
                    return Ok(text);
                }
            }
        }
        Ok(String::new())
    }

    /// The constructor name a JavaScript programmer would give an object of map `m`:
    /// `obj.constructor`, the first own `constructor` on its prototype chain (so `class
    /// B extends A` gives `B`, a Buffer `Buffer`, and a function whose prototype is
    /// another function, as a subclass constructor's is, `Function`), else the map's
    /// constructor (found through the back-pointer chain).
    pub fn constructor_name(&self, m: &MapInfo) -> String {
        self.constructor(m).0
    }

    /// The constructor's name and, when there is one, the constructor function.
    pub fn constructor(&self, m: &MapInfo) -> (String, Option<Addr>) {
        let mut proto = m.prototype;
        for _ in 0..MAX_PROTOTYPE_CHAIN {
            let Some(p) = proto.heap() else { break };
            match self.prototype_constructor(p) {
                Ok(ProtoConstructor::Found(name, f)) => return (name, Some(f)),
                Ok(ProtoConstructor::Inherit(next)) => proto = next,
                Ok(ProtoConstructor::Unknown) | Err(_) => break,
            }
        }
        self.map_constructor(m).unwrap_or_else(|_| ("Object".into(), None))
    }

    /// The constructor name V8 gives an object in a stack trace
    /// (JSReceiver::GetConstructorName): its map's constructor, unless that is anonymous
    /// or Object; else the `constructor` its prototypes give, unless Object; else
    /// Object. (V8 looks at a `Symbol.toStringTag` data property between the two; this
    /// does not.)
    pub fn stack_type_name(&self, m: &MapInfo) -> String {
        let telling = |n: &str| !n.is_empty() && n != "Object";
        match self.map_constructor(m) {
            Ok((name, Some(_))) if telling(&name) => name,
            _ => Some(self.constructor(m)).filter(|(n, f)| f.is_some() && telling(n)).map_or("Object".into(), |c| c.0),
        }
    }

    fn prototype_constructor(&self, proto: Addr) -> Result<ProtoConstructor> {
        let pm = self.map_info(self.map(proto)?)?;
        if !self.l.is_js_object_type(pm.instance_type) {
            return Ok(ProtoConstructor::Unknown);
        }
        for p in self.named_properties(proto, &pm)? {
            if p.accessor || !matches!(p.key, Value::Heap(k) if self.is_string(k)) {
                continue;
            }
            if self.name_text(p.key, 16)? == "constructor" {
                return match p.value.heap() {
                    Some(f) if self.is_function(f) => {
                        let name = self.function_name(f)?;
                        Ok(if name.is_empty() { ProtoConstructor::Unknown } else { ProtoConstructor::Found(name, f) })
                    }
                    _ => Ok(ProtoConstructor::Unknown),
                };
            }
        }
        Ok(ProtoConstructor::Inherit(pm.prototype))
    }

    /// The constructor a map names, through its back pointers: its name and the
    /// function, or Object where it names no function.
    pub fn map_constructor(&self, m: &MapInfo) -> Result<(String, Option<Addr>)> {
        let mut v = m.constructor;
        for _ in 0..MAX_BACK_POINTERS {
            let Some(obj) = v.heap() else { break };
            let ty = u64::from(self.type_of(obj)?);
            if ty == self.l.type_map {
                v = self.value(obj, self.l.map_constructor)?;
                continue;
            }
            if self.is_function(obj) {
                return Ok((self.function_name(obj)?, Some(obj)));
            }
            break;
        }
        Ok(("Object".into(), None))
    }
}
