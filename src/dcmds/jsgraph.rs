//! `::jsgraph`: build the heap graph (if not built yet) and print what it holds.
//!
//! ```text
//! > ::jsgraph
//! jsgraph:                     heap objects => 44953
//! jsgraph:             shallow size (bytes) => 3334240
//! jsgraph:                       references => 287596
//! jsgraph:                  weak references => 5533
//! jsgraph:                            roots => 16259
//! jsgraph:                reachable objects => 42826
//! jsgraph:           reachable size (bytes) => 3117448
//! jsgraph:         sized by the next object => 1815
//! jsgraph: unreadable heap bytes (left out) => 0
//! jsgraph:     implausible free-list blocks => 0
//! jsgraph:   native memory searched (bytes) => 46221200
//! jsgraph:   free malloc bytes not searched => 84080
//! jsgraph:             Isolate size (bytes) => 63792
//! jsgraph:     Isolates bounded by a window => 0
//! jsgraph:                  eternal handles => 490
//! jsgraph:           elapsed time (seconds) => 0.05
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
walked word by word), the native memory searched for roots and the free chunks of
glibc's heap left out of it (they hold stale words of freed buffers), the bytes of the Isolates
whose words are roots and how many of them were taken as a window around their Heap
(their malloc chunk was not found: see ::help jsretainers), the eternal handles found
in them, and the build time.
::help jsretainers says what counts as a root.

Example (tests/fixtures/retainers.js, node 20):
  > ::jsgraph
  jsgraph:                     heap objects => 44953
  jsgraph:             shallow size (bytes) => 3334240
  jsgraph:                       references => 287596
  jsgraph:                  weak references => 5533
  jsgraph:                            roots => 16259
  jsgraph:                reachable objects => 42826
  jsgraph:           reachable size (bytes) => 3117448
  jsgraph:         sized by the next object => 1815
  jsgraph: unreadable heap bytes (left out) => 0
  jsgraph:     implausible free-list blocks => 0
  jsgraph:   native memory searched (bytes) => 46221200
  jsgraph:   free malloc bytes not searched => 84080
  jsgraph:             Isolate size (bytes) => 63792
  jsgraph:     Isolates bounded by a window => 0
  jsgraph:                  eternal handles => 490
  jsgraph:           elapsed time (seconds) => 0.05
",
    options: Spec(""),
    run,
};

fn run(s: &Session, _call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    opts.no_operands()?;
    let g = s.graph("jsgraph")?;
    let st = &g.stats;
    let rows: [(&str, String); 16] = [
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
        ("free malloc bytes not searched", st.free_malloc_bytes.to_string()),
        ("Isolate size (bytes)", st.isolate_bytes.to_string()),
        ("Isolates bounded by a window", st.isolates_by_window.to_string()),
        ("eternal handles", st.eternal_handles.to_string()),
        ("elapsed time (seconds)", format!("{:.2}", st.seconds)),
    ];
    for (label, value) in rows {
        let _ = writeln!(out, "jsgraph: {label:>32} => {value}");
    }
    Ok(())
}
