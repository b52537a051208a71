//! `::jsprint` and the value dcmds and walkers on real cores of every supported node
//! version, against tests/fixtures/values.js (one value of every kind).

mod common;

use common::{core, mdb_core, node, Run};

struct Values {
    version: &'static str,
    /// The values object (tagged), found by its marker property.
    addr: String,
}

impl Values {
    fn find(version: &'static str) -> Values {
        Values { version, addr: common::marked_object(version, "values.js", "jsprintMarker", "nan") }
    }

    fn run(&self, commands: &[&str]) -> Run {
        mdb_core(&node(self.version), &core(self.version, "values.js"), commands)
    }

    /// stdout after the two ::load lines; stderr must be free of anything but progress.
    fn out(&self, commands: &[&str]) -> String {
        let r = self.run(commands);
        let other: Vec<&str> = r.stderr.lines().filter(|l| !l.contains(": scanning the heap: ")).collect();
        assert!(other.is_empty(), "stderr of {commands:?}: {}", r.stderr);
        r.ok().lines().skip(2).map(|l| format!("{l}\n")).collect()
    }

    fn print(&self, args: &str) -> String {
        self.out(&[&format!("{}::jsprint {args}", self.addr)])
    }

    /// The tagged address of a member (from `-a`).
    fn member_addr(&self, member: &str) -> String {
        let out = self.print(&format!("-a -d 0 {member}"));
        out.split(':').next().unwrap().to_string()
    }
}

