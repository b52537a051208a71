//! Printing any JavaScript value as `::jsprint` does.
//!
//! Kinds mdb_v8 printed keep its format (objects as `{ "key": value, }` blocks indented by
//! four spaces, arrays as `[ ... ]`, numbers as `%d`/`%e`, unescaped quoted strings,
//! `hole`, dates as `ms (YYYY Mon DD HH:MM:SS)`, `JSRegExp: "source"`); kinds it never
//! printed follow Node's `util.inspect` (`Map(2) { "k" => 1 }`, `[Number: 3]`,
//! `Promise { <pending> }`, `<Buffer 68 69>`...). Depth is bounded, cycles are marked
//! `[Circular]`, and every loop over heap data has a limit.

use std::fmt::Write;

use super::collections::Entry;
use super::heap::Heap;
use super::object::{Elements, MapInfo};
use super::value::Value;
use crate::target::{Addr, Error, Result};

/// How `::jsprint` prints.
#[derive(Clone, Debug)]
pub struct PrintOptions {
    /// Prefix every value with its address (`-a`).
    pub addresses: bool,
    /// How deep objects and arrays are expanded (`-d`); deeper ones print as `[...]`.
    pub depth: u32,
    /// Longest string printed before `[...]` (`-N`).
    pub max_string: u64,
    /// Most entries of one object, array, Map or Set printed before a `... N more`
    /// line (`-A` lifts it).
    pub max_entries: usize,
}

impl Default for PrintOptions {
    fn default() -> Self {
        PrintOptions { addresses: false, depth: 2, max_string: 1 << 16, max_entries: 1 << 16 }
    }
}

/// The deepest `-d` honoured (printing recurses once per level).
pub const MAX_DEPTH: u32 = 64;
/// What brackets a decode error printed in place of a value (`‹... is not a heap
/// object›`), apart from the `<...>` of values util.inspect prints so (`<Buffer ..>`),
/// so that a sweep can count them.
pub const ERROR_OPEN: char = '‹';
pub const ERROR_CLOSE: char = '›';
/// Bytes of a Buffer or ArrayBuffer shown (as util.inspect does).
const MAX_BYTES: u64 = 50;

/// Print a value into a string (possibly several lines, without a final newline).
pub fn print(h: &Heap, v: Value, o: &PrintOptions) -> String {
    let mut p = Printer { h, o, out: String::new(), path: Vec::new() };
    p.value(v, o.depth.min(MAX_DEPTH), 0);
    p.out
}

/// A property as printed.
enum Shown {
    Value(Value),
    /// An element of a double array.
    Double(f64),
    /// An accessor: the AccessorPair or AccessorInfo.
    Accessor(Value),
    /// An Error's stack not formatted yet: the FixedArray of its call sites.
    CallSites(Addr),
}

struct Printer<'a, 'h> {
    h: &'a Heap<'h>,
    o: &'a PrintOptions,
    out: String,
    /// Objects being printed, outermost first, to mark cycles.
    path: Vec<u64>,
}

fn indent(n: usize) -> String {
    " ".repeat(n * 4)
}

const PROPERTIES: (&str, &str) = ("property", "properties");
const ELEMENTS: (&str, &str) = ("element", "elements");
const FRAMES: (&str, &str) = ("frame", "frames");
const ENTRIES: (&str, &str) = ("entry", "entries");

/// The line that says what a cap left out: `... 34,464 more elements`.
fn more(n: usize, (one, many): (&str, &str)) -> String {
    let digits = n.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("... {grouped} more {}", if n == 1 { one } else { many })
}

/// `%e` as C prints it: `4.700000e+00`.
pub fn c_exp(f: f64) -> String {
    let s = format!("{f:.6e}");
    match s.split_once('e') {
        Some((m, e)) => {
            let (sign, digits) = e.strip_prefix('-').map_or(("+", e), |d| ("-", d));
            format!("{m}e{sign}{digits:0>2}")
        }
        None => s,
    }
}

