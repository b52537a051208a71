//! Unit tests of the C formatter in `printf.c`, run through `mdb_snprintf` via FFI.
//!
//! Included from main.rs with `#[cfg(test)] mod printf_tests;`.
//!
//! What these tests assume about the host functions the binary provides:
//! - `host_symbolize` returns -1 (no symbol) for address 0x1234;
//! - `mdb_snprintf` never calls `host_output`, `host_strerror` or `host_attrs_enabled`
//!   (attributes are always dropped in a string buffer).
//!
//! Every variadic argument is passed with its exact C type (c_int for `%d`, c_ulong for
//! `%lx`, a pointer for `%p`, ...), as a module must; the wrong width would corrupt the
//! va_list.

use std::ffi::{c_char, c_double, c_int, c_long, c_longlong, c_uint, c_ulong, c_ulonglong, c_void, CStr};
use std::ptr;

extern "C" {
    fn mdb_snprintf(buf: *mut c_char, n: usize, fmt: *const c_char, ...) -> usize;
}

/// Same layout as illumos `mdb_bitmask_t` (used by `%b`).
#[repr(C)]
struct Bitmask {
    bm_name: *const c_char,
    bm_mask: c_ulonglong,
    bm_bits: c_ulonglong,
}

/// `snp!(c"fmt", args...)`: formats into a 512-byte buffer and returns the text. It also
/// checks that the return value is the length of the text.
macro_rules! snp {
    ($fmt:expr $(, $arg:expr)* $(,)?) => {{
        let fmt: &CStr = $fmt;
        let mut buf = [0 as c_char; 512];
        // SAFETY: buf is writable for buf.len() bytes; fmt is NUL-terminated and every
        // argument has the C type its directive reads.
        let n = unsafe { mdb_snprintf(buf.as_mut_ptr(), buf.len(), fmt.as_ptr() $(, $arg)*) };
        // SAFETY: mdb_snprintf NUL-terminates within buf.
        let s = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().expect("utf-8").to_owned();
        assert_eq!(n, s.len(), "return value for {:?}", fmt);
        s
    }};
}

fn p(v: usize) -> *const c_void {
    v as *const c_void
}

#[test]
fn pointers_and_pointer_width() {
    assert_eq!(snp!(c"%p", p(0x1234)), "1234");
    // %? is width 16, padded with spaces; only the 0 flag zero-fills.
    assert_eq!(snp!(c"%?p", p(0x1234)), "            1234");
    assert_eq!(snp!(c"%-?p|", p(0x1234)), "1234            |");
    assert_eq!(snp!(c"%0?p", p(0x1234)), "0000000000001234");
    // mdb ignores '#' for %p: never a 0x.
    assert_eq!(snp!(c"%#p", p(0x1234)), "1234");
    assert_eq!(snp!(c"%p", p(usize::MAX)), "ffffffffffffffff");
    assert_eq!(snp!(c"%-?s|", c"abc".as_ptr()), "abc             |");
}

#[test]
fn integers_and_sizes() {
    assert_eq!(snp!(c"%8d %8d ", -5 as c_int, 7 as c_int), "      -5        7 ");
    assert_eq!(snp!(c"%u", -1 as c_int), "4294967295");
    assert_eq!(snp!(c"%x", -1 as c_int), "ffffffff");
    assert_eq!(snp!(c"%lx", 0xdead_beef_cafe as c_ulong), "deadbeefcafe");
    assert_eq!(snp!(c"%#lx", 0xdead_beef_cafe as c_ulong), "0xdeadbeefcafe");
    assert_eq!(snp!(c"%#x %#x", 0 as c_uint, 5 as c_uint), "0 0x5");
    assert_eq!(snp!(c"%llx", 0x1234_5678_9abc_def0u64 as c_ulonglong), "123456789abcdef0");
    assert_eq!(snp!(c"%lld", i64::MIN as c_longlong), "-9223372036854775808");
    assert_eq!(snp!(c"%ld", -2 as c_long), "-2");
    assert_eq!(snp!(c"%hd %hu", 0xffff as c_int, 0xffff as c_int), "-1 65535");
    assert_eq!(snp!(c"%+d %+d", 5 as c_int, -5 as c_int), "+5 -5");
    assert_eq!(snp!(c"%05d|%-4d|", 42 as c_int, 42 as c_int), "00042|42  |");
    assert_eq!(snp!(c"%o %#o %q", 8 as c_int, 8 as c_int, -8 as c_int), "10 010 -10");
    assert_eq!(snp!(c"%X %#X", 0xab as c_uint, 0xab as c_uint), "AB 0XAB");
    // %d then %lx then %s: each consumes exactly its own argument.
    assert_eq!(
        snp!(c"%d %lx %s %d", 1 as c_int, 0xffff_ffff_ffff as c_ulong, c"s".as_ptr(), 2 as c_int),
        "1 ffffffffffff s 2"
    );
}

#[test]
fn radix_directives() {
    // %r is the current radix (16); '#' adds 0x only to values above 9, as mdb does.
    assert_eq!(snp!(c"%#lr", 0x10 as c_ulong), "0x10");
    assert_eq!(snp!(c"%#lr", 5 as c_ulong), "5");
    assert_eq!(snp!(c"%r %R", 0x1f as c_uint, -0x1f as c_int), "1f -1f");
    assert_eq!(snp!(c"%#R", -0x10 as c_int), "-0x10");
    // Decimal with '#' uses mdb's 0t prefix.
    assert_eq!(snp!(c"%#d", 10 as c_int), "0t10");
}

