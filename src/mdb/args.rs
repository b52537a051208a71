//! Dcmd arguments, parsed in Rust with mdb's rules (we never call the variadic
//! `mdb_getopts`, and never `mdb_strtoull`, which longjmps on a bad digit).
//!
//! - Options come first; parsing stops at the first argument that is not `-x…` (an
//!   immediate value stops it too) and at `--`, which is left in place.
//! - Letters bundle (`-vl`); a value may be attached (`-d3`) or be the next argument.
//! - Numbers are hexadecimal unless prefixed: `0x` hex, `0t` decimal, `0o` octal, `0i` binary.

use crate::target::{Error, Result};

/// One argument as mdb passed it.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    /// `MDB_TYPE_STRING`: a bare or quoted word.
    Str(String),
    /// `MDB_TYPE_IMMEDIATE`: a `$[expr]` value.
    Imm(u64),
}

impl Arg {
    /// The argument as a number, with mdb's radix rules.
    pub fn number(&self) -> Result<u64> {
        match self {
            Arg::Imm(v) => Ok(*v),
            Arg::Str(s) => parse_number(s),
        }
    }

    /// The argument as text (an immediate prints in hex, as mdb would show it).
    pub fn text(&self) -> String {
        match self {
            Arg::Str(s) => s.clone(),
            Arg::Imm(v) => format!("{v:x}"),
        }
    }
}

/// Parse a number the way `mdb_strtoull` does in the default radix (16).
pub fn parse_number(s: &str) -> Result<u64> {
    let lower = s.to_ascii_lowercase();
    let (digits, radix) = match lower.get(..2) {
        Some("0x") => (&lower[2..], 16),
        Some("0t") => (&lower[2..], 10),
        Some("0o") => (&lower[2..], 8),
        Some("0i") => (&lower[2..], 2),
        _ => (&lower[..], 16),
    };
    if digits.is_empty() {
        return Err(Error::Usage(format!("invalid number: \"{s}\"")));
    }
    u64::from_str_radix(digits, radix).map_err(|_| Error::Usage(format!("invalid number: \"{s}\"")))
}

/// The options a dcmd accepts, getopt-style: each letter, followed by `:` if it takes a
/// value. For example `"abd:N:"`.
pub struct Spec(pub &'static str);

impl Spec {
    fn takes_value(&self, c: char) -> Option<bool> {
        let mut chars = self.0.chars().peekable();
        while let Some(o) = chars.next() {
            let value = chars.peek() == Some(&':');
            if value {
                chars.next();
            }
            if o == c {
                return Some(value);
            }
        }
        None
    }
}

/// Parsed options and the remaining operands.
#[derive(Debug, Default)]
pub struct Opts {
    flags: Vec<char>,
    values: Vec<(char, Arg)>,
    /// Arguments after the options, in order.
    pub operands: Vec<Arg>,
}

impl Opts {
    /// Parse `args` against `spec`. An unknown option or a missing value is a usage error.
    pub fn parse(args: &[Arg], spec: &Spec) -> Result<Opts> {
        let mut opts = Opts::default();
        let mut i = 0;
        while i < args.len() {
            let Arg::Str(word) = &args[i] else { break };
            if word.len() < 2 || !word.starts_with('-') || word.starts_with("--") {
                break;
            }
            i += 1;
            for (pos, c) in word.char_indices().skip(1) {
                match spec.takes_value(c) {
                    None => return Err(Error::Usage(format!("illegal option -- {c}"))),
                    Some(false) => opts.flags.push(c),
                    Some(true) => {
                        let rest = &word[pos + c.len_utf8()..];
                        let value = if !rest.is_empty() {
                            Arg::Str(rest.to_string())
                        } else if i < args.len() {
                            i += 1;
                            args[i - 1].clone()
                        } else {
                            return Err(Error::Usage(format!("option requires an argument -- {c}")));
                        };
                        opts.values.retain(|(o, _)| *o != c);
                        opts.values.push((c, value));
                        break;
                    }
                }
            }
        }
        opts.operands = args[i..].to_vec();
        Ok(opts)
    }

    /// Whether flag `c` was given.
    pub fn flag(&self, c: char) -> bool {
        self.flags.contains(&c)
    }

    /// The value of option `c`, if given (the last one wins).
    pub fn value(&self, c: char) -> Option<&Arg> {
        self.values.iter().find(|(o, _)| *o == c).map(|(_, v)| v)
    }

    /// The value of option `c` as a string.
    pub fn string(&self, c: char) -> Option<String> {
        self.value(c).map(Arg::text)
    }

    /// The value of option `c` as a number, or `default`.
    pub fn number(&self, c: char, default: u64) -> Result<u64> {
        self.value(c).map_or(Ok(default), Arg::number)
    }

    /// Fail with a usage error when there are operands the dcmd does not take.
    pub fn no_operands(&self) -> Result<()> {
        match self.operands.first() {
            None => Ok(()),
            Some(a) => Err(Error::Usage(format!("unexpected argument \"{}\"", a.text()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strs(v: &[&str]) -> Vec<Arg> {
        v.iter().map(|s| Arg::Str(s.to_string())).collect()
    }

    #[test]
    fn numbers_follow_mdb_radix_rules() {
        assert_eq!(parse_number("10").unwrap(), 16);
        assert_eq!(parse_number("0t10").unwrap(), 10);
        assert_eq!(parse_number("0x1F").unwrap(), 31);
        assert_eq!(parse_number("0o17").unwrap(), 15);
        assert_eq!(parse_number("0i101").unwrap(), 5);
        assert!(parse_number("0t1a").is_err());
        assert!(parse_number("0x").is_err());
        assert!(parse_number("zz").is_err());
        assert_eq!(Arg::Imm(7).number().unwrap(), 7);
    }

    #[test]
    fn bundled_attached_and_separate_values() {
        let spec = Spec("abd:N:");
        let o = Opts::parse(&strs(&["-ab", "-d3", "-N", "0t100", "x.y", "-a"]), &spec).unwrap();
        assert!(o.flag('a') && o.flag('b'));
        assert_eq!(o.number('d', 2).unwrap(), 3);
        assert_eq!(o.number('N', 0).unwrap(), 100);
        assert_eq!(o.operands, strs(&["x.y", "-a"]));
    }

    #[test]
    fn stops_at_double_dash_and_immediates() {
        let spec = Spec("v");
        let o = Opts::parse(&strs(&["-v", "--", "-v"]), &spec).unwrap();
        assert_eq!(o.operands, strs(&["--", "-v"]));
        let o = Opts::parse(&[Arg::Imm(5), Arg::Str("-v".into())], &spec).unwrap();
        assert!(!o.flag('v'));
        assert_eq!(o.operands.len(), 2);
    }

    #[test]
    fn errors_name_the_option() {
        let spec = Spec("vc:");
        let e = Opts::parse(&strs(&["-x"]), &spec).unwrap_err();
        assert_eq!(e.to_string(), "illegal option -- x");
        let e = Opts::parse(&strs(&["-c"]), &spec).unwrap_err();
        assert_eq!(e.to_string(), "option requires an argument -- c");
    }
}