/// A double as mdb_v8 printed it: integers as integers, others as `%e`.
pub fn number(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else if f == 0.0 && f.is_sign_negative() {
        "-0".into()
    } else if f.fract() == 0.0 && f.abs() < 9.2e18 {
        format!("{}", f as i64)
    } else {
        c_exp(f)
    }
}

/// The largest time value a Date holds, in ms either side of the epoch (ECMA-262 TimeClip).
const MAX_TIME: f64 = 8.64e15;

/// `YYYY Mon DD HH:MM:SS` (UTC) for milliseconds since the epoch.
pub fn date(ms: f64) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    // Beyond TimeClip's range there is no JavaScript date: only a corrupt value gets here.
    if !(-MAX_TIME..=MAX_TIME).contains(&ms) {
        return "Invalid Date".into();
    }
    let secs = (ms / 1000.0).floor() as i64;
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year} {} {day:>2} {:02}:{:02}:{:02}", MONTHS[(month - 1) as usize], rem / 3600, rem % 3600 / 60, rem % 60)
}

impl Printer<'_, '_> {
    fn value(&mut self, v: Value, depth: u32, level: usize) {
        if self.o.addresses {
            let _ = write!(self.out, "{:x}: ", v.encode(self.h.l));
        }
        match v {
            Value::Smi(n) => {
                let _ = write!(self.out, "{n}");
            }
            Value::Double(bits) => self.out.push_str(&number(f64::from_bits(bits))),
            Value::Weak(a) if a.0 == 0 => self.out.push_str("<cleared weak reference>"),
            Value::Weak(a) => {
                let _ = write!(self.out, "<weak reference to {a}>");
            }
            Value::Heap(a) => {
                let a = self.h.forwarded(a).unwrap_or(a);
                if let Err(e) = self.heap_object(a, depth, level) {
                    let _ = write!(self.out, "{ERROR_OPEN}{e}{ERROR_CLOSE}");
                }
            }
        }
    }

    fn heap_object(&mut self, a: Addr, depth: u32, level: usize) -> Result<()> {
        let h = self.h;
        let l = h.l;
        let map = h.map(a)?;
        let m = h.map_info(map)?;
        let ty = u64::from(h.type_of(a)?);
        if ty < l.first_nonstring_type {
            return self.string(a);
        }
        if ty == l.type_heap_number {
            let bits = h.t.read_u64(a.offset(l.heap_number_value)?)?;
            self.out.push_str(&number(f64::from_bits(bits)));
            return Ok(());
        }
        if ty == l.type_oddball {
            let kind = h.smi(a, l.oddball_kind)?;
            let name = [
                (Some(l.oddball_false), "false"),
                (Some(l.oddball_true), "true"),
                (Some(l.oddball_null), "null"),
                (Some(l.oddball_undefined), "undefined"),
                (l.oddball_the_hole, "hole"),
                (l.oddball_uninitialized, "uninitialized"),
                (l.oddball_arguments_marker, "arguments_marker"),
                (l.oddball_exception, "exception"),
            ]
            .iter()
            .find(|(k, _)| k.and_then(|k| i64::try_from(k).ok()) == Some(kind))
            .map(|(_, n)| *n)
            .ok_or(Error::Corrupt { addr: a, why: format!("oddball of unknown kind {kind}") })?;
            self.out.push_str(name);
            return Ok(());
        }
        if h.is_hole(Value::Heap(a)) {
            self.out.push_str("hole");
            return Ok(());
        }
        if ty == l.type_symbol {
            self.out.push_str(&h.name_text(Value::Heap(a), self.o.max_string)?);
            return Ok(());
        }
        if ty == l.type_bigint {
            self.out.push_str(&self.bigint(a)?);
            return Ok(());
        }
        let receiver = [l.type_js_proxy, l.type_js_global_proxy, l.type_js_global_object].contains(&ty);
        if !h.l.is_js_object_type(m.instance_type) && !receiver {
            let name = l.type_label(m.instance_type);
            let _ = write!(self.out, "<{name}>");
            return Ok(());
        }
        if self.path.contains(&a.0) {
            self.out.push_str("[Circular]");
            return Ok(());
        }
        self.path.push(a.0);
        let r = self.js_object(a, &m, depth, level);
        self.path.pop();
        r
    }