fn check(version: &'static str) {
    let v = Values::find(version);

    // Every kind at once, exactly (tests/expected/values.jsprint, where functions'
    // script paths start with <fixtures>).
    let expected = include_str!("expected/values.jsprint");
    let fixtures = common::root().join("tests/fixtures").display().to_string();
    let out = v.out(&[&format!("{}::jsprint -N 0t20", v.addr)]);
    assert_eq!(out.replace(&fixtures, "<fixtures>"), expected);

    // Members, several on one line; missing ones are undefined.
    assert_eq!(
        v.print("smi twoByte arr[1] nested.inner.deeper.deepest missing arr[7]"),
        "42 \"héllo ☃\" \"two\" 1 undefined undefined\n"
    );
    assert_eq!(v.print("nested.inner"), "{\n    \"deeper\": {\n        \"deepest\": 1,\n    },\n}\n");
    // -d: depth; -N: string length; -b: the object first.
    assert_eq!(v.print("-d 0"), "[...]\n");
    assert_eq!(v.print("-d 1 nested"), "{\n    \"inner\": [...],\n}\n");
    assert_eq!(v.print("-N 0t5 sliced"), "\"quick[...]\"\n");
    assert_eq!(v.print("-b yes"), format!("{}: true\n", v.addr));
    // Strings of every representation, whole: a 2000-character cons tree, a slice.
    let deep = v.print("-N 0t5000 deepCons");
    let expected_deep: String = (0..2000).map(|i| (b'a' + (i % 26) as u8) as char).collect();
    assert_eq!(deep, format!("\"{expected_deep}\"\n"));
    // An external string (node's builtin source) whose bytes are only in the node binary.
    let js = common::node_command(version)
        .args(["-p", "require('fs').readFileSync.toString().slice(0, 24)"])
        .output()
        .unwrap();
    let from_node = String::from_utf8(js.stdout).unwrap();
    assert_eq!(v.print("external"), format!("\"{}\"\n", from_node.trim_end()));
    // A ThinString (a cons string internalized as a property key).
    assert_eq!(v.print("thin"), "\"a long thin key 0\"\n");
    // -a: addresses (Smis as their tagged words).
    assert_eq!(v.print("-a smi"), "2a00000000: 42\n");
    let animal = v.member_addr("animal");
    let a = v.out(&[&format!("{animal}::jsprint -a")]);
    assert!(a.starts_with(&format!("{animal}: {{\n    ")) && a.contains(": \"cat\",\n"), "{a}");

    // An Error's message and formatted stack.
    let err = v.print("error");
    assert!(err.starts_with("{\n    \"stack\": \"Error: boom\n    at "), "{err}");
    assert!(err.contains("values.js:") && err.ends_with("    \"message\": \"boom\",\n}\n"), "{err}");

    // An Error whose stack was never formatted (population.js's TestErrors): its call
    // sites, where the call is (`new TestError` on line 46), never another private
    // slot's string (V8 13+ keeps the message in one).
    let r = mdb_core(
        &node(version),
        &core(version, "population.js"),
        &["::findjsobjects -c TestError | ::findjsobjects | ::jsprint"],
    );
    let unformatted: Vec<&str> = r.ok().lines().skip(2).collect();
    let population = common::root().join("tests/fixtures/population.js").display().to_string();
    assert_eq!(unformatted[..2], ["{", "    \"stack\": [call sites, never formatted:"], "{unformatted:?}");
    // Where the module function runs as baseline (Sparkplug) code, V8 13+ records the
    // call's machine-code offset, which this does not map: the line it is defined at.
    let top = [
        format!("        at Object.<anonymous> ({population}:46:47)"),
        format!("        at Object.<anonymous> ({population}, defined at line 1)"),
    ];
    assert!(top.iter().any(|t| t == unformatted[2]), "{unformatted:?}");
    let message = unformatted.iter().position(|l| *l == "    ],").unwrap() + 1;
    assert!(unformatted[message].starts_with("    \"message\": \"error "), "{unformatted:?}");

    // ::jsconstructor, ::v8type, ::jsarray, ::nodebuffer, ::v8print.
    assert_eq!(v.out(&[&format!("{animal}::jsconstructor")]), "Animal\n");
    let with_fn = v.out(&[&format!("{animal}::jsconstructor -v")]);
    assert!(with_fn.starts_with("Animal (JSFunction: ") && with_fn.ends_with(")\n"), "{with_fn}");
    assert_eq!(v.out(&[&format!("{}::jsconstructor", v.member_addr("buffer"))]), "Buffer\n");
    assert_eq!(v.out(&[&format!("{animal}::v8type")]), format!("0x{animal}: JSObject: Animal\n"));
    assert_eq!(v.out(&["2a00000000::v8type"]), "0x2a00000000: SMI: value = 42\n");
    let holey = v.member_addr("holey");
    let raw = v.out(&[&format!("{holey}::jsarray -i")]);
    assert_eq!(raw.lines().count(), 3);
    assert!(raw.starts_with("0 100000000\n1 ") && raw.ends_with("\n2 300000000\n"), "{raw}");
    assert_eq!(v.out(&[&format!("{holey}::jsarray | ::jsprint")]), "1\nhole\n3\n");
    assert_eq!(v.out(&[&format!("{holey}::walk jselement | ::jsprint")]), "1\nhole\n3\n");
    let data = v.out(&[&format!("{}::nodebuffer", v.member_addr("buffer"))]);
    assert!(u64::from_str_radix(data.trim(), 16).is_ok(), "{data}");
    let fields = v.out(&[&format!("{animal}::v8print")]);
    assert!(fields.lines().next().is_some_and(|l| l.ends_with(" (Map)") && l.contains(" map = ")), "{fields}");
    assert!(fields.contains(" elements = "), "{fields}");
    // An API object (node's `process`): a JavaScript object type no class is exported for.
    let process = v.out(&["::findjsobjects -c process | ::findjsobjects | ::v8print"]);
    assert!(process.lines().next().is_some_and(|l| l.contains(" map = ") && l.ends_with(" (Map)")), "{process}");

    // The global object (globalThis is its proxy), cycles marked.
    let holder = common::marked_object(version, "values.js", "globalMarker", "global");
    let global = v.out(&[&format!("{holder}::jsprint -d 1 global")]);
    for line in ["    \"globalThis\": [Circular],\n", "    \"__values\": [...],\n", "    \"__globalHolder\": [...],\n"]
    {
        assert!(global.contains(line), "{line} in {global}");
    }

    // Walkers: an object's property values.
    let props = v.out(&[&format!("{}::walk jsprop | ::jsprint", v.member_addr("numericKeys"))]);
    assert_eq!(props, "\"one\"\n\"two\"\n");
}

test_every_version!(check);

