//! `::jsstack`: the JavaScript and native frames of a thread's stack.

use std::fmt::Write;

use super::{value_type, Dcmd};
use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{Call, Session};
use crate::target::{Addr, Error, Result};
use crate::v8::frames::{Frame, Kind, Stack, Tier};
use crate::v8::heap::Heap;
use crate::v8::print::{print, PrintOptions, Step};
use crate::v8::value::{tagged, Value};

pub const DCMD: Dcmd = Dcmd {
    name: c"jsstack",
    usage: c"?[-avT] [-f function] [-p property] [-n numlines]",
    descr: c"print a JavaScript stacktrace",
    help: "Print the stack of the representative thread (thread 1: the main thread, which is
also the one that took the fatal signal in a core of --abort-on-uncaught-exception),
or, given addr, the stack from frame pointer addr. JavaScript frames show their
function, native frames their symbol (a C++ name demangled without its parameter
types, as mdb's `$G` showed them to mdb_v8); other V8 frames (entry, exit, construct,
builtin and stub frames) and code without a symbol are counted as internal frames.

The walk follows the saved frame pointers while they increase inside the stack
mapping it started in, at most 16384 frames, and says where it stopped otherwise.

Options:
  -a            show internal frames too, by V8 frame type
  -v            verbose: frame pointer and pc of each frame, and for JavaScript
                frames the file, the line the function is defined at, where an
                interpreted frame is (the call, or the bytecode it executes), the tier of
                its code (interpreted, baseline, Maglev optimized, TurboFan
                optimized; `optimized` before V8 12, whose Code kinds are not exported),
                `this`, each argument with its type, and the function's source
  -f function   only the JavaScript frames of functions of this name
  -p property   with -v, of `this` and the arguments, only those with this own
                property, and its value
  -n numlines   with -v, lines of source to show (default 5; 0 for none)
  -T            every thread (by mdb's thread ids: `::walk thread`), each stack
                headed `thread ID:`

Example:
  > ::jsstack
  native: v8::base::OS::Abort+9
  native: v8::internal::Isolate::Throw+0x3a1
          (1 internal frame elided)
  js:     thrower
  js:     middle
  js:     outer
  js:     <anonymous>
          (1 internal frame elided)
  ...
  > ::jsstack -v -f middle
  7ffd5c1e9f40 0x7f1d3c01a2f3 middle (interpreted frame, JSFunction: 1c5a0c9a4e61)
      file: /home/me/app.js
      posn: line 7
      at:   line 8, column 10
      this: 3b5d48e81a99 (Oddball)
      arg1: 2a00000000 (SMI: value = 42)
      arg2: 1c5a0c9a5101 (JSObject: Object)
          7 function middle(count, obj) {
          8   return thrower(count + 1, obj.label);
          9 }
",
    options: Spec("avTf:p:n:"),
    run,
};

/// Longest string argument shown whole.
const MAX_STRING: u64 = 80;
/// Default number of source lines `-v` shows.
const DEFAULT_LINES: u64 = 5;

/// How frames are printed (the options `::jsstack` and `::jsframe` share).
pub struct Style {
    pub all: bool,
    pub verbose: bool,
    pub function: Option<String>,
    pub property: Option<String>,
    pub lines: u64,
}

impl Style {
    pub fn from(opts: &Opts) -> Result<Style> {
        Ok(Style {
            all: opts.flag('a'),
            verbose: opts.flag('v'),
            function: opts.string('f'),
            property: opts.string('p'),
            lines: opts.number('n', DEFAULT_LINES)?,
        })
    }
}

fn run(s: &Session, call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    opts.no_operands()?;
    let h = s.heap()?;
    let style = Style::from(opts)?;
    let regions = h.t.regions()?;
    if let Some(fp) = call.addr {
        let stack = h.stack(fp, None, &regions);
        if stack.frames.is_empty() {
            return Err(Error::Msg(stack.stopped.unwrap_or_else(|| format!("no frames at {fp}"))));
        }
        print_stack(&h, &stack, &style, out);
        return Ok(());
    }
    let threads = if opts.flag('T') { h.t.threads()? } else { vec![1] };
    for tid in threads {
        if opts.flag('T') {
            let _ = writeln!(out, "thread {tid:x}:");
        }
        let (fp, pc) = (h.t.register(tid, "rbp")?, h.t.register(tid, "rip")?);
        print_stack(&h, &h.stack(Addr(fp), Some(Addr(pc)), &regions), &style, out);
    }
    Ok(())
}

/// Print a stack, eliding runs of internal frames unless asked for everything.
pub fn print_stack(h: &Heap, stack: &Stack, style: &Style, out: &mut Output) {
    let mut elided = 0;
    for frame in &stack.frames {
        let internal = matches!(frame.kind, Kind::V8(_) | Kind::Unknown);
        if internal && !style.all && !style.verbose && style.function.is_none() {
            elided += 1;
            continue;
        }
        if !selected(h, frame, style) {
            continue;
        }
        print_elided(&mut elided, out);
        print_frame(h, frame, style, out);
    }
    print_elided(&mut elided, out);
    // Below the outermost frame C start-up code keeps no frame pointer: a walk usually
    // ends on a word that is none, which only -v mentions.
    if let Some(why) = stack.stopped.as_ref().filter(|_| style.verbose) {
        let _ = writeln!(out, "        (stack walk stopped: {why})");
    }
}

fn print_elided(count: &mut usize, out: &mut Output) {
    match *count {
        0 => {}
        1 => out.line("        (1 internal frame elided)"),
        n => {
            let _ = writeln!(out, "        ({n} internal frames elided)");
        }
    }
    *count = 0;
}