#[test]
fn width_from_argument() {
    assert_eq!(snp!(c"%*d|", 5 as c_int, 42 as c_int), "   42|");
    assert_eq!(snp!(c"%*d|", -5 as c_int, 42 as c_int), "42   |");
    assert_eq!(snp!(c"%*s|", 4 as c_int, c"x".as_ptr()), "   x|");
}

#[test]
fn strings_and_chars() {
    assert_eq!(snp!(c"%s", ptr::null::<c_char>()), "<NULL>");
    assert_eq!(snp!(c"[%8s]", ptr::null::<c_char>()), "[  <NULL>]");
    assert_eq!(snp!(c"%c%c", b'o' as c_int, b'k' as c_int), "ok");
    assert_eq!(snp!(c"100%%"), "100%");
}

#[test]
fn addresses_without_symbols() {
    // host_symbolize(0x1234) fails: %a falls back to 0x..., %A prints nothing.
    assert_eq!(snp!(c"%a", 0x1234 as c_ulong), "0x1234");
    assert_eq!(snp!(c"%#a", 0x1234 as c_ulong), "0x1234:");
    assert_eq!(snp!(c"[%A]", 0x1234 as c_ulong), "[]");
    assert_eq!(snp!(c"%#A", 0x1234 as c_ulong), "?");
}

#[test]
fn bitmask() {
    let bits = [
        Bitmask { bm_name: c"READ".as_ptr(), bm_mask: 1, bm_bits: 1 },
        Bitmask { bm_name: c"WRITE".as_ptr(), bm_mask: 2, bm_bits: 2 },
        Bitmask { bm_name: c"EXEC".as_ptr(), bm_mask: 4, bm_bits: 4 },
        Bitmask { bm_name: ptr::null(), bm_mask: 0, bm_bits: 0 },
    ];
    assert_eq!(snp!(c"%b|", 5 as c_uint, bits.as_ptr()), "READ,EXEC|");
    assert_eq!(snp!(c"%b|", 0 as c_uint, bits.as_ptr()), "|");
    assert_eq!(snp!(c"%#b|", 0x101 as c_uint, bits.as_ptr()), "READ,0x100|");
    assert_eq!(snp!(c"%llb %d", 2 as c_ulonglong, bits.as_ptr(), 9 as c_int), "WRITE 9");
}

#[test]
fn attributes_are_dropped_in_strings() {
    assert_eq!(snp!(c"%<b>X%</b>"), "X");
    assert_eq!(snp!(c"%<u>a%</u>%<r>b%</r>%<s>c%</s>%<d>d%</d>"), "abcd");
    // %<_var> would print an mdb variable; the host has none.
    assert_eq!(snp!(c"[%<_dot>]"), "[]");
}

#[test]
fn tabs_and_columns() {
    assert_eq!(snp!(c"ab%5T|"), "ab   |");
    assert_eq!(snp!(c"abcde%5T|"), "abcde|");
    assert_eq!(snp!(c"a\nxy%5T|"), "a\nxy   |");
    // %t and a literal tab both become spaces up to the next multiple of 8.
    assert_eq!(snp!(c"ab%tc"), "ab      c");
    assert_eq!(snp!(c"ab\tc"), "ab      c");
}

#[test]
fn floating_point() {
    // mdb prints doubles as C's %+.7e; %g as %+.16e.
    assert_eq!(snp!(c"%e", 12.345 as c_double), "+1.2345000e+01");
    assert_eq!(snp!(c"%g", 1.0 as c_double), "+1.0000000000000000e+00");
}

#[test]
fn other_directives() {
    assert_eq!(snp!(c"%H %H %H", 1536 as c_uint, 4096 as c_uint, 1023 as c_uint), "1.50K 4K 1023");
    assert_eq!(snp!(c"%I", c_uint::from_ne_bytes([127, 0, 0, 1])), "127.0.0.1");
    assert_eq!(snp!(c"%Y", 1_234_567_890 as c_long), "2009 Feb 13 23:31:30");
}

#[test]
fn unknown_directives_take_no_argument() {
    assert_eq!(snp!(c"%Z %d", 5 as c_int), "%Z 5");
    // No precision in mdb, no %f, no ' ' flag: printed literally.
    assert_eq!(snp!(c"%.3s %d", 5 as c_int), "%.3s 5");
    assert_eq!(snp!(c"%f %d", 5 as c_int), "%f 5");
    assert_eq!(snp!(c"% d %d", 5 as c_int), "% d 5");
    assert_eq!(snp!(c"abc%"), "abc%");
}

#[test]
fn truncation_and_return_value() {
    let mut buf = [b'Z' as c_char; 8];
    // SAFETY: n = 5 <= buf.len(); arguments match the directives.
    let n = unsafe { mdb_snprintf(buf.as_mut_ptr(), 5, c"%s-%d".as_ptr(), c"hello".as_ptr(), 42 as c_int) };
    assert_eq!(n, 8);
    // SAFETY: NUL-terminated at index 4.
    assert_eq!(unsafe { CStr::from_ptr(buf.as_ptr()) }.to_bytes(), b"hell");
    assert_eq!(buf[5], b'Z' as c_char);

    // SAFETY: a NULL buffer with n = 0 only measures.
    let n = unsafe { mdb_snprintf(ptr::null_mut(), 0, c"%?p".as_ptr(), p(1)) };
    assert_eq!(n, 16);

    // SAFETY: n = 1 leaves room only for the NUL.
    let n = unsafe { mdb_snprintf(buf.as_mut_ptr(), 1, c"abc".as_ptr()) };
    assert_eq!((n, buf[0]), (3, 0));
}
