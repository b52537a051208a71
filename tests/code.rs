//! The code commands: `::jsfunction`, `::jsclosure`, `::jssource`, `::v8str`, on closures,
//! a bound function and functions whose source the fixture knows (tests/fixtures/closures.js),
//! re-expressing mdb_v8's tst.jsclosure.js checks.

mod common;

use common::{core, mdb_core, node};

/// Runs commands on the gcore of closures.js.
struct Closures {
    version: &'static str,
}

impl Closures {
    fn out(&self, commands: &[&str]) -> String {
        let r = mdb_core(&node(self.version), &core(self.version, "closures.js"), commands);
        let all = format!("{}{}", r.stdout, r.stderr);
        assert!(!all.contains("internal error") && !all.contains("panicked"), "{all}");
        // Drop the two lines ::load prints.
        r.ok().lines().skip(2).map(|l| format!("{l}\n")).collect()
    }

    /// The (tagged) address of a member of the fixture's marked object.
    fn member(&self, name: &str) -> String {
        let out = self.out(&["::findjsobjects -p closuresMarker | ::findjsobjects | ::jsprint -a -d 1"]);
        let line = out.lines().find(|l| l.trim_start().starts_with(&format!("\"{name}\": "))).expect(name);
        line.split(": ").nth(1).unwrap().to_string()
    }
}

fn check(version: &'static str) {
    let c = Closures { version };
    let file = common::root().join("tests/fixtures/closures.js").display().to_string();
    let (closure, innermost, bound, do_stuff) =
        (c.member("myClosure"), c.member("innermost"), c.member("bound"), c.member("doStuff"));

    // Captured variables, with their values, out through the enclosing contexts.
    let vars = c.out(&[&format!("{closure}::jsclosure")]);
    let lines: Vec<&str> = vars.lines().collect();
    assert_eq!(lines.len(), 2, "{vars}");
    assert!(lines[0].starts_with("    \"str\": ") && lines[0].ends_with(": \"hello world\""), "{vars}");
    assert!(lines[1].starts_with("    \"count\": ") && lines[1].ends_with(": 9"), "{vars}");
    let nested = c.out(&[&format!("{innermost}::jsclosure")]);
    let names: Vec<&str> = nested.lines().map(|l| l.split(':').next().unwrap().trim()).collect();
    assert_eq!(names, ["\"middleVar\"", "\"outerArg\"", "\"outerVar\""], "{nested}");
    assert!(
        nested.contains(": 42\n") && nested.contains(": \"outer-arg\"\n") && nested.contains(": \"outer-value\"\n")
    );

    // A function, and a bound one: the target, `this` and the arguments.
    assert_eq!(c.out(&[&format!("{closure}::jsfunction")]), format!("function: myClosure\ndefined at {file} line 7\n"));
    let b = c.out(&[&format!("{bound}::jsfunction")]);
    let lines: Vec<&str> = b.lines().collect();
    assert_eq!(lines[0], format!("bound function that wraps: {do_stuff}"));
    assert!(lines[1].starts_with("with \"this\" = ") && lines[1].ends_with(" (JSObject: Object)"), "{b}");
    assert!(lines[2].starts_with("      arg0  = ") && lines[2].ends_with("String)"), "{b}");
    assert!(lines[3].starts_with("      arg1  = 200000000 (SMI: value = 2)"), "{b}");
    assert!(lines[4].ends_with("String)") && lines[5].ends_with("(SMI: value = 4)") && lines.len() == 6, "{b}");
    let this = lines[1].split(" = ").nth(1).unwrap().split(' ').next().unwrap();
    assert_eq!(c.out(&[&format!("{this}::jsprint")]), "{\n    \"thisObj\": true,\n}\n");
    let arg0 = lines[2].split(" = ").nth(1).unwrap().split(' ').next().unwrap();
    assert_eq!(c.out(&[&format!("{arg0}::v8str")]), "one\n");
    assert!(c.out(&[&format!("{arg0}::v8str -v")]).ends_with(", length 3\none\n"));

    // Source, with line numbers.
    assert_eq!(
        c.out(&[&format!("{do_stuff}::jssource -n 3")]),
        format!("file: {file}\n   21 function doStuff(a, b, c, d) {{\n   22   return [this, a, b, c, d];\n   23 }}\n")
    );

    // The function census: one line per function, its closures counted.
    let listed = c.out(&["::jsfunctions -s closures.js"]);
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines[0], format!("{:>16} {:>8} {:<40} FROM", "FUNC", "#FUNCS", "NAME"));
    let row = |name: &str| lines.iter().find(|l| l.split_whitespace().nth(2) == Some(name)).copied();
    let iter = row("myIterFunction").unwrap_or_else(|| panic!("{listed}"));
    assert_eq!(iter.split_whitespace().nth(1), Some("3"), "{iter}");
    assert!(iter.ends_with(&format!("{file} line 26")), "{iter}");
    for f in ["myClosure", "innermost", "doStuff"] {
        let r = row(f).unwrap_or_else(|| panic!("{f} in {listed}"));
        assert_eq!(r.split_whitespace().nth(1), Some("1"), "{r}");
    }
    assert_eq!(row("myClosure").unwrap().split_whitespace().next(), Some(closure.as_str()));
    let one = c.out(&["::jsfunctions -n myTestFunction"]);
    assert_eq!(one.lines().count(), 2, "{one}");
    assert!(one.contains(&format!("{file} line 25")), "{one}");
    let first = iter.split_whitespace().next().unwrap();
    let closures = c.out(&[&format!("{first}::jsfunctions -l")]);
    assert_eq!(closures.lines().count(), 3, "{closures}");
    let sources: String = c.out(&[&format!("{first}::jsfunctions -l | ::jssource -n 1")]);
    assert_eq!(sources.matches("function myIterFunction").count(), 3, "{sources}");

    // Not functions, not strings: one line each.
    let marker = c.out(&["::findjsobjects -p closuresMarker | ::findjsobjects"]);
    let obj = marker.trim();
    for cmd in ["jsfunction", "jsclosure", "jssource"] {
        let r = mdb_core(&node(version), &core(version, "closures.js"), &[&format!("{obj}::{cmd}")]);
        assert_eq!(r.stderr.trim(), format!("mdb: {cmd}: {obj} is not a JavaScript function"));
    }
    let r = mdb_core(&node(version), &core(version, "closures.js"), &[&format!("{obj}::v8str")]);
    assert_eq!(r.stderr.trim(), format!("mdb: v8str: {obj} is not a string"));
}

