//! Tokenizer and recursive-descent parser for ConnectWise conditions.
//!
//! Grammar (keywords case-insensitive; `AND` binds tighter than `OR`):
//! ```text
//! expr       := and_expr ( "or" and_expr )*
//! and_expr   := primary ( "and" primary )*
//! primary    := "(" expr ")" | comparison
//! comparison := field op value
//! field      := name ( "/" name )*          name := [A-Za-z_][A-Za-z0-9_]*
//! op         := "=" | "!=" | "<" | "<=" | ">" | ">=" | "contains" | "like" | "in"
//!             | "not" ( "contains" | "like" | "in" )
//! value      := string | number | "true" | "false" | "null" | "[" datetime "]"
//!             | "(" value ( "," value )* ")"          (after in / not in only)
//! ```
//! Strings are quoted with `"` or `'` and run to the next same quote: ConnectWise
//! documents no escape sequence, so none is read (a backslash is an ordinary
//! character). Control characters are refused inside strings; newlines and tabs
//! count as spaces between tokens.

use super::ast::{Comparison, Expr, FieldPath, Number, Operator, Span, Text, Value};

/// A conditions syntax error: where, what was expected, and what stood there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("conditions syntax error at byte {position}: expected {expected}, found {found}")]
pub struct ParseError {
    /// Byte offset of the problem in the conditions text.
    pub position: usize,
    /// What the parser wanted there.
    pub expected: String,
    /// What it saw instead, quoted, or `end of input`.
    pub found: String,
}

/// Parses a conditions string into an [`Expr`].
pub fn parse(input: &str) -> Result<Expr, ParseError> {
    let tokens = tokenize(input)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        input_len: input.len(),
    };
    if parser.tokens.is_empty() {
        return Err(parser.error("a condition such as status/name = \"Open\""));
    }
    let expr = parser.expr(0)?;
    match parser.peek() {
        None => Ok(expr),
        Some(Token {
            kind: TokenKind::RParen,
            ..
        }) => Err(parser.error("end of conditions (this `)` has no matching `(`)")),
        Some(_) => Err(parser.error("AND, OR or end of conditions")),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum TokenKind {
    Word(String),
    Text(String),
    Number(String),
    DateTime(String),
    Symbol(&'static str),
    LParen,
    RParen,
    Comma,
}

#[derive(Debug, Clone)]
struct Token {
    kind: TokenKind,
    span: Span,
}

const MAX_DEPTH: usize = 64;

fn describe(input: &str, span: Span) -> String {
    let text = &input[span.start..span.end];
    let shown: String = text.chars().take(40).collect();
    format!("`{shown}`")
}

fn tokenize(input: &str) -> Result<Vec<Token>, ParseError> {
    let bytes = input.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let (kind, end) = match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'(' => (TokenKind::LParen, i + 1),
            b')' => (TokenKind::RParen, i + 1),
            b',' => (TokenKind::Comma, i + 1),
            b'=' => (TokenKind::Symbol("="), i + 1),
            b'!' if bytes.get(i + 1) == Some(&b'=') => (TokenKind::Symbol("!="), i + 2),
            b'<' | b'>' => {
                let eq = bytes.get(i + 1) == Some(&b'=');
                let symbol = match (c, eq) {
                    (b'<', true) => "<=",
                    (b'<', false) => "<",
                    (_, true) => ">=",
                    _ => ">",
                };
                (TokenKind::Symbol(symbol), i + 1 + usize::from(eq))
            }
            b'"' | b'\'' => text(input, i)?,
            b'[' => date(input, i)?,
            b'0'..=b'9' | b'-' => number(input, i)?,
            c if c.is_ascii_alphabetic() || c == b'_' => word(input, i)?,
            _ => return Err(unexpected(input, i)),
        };
        i = end;
        tokens.push(Token {
            kind,
            span: Span { start, end },
        });
    }
    Ok(tokens)
}

fn fail(position: usize, expected: &str, found: String) -> ParseError {
    ParseError {
        position,
        expected: expected.to_owned(),
        found,
    }
}

