//! `::load v8.so` and `::v8layout` on real cores of every supported node version, on a
//! kernel-made core, and on a live process.

mod common;

use common::{core, mdb, mdb_core, node, v8_version, Fixture, Scratch};

/// `process.versions.v8` without node's `-node.N` suffix.
fn expected_version(version: &str) -> String {
    let v = v8_version(version);
    v.split('-').next().unwrap().to_string()
}

/// The value column of `name` in ::v8layout output.
fn value(out: &str, name: &str) -> String {
    out.lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("no {name} in:\n{out}"))
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string()
}

/// Load and print the layout of a gcore'd core; check the version, that every required
/// value was found, and values known per version (from the reference matrix).
fn check_version(version: &str, expected: &[(&str, &str)]) {
    let node = node(version);
    let core = core(version, "population.js");
    let r = mdb_core(&node, &core, &["::v8layout"]);
    let out = r.ok();
    assert_eq!(r.stderr, "", "no warnings expected");
    let v8 = expected_version(version);
    assert!(out.starts_with(&format!("V8 version: {v8}\nAutoconfigured V8 support from target: ")), "{out}");
    // ::load printed the same two lines before ::v8layout repeated them.
    assert_eq!(out.matches(&format!("V8 version: {v8}\n")).count(), 2);
    for (name, v) in expected {
        assert_eq!(value(out, name), *v, "{name} on node {version}");
    }
    // Fallbacks say where they came from; absent entries are only the optional ones.
    assert_eq!(value(out, "js_array_length"), "24");
    assert!(out.contains("js_collection_table                            24  fallback: "), "{out}");
    for line in out.lines().filter(|l| l.contains("absent in this version")) {
        let name = line.split_whitespace().next().unwrap();
        assert!(
            [
                "oddball_the_hole",
                "oddball_uninitialized",
                "oddball_arguments_marker",
                "oddball_exception",
                "first_js_function_type",
                "last_js_function_type",
                "type_hole",
                "js_typed_array_length",
                "type_uncached_external_one_byte_string",
                "type_swiss_name_dictionary",
                "type_external_one_byte_string",
                "scope_info_is_fixed_array",
                "type_interceptor_info",
                // V8 12+'s arrays outside the FixedArray range (ProtectedWeakFixedArray and
                // TrustedWeakFixedArray from V8 13).
                "type_trusted_fixed_array",
                "type_protected_fixed_array",
                "type_trusted_weak_fixed_array",
                "type_protected_weak_fixed_array",
                "type_closure_feedback_cell_array",
                "type_array_list",
                "type_object_boilerplate_description",
                "type_internal_class",
                "type_error_stack_data",
                "type_context_cell",
                // Unexported before V8 8.5-9.0 (node 12-15), and not needed there.
                "type_feedback_vector",
                "type_free_space",
                "type_strong_descriptor_array",
                // Context header slots of V8 before 8.x.
                "context_idx_ext",
                "context_idx_native",
                // An Error's call sites (CallSiteInfo from V8 9.4, StackTraceFrame before:
                // exported from node 14, found by the type it follows on node 12 and 13)
                // and optimized code's compiler (V8 12+).
                "type_call_site_info",
                "type_stack_trace_frame",
                "type_source_position_table_with_frame_cache",
                // Trusted bytecode and its tables (V8 12+).
                "type_bytecode_wrapper",
                "type_trusted_byte_array",
                // What types a static method's frame by its class (V8 10+).
                "sfi_flags",
                "function_kind_first_class_constructor",
                "type_instruction_stream",
                "type_code",
                "code_instruction_stream",
                "code_flags",
                "code_kind_mask",
                "code_kind_shift",
                "code_kind_baseline",
                "code_kind_maglev",
                "code_kind_turbofan"
            ]
            .contains(&name),
            "required entry {name} absent on node {version}"
        );
    }
}

#[test]
fn node12() {
    check_version(
        "12.22.12",
        &[
            ("type_map", "68"),
            ("type_js_array", "1061"),
            ("type_js_map", "1069"),
            ("type_js_weak_set", "1085"),
            ("type_js_proxy", "1024"),
            ("type_bigint", "66"),
            ("double_fields_unboxed", "1"),
            ("scope_info_slots", "16"),
            ("last_backing_store_fixed_array_type", "135"),
            ("dictionary_index_shift", "8"),
            ("type_free_space", "73"),
            ("allocation_area_words", "2"),
            ("type_stack_trace_frame", "100"),
        ],
    );
}

#[test]
fn node13() {
    check_version(
        "13.14.0",
        &[
            ("type_map", "162"),
            ("type_js_array", "1059"),
            ("type_js_map", "1052"),
            ("type_property_cell", "165"),
            ("double_fields_unboxed", "1"),
            ("symbol_name", "16"),
            ("type_free_space", "161"),
            ("type_stack_trace_frame", "110"),
        ],
    );
}

#[test]
fn node14() {
    check_version(
        "14.21.3",
        &[
            ("type_map", "169"),
            ("type_js_array", "1060"),
            ("type_bigint", "65"),
            ("js_typed_array_base_pointer", "64"),
            ("double_fields_unboxed", "0"),
            ("scope_info_slots", "16"),
        ],
    );
}