test_every_version!(check);

/// The V8-internal views, on every version of the matrix: `::v8whatis` walking back from
/// an element to the object holding its array (mdb_v8's tst.v8whatis.js), and
/// `::v8function`, `::v8context`, `::v8scopeinfo` on the closures (its tst.jsclosure.js).
mod internals {
    use super::common::{core, mdb_core, node};
    use super::Closures;
    use crate::test_every_version;

    /// The address a `::v8print` line gives for `field`, and the value in it.
    fn field(printed: &str, field: &str) -> (u64, String) {
        let line = printed
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(field))
            .unwrap_or_else(|| panic!("{field} in {printed}"));
        let words: Vec<&str> = line.split_whitespace().collect();
        (u64::from_str_radix(words[0], 16).unwrap(), words[3].to_string())
    }

    fn check(version: &'static str) {
        let c = Closures { version };
        let file = super::common::root().join("tests/fixtures/closures.js").display().to_string();
        let error = |cmd: &str| {
            mdb_core(&node(version), &core(version, "closures.js"), &[cmd])
                .stderr
                .trim()
                .lines()
                .last()
                .unwrap_or_default()
                .to_string()
        };

        // {myArray: [1, {aTest: 'hello_world'}]}: the element's slot is in the
        // FixedArray, the FixedArray's pointer in the JSArray, the JSArray's in the object.
        let object = c.member("whatis");
        let printed = c.out(&[&format!("{object}::jsprint -a")]);
        let array = printed.lines().nth(1).unwrap().split(": ").nth(1).unwrap().to_string();
        let element = printed.lines().nth(3).unwrap().trim().split(':').next().unwrap().to_string();
        assert_eq!(c.out(&[&format!("{element}::jsprint aTest")]), "\"hello_world\"\n");
        let (elements_at, elements) = field(&c.out(&[&format!("{array}::v8print")]), "elements");
        let (data_at, _) = field(&c.out(&[&format!("{elements}::v8print")]), "data");
        let slot = data_at + 8;
        let whatis = |addr: String| c.out(&[&format!("{addr}::v8whatis -v")]);
        let found = |base: &str, at: u64, ty: &str| {
            let tagged = u64::from_str_radix(base, 16).unwrap();
            format!("{base} (found Map at {base} ({at:x}-{:#x}) for type {ty})\n", (at | 1) - tagged)
        };
        assert_eq!(c.out(&[&format!("{slot:x}::v8whatis")]), format!("{elements}\n"));
        assert_eq!(whatis(format!("{slot:x}")), found(&elements, slot, "FixedArray"));
        assert_eq!(whatis(format!("{elements_at:x}")), found(&array, elements_at, "JSArray"));
        // The object's first in-object field, right after its elements, holds the array.
        let (elements_field_at, value) = field(&c.out(&[&format!("{object}::v8print")]), "elements");
        let (inobject_at, held) = field(&c.out(&[&format!("{object}::v8print")]), ".myArray");
        assert_eq!((inobject_at, held.as_str()), (elements_field_at + 8, array.as_str()), "the first in-object field");
        assert_ne!(value, array);
        assert_eq!(whatis(format!("{inobject_at:x}")), found(&object, inobject_at, "JSObject"));
        // mdb_v8's offsets: the object's own address is -0x0, 12 bytes in -0xc.
        assert_eq!(
            whatis(object.clone()),
            format!("{object} (found Map at {object} ({object}-0x0) for type JSObject)\n")
        );
        let plus12 = format!("{:x}", u64::from_str_radix(&object, 16).unwrap() + 12);
        assert_eq!(
            whatis(plus12.clone()),
            format!("{object} (found Map at {object} ({plus12}-0xc) for type JSObject)\n")
        );
        assert_eq!(
            error(&format!("{plus12}::v8whatis -v -d4")),
            format!("mdb: v8whatis: {plus12}: no heap object found in previous 4 bytes")
        );
        assert_eq!(c.out(&[&format!("{plus12}::v8whatis -d 0t9")]), format!("{object}\n"));
        // Native memory, and no address at all.
        let native = error("v8dbg_SmiTag::v8whatis");
        assert!(
            native.starts_with("mdb: v8whatis: ") && native.ends_with(" is not inside a V8 heap object"),
            "{native}"
        );
        assert_eq!(error("0::v8whatis"), "mdb: v8whatis: 0 is not inside a V8 heap object");
        let usage = mdb_core(&node(version), &core(version, "closures.js"), &["::v8whatis"]).stderr;
        assert!(usage.starts_with("mdb: v8whatis: an address is required\n"), "{usage}");

        // myClosure: its context holds makeClosure's `str` and `count`.
        let closure = c.member("myClosure");
        let f = c.out(&[&format!("{closure}::v8function")]);
        let lines: Vec<&str> = f.lines().collect();
        assert_eq!(lines.len(), 4, "{f}");
        assert_eq!(lines[0], format!("{closure}: JSFunction: myClosure"));
        assert_eq!(lines[1], format!("defined at {file} line 7"));
        let context = lines[2].strip_prefix("context: ").unwrap();
        let own = lines[3].strip_prefix("shared scope_info: ").unwrap();
        assert_eq!(c.out(&[&format!("{own}::v8scopeinfo")]), "0 parameters\n0 context local variables\n");
        let ctx = c.out(&[&format!("{context}::v8context -d")]);
        let lines: Vec<&str> = ctx.lines().collect();
        assert!(lines[0].starts_with("scope info: ") && lines[0].ends_with(" (ScopeInfo)"), "{ctx}");
        assert!(lines[1].starts_with("previous context: ") && lines[1].ends_with("Context)"), "{ctx}");
        // The native context: a header slot before V8 8, else from the context's map.
        let native = |l: &str| l.starts_with("native context: ") && l.ends_with(" (NativeContext)");
        assert_eq!(lines.iter().filter(|l| native(l)).count(), 1, "{ctx}");
        let slots: Vec<&str> = lines.iter().copied().skip_while(|l| !l.starts_with("    slot ")).collect();
        assert!(
            slots[0].starts_with("    slot 0: ") && slots[0].ends_with("String) \"str\": \"hello world\""),
            "{ctx}"
        );
        // V8 14 keeps a mutable `let` in a ContextCell.
        let count = slots[1].strip_prefix("    slot 1: ").and_then(|l| l.strip_suffix(" \"count\": 9")).unwrap();
        assert!(count.ends_with(" (SMI: value = 9)") || count.ends_with(" (ContextCell)"), "{ctx}");
        assert_eq!(slots.len(), 2, "{ctx}");
        let plain = c.out(&[&format!("{context}::v8context")]);
        assert_eq!(plain.lines().last(), Some(slots[1].split(" \"count\"").next().unwrap()), "{plain}");
        let scope_info = lines[0].split_whitespace().nth(2).unwrap();
        let si = c.out(&[&format!("{scope_info}::v8scopeinfo")]);
        let lines: Vec<&str> = si.lines().collect();
        assert_eq!(lines[..2], ["0 parameters", "2 context local variables"], "{si}");
        let names = [
            lines[2].strip_prefix("    context local variable 0: "),
            lines[3].strip_prefix("    context local variable 1: "),
        ];
        for (name, expected) in names.iter().zip(["str", "count"]) {
            let (addr, quoted) = name.unwrap().split_once(' ').unwrap();
            assert_eq!(quoted, format!("(\"{expected}\")"));
            assert_eq!(c.out(&[&format!("{addr}::v8str")]), format!("{expected}\n"));
        }
        assert_eq!(lines.len(), 4, "{si}");

        // innermost: middleScope's context, then makeNested's, whose ScopeInfo has its parameter.
        let innermost = c.member("innermost");
        let f = c.out(&[&format!("{innermost}::v8function")]);
        let context = f.lines().nth(2).unwrap().strip_prefix("context: ").unwrap().to_string();
        let middle = c.out(&[&format!("{context}::v8context -d")]);
        assert!(middle.lines().nth(1).unwrap().ends_with(" (FunctionContext)"), "{middle}");
        assert!(middle.ends_with(" (SMI: value = 42) \"middleVar\": 42\n"), "{middle}");
        let outer = middle.lines().nth(1).unwrap().split_whitespace().nth(2).unwrap().to_string();
        let outer = c.out(&[&format!("{outer}::v8context -d")]);
        assert!(
            outer.contains("String) \"outerArg\": \"outer-arg\"\n")
                && outer.contains("String) \"outerVar\": \"outer-value\"\n"),
            "{outer}"
        );
        let scope_info = outer.lines().next().unwrap().split_whitespace().nth(2).unwrap();
        let si = c.out(&[&format!("{scope_info}::v8scopeinfo")]);
        assert!(si.starts_with("1 parameter\n2 context local variables\n"), "{si}");

        // An Error whose stack was never read: its frames from V8's call sites, innermost
        // first, each as V8 formats it: the function (a method with its type, a static
        // one with its class from V8 10, a constructor with `new`) and where its call is.
        let printed = c.out(&[&format!("{}::jsprint", c.member("unformatted"))]);
        let lines: Vec<&str> = printed.lines().collect();
        let expected = [
            "{".to_string(),
            "    \"stack\": [call sites, never formatted:".to_string(),
            format!("        at thrower ({file}:31:12)"),
            format!("        at middle ({file}:34:12)"),
            format!("        at outer ({file}:37:12)"),
            format!("        at unformattedError ({file}:39:10)"),
        ];
        assert_eq!(lines[..6], expected, "{printed}");
        // To Error.stackTraceLimit (10), node's own frames (the module loader) included,
        // each line as V8 wrote it in the stack of the twin Error (made by the same
        // calls), which the fixture read.
        assert_eq!(lines.len(), 2 + 10 + 3, "{printed}");
        assert_eq!(lines[12..], ["    ],", "    \"message\": \"never formatted\",", "}"], "{printed}");
        let formatted = c.out(&[&format!("{}::v8str", c.member("formattedStack"))]);
        let v8s: Vec<String> = formatted.lines().skip(1).map(|l| format!("    {l}")).collect();
        assert_eq!(lines[2..12], v8s, "ours:\n{printed}\nV8's:\n{formatted}");
        // Made after an await: the awaiting functions' frames follow, `async F`, and the
        // Promise.all one of them awaits, with the index of the element.
        let printed = c.out(&[&format!("{}::jsprint", c.member("asyncUnformatted"))]);
        let lines: Vec<&str> = printed.lines().collect();
        let formatted = c.out(&[&format!("{}::v8str", c.member("asyncFormattedStack"))]);
        let v8s: Vec<String> = formatted.lines().skip(1).map(|l| format!("    {l}")).collect();
        assert_eq!(
            v8s[4..],
            [
                format!("        at asyncInner ({file}:76:10)"),
                "        at async Promise.all (index 0)".to_string(),
                format!("        at async asyncOuter ({file}:79:19)"),
                format!("        at async asyncTwins ({file}:84:43)")
            ],
            "{formatted}"
        );
        assert_eq!(lines[2..lines.len() - 3], v8s, "ours:\n{printed}\nV8's:\n{formatted}");

        // Not what each expects: one line each.
        assert_eq!(error(&format!("{object}::v8function")), format!("mdb: v8function: {object} is not a JSFunction"));
        assert_eq!(error(&format!("{object}::v8context")), format!("mdb: v8context: {object} is not a Context"));
        assert_eq!(error(&format!("{object}::v8scopeinfo")), format!("mdb: v8scopeinfo: {object} is not a ScopeInfo"));
        assert_eq!(
            error(&format!("{closure}::v8function -d")),
            "mdb: v8function: -d (disassembly) is not yet supported"
        );
    }

    test_every_version!(check);
}
