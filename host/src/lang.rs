//! The mdb command language, as far as the host supports it.
//!
//! ```text
//! line     := command (';' command)*
//! command  := stage ('|' stage)* ['!' shell-command]
//! stage    := [expr] [',' expr] '::' name arg*      a dcmd (or ::walk, ::load, ...)
//!           | '$q'                                  quit
//!           | expr                                  set dot (and repeat the last dcmd)
//! expr     := term (('+' | '-') term)*
//! term     := number | '.' | symbol                 numbers are hex unless 0t/0x/0o/0i
//! arg      := word | "quoted" | 'quoted' | $[expr]
//! ```
//!
//! Parsing yields [`Command`]s whose expressions are still text: they are evaluated when
//! the stage runs, so that `.` means the dot of that moment.

use anyhow::{anyhow, bail, Result};

/// One dcmd argument before evaluation.
#[derive(Clone, Debug, PartialEq)]
pub enum ArgText {
    /// A string argument (`MDB_TYPE_STRING`).
    Word(String),
    /// `$[expr]`, an immediate value (`MDB_TYPE_IMMEDIATE`).
    Immediate(String),
}

/// One stage of a pipeline.
#[derive(Clone, Debug, PartialEq)]
pub enum Stage {
    /// `[addr][,count]::name args`.
    Dcmd { addr: Option<String>, count: Option<String>, name: String, args: Vec<ArgText> },
    /// A bare expression: sets dot.
    Expr(String),
    /// `$q`.
    Quit,
}

/// A pipeline, optionally with its output sent to a shell command.
#[derive(Clone, Debug, PartialEq)]
pub struct Command {
    pub stages: Vec<Stage>,
    pub shell: Option<String>,
}

/// Split `text` at top-level occurrences of `sep`, honouring quotes and `$[...]`.
fn split_top(text: &str, sep: char) -> Result<Vec<&str>> {
    let mut parts = Vec::new();
    let (mut quote, mut depth, mut start) = (None, 0usize, 0);
    let bytes: Vec<(usize, char)> = text.char_indices().collect();
    for (i, &(pos, c)) in bytes.iter().enumerate() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[') if i > 0 && bytes[i - 1].1 == '$' => depth += 1,
            (None, ']') if depth > 0 => depth -= 1,
            (None, c) if c == sep && depth == 0 => {
                parts.push(&text[start..pos]);
                start = pos + c.len_utf8();
            }
            _ => {}
        }
    }
    if quote.is_some() {
        bail!("syntax error: unterminated quoted string");
    }
    parts.push(&text[start..]);
    Ok(parts)
}

/// Parse one input line into commands.
pub fn parse_line(line: &str) -> Result<Vec<Command>> {
    let mut commands = Vec::new();
    let mut rest = line;
    // `!` takes the rest of the line, `;` included, so split it off first.
    let mut shell_tail = None;
    let bang = split_top(rest, '!')?;
    if bang.len() > 1 {
        let first_len = bang[0].len();
        shell_tail = Some(rest[first_len + 1..].trim().to_string());
        rest = &rest[..first_len];
    }
    let pieces = split_top(rest, ';')?;
    let last = pieces.len() - 1;
    for (i, piece) in pieces.into_iter().enumerate() {
        let shell = if i == last { shell_tail.take() } else { None };
        if piece.trim().is_empty() {
            if shell.is_some() {
                bail!("syntax error: '!' needs a command before it");
            }
            continue;
        }
        let stages = split_top(piece, '|')?.into_iter().map(parse_stage).collect::<Result<Vec<_>>>()?;
        commands.push(Command { stages, shell });
    }
    Ok(commands)
}

