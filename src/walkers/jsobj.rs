//! `::walk jsobj`: every JavaScript object the `::findjsobjects` scan found.

use super::{Walk, Walker};
use crate::mdb::Session;
use crate::target::{Addr, Error, Result};
use crate::v8::value::tagged;

pub const WALKER: Walker =
    Walker { name: c"jsobj", descr: c"every JavaScript object in the heap (scans it the first time)", start };

fn start(s: &Session, addr: Option<Addr>) -> Result<Walk> {
    if addr.is_some() {
        return Err(Error::Usage("jsobj walks the whole heap and takes no address".into()));
    }
    let (census, _) = s.census("jsobj")?;
    let layout = s.v8()?.layout.clone();
    let groups = census.groups.len();
    // Walk (group, index) pairs: the iterator owns the census, not borrows of it.
    Ok(Box::new((0..groups).flat_map(move |g| {
        let census = census.clone();
        let n = census.groups[g].count();
        let layout = layout.clone();
        (0..n).map(move |i| Addr(tagged(Addr(census.instances(&census.groups[g])[i]), &layout)))
    })))
}
