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
