//! `addr::v8whatis`: the V8 heap object that contains an address, and the offset.
//!
//! ```text
//! > 126deaddfbe9+c::v8whatis -v
//! 126deaddfbe9 (found Map at 126deaddfbe9 (126deaddfbf5-0xc) for type JSObject)
//! ```

use std::fmt::Write;

use super::Dcmd;
use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{Call, Session};
use crate::target::{Addr, Error, Result};
use crate::v8::value::tagged;

pub const DCMD: Dcmd = Dcmd {
    name: c"v8whatis",
    usage: c":[-v] [-d bytes]",
    descr: c"attempt to identify containing V8 heap object",
    help: "Print the V8 heap object that contains ADDR (tagged, as the other commands print
objects): the object itself for its own address, else the object whose body holds
ADDR, such as the FixedArray an element pointer is stored in, or the JSObject whose
field is at ADDR. ADDR may be tagged or not, aligned or not (a word found by a memory
search is untagged). Where mdb_v8 walked back from ADDR to the nearest word that
points to a Map, this asks the heap graph (every object of every space with its size,
built the first time as ::jsgraph does), so it never mistakes a look-alike inside an
object for an object start.

An address that is in no heap object (free space, native memory, an unmapped address)
is a one-line error, and so is an object that starts more than `bytes` before ADDR.

Options:
  -v        say where the object starts relative to ADDR and its type:
            BASE (found Map at BASE (ADDR-0xOFFSET) for type TYPE)
  -d bytes  the object must start less than bytes before ADDR (default 4096, as
            mdb_v8's walk back): otherwise `no heap object found in previous N bytes`

Example (tests/fixtures/closures.js, node 20: {myArray: [1, {aTest: 'hello_world'}]}):
  > 126deaddfbe9::v8whatis -v
  126deaddfbe9 (found Map at 126deaddfbe9 (126deaddfbe9-0x0) for type JSObject)
  > 126deaddfbe9+c::v8whatis -v
  126deaddfbe9 (found Map at 126deaddfbe9 (126deaddfbf5-0xc) for type JSObject)
  > 126deaddfbe9+c::v8whatis -v -d4
  mdb: v8whatis: 126deaddfbf5: no heap object found in previous 4 bytes
  > 126deaddfc20::v8whatis -v           (the slot of myArray[1] in the array's elements)
  126deaddfc09 (found Map at 126deaddfc09 (126deaddfc20-0x18) for type FixedArray)
  > 126deaddfc00::v8whatis              (the object's in-object field myArray)
  126deaddfbe9
",
    options: Spec("vd:"),
    run,
};

/// How far back the object may start by default (mdb_v8's `-d` default).
const DEFAULT_BYTES: u64 = 4096;

fn run(s: &Session, call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    opts.no_operands()?;
    let given = call.required_addr()?;
    let max = opts.number('d', DEFAULT_BYTES)?;
    let (v8, g) = (s.v8()?, s.graph("v8whatis")?);
    let l = &v8.layout;
    let word = given.0 & !(l.pointer_size - 1);
    let id = g.containing(Addr(word)).ok_or(Error::Msg(format!("{given} is not inside a V8 heap object")))?;
    let start = g.addrs[id as usize];
    if word - start >= max {
        return Err(Error::Msg(format!("{given}: no heap object found in previous {max} bytes")));
    }
    let base = tagged(Addr(start), l);
    if !opts.flag('v') {
        let _ = writeln!(out, "{base:x}");
        return Ok(());
    }
    let ty = g.types[id as usize];
    let name = l.type_label(ty);
    // The offset from the tagged base: a tagged address gives its own distance, an
    // untagged one its distance from the object's first byte.
    let offset = (given.0 | l.heap_object_tag) - base;
    let _ = writeln!(out, "{base:x} (found Map at {base:x} ({given}-{offset:#x}) for type {name})");
    Ok(())
}
