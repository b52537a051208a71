//! The host's readers of untrusted input, as a library: the ELF core and process targets
//! ([`target`]) and the command language ([`lang`]). The `mdb` binary is built on it, and so
//! are the fuzz targets (`fuzz/`), which feed these parsers arbitrary bytes.

pub mod lang;
pub mod target;