/// A quoted text at `start` (either quote), and where it ends.
fn text(input: &str, start: usize) -> Result<(TokenKind, usize), ParseError> {
    let quote = input.as_bytes()[start] as char;
    let close = input[start + 1..]
        .find(quote)
        .map(|offset| start + 1 + offset)
        .ok_or_else(|| {
            fail(
                input.len(),
                &format!("a closing {quote} for the string opened at byte {start}"),
                "end of input".into(),
            )
        })?;
    let content = &input[start + 1..close];
    if let Some((offset, ch)) = content.char_indices().find(|(_, ch)| ch.is_control()) {
        return Err(fail(
            start + 1 + offset,
            "printable text inside a string",
            format!("control character U+{:04X}", ch as u32),
        ));
    }
    Ok((TokenKind::Text(content.to_owned()), close + 1))
}

/// A bracketed date at `start`, and where it ends.
fn date(input: &str, start: usize) -> Result<(TokenKind, usize), ParseError> {
    let close = input[start..]
        .find(']')
        .map(|offset| start + offset)
        .ok_or_else(|| {
            fail(
                input.len(),
                &format!("a closing ] for the date opened at byte {start}"),
                "end of input".into(),
            )
        })?;
    let content = input[start + 1..close].trim();
    if !is_datetime(content) {
        return Err(fail(
            start + 1,
            "a UTC date or datetime such as [2024-01-31] or [2024-01-31T18:04:26Z]",
            format!("`[{content}]`"),
        ));
    }
    Ok((TokenKind::DateTime(content.to_owned()), close + 1))
}

/// A number (a sign, digits, a fraction) at `start`, and where it ends.
fn number(input: &str, start: usize) -> Result<(TokenKind, usize), ParseError> {
    let bytes = input.as_bytes();
    let digits = |from: usize| {
        let mut end = from;
        while end < bytes.len() && bytes[end].is_ascii_digit() {
            end += 1;
        }
        end
    };
    let digits_start = start + usize::from(bytes[start] == b'-');
    let mut end = digits(digits_start);
    if end == digits_start {
        let span = Span {
            start,
            end: start + 1,
        };
        return Err(fail(start, "a number", describe(input, span)));
    }
    if bytes.get(end) == Some(&b'.') {
        let fraction_start = end + 1;
        end = digits(fraction_start);
        if end == fraction_start {
            return Err(fail(
                end,
                "digits after the decimal point",
                found_at(input, end),
            ));
        }
    }
    if bytes
        .get(end)
        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
    {
        return Err(fail(
            end,
            "a space or operator after the number",
            found_at(input, end),
        ));
    }
    Ok((TokenKind::Number(input[start..end].to_owned()), end))
}

/// A word (a keyword or a field path with `/`) at `start`, and where it ends.
fn word(input: &str, start: usize) -> Result<(TokenKind, usize), ParseError> {
    let bytes = input.as_bytes();
    let mut end = start;
    loop {
        while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
            end += 1;
        }
        let next_is_name = bytes
            .get(end + 1)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_');
        if bytes.get(end) == Some(&b'/') && next_is_name {
            end += 1;
        } else if bytes.get(end) == Some(&b'/') {
            return Err(fail(
                end + 1,
                "a field name after `/`",
                found_at(input, end + 1),
            ));
        } else {
            return Ok((TokenKind::Word(input[start..end].to_owned()), end));
        }
    }
}

/// The error for a character no token starts with.
fn unexpected(input: &str, position: usize) -> ParseError {
    let ch = input[position..].chars().next().unwrap_or('?');
    let found = if ch.is_control() {
        format!("control character U+{:04X}", ch as u32)
    } else {
        format!("`{ch}`")
    };
    fail(
        position,
        "a field name, operator, value, `(`, `)` or `,` (quote text values)",
        found,
    )
}

fn found_at(input: &str, position: usize) -> String {
    match input[position.min(input.len())..].chars().next() {
        Some(ch) => format!("`{ch}`"),
        None => "end of input".to_owned(),
    }
}