    fn string(&mut self, a: Addr) -> Result<()> {
        let s = self.h.read_string(a, self.o.max_string)?;
        let _ = write!(self.out, "\"{}{}\"", s.text, if s.truncated { "[...]" } else { "" });
        Ok(())
    }

    /// A BigInt in decimal, with util.inspect's `n`.
    fn bigint(&self, a: Addr) -> Result<String> {
        let l = self.h.l;
        let bits = self.h.t.read_u32(a.offset(l.bigint_bitfield)?)?;
        let (negative, len) = (bits & 1 == 1, u64::from(bits >> 1));
        if len > 1 << 16 {
            return Err(Error::Corrupt { addr: a, why: format!("BigInt of {len} digits") });
        }
        let bytes = self.h.t.read_vec(a.offset(l.bigint_digits)?, (len * 8) as usize)?;
        let mut digits: Vec<u64> =
            bytes.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default())).collect();
        // Repeated division by 10^19 (little-endian digits).
        let mut parts = Vec::new();
        while digits.iter().any(|&d| d != 0) {
            let mut rem: u128 = 0;
            for d in digits.iter_mut().rev() {
                let cur = (rem << 64) | u128::from(*d);
                *d = (cur / 10_000_000_000_000_000_000) as u64;
                rem = cur % 10_000_000_000_000_000_000;
            }
            parts.push(rem as u64);
        }
        let mut text = parts.pop().map_or_else(|| "0".to_string(), |p| p.to_string());
        for p in parts.iter().rev() {
            let _ = write!(text, "{p:019}");
        }
        Ok(format!("{}{text}n", if negative { "-" } else { "" }))
    }

    fn js_object(&mut self, a: Addr, m: &MapInfo, depth: u32, level: usize) -> Result<()> {
        let h = self.h;
        let l = h.l;
        let ty = u64::from(m.instance_type);
        if h.l.is_js_function_type(m.instance_type) && h.is_function(a) {
            let name = h.function_name(a)?;
            let _ = write!(self.out, "function {}", if name.is_empty() { "<anonymous>" } else { &name });
            match h.function_location(a) {
                Ok((file, Some(line))) => {
                    let _ = write!(self.out, " ({file}:{line})");
                }
                Ok((file, None)) => {
                    let _ = write!(self.out, " ({file})");
                }
                Err(_) => {}
            }
            return Ok(());
        }
        if ty == l.type_js_bound_function {
            let target = h.pointer(a, l.js_bound_function_target, "a bound function")?;
            let name = if h.is_function(target) { h.function_name(target)? } else { String::new() };
            let _ = write!(self.out, "<bound function {name}>");
            return Ok(());
        }
        if ty == l.type_js_proxy {
            self.out.push_str("Proxy [ ");
            self.value(h.value(a, l.js_proxy_target)?, depth, level);
            self.out.push_str(", ");
            self.value(h.value(a, l.js_proxy_handler)?, depth, level);
            self.out.push_str(" ]");
            return Ok(());
        }
        if ty == l.type_js_global_proxy {
            // globalThis: the global object is the proxy's prototype.
            let global =
                m.prototype.heap().filter(|&g| h.type_of(g).map(u64::from).ok() == Some(l.type_js_global_object));
            let Some(global) = global else {
                self.out.push_str("<global proxy>");
                return Ok(());
            };
            self.path.push(global.0);
            let r = self.js_object(global, &h.map_info(h.map(global)?)?, depth, level);
            self.path.pop();
            return r;
        }
        if ty == l.type_js_date {
            let ms = if l.js_date_value_is_double == 1 {
                f64::from_bits(h.word(a, l.js_date_value)?)
            } else {
                match h.value(a, l.js_date_value)? {
                    Value::Smi(n) => n as f64,
                    Value::Heap(n) => f64::from_bits(h.t.read_u64(n.offset(l.heap_number_value)?)?),
                    Value::Double(bits) => f64::from_bits(bits),
                    Value::Weak(_) => f64::NAN,
                }
            };
            let _ = write!(self.out, "{} ({})", number(ms), date(ms));
            return Ok(());
        }
        if ty == l.type_js_regexp {
            return self.regexp(a);
        }
        if ty == l.type_js_primitive_wrapper {
            let inner = h.value(a, l.js_primitive_wrapper_value)?;
            let kind = match inner {
                Value::Smi(_) | Value::Double(_) => "Number",
                Value::Heap(v) => match u64::from(h.type_of(v)?) {
                    t if t < l.first_nonstring_type => "String",
                    t if t == l.type_heap_number => "Number",
                    t if t == l.type_oddball => "Boolean",
                    t if t == l.type_symbol => "Symbol",
                    t if t == l.type_bigint => "BigInt",
                    _ => "Object",
                },
                Value::Weak(_) => "Object",
            };
            let _ = write!(self.out, "[{kind}: ");
            self.value(inner, depth, level);
            self.out.push(']');
            return Ok(());
        }
        if depth == 0 {
            self.out.push_str("[...]");
            return Ok(());
        }
        if ty == l.type_js_array {
            return self.array(a, m, depth, level);
        }
        if ty == l.type_js_map || ty == l.type_js_set {
            return self.collection(a, m, depth, level);
        }
        if ty == l.type_js_promise {
            return self.promise(a, depth, level);
        }
        if ty == l.type_js_weak_map || ty == l.type_js_weak_set {
            return self.weak_collection(a, ty == l.type_js_weak_map, depth, level);
        }
        if ty == l.type_js_arguments_object {
            self.out.push_str("[Arguments] ");
            return self.array(a, m, depth, level);
        }
        if ty == l.type_js_typed_array || ty == l.type_js_array_buffer || ty == l.type_js_data_view {
            return self.bytes(a, m);
        }
        self.properties(a, m, depth, level)
    }

    fn regexp(&mut self, a: Addr) -> Result<()> {
        let h = self.h;
        let source = h.pointer(a, h.l.js_regexp_source, "a RegExp with a source")?;
        self.out.push_str("JSRegExp: ");
        self.string(source)?;
        let flags = h.smi(a, h.l.js_regexp_flags).unwrap_or(0);
        // JSRegExp::Flag bits, printed in the order JavaScript's `flags` getter uses.
        let text: String = [(7, 'd'), (0, 'g'), (1, 'i'), (2, 'm'), (5, 's'), (4, 'u'), (8, 'v'), (3, 'y')]
            .iter()
            .filter(|(bit, _)| flags & (1 << bit) != 0)
            .map(|(_, c)| *c)
            .collect();
        if !text.is_empty() {
            let _ = write!(self.out, " (flags: {text})");
        }
        Ok(())
    }

    /// `{` then `"key": value,` lines, then `}`, as mdb_v8 printed objects.
    fn properties(&mut self, a: Addr, m: &MapInfo, depth: u32, level: usize) -> Result<()> {
        let h = self.h;
        let mut entries: Vec<(String, Shown)> = Vec::new();
        if u64::from(m.instance_type) != h.l.type_js_typed_array {
            match h.elements(a, m)? {
                Elements::Tagged(v) => entries.extend(
                    v.into_iter()
                        .enumerate()
                        .filter(|(_, x)| !h.is_hole(*x))
                        .map(|(i, x)| (i.to_string(), Shown::Value(x))),
                ),
                Elements::Double(v) => entries
                    .extend(v.into_iter().enumerate().filter_map(|(i, x)| Some((i.to_string(), Shown::Double(x?))))),
                Elements::Dictionary(v) => entries.extend(v.into_iter().map(|(i, x)| (i.to_string(), Shown::Value(x)))),
                Elements::Other => {}
            }
        }
        let error = u64::from(m.instance_type) == h.l.type_js_error;
        // An Error keeps its stack under V8's private error_stack_symbol: the call sites
        // (a FixedArray) until it is formatted, then the string (or, V8 12+, an
        // ErrorStackData holding either). V8 13+ also keeps the message under
        // error_message_symbol. Both symbols print as Symbol(), so tell them by value.
        let mut stacks = Vec::new();
        let mut unformatted = None;
        for p in h.named_properties(a, m)? {
            if h.is_internal_key(p.key) {
                if error {
                    match self.formatted_stack(p.value) {
                        Some(s) => stacks.push(s),
                        None => unformatted = unformatted.or(self.call_sites(p.value)),
                    }
                }
                continue;
            }
            let shown = if p.accessor { Shown::Accessor(p.value) } else { Shown::Value(p.value) };
            entries.push((h.name_text(p.key, 256)?, shown));
        }
        let message = entries.iter().find_map(|(k, v)| match v {
            Shown::Value(v) if k == "message" => Some(*v),
            _ => None,
        });
        let len = |v: Value| v.heap().and_then(|a| h.string_length(a).ok()).unwrap_or(0);
        let stack = match unformatted {
            Some(sites) => Some(Shown::CallSites(sites)),
            None => stacks.into_iter().filter(|&s| Some(s) != message).max_by_key(|&s| len(s)).map(Shown::Value),
        };
        if let Some(s) = stack {
            match entries.iter_mut().find(|(k, _)| k == "stack") {
                Some(e) => e.1 = s,
                None => entries.push(("stack".into(), s)),
            }
        }
        if entries.is_empty() {
            self.out.push_str("{}");
            return Ok(());
        }
        self.out.push_str("{\n");
        let elided = entries.len().saturating_sub(self.o.max_entries);
        for (key, shown) in entries.into_iter().take(self.o.max_entries) {
            let _ = write!(self.out, "{}\"{key}\": ", indent(level + 1));
            match shown {
                Shown::Value(v) => self.value(v, depth - 1, level + 1),
                Shown::Double(f) => self.out.push_str(&number(f)),
                Shown::Accessor(v) => self.accessor(v),
                Shown::CallSites(sites) => self.call_site_frames(sites, level + 1),
            }
            self.out.push_str(",\n");
        }
        self.elided(elided, PROPERTIES, level);
        let _ = write!(self.out, "{}}}", indent(level));
        Ok(())
    }

    /// The `... N more` line of a capped object, array, Map or Set, if any was left out.
    fn elided(&mut self, n: usize, what: (&str, &str), level: usize) {
        if n > 0 {
            let _ = writeln!(self.out, "{}{}", indent(level + 1), more(n, what));
        }
    }

    /// The formatted stack string an Error's internal slot holds, if any.
    fn formatted_stack(&self, v: Value) -> Option<Value> {
        let h = self.h;
        let a = v.heap()?;
        if h.is_string(a) {
            return Some(v);
        }
        let data = h.l.type_error_stack_data?;
        if u64::from(h.type_of(a).ok()?) != data {
            return None;
        }
        let inner = h.value(a, h.l.error_stack_data_stack).ok()?;
        inner.heap().filter(|&s| h.is_string(s)).map(|_| inner)
    }

    /// The call sites an Error's private slot holds while its stack is not formatted: a
    /// FixedArray, directly or in an ErrorStackData.
    fn call_sites(&self, v: Value) -> Option<Addr> {
        let h = self.h;
        let a = v.heap()?;
        let ty = Some(u64::from(h.type_of(a).ok()?));
        let sites = match ty {
            t if t == h.l.type_error_stack_data => h.value(a, h.l.error_stack_data_stack).ok()?.heap()?,
            _ => a,
        };
        (u64::from(h.type_of(sites).ok()?) == h.l.type_fixed_array).then_some(sites)
    }

    /// An unformatted stack, from its call sites, each frame as V8 formats it: its name
    /// and where the call is, `file:line:column`; where V8 holds no position for the
    /// call, the line the function is defined at.
    fn call_site_frames(&mut self, sites: Addr, level: usize) {
        let h = self.h;
        let frames = match h.call_sites(sites) {
            Ok(f) => f,
            Err(e) => {
                let _ = write!(self.out, "[call sites, never formatted: {e}]");
                return;
            }
        };
        self.out.push_str("[call sites, never formatted:\n");
        let elided = frames.len().saturating_sub(self.o.max_entries);
        for site in frames.iter().take(self.o.max_entries) {
            let frame = h.call_site_frame(site);
            let _ = writeln!(self.out, "{}at {frame}", indent(level + 1));
        }
        self.elided(elided, FRAMES, level);
        let _ = write!(self.out, "{}]", indent(level));
    }

    /// An accessor property: `[Getter/Setter]`, `[Getter]` or `[Setter]`.
    fn accessor(&mut self, v: Value) {
        let h = self.h;
        let text = match v.heap() {
            Some(pair) if h.type_of(pair).map(u64::from).ok() == Some(h.l.type_accessor_pair) => {
                let set = |off| h.value(pair, off).ok().and_then(|v| v.heap()).is_some_and(|f| h.is_function(f));
                match (set(h.l.accessor_pair_getter), set(h.l.accessor_pair_setter)) {
                    (true, false) => "[Getter]",
                    (false, true) => "[Setter]",
                    _ => "[Getter/Setter]",
                }
            }
            _ => "[Getter/Setter]",
        };
        self.out.push_str(text);
    }

    /// An array, or an arguments object (whose length is its own `length` property).
    fn array(&mut self, a: Addr, m: &MapInfo, depth: u32, level: usize) -> Result<()> {
        let h = self.h;
        let len = if u64::from(m.instance_type) == h.l.type_js_array {
            u64::try_from(h.smi(a, h.l.js_array_length)?).unwrap_or(0)
        } else {
            h.member(Value::Heap(a), &Step::Name("length".into()))?
                .and_then(Value::smi)
                .and_then(|n| u64::try_from(n).ok())
                .unwrap_or(0)
        };
        let cap = self.o.max_entries;
        let shown = len.min(cap as u64) as usize;
        let mut elided = len.saturating_sub(cap as u64) as usize;
        let items: Vec<String> = match h.elements(a, m)? {
            Elements::Tagged(v) => v
                .into_iter()
                .take(shown)
                .map(|x| {
                    let mut p = Printer { h, o: self.o, out: String::new(), path: self.path.clone() };
                    p.value(x, depth - 1, level + 1);
                    p.out
                })
                .collect(),
            Elements::Double(v) => {
                v.into_iter().take(shown).map(|x| x.map_or_else(|| "hole".to_string(), number)).collect()
            }
            Elements::Dictionary(v) => {
                let present: Vec<(u64, Value)> = v.into_iter().filter(|(i, _)| *i < len).collect();
                elided = present.len().saturating_sub(cap);
                present
                    .into_iter()
                    .take(cap)
                    .map(|(i, x)| {
                        let mut p = Printer { h, o: self.o, out: String::new(), path: self.path.clone() };
                        p.value(x, depth - 1, level + 1);
                        format!("{i}: {}", p.out)
                    })
                    .collect()
            }
            Elements::Other => Vec::new(),
        };
        match items.as_slice() {
            [] => self.out.push_str("[]"),
            [one] if elided == 0 => {
                let _ = write!(self.out, "[ {one} ]");
            }
            many => {
                self.out.push_str("[\n");
                for item in many {
                    let _ = writeln!(self.out, "{}{item},", indent(level + 1));
                }
                self.elided(elided, ELEMENTS, level);
                let _ = write!(self.out, "{}]", indent(level));
            }
        }
        Ok(())
    }

    /// `Map(n) {` then `key => value,` lines; `Set(n) {` then `value,` lines.
    fn collection(&mut self, a: Addr, m: &MapInfo, depth: u32, level: usize) -> Result<()> {
        let entries = self.h.collection_entries(a, m.instance_type)?;
        let kind = if u64::from(m.instance_type) == self.h.l.type_js_map { "Map" } else { "Set" };
        let _ = write!(self.out, "{kind}({}) {{", entries.len());
        self.entries(entries, depth, level);
        Ok(())
    }

    /// What follows a collection's opening brace: `key => value,` (or `value,`) lines, at
    /// most `max_entries` of them, how many were left out, and the closing brace.
    fn entries(&mut self, entries: Vec<Entry>, depth: u32, level: usize) {
        if entries.is_empty() {
            self.out.push('}');
            return;
        }
        self.out.push('\n');
        let elided = entries.len().saturating_sub(self.o.max_entries);
        for e in entries.into_iter().take(self.o.max_entries) {
            self.out.push_str(&indent(level + 1));
            self.value(e.key, depth - 1, level + 1);
            if let Some(v) = e.value {
                self.out.push_str(" => ");
                self.value(v, depth - 1, level + 1);
            }
            self.out.push_str(",\n");
        }
        self.elided(elided, ENTRIES, level);
        let _ = write!(self.out, "{}}}", indent(level));
    }

    /// `Promise { <pending> }`, `Promise { value }` or `Promise { <rejected> value }`.
    fn promise(&mut self, a: Addr, depth: u32, level: usize) -> Result<()> {
        let h = self.h;
        // JSPromise::Status: pending 0, fulfilled 1, rejected 2.
        let flags = h.smi(a, h.l.js_promise_flags)?;
        self.out.push_str("Promise { ");
        match flags & h.l.js_promise_status_mask as i64 {
            0 => self.out.push_str("<pending>"),
            status => {
                if status == 2 {
                    self.out.push_str("<rejected> ");
                }
                self.value(h.value(a, h.l.js_promise_result)?, depth - 1, level);
            }
        }
        self.out.push_str(" }");
        Ok(())
    }

    /// `WeakMap { key => value, }` or `WeakSet { key, }`: the EphemeronHashTable's live
    /// entries (in hash order; V8 keeps no insertion order for them).
    fn weak_collection(&mut self, a: Addr, map: bool, depth: u32, level: usize) -> Result<()> {
        let h = self.h;
        let l = h.l;
        let table = h.pointer(a, l.js_collection_table, "a WeakMap or WeakSet with a table")?;
        let slots = h.slots(table)?;
        let capacity = h.hash_table_capacity(table, &slots)? as usize;
        let start = l.ephemeron_table_entries_start as usize;
        let mut entries = Vec::new();
        for i in 0..capacity {
            let (Some(&k), Some(&v)) = (slots.get(start + 2 * i), slots.get(start + 2 * i + 1)) else { break };
            if !h.is_empty_key(k) {
                entries.push(Entry { key: k, value: map.then_some(v) });
            }
        }
        self.out.push_str(if map { "WeakMap {" } else { "WeakSet {" });
        self.entries(entries, depth, level);
        Ok(())
    }

    /// ArrayBuffers, typed arrays (Buffers included) and DataViews: their bytes.
    fn bytes(&mut self, a: Addr, m: &MapInfo) -> Result<()> {
        let h = self.h;
        let view = super::buffer::View::load(h, a, m)?;
        let name = h.constructor_name(m);
        let Some(at) = view.data else {
            let _ = write!(self.out, "{name} {{ byteLength: {}, [bytes]: <in its typed array> }}", view.byte_length);
            return Ok(());
        };
        let shown = view.byte_length.min(MAX_BYTES);
        let data = if shown == 0 { Vec::new() } else { h.t.read_vec(at, shown as usize)? };
        let hex: Vec<String> = data.iter().map(|b| format!("{b:02x}")).collect();
        let more = if view.byte_length > shown {
            format!(
                " ... {} more byte{}",
                view.byte_length - shown,
                if view.byte_length - shown == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        };
        if name == "Buffer" {
            let _ = write!(self.out, "<Buffer{}{}{more}>", if hex.is_empty() { "" } else { " " }, hex.join(" "));
        } else {
            let _ =
                write!(self.out, "{name} {{ byteLength: {}, [bytes]: <{}{more}> }}", view.byte_length, hex.join(" "));
        }
        Ok(())
    }
}

