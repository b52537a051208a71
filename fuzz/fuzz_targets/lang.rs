//! The command language: the host's line parser and expression evaluator, and the
//! module's dcmd option parser, numbers and `::jsprint` member paths.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mdb_host::lang;
use v8::mdb::args::{Arg, Opts, Spec};
use v8::v8::print::parse_path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = lang::parse_line(text);
    let _ = lang::eval(text, 0x1000, &|name| (name == "sym").then_some(0x2000));
    let args: Vec<Arg> = text.split_whitespace().map(|w| Arg::Str(w.to_string())).collect();
    if let Ok(opts) = Opts::parse(&args, &Spec("abd:N:")) {
        let _ = opts.value('d').map(Arg::number);
        opts.operands.iter().for_each(|a| drop(parse_path(&a.text())));
    }
});