#[test]
fn node15() {
    check_version(
        "15.14.0",
        &[
            ("type_map", "170"),
            ("type_js_array", "1059"),
            ("type_js_arguments_object", "1058"),
            ("js_global_object_dictionary", "8"),
        ],
    );
}

#[test]
fn node16() {
    check_version(
        "16.20.2",
        &[
            ("type_map", "172"),
            ("type_js_array", "1085"),
            ("dictionary_index_shift", "8"),
            ("scope_info_slots", "8"),
            ("type_call_site_info", "114"),
        ],
    );
}

#[test]
fn node17() {
    check_version("17.9.1", &[("type_map", "171"), ("type_js_array", "2101"), ("dictionary_index_shift", "8")]);
}

#[test]
fn node19() {
    check_version("19.8.1", &[("type_map", "247"), ("type_js_array", "2106")]);
}

#[test]
fn node21() {
    check_version(
        "21.7.3",
        &[
            ("type_map", "257"),
            ("type_js_array", "2114"),
            ("type_hole", "253"),
            ("bytecode_array_source_positions", "32"),
        ],
    );
}

#[test]
fn node23() {
    check_version(
        "23.11.1",
        &[
            ("type_map", "271"),
            ("type_js_array", "2119"),
            ("type_hole", "268"),
            ("free_space_size_unit", "1"),
            ("source_positions_delta_flags", "0"),
            ("bytecode_array_source_positions", "24"),
        ],
    );
}

#[test]
fn node25() {
    // V8 14 packs source position tables' code offsets with two flag bits.
    check_version(
        "25.9.0",
        &[("type_map", "276"), ("type_js_array", "2119"), ("type_hole", "272"), ("source_positions_delta_flags", "2")],
    );
}

#[test]
fn node18() {
    check_version(
        "18.20.8",
        &[
            ("type_map", "250"),
            ("type_js_array", "2104"),
            ("oddball_the_hole", "2"),
            ("name_dictionary_prefix_size", "2"),
            ("elements_dictionary", "12"),
            ("js_view_buffer", "24"),
            ("descriptors_header_size", "24"),
            ("js_function_shared", "24"),
            ("first_js_function_type", "2065"),
        ],
    );
}

#[test]
fn node20() {
    check_version(
        "20.20.2",
        &[
            ("type_map", "255"),
            ("type_js_array", "2113"),
            ("oddball_the_hole", "2"),
            ("name_dictionary_prefix_size", "3"),
            ("elements_dictionary", "13"),
            ("js_view_buffer", "24"),
            ("js_array_buffer_backing_store", "48"),
            ("sfi_script", "32"),
        ],
    );
}

#[test]
fn node22() {
    check_version(
        "22.23.5",
        &[
            ("type_map", "264"),
            ("type_js_array", "2115"),
            ("oddball_the_hole", "-"),
            ("type_hole", "261"),
            ("js_function_shared", "32"),
            ("first_js_function_type", "2066"),
            ("oddball_undefined", "4"),
        ],
    );
}

#[test]
fn node24() {
    check_version(
        "24.22.3",
        &[
            ("type_map", "272"),
            ("type_js_array", "2119"),
            ("type_hole", "269"),
            ("js_view_buffer", "32"),
            ("sfi_name_or_scope_info", "24"),
            ("scopeinfo_idx_first_vars", "5"),
            ("free_space_size_unit", "8"),
        ],
    );
}

#[test]
fn node26() {
    check_version(
        "26.12.1",
        &[
            ("type_map", "278"),
            ("type_js_array", "2121"),
            ("type_hole", "274"),
            ("descriptors_header_size", "32"),
            ("js_typed_array_length", "-"),
            ("js_typed_array_external_pointer", "72"),
        ],
    );
}

/// A core written by the kernel after process.abort(), found through its NT_FILE table
/// without naming the binary.
#[test]
fn kernel_core_after_abort() {
    let pattern = std::fs::read_to_string("/proc/sys/kernel/core_pattern").unwrap_or_default();
    assert!(
        !pattern.starts_with('|'),
        "kernel cores go to a program here ({pattern}); this test needs core_pattern to be a file name"
    );
    let dir = Scratch::new("abort");
    let node = node("20.20.2");
    let script = common::root().join("tests/fixtures/abort.js");
    let status = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("ulimit -c unlimited; exec {} {}", node.display(), script.display()))
        .current_dir(&dir.0)
        .status()
        .unwrap();
    assert!(!status.success(), "abort.js should die of SIGABRT");
    let core = std::fs::read_dir(&dir.0)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("core"))
        .unwrap_or_else(|| panic!("no core written in {} (core_pattern {pattern})", dir.0.display()));
    let r = mdb(&["-e", "::load v8.so", "-e", "::v8layout", core.to_str().unwrap()]);
    let out = r.ok();
    assert!(out.starts_with(&format!("V8 version: {}\n", expected_version("20.20.2"))), "{out}");
    assert_eq!(value(out, "type_js_object"), "1057");
}

#[test]
fn live_process() {
    let f = Fixture::node("22.23.5", "population.js");
    let r = mdb(&["-e", "::load v8.so", "-e", "::v8layout", "-p", &f.pid().to_string()]);
    let out = r.ok();
    assert!(out.starts_with(&format!("V8 version: {}\n", expected_version("22.23.5"))), "{out}");
    assert_eq!(value(out, "type_map"), "264");
}
