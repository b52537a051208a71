//! `::walk findjsobjects`: the representative of each group `::findjsobjects` prints.

use super::{Walk, Walker};
use crate::mdb::Session;
use crate::target::{Addr, Error, Result};
use crate::v8::value::tagged;

pub const WALKER: Walker =
    Walker { name: c"findjsobjects", descr: c"the representative object of each ::findjsobjects group", start };

fn start(s: &Session, addr: Option<Addr>) -> Result<Walk> {
    if addr.is_some() {
        return Err(Error::Usage("the findjsobjects walker takes no address".into()));
    }
    let (census, _) = s.census("findjsobjects")?;
    let l = &s.v8()?.layout;
    let reps: Vec<Addr> = census
        .groups
        .iter()
        .filter(|g| !g.malformed())
        .map(|g| Addr(tagged(Addr(census.instances(g)[0]), l)))
        .collect();
    Ok(Box::new(reps.into_iter()))
}