/// `YYYY-MM-DD`, optionally `THH:MM`, `:SS`, `.fraction`, and `Z` or `±HH:MM`.
pub(crate) fn is_datetime(s: &str) -> bool {
    fn num(s: &str, range: std::ops::RangeInclusive<u32>) -> bool {
        s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u32>().is_ok_and(|n| range.contains(&n))
    }
    let (date, time) = match s.split_once(['T', 't', ' ']) {
        Some((date, time)) => (date, Some(time)),
        None => (s, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let date_ok = parts.len() == 3
        && parts[0].len() == 4
        && num(parts[0], 1..=9999)
        && parts[1].len() == 2
        && num(parts[1], 1..=12)
        && parts[2].len() == 2
        && num(parts[2], 1..=31);
    let Some(time) = time else { return date_ok };
    let time = time.strip_suffix(['Z', 'z']).unwrap_or(time);
    let time = match time.rfind(['+', '-']) {
        Some(at) if at > 0 => {
            let offset = &time[at + 1..];
            let ok = offset.is_ascii()
                && offset.len() == 5
                && num(&offset[..2], 0..=23)
                && &offset[2..3] == ":"
                && num(&offset[3..], 0..=59);
            if !ok {
                return false;
            }
            &time[..at]
        }
        _ => time,
    };
    let (clock, fraction) = match time.split_once('.') {
        Some((clock, fraction)) => (clock, Some(fraction)),
        None => (time, None),
    };
    let fields: Vec<&str> = clock.split(':').collect();
    let clock_ok = matches!(fields.len(), 2 | 3)
        && fields.iter().all(|f| f.len() == 2)
        && num(fields[0], 0..=23)
        && num(fields[1], 0..=59)
        && fields.get(2).is_none_or(|s| num(s, 0..=59));
    let fraction_ok = fraction.is_none_or(|f| {
        !f.is_empty() && fields.len() == 3 && f.bytes().all(|b| b.is_ascii_digit())
    });
    date_ok && clock_ok && fraction_ok
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    input_len: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_word(&self) -> Option<String> {
        match self.peek() {
            Some(Token {
                kind: TokenKind::Word(w),
                ..
            }) => Some(w.to_ascii_lowercase()),
            _ => None,
        }
    }

    fn here(&self) -> usize {
        self.peek().map_or(self.input_len, |t| t.span.start)
    }

    fn found(&self) -> String {
        match self.peek() {
            None => "end of input".to_owned(),
            Some(token) => match &token.kind {
                TokenKind::Word(w) => format!("`{w}`"),
                TokenKind::Text(t) => {
                    format!("the string \"{}\"", t.chars().take(40).collect::<String>())
                }
                TokenKind::Number(n) => format!("`{n}`"),
                TokenKind::DateTime(d) => format!("`[{d}]`"),
                TokenKind::Symbol(s) => format!("`{s}`"),
                TokenKind::LParen => "`(`".to_owned(),
                TokenKind::RParen => "`)`".to_owned(),
                TokenKind::Comma => "`,`".to_owned(),
            },
        }
    }

    fn error(&self, expected: &str) -> ParseError {
        ParseError {
            position: self.here(),
            expected: expected.to_owned(),
            found: self.found(),
        }
    }

    fn expr(&mut self, depth: usize) -> Result<Expr, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.error(&format!("at most {MAX_DEPTH} nested parentheses")));
        }
        let mut operands = vec![self.and_expr(depth)?];
        while self.peek_word().as_deref() == Some("or") {
            self.pos += 1;
            operands.push(self.and_expr(depth)?);
        }
        Ok(flatten(operands, false))
    }

    fn and_expr(&mut self, depth: usize) -> Result<Expr, ParseError> {
        let mut operands = vec![self.primary(depth)?];
        while self.peek_word().as_deref() == Some("and") {
            self.pos += 1;
            operands.push(self.primary(depth)?);
        }
        Ok(flatten(operands, true))
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, ParseError> {
        match self.peek().map(|t| &t.kind) {
            Some(TokenKind::LParen) => {
                self.pos += 1;
                let inner = self.expr(depth + 1)?;
                match self.peek().map(|t| &t.kind) {
                    Some(TokenKind::RParen) => {
                        self.pos += 1;
                        Ok(inner)
                    }
                    _ => Err(self.error("`)`, AND or OR")),
                }
            }
            _ => self.comparison().map(Expr::Compare),
        }
    }

    fn comparison(&mut self) -> Result<Comparison, ParseError> {
        let field = match self.peek() {
            Some(Token {
                kind: TokenKind::Word(w),
                span,
            }) if !is_keyword(w) => FieldPath {
                segments: w.split('/').map(str::to_owned).collect(),
                span: *span,
            },
            _ => return Err(self.error("a field name such as summary or company/identifier")),
        };
        self.pos += 1;
        let op = self.operator()?;
        let value_start = self.here();
        let value = if op.takes_list() {
            self.list()?
        } else {
            if matches!(self.peek().map(|t| &t.kind), Some(TokenKind::LParen)) {
                return Err(self.error(&format!(
                    "a single value after `{op}` (lists go with in / not in)"
                )));
            }
            self.scalar()?
        };
        if matches!(
            op,
            Operator::Like | Operator::NotLike | Operator::Contains | Operator::NotContains
        ) && !matches!(value, Value::Text(_))
        {
            return Err(ParseError {
                position: value_start,
                expected: format!("a quoted string after `{op}`"),
                found: format!("`{value}`"),
            });
        }
        let end = self.tokens[self.pos - 1].span.end;
        Ok(Comparison {
            span: Span {
                start: field.span.start,
                end,
            },
            value_span: Span {
                start: value_start,
                end,
            },
            field,
            op,
            value,
        })
    }

    fn operator(&mut self) -> Result<Operator, ParseError> {
        const EXPECTED: &str =
            "an operator (=, !=, <, <=, >, >=, contains, like, in, not contains, not like, not in)";
        let op = match self.peek().map(|t| &t.kind) {
            Some(TokenKind::Symbol(s)) => match *s {
                "=" => Operator::Eq,
                "!=" => Operator::NotEq,
                "<" => Operator::Lt,
                "<=" => Operator::LtEq,
                ">" => Operator::Gt,
                _ => Operator::GtEq,
            },
            Some(TokenKind::Word(_)) => match self.peek_word().as_deref() {
                Some("contains") => Operator::Contains,
                Some("like") => Operator::Like,
                Some("in") => Operator::In,
                Some("not") => {
                    self.pos += 1;
                    let negated = match self.peek_word().as_deref() {
                        Some("contains") => Operator::NotContains,
                        Some("like") => Operator::NotLike,
                        Some("in") => Operator::NotIn,
                        _ => return Err(self.error("contains, like or in after `not`")),
                    };
                    self.pos += 1;
                    return Ok(negated);
                }
                _ => return Err(self.error(EXPECTED)),
            },
            _ => return Err(self.error(EXPECTED)),
        };
        self.pos += 1;
        Ok(op)
    }

    fn scalar(&mut self) -> Result<Value, ParseError> {
        const EXPECTED: &str =
            "a value: a \"quoted string\", a number, true, false, null or a [2024-01-31] date";
        let value = match self.peek().map(|t| &t.kind) {
            Some(TokenKind::Text(t)) => Value::Text(Text(t.clone())),
            Some(TokenKind::Number(n)) => Value::Number(Number(n.clone())),
            Some(TokenKind::DateTime(d)) => Value::DateTime(d.clone()),
            Some(TokenKind::Word(_)) => match self.peek_word().as_deref() {
                Some("true") => Value::Bool(true),
                Some("false") => Value::Bool(false),
                Some("null") => Value::Null,
                _ => return Err(self.error(&format!("{EXPECTED} (text values need quotes)"))),
            },
            _ => return Err(self.error(EXPECTED)),
        };
        self.pos += 1;
        Ok(value)
    }

    fn list(&mut self) -> Result<Value, ParseError> {
        if !matches!(self.peek().map(|t| &t.kind), Some(TokenKind::LParen)) {
            return Err(self.error("a parenthesised list such as (1, 2) or (\"New\", \"Open\")"));
        }
        self.pos += 1;
        let mut items = vec![self.scalar()?];
        loop {
            match self.peek().map(|t| &t.kind) {
                Some(TokenKind::Comma) => {
                    self.pos += 1;
                    items.push(self.scalar()?);
                }
                Some(TokenKind::RParen) => {
                    self.pos += 1;
                    return Ok(Value::List(items));
                }
                _ => return Err(self.error("`,` or `)` in the list")),
            }
        }
    }
}

fn is_keyword(word: &str) -> bool {
    [
        "and", "or", "not", "contains", "like", "in", "true", "false", "null",
    ]
    .iter()
    .any(|k| word.eq_ignore_ascii_case(k))
}

fn flatten(operands: Vec<Expr>, conjunction: bool) -> Expr {
    if operands.len() == 1 {
        return operands.into_iter().next().expect("one operand");
    }
    let mut flat = Vec::with_capacity(operands.len());
    for operand in operands {
        match (operand, conjunction) {
            (Expr::And(inner), true) | (Expr::Or(inner), false) => flat.extend(inner),
            (other, _) => flat.push(other),
        }
    }
    if conjunction {
        Expr::And(flat)
    } else {
        Expr::Or(flat)
    }
}