#[test]
fn bad_addresses_and_usage() {
    let v = Values::find("20.20.2");
    for (cmd, message) in [
        ("1235::jsprint", "mdb: jsprint: 1235 is not a JavaScript value"),
        ("fffffffffffffff1::jsprint", "is not a JavaScript value"),
        ("0::jsprint", ""),
        ("::jsprint", "mdb: jsprint: an address is required"),
        ("1235::jsconstructor", "mdb: jsconstructor: 1235 is not a JavaScript object"),
        ("1235::v8type", "mdb: v8type: 1235 is not a V8 heap object"),
        (
            "1235::walk jsprop",
            "mdb: jsprop: 1235 is not a JavaScript object\nmdb: failed to perform walk: failed to initialize walk\n",
        ),
    ] {
        let r = v.run(&[cmd]);
        if message.is_empty() {
            // 0 is the Smi 0: a value, not an error.
            assert_eq!(r.ok().lines().last(), Some("0"));
            continue;
        }
        assert_eq!(r.status, 1, "{cmd}");
        assert!(r.stderr.contains(message), "{cmd}: {}", r.stderr);
    }
    let r = v.run(&[&format!("{}::jsprint a..b", v.addr)]);
    assert!(r.status == 1 && r.stderr.contains("invalid member \"a..b\""), "{}", r.stderr);
    let r = v.run(&[&format!("{}::jsprint -d 0t1000", v.addr)]);
    assert!(r.status == 1 && r.stderr.contains("beyond the limit"), "{}", r.stderr);
    let r = v.run(&[&format!("{}::jsarray", v.addr)]);
    assert!(r.status == 1 && r.stderr.contains("is not an array"), "{}", r.stderr);
}

/// Every object the scan finds in the test cores of a version prints without a crash, a
/// hang or a decode error inline (`‹...›`). The dead objects that gave such errors (stale
/// bytes above allocation tops and in free-list blocks, whose fields point at memory the
/// GC has reused since) are no longer found; forwarding addresses a scavenge leaves in
/// old copies are followed, so dead objects that point at a moved object print it.
fn sweep(version: &str) {
    let mut wrong = Vec::new();
    for fixture in ["population.js", "values.js"] {
        let r = mdb_core(&node(version), &core(version, fixture), &["::walk jsobj | ::jsprint -d 1 -N 0t40"]);
        let out = r.ok();
        assert!(out.lines().count() > 5000, "{version} {fixture}: {} lines", out.lines().count());
        let errors: Vec<&str> = r.stderr.lines().filter(|l| !l.contains(": scanning the heap: ")).collect();
        assert!(errors.is_empty(), "{version} {fixture}: {}", r.stderr);
        let inline: Vec<&str> =
            out.split('‹').skip(1).map(|e| e.split_once('›').map_or(e, |(inside, _)| inside)).collect();
        if !inline.is_empty() {
            wrong.push(format!("{version} {fixture}: {} errors: {:?}", inline.len(), &inline[..inline.len().min(5)]));
        }
    }
    assert!(wrong.is_empty(), "inline decode errors:\n{}", wrong.join("\n"));
}
mod sweep_every_object {
    use super::sweep;
    crate::test_every_version!(sweep);
}

/// What a sweep reads beyond the scan, per object printed: a function's line comes from
/// its Script's line ends, decoded once per session, not from reading and scanning its
/// whole script again (that read 13 KB per object on node 20's values core, and made
/// ::jsprint of the TypeScript compiler's heap crawl). A count of bytes, not a timing.
#[test]
fn printing_reads_little_per_object() {
    let version = "20.20.2";
    let bytes_read = |command: &str| {
        let mut args: Vec<String> = vec!["-e".into(), "::load v8.so".into(), "-e".into(), command.into()];
        args.push(node(version).display().to_string());
        args.push(core(version, "values.js").display().to_string());
        let r = common::mdb_with(&args, "", &[("MDB_HOST_READ_STATS", "1")]);
        let count: u64 = r.ok().lines().last().unwrap().trim().parse().unwrap();
        let stats = r.stderr.lines().find_map(|l| l.strip_prefix("mdb: ")?.split_once(" reads of "));
        let bytes: u64 = stats.and_then(|(_, b)| b.strip_suffix(" bytes")?.parse().ok()).expect(&r.stderr);
        (count, bytes)
    };
    let (objects, scan) = bytes_read("::walk jsobj ! wc -l");
    let (lines, printed) = bytes_read("::walk jsobj | ::jsprint -d 1 -N 0t40 ! wc -l");
    assert!(lines > objects && objects > 5000, "{objects} objects, {lines} lines");
    let per_object = (printed - scan) / objects;
    assert!(per_object < 3000, "{per_object} bytes read per object printed");
}