/// One step of a `::jsprint` member path: `.name` or `[index]`.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Name(String),
    Index(u64),
}

/// Parse a member path such as `a.b[3].c`.
pub fn parse_path(path: &str) -> Result<Vec<Step>> {
    let bad = || Error::Usage(format!("invalid member \"{path}\": expected names and [index] steps, like a.b[3].c"));
    let mut steps = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            let (index, after) = r.split_once(']').ok_or_else(bad)?;
            steps.push(Step::Index(index.trim().parse().map_err(|_| bad())?));
            rest = after;
        } else {
            let r = rest.strip_prefix('.').unwrap_or(rest);
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end == 0 {
                return Err(bad());
            }
            steps.push(Step::Name(r[..end].to_string()));
            rest = &r[end..];
        }
    }
    Ok(steps)
}

impl Heap<'_> {
    /// Follow one member step from `v`: an own property or element. `None` when there is
    /// no such member (printed as `undefined`).
    pub fn member(&self, v: Value, step: &Step) -> Result<Option<Value>> {
        let Some(obj) = v.heap() else { return Ok(None) };
        let m = self.map_info(self.map(obj)?)?;
        if !self.l.is_js_object_type(m.instance_type) {
            return Ok(None);
        }
        let index = match step {
            Step::Index(i) => Some(*i),
            Step::Name(n) => n.parse::<u64>().ok(),
        };
        if let Some(i) = index {
            let len = if u64::from(m.instance_type) == self.l.type_js_array {
                u64::try_from(self.smi(obj, self.l.js_array_length)?).unwrap_or(0)
            } else {
                u64::MAX
            };
            if i >= len {
                return Ok(None);
            }
            let found = match self.elements(obj, &m)? {
                Elements::Tagged(v) => v.get(i as usize).copied().filter(|x| !self.is_hole(*x)),
                Elements::Dictionary(v) => v.into_iter().find(|(k, _)| *k == i).map(|(_, x)| x),
                Elements::Double(_) | Elements::Other => None,
            };
            if found.is_some() || matches!(step, Step::Index(_)) {
                return Ok(found);
            }
        }
        let Step::Name(name) = step else { return Ok(None) };
        for p in self.named_properties(obj, &m)? {
            if !self.is_internal_key(p.key) && self.name_text(p.key, 256)? == *name {
                return Ok(Some(p.value));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers_like_mdb_v8() {
        assert_eq!(number(4.7), "4.700000e+00");
        assert_eq!(number(4398046511104.0), "4398046511104");
        assert_eq!(number(-0.0), "-0");
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(number(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(number(1e300), "1.000000e+300");
        assert_eq!(number(1.5e-7), "1.500000e-07");
    }

    #[test]
    fn says_what_a_cap_left_out() {
        assert_eq!(more(34_464, ELEMENTS), "... 34,464 more elements");
        assert_eq!(more(1, ENTRIES), "... 1 more entry");
        assert_eq!(more(1_000_999, PROPERTIES), "... 1,000,999 more properties");
    }

    #[test]
    fn formats_dates() {
        assert_eq!(date(0.0), "1970 Jan  1 00:00:00");
        assert_eq!(date(1458172800000.0), "2016 Mar 17 00:00:00");
        assert_eq!(date(-86400000.0), "1969 Dec 31 00:00:00");
        assert_eq!(date(8.64e15), "275760 Sep 13 00:00:00");
        assert_eq!(date(-8.64e15), "-271821 Apr 20 00:00:00");
        // Corrupt values, beyond any Date, printed years like 292277026596.
        assert_eq!(date(1e300), "Invalid Date");
        assert_eq!(date(-1e300), "Invalid Date");
        assert_eq!(date(f64::NAN), "Invalid Date");
    }

    #[test]
    fn member_paths() {
        assert_eq!(
            parse_path("a.b[3].c").unwrap(),
            vec![Step::Name("a".into()), Step::Name("b".into()), Step::Index(3), Step::Name("c".into())]
        );
        assert_eq!(parse_path("[0]").unwrap(), vec![Step::Index(0)]);
        assert!(parse_path("a..b").is_err());
        assert!(parse_path("a[x]").is_err());
        assert!(parse_path("a[1").is_err());
    }
}
