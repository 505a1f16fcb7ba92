//! The conditions syntax tree and its canonical printed form.

use std::fmt;

/// A byte range in the conditions text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// A whole conditions expression. `And`/`Or` hold two or more operands and
/// never directly hold an operand of their own kind (the parser flattens them).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `field op value`.
    Compare(Comparison),
    /// Every operand holds.
    And(Vec<Expr>),
    /// At least one operand holds.
    Or(Vec<Expr>),
}

/// One `field op value` test.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The field, e.g. `company/identifier`.
    pub field: FieldPath,
    /// The operator.
    pub op: Operator,
    /// The value compared against.
    pub value: Value,
    /// Where the value stands in the text.
    pub value_span: Span,
    /// Where the whole comparison stands in the text.
    pub span: Span,
}

/// A field name, nested through references with `/` (`status/name`, `_info/lastUpdated`).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldPath {
    /// The path's segments, e.g. `["company", "identifier"]`.
    pub segments: Vec<String>,
    /// Where the field stands in the text.
    pub span: Span,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `=`
    Eq,
    /// `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
    /// `contains`
    Contains,
    /// `not contains`
    NotContains,
    /// `like` (`%` or `*` wildcards)
    Like,
    /// `not like`
    NotLike,
    /// `in (a, b)`
    In,
    /// `not in (a, b)`
    NotIn,
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A quoted string.
    Text(Text),
    /// An integer or decimal, kept as written.
    Number(Number),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// A bracketed UTC date or datetime, without the brackets: `2024-01-01`, `2024-01-01T10:00:00Z`.
    DateTime(String),
    /// A parenthesised list, only after `in` / `not in`.
    List(Vec<Value>),
}

/// The contents of a quoted string. It never holds both quote characters, so
/// it can always be printed as one literal that nothing can break out of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(pub(crate) String);

/// A number as written (`42`, `-3`, `1.50`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number(pub(crate) String);

impl Text {
    /// The string's contents.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Number {
    /// The number as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number's value.
    pub fn to_f64(&self) -> f64 {
        self.0.parse().unwrap_or(f64::NAN)
    }
}

impl FieldPath {
    /// The path as written: segments joined with `/`.
    pub fn dotted(&self) -> String {
        self.segments.join("/")
    }
}

impl Operator {
    /// The operator's keyword or symbol as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Eq => "=",
            Operator::NotEq => "!=",
            Operator::Lt => "<",
            Operator::LtEq => "<=",
            Operator::Gt => ">",
            Operator::GtEq => ">=",
            Operator::Contains => "contains",
            Operator::NotContains => "not contains",
            Operator::Like => "like",
            Operator::NotLike => "not like",
            Operator::In => "in",
            Operator::NotIn => "not in",
        }
    }

    /// True for `in` and `not in`, which take a list.
    pub fn takes_list(self) -> bool {
        matches!(self, Operator::In | Operator::NotIn)
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Text {
    /// Double quotes, or single quotes when the text holds a double quote.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quote = if self.0.contains('"') { '\'' } else { '"' };
        write!(f, "{quote}{}{quote}", self.0)
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Text(text) => text.fmt(f),
            Value::Number(number) => f.write_str(&number.0),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Null => f.write_str("null"),
            Value::DateTime(dt) => write!(f, "[{dt}]"),
            Value::List(items) => {
                f.write_str("(")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    item.fmt(f)?;
                }
                f.write_str(")")
            }
        }
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.field.dotted(), self.op, self.value)
    }
}

impl fmt::Display for Expr {
    /// The canonical form: single spaces, lower-case operators, `AND`/`OR`,
    /// parentheses only where an `OR` stands inside an `AND`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Compare(comparison) => comparison.fmt(f),
            Expr::And(operands) => {
                for (i, operand) in operands.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" AND ")?;
                    }
                    match operand {
                        Expr::Or(_) => write!(f, "({operand})")?,
                        _ => operand.fmt(f)?,
                    }
                }
                Ok(())
            }
            Expr::Or(operands) => {
                for (i, operand) in operands.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" OR ")?;
                    }
                    operand.fmt(f)?;
                }
                Ok(())
            }
        }
    }
}

impl Expr {
    /// Joins two expressions with `AND`, flattening nested `AND`s.
    pub fn and(self, other: Expr) -> Expr {
        Self::join(self, other, true)
    }

    /// Joins two expressions with `OR`, flattening nested `OR`s.
    pub fn or(self, other: Expr) -> Expr {
        Self::join(self, other, false)
    }

    fn join(left: Expr, right: Expr, conjunction: bool) -> Expr {
        let mut operands = Vec::new();
        for side in [left, right] {
            match (side, conjunction) {
                (Expr::And(inner), true) | (Expr::Or(inner), false) => operands.extend(inner),
                (other, _) => operands.push(other),
            }
        }
        if conjunction {
            Expr::And(operands)
        } else {
            Expr::Or(operands)
        }
    }

    /// Every comparison in the expression, left to right.
    pub fn comparisons(&self) -> Vec<&Comparison> {
        match self {
            Expr::Compare(c) => vec![c],
            Expr::And(operands) | Expr::Or(operands) => {
                operands.iter().flat_map(Expr::comparisons).collect()
            }
        }
    }
}