fn parse_stage(text: &str) -> Result<Stage> {
    let text = text.trim();
    if text.is_empty() {
        bail!("syntax error: empty pipeline stage");
    }
    if text == "$q" {
        return Ok(Stage::Quit);
    }
    let Some(colons) = text.find("::") else {
        if text.starts_with('$') || text.contains(char::is_whitespace) {
            bail!("syntax error: unsupported command \"{text}\" (dcmds are invoked as [addr]::name)");
        }
        return Ok(Stage::Expr(text.to_string()));
    };
    let (prefix, rest) = (text[..colons].trim(), &text[colons + 2..]);
    let (addr, count) = match prefix.split_once(',') {
        Some((a, c)) => (non_empty(a), non_empty(c)),
        None => (non_empty(prefix), None),
    };
    if prefix.contains(',') && count.is_none() {
        bail!("syntax error: missing count after ','");
    }
    let mut words = split_words(rest)?.into_iter();
    let name = match words.next() {
        Some(ArgText::Word(w)) => w,
        _ => bail!("syntax error: missing dcmd name after '::'"),
    };
    Ok(Stage::Dcmd { addr, count, name, args: words.collect() })
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// Split arguments at white space, with quotes and `$[expr]`.
fn split_words(text: &str) -> Result<Vec<ArgText>> {
    let mut words = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == '$' {
            chars.next();
            if chars.peek() == Some(&'[') {
                chars.next();
                let expr: String = chars.by_ref().take_while(|&c| c != ']').collect();
                words.push(ArgText::Immediate(expr));
                continue;
            }
            let mut w = String::from("$");
            while let Some(&c) = chars.peek().filter(|c| !c.is_whitespace()) {
                w.push(c);
                chars.next();
            }
            words.push(ArgText::Word(w));
            continue;
        }
        let mut word = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                break;
            }
            chars.next();
            if c == '"' || c == '\'' {
                let quoted: String = chars.by_ref().take_while(|&q| q != c).collect();
                word.push_str(&quoted);
            } else {
                word.push(c);
            }
        }
        words.push(ArgText::Word(word));
    }
    Ok(words)
}

