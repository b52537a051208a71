//! `::jsgraph`: build the heap graph (if not built yet) and print what it holds.
//!
//! ```text
//! > ::jsgraph
//! jsgraph:                     heap objects => 44867
//! jsgraph:             shallow size (bytes) => 3325368
//! jsgraph:                       references => 289825
//! jsgraph:                  weak references => 5489
//! jsgraph:                            roots => 19095
//! jsgraph:                reachable objects => 42821
//! jsgraph:           reachable size (bytes) => 3121496
//! jsgraph:         sized by the next object => 1801
//! jsgraph: unreadable heap bytes (left out) => 0
//! jsgraph:     implausible free-list blocks => 0
//! jsgraph:   native memory searched (bytes) => 782450688
//! jsgraph:           elapsed time (seconds) => 0.86
//! ```

use std::fmt::Write;

use super::Dcmd;
use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{Call, Session};
use crate::target::Result;

pub const DCMD: Dcmd = Dcmd {
    name: c"jsgraph",
    usage: c"",
    descr: c"build the heap graph and print its size",
    help: "Build the heap graph that ::jsretainers, ::jsfindrefs and ::findjsobjects -r use
(the first of them builds it; later commands reuse it), and print its counters: heap
objects of every kind and their shallow size, references (weak ones apart), roots,
what is reachable from a root, objects sized by the distance to the next object (types
without a size formula here), heap page bytes that could not be read (left out),
free-list blocks whose size cannot be true (a damaged core: what follows them is
walked word by word), the
native memory searched for roots, and the build time. ::help jsretainers says what
counts as a root.

Example (tests/fixtures/retainers.js, node 20):
  > ::jsgraph
  jsgraph:                     heap objects => 44867
  jsgraph:             shallow size (bytes) => 3325368
  jsgraph:                       references => 289825
  jsgraph:                  weak references => 5489
  jsgraph:                            roots => 19095
  jsgraph:                reachable objects => 42821
  jsgraph:           reachable size (bytes) => 3121496
  jsgraph:         sized by the next object => 1801
  jsgraph: unreadable heap bytes (left out) => 0
  jsgraph:     implausible free-list blocks => 0
//! jsgraph:     implausible free-list blocks => 0
  jsgraph:   native memory searched (bytes) => 782450688
  jsgraph:           elapsed time (seconds) => 0.86
",
    options: Spec(""),
    run,
};

fn run(s: &Session, _call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    opts.no_operands()?;
    let g = s.graph("jsgraph")?;
    let st = &g.stats;
    let rows: [(&str, String); 12] = [
        ("heap objects", st.objects.to_string()),
        ("shallow size (bytes)", st.bytes.to_string()),
        ("references", st.edges.to_string()),
        ("weak references", st.weak_edges.to_string()),
        ("roots", st.roots.to_string()),
        ("reachable objects", st.reachable.to_string()),
        ("reachable size (bytes)", st.reachable_bytes.to_string()),
        ("sized by the next object", st.sized_by_fallback.to_string()),
        ("unreadable heap bytes (left out)", st.unreadable_bytes.to_string()),
        ("implausible free-list blocks", st.implausible_free_blocks.to_string()),
        ("native memory searched (bytes)", st.native_bytes.to_string()),
        ("elapsed time (seconds)", format!("{:.2}", st.seconds)),
    ];
    for (label, value) in rows {
        let _ = writeln!(out, "jsgraph: {label:>32} => {value}");
    }
    Ok(())
}
