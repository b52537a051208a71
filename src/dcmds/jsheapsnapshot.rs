#![doc = concat!("`::jsheapsnapshot`: the heap as a DevTools heap snapshot.\n\n```text\n", include_str!("jsheapsnapshot.help"), "```")]

use std::fmt::Write;
use std::path::Path;

use super::Dcmd;
use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::progress;
use crate::mdb::{Call, Session};
use crate::target::{Addr, Error, Result};
use crate::v8::heapsnapshot::{self, id_of_object, object_of_id};
use crate::v8::refs::Namer;
use crate::v8::value::tagged;

pub const DCMD: Dcmd = Dcmd {
    name: c"jsheapsnapshot",
    usage: c"[-i id] [file]",
    descr: c"write the heap as a DevTools .heapsnapshot file",
    help: include_str!("jsheapsnapshot.help"),
    options: Spec("i:"),
    run,
};

fn run(s: &Session, call: &Call, opts: &Opts, out: &mut Output) -> Result<()> {
    let (v8, g, h) = (s.v8()?, s.graph("jsheapsnapshot")?, s.heap()?);
    if let Some(addr) = call.addr {
        opts.no_operands()?;
        if opts.string('i').is_some() {
            return Err(Error::Usage("-i takes an id instead of an address: give one or the other".into()));
        }
        let object = g.object(addr, &v8.layout)?;
        let id = id_of_object(&g, object)
            .ok_or(Error::Msg(format!("{:x} is garbage (no root reaches it): the snapshot leaves it out", addr.0)))?;
        let _ = writeln!(out, "{id}");
        return Ok(());
    }
    if let Some(id) = opts.string('i') {
        opts.no_operands()?;
        let number = match id.strip_prefix("0x").or_else(|| id.strip_prefix("0t")) {
            Some(_) => crate::mdb::args::parse_number(&id)?,
            None => id.parse().map_err(|_| Error::Usage(format!("-i takes a snapshot node id, not \"{id}\"")))?,
        };
        let object = object_of_id(&g, number)
            .ok_or(Error::Msg(format!("@{number} is not an object node of this core's snapshot")))?;
        out.addr(Addr(tagged(Addr(g.addrs[object as usize]), &v8.layout)));
        return Ok(());
    }
    let [file] = opts.operands.as_slice() else {
        return Err(Error::Usage("name the file to write (e.g. ::jsheapsnapshot /var/tmp/core.heapsnapshot)".into()));
    };
    let path = file.text();
    let namer = Namer::new(&h, &v8.metadata, &g);
    let w = heapsnapshot::write(&namer, Path::new(&path), &mut progress("jsheapsnapshot", "writing the snapshot"))?;
    let _ =
        writeln!(out, "wrote {path}: {} nodes, {} edges, {} strings, {} bytes", w.nodes, w.edges, w.strings, w.bytes);
    Ok(())
}
