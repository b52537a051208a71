//! `::jssize`: the shallow and retained size of a heap object, and its distance.
//!
//! ```text
//! > c3f080b60d1::jssize
//!           OBJECT  SHALLOW   RETAINED DISTANCE TYPE
//!      c3f080b60d1       40         64        5 CacheEntry
//! ```

use std::fmt::Write;

use super::Dcmd;
use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{Call, Session};
use crate::target::{Addr, Result};
use crate::v8::graph::UNREACHABLE;
use crate::v8::refs::Namer;
use crate::v8::value::tagged;

pub const DCMD: Dcmd = Dcmd {
    name: c"jssize",
    usage: c":",
    descr: c"print the shallow and retained size of a heap object",
    help: "ADDR::jssize

Print the heap object at ADDR's shallow size (its own bytes, by V8's rules), its
retained size (its own bytes and those of every object it dominates: what a GC would
free if it went away; from the dominator tree over the heap graph's strong references,
computed the first time), its distance from the roots (as DevTools counts it: see
::help jsretainers) and what it is. An object no root reaches retains 0 and has no
distance (`-`). Piped many addresses, it prints one row each under one header.

Example (tests/fixtures/retainers.js, node 20: a CacheEntry and its url string):
  > c3f080b60d1::jssize
            OBJECT  SHALLOW   RETAINED DISTANCE TYPE
       c3f080b60d1       40         64        5 CacheEntry
",
    options: Spec(""),
    run,
};

fn run(s: &Session, call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    opts.no_operands()?;
    let given = call.required_addr()?;
    let (v8, g, h) = (s.v8()?, s.graph("jssize")?, s.heap()?);
    let l = &v8.layout;
    let id = g.object(given, l)?;
    let retained = g.retained().sizes[id as usize];
    let dist = match g.dist[id as usize] {
        UNREACHABLE => "-".to_string(),
        d => d.to_string(),
    };
    let namer = Namer::new(&h, &v8.metadata, &g);
    if call.flags.header() {
        let _ = writeln!(out, "{:>16} {:>8} {:>10} {:>8} TYPE", "OBJECT", "SHALLOW", "RETAINED", "DISTANCE");
    }
    let addr = Addr(tagged(Addr(g.addrs[id as usize]), l));
    let _ =
        writeln!(out, "{:>16x} {:>8} {:>10} {:>8} {}", addr.0, g.sizes[id as usize], retained, dist, namer.label(id));
    Ok(())
}