/// Whether `-f` lets this frame through.
fn selected(h: &Heap, frame: &Frame, style: &Style) -> bool {
    match (&style.function, &frame.kind) {
        (None, _) => true,
        (Some(name), Kind::Js { function, .. }) => h.function_name(*function).is_ok_and(|n| n == *name),
        (Some(_), _) => false,
    }
}

/// A function's name as the stack shows it.
fn function_name(h: &Heap, f: Addr) -> String {
    match h.function_name(f) {
        Ok(n) if !n.is_empty() => n,
        Ok(_) => "<anonymous>".into(),
        Err(e) => format!("<unknown function: {e}>"),
    }
}

/// `sym+0xNN`, as mdb's `%a` prints a symbol and an offset.
fn symbolic(symbol: &str, offset: u64) -> String {
    let symbol = demangled(symbol);
    match offset {
        0 => symbol.to_string(),
        1..=9 => format!("{symbol}+{offset}"),
        _ => format!("{symbol}+{offset:#x}"),
    }
}

/// A C++ symbol as mdb prints it with demangling on (`$G`, which mdb_v8 turned on):
/// the qualified name without its parameter types; any other symbol as it is.
fn demangled(symbol: &str) -> String {
    let options = cpp_demangle::DemangleOptions::new().no_params().no_return_type();
    cpp_demangle::Symbol::new(symbol)
        .ok()
        .and_then(|s| s.demangle_with_options(&options).ok())
        .unwrap_or_else(|| symbol.to_string())
}

/// One frame: a line, and with -v the details of a JavaScript frame.
pub fn print_frame(h: &Heap, frame: &Frame, style: &Style, out: &mut Output) {
    let what = match &frame.kind {
        Kind::Js { function, tier } if style.verbose => {
            format!("{} ({} frame, JSFunction: {:x})", function_name(h, *function), tier.name(), tagged(*function, h.l))
        }
        Kind::Js { function, .. } => format!("js:     {}", function_name(h, *function)),
        Kind::Native { symbol, offset } if style.verbose => symbolic(symbol, *offset),
        Kind::Native { symbol, offset } => format!("native: {}", symbolic(symbol, *offset)),
        Kind::V8(ty) if style.verbose => format!("<{ty}>"),
        Kind::V8(ty) => format!("        <{ty}>"),
        Kind::Unknown if style.verbose => "<unknown code>".into(),
        Kind::Unknown => "        <unknown code>".into(),
    };
    if !style.verbose {
        out.line(&what);
        return;
    }
    let pc = frame.pc.map_or("?".into(), |pc| format!("{:#x}", pc.0));
    let _ = writeln!(out, "{:x} {pc} {what}", frame.fp.0);
    if let Kind::Js { function, tier } = frame.kind {
        js_details(h, frame.fp, function, tier, style, out);
    }
}

/// File, line, `this`, arguments and source of a JavaScript frame.
fn js_details(h: &Heap, fp: Addr, function: Addr, tier: Tier, style: &Style, out: &mut Output) {
    match h.function_location(function) {
        Ok((file, line)) => {
            let _ = writeln!(out, "    file: {file}");
            match line {
                Some(line) => writeln!(out, "    posn: line {line}"),
                None => writeln!(out, "    posn: unknown"),
            }
            .unwrap_or(());
        }
        Err(e) => {
            let _ = writeln!(out, "    file: unknown ({e})");
        }
    }
    if tier == Tier::Interpreted {
        if let Ok(Some(at)) = h.interpreted_frame_location(fp, function) {
            let _ = writeln!(out, "    at:   line {}, column {}", at.line, at.column);
        }
    }
    match h.frame_arguments(fp, function) {
        Ok((this, args)) => {
            let named = std::iter::once(("this".to_string(), this));
            for (name, v) in named.chain(args.into_iter().enumerate().map(|(i, v)| (format!("arg{}", i + 1), v))) {
                print_value(h, &name, v, style, out);
            }
        }
        Err(e) => {
            let _ = writeln!(out, "    arguments: {e}");
        }
    }
    if style.lines > 0 {
        match h.function_source(function, style.lines) {
            Ok(lines) => {
                for (n, text) in lines {
                    let _ = writeln!(out, "    {n:5} {text}");
                }
            }
            Err(e) => {
                let _ = writeln!(out, "    source: {e}");
            }
        }
    }
}

/// `    NAME: WORD (TYPE)`, or with -p only `    NAME.PROP: WORD (TYPE)` for values that
/// have that property.
fn print_value(h: &Heap, name: &str, v: Value, style: &Style, out: &mut Output) {
    let line = |label: &str, v: Value| {
        let ty = value_type(h, v).unwrap_or_else(|e: Error| e.to_string());
        let mut text = format!("    {label}: {:x} ({ty})", v.encode(h.l));
        // Primitives, as ::jsprint shows them: strings (shortened), oddballs, numbers.
        let primitive = v.heap().and_then(|o| h.type_of(o).ok()).is_some_and(|t| !h.l.is_js_object_type(t));
        if primitive {
            let printed = print(h, v, &PrintOptions { depth: 0, max_string: MAX_STRING, ..PrintOptions::default() });
            let _ = write!(text, " {printed}");
        }
        text
    };
    match &style.property {
        None => out.line(&line(name, v)),
        Some(p) => {
            let step = Step::Name(p.clone());
            if let Ok(Some(member)) = h.member(v, &step) {
                out.line(&line(&format!("{name}.{p}"), member));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::symbolic;

    #[test]
    fn symbols_with_offsets_as_mdb_prints_them() {
        assert_eq!(symbolic("abort", 0), "abort");
        assert_eq!(symbolic("abort", 9), "abort+9");
        assert_eq!(symbolic("abort", 0x39f), "abort+0x39f");
    }
}