/// Parse a number with mdb's rules: hexadecimal unless prefixed by 0t, 0x, 0o or 0i.
pub fn parse_number(s: &str) -> Option<u64> {
    let (digits, radix) = split_radix(s);
    if digits.is_empty() {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// A number's digits and radix, from its prefix.
fn split_radix(s: &str) -> (&str, u32) {
    match s.get(..2).map(str::to_ascii_lowercase).as_deref() {
        Some("0x") => (&s[2..], 16),
        Some("0t") => (&s[2..], 10),
        Some("0o") => (&s[2..], 8),
        Some("0i") => (&s[2..], 2),
        _ => (s, 16),
    }
}

/// Every digit is valid in the number's radix (so a failed parse was an overflow).
fn valid_digits(s: &str) -> bool {
    let (digits, radix) = split_radix(s);
    !digits.is_empty() && digits.chars().all(|c| c.is_digit(radix))
}

/// Evaluate an expression: numbers, `.` (dot) and symbols joined by `+` and `-`.
///
/// As in mdb's lexer, a term of hex digits that starts with a letter (`deadbeef`) is a
/// symbol if the target has one by that name, and a number otherwise; a term that starts
/// with a digit is always a number; any other term must be a symbol.
pub fn eval(expr: &str, dot: u64, symbol: &dyn Fn(&str) -> Option<u64>) -> Result<u64> {
    let mut total: u64 = 0;
    let mut sign = '+';
    let mut rest = expr.trim();
    if rest.is_empty() {
        bail!("syntax error: empty expression");
    }
    loop {
        let end = rest.find(['+', '-']).unwrap_or(rest.len());
        let term = rest[..end].trim();
        let number = |t: &str| match parse_number(t) {
            Some(v) => Ok(v),
            None if t.chars().all(|c| c.is_ascii_alphanumeric()) && !t.is_empty() && valid_digits(t) => {
                bail!("specified value exceeds maximum immediate value")
            }
            None => bail!("syntax error near \"{t}\""),
        };
        let value = match term {
            "." => dot,
            "" => bail!("syntax error near \"{expr}\""),
            t if t.starts_with(|c: char| c.is_ascii_digit()) => number(t)?,
            t if t.chars().all(|c| c.is_ascii_hexdigit()) => match symbol(t) {
                Some(v) => v,
                None => number(t)?,
            },
            t => symbol(t).ok_or_else(|| anyhow!("failed to dereference symbol: unknown symbol name"))?,
        };
        total = if sign == '+' { total.wrapping_add(value) } else { total.wrapping_sub(value) };
        if end == rest.len() {
            return Ok(total);
        }
        sign = rest[end..].chars().next().unwrap_or('+');
        rest = &rest[end + 1..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dcmd(addr: Option<&str>, count: Option<&str>, name: &str, args: &[&str]) -> Stage {
        Stage::Dcmd {
            addr: addr.map(str::to_string),
            count: count.map(str::to_string),
            name: name.to_string(),
            args: args.iter().map(|a| ArgText::Word(a.to_string())).collect(),
        }
    }

    #[test]
    fn pipelines_semicolons_and_shell() {
        let cmds = parse_line("::findjsobjects -c Foo | ::findjsobjects | ::jsprint; ::walk jsobj; x").unwrap();
        assert_eq!(cmds.len(), 3);
        assert_eq!(
            cmds[0].stages,
            vec![
                dcmd(None, None, "findjsobjects", &["-c", "Foo"]),
                dcmd(None, None, "findjsobjects", &[]),
                dcmd(None, None, "jsprint", &[])
            ]
        );
        assert_eq!(cmds[1].stages, vec![dcmd(None, None, "walk", &["jsobj"])]);
        assert_eq!(cmds[2].stages, vec![Stage::Expr("x".into())]);
        let cmds = parse_line("::dcmds ! grep a; wc").unwrap();
        assert_eq!(cmds[0].shell.as_deref(), Some("grep a; wc"));
    }

    #[test]
    fn addresses_counts_quotes_immediates() {
        let cmds = parse_line("fb121439,0t3::jsprint -d 1 \"a b\" 'c;d' $[10+2]").unwrap();
        assert_eq!(
            cmds[0].stages[0],
            Stage::Dcmd {
                addr: Some("fb121439".into()),
                count: Some("0t3".into()),
                name: "jsprint".into(),
                args: vec![
                    ArgText::Word("-d".into()),
                    ArgText::Word("1".into()),
                    ArgText::Word("a b".into()),
                    ArgText::Word("c;d".into()),
                    ArgText::Immediate("10+2".into())
                ],
            }
        );
        assert_eq!(parse_line("$q").unwrap()[0].stages, vec![Stage::Quit]);
    }

    #[test]
    fn syntax_errors() {
        assert!(parse_line("::jsprint \"open").is_err());
        assert!(parse_line("a | | b").is_err());
        assert!(parse_line("a,::x").is_err());
        assert!(parse_line(":: ").is_err());
        assert!(parse_line("hello world").is_err());
    }

    #[test]
    fn expressions() {
        let sym = |s: &str| (s == "main").then_some(0x1000);
        assert_eq!(eval("10", 0, &sym).unwrap(), 0x10);
        assert_eq!(eval("0t10+0x10-.", 2, &sym).unwrap(), 24);
        assert_eq!(eval("main+8", 0, &sym).unwrap(), 0x1008);
        assert_eq!(eval("fb121439", 0, &sym).unwrap(), 0xfb121439);
        assert!(eval("nosuch", 0, &sym).is_err());
        assert!(eval("1+", 0, &sym).is_err());
        // Hex digits that start with a letter are a symbol first, as in mdb's lexer.
        let sym = |s: &str| (s == "beef").then_some(0x1000);
        assert_eq!(eval("beef", 0, &sym).unwrap(), 0x1000);
        assert_eq!(eval("0xbeef", 0, &sym).unwrap(), 0xbeef);
        assert_eq!(eval("0beef", 0, &sym).unwrap(), 0xbeef);
        assert_eq!(eval("bee", 0, &sym).unwrap(), 0xbee);
        let err = |e: &str| eval(e, 0, &sym).unwrap_err().to_string();
        assert_eq!(err("beefx"), "failed to dereference symbol: unknown symbol name");
        assert_eq!(err("1ffffffffffffffff"), "specified value exceeds maximum immediate value");
        assert_eq!(err("0t12a"), "syntax error near \"0t12a\"");
    }
}
