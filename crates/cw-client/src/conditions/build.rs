//! A safe way to assemble conditions from untrusted values: every string is
//! checked so that, printed, it stays one literal and cannot add a clause.

use super::ast::{Comparison, Expr, FieldPath, Number, Operator, Span, Text, Value};
use super::parse::is_datetime;

/// Why a condition could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// The field path is not `name(/name)*`.
    #[error("{0:?} is not a field path such as summary or company/identifier")]
    Field(String),
    /// The text holds both `"` and `'`, so no quoting could contain it.
    #[error("text values cannot hold both \" and ' (ConnectWise has no escape for quotes)")]
    BothQuotes,
    /// The text ends with a backslash, which ConnectWise might read as escaping the closing quote.
    #[error("text values cannot end with a backslash")]
    TrailingBackslash,
    /// The text holds a control character (newline, NUL, ...).
    #[error("text values cannot hold control characters (found U+{0:04X})")]
    ControlCharacter(u32),
    /// The number is not finite.
    #[error("numbers must be finite")]
    NotFinite,
    /// The date is not `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ`.
    #[error("{0:?} is not a UTC date such as 2024-01-31 or 2024-01-31T18:04:26Z")]
    DateTime(String),
    /// The value does not fit the operator (a list without `in`, a number with `like`).
    #[error("`{op}` cannot take {value}")]
    Mismatch {
        /// The operator.
        op: Operator,
        /// What was given instead.
        value: String,
    },
}

impl Text {
    /// Checks a string for use as a quoted literal.
    pub fn new(text: impl Into<String>) -> Result<Self, BuildError> {
        let text = text.into();
        if let Some(ch) = text.chars().find(|c| c.is_control()) {
            return Err(BuildError::ControlCharacter(ch as u32));
        }
        if text.contains('"') && text.contains('\'') {
            return Err(BuildError::BothQuotes);
        }
        if text.ends_with('\\') {
            return Err(BuildError::TrailingBackslash);
        }
        Ok(Self(text))
    }
}

impl From<i64> for Number {
    fn from(n: i64) -> Self {
        Number(n.to_string())
    }
}

impl Number {
    /// A decimal number; `None` for NaN and infinities.
    pub fn from_f64(n: f64) -> Option<Self> {
        n.is_finite().then(|| Number(n.to_string()))
    }
}

impl Value {
    /// A bracketed UTC date or datetime value.
    pub fn datetime(value: &str) -> Result<Value, BuildError> {
        if is_datetime(value) {
            Ok(Value::DateTime(value.to_owned()))
        } else {
            Err(BuildError::DateTime(value.to_owned()))
        }
    }
}

/// Anything that can become a condition value.
pub trait IntoValue {
    /// The checked value.
    fn into_value(self) -> Result<Value, BuildError>;
}

impl IntoValue for Value {
    fn into_value(self) -> Result<Value, BuildError> {
        Ok(self)
    }
}
impl IntoValue for &str {
    fn into_value(self) -> Result<Value, BuildError> {
        Text::new(self).map(Value::Text)
    }
}
impl IntoValue for String {
    fn into_value(self) -> Result<Value, BuildError> {
        Text::new(self).map(Value::Text)
    }
}
impl IntoValue for i64 {
    fn into_value(self) -> Result<Value, BuildError> {
        Ok(Value::Number(Number::from(self)))
    }
}
impl IntoValue for u64 {
    fn into_value(self) -> Result<Value, BuildError> {
        Ok(Value::Number(Number(self.to_string())))
    }
}
impl IntoValue for f64 {
    fn into_value(self) -> Result<Value, BuildError> {
        Number::from_f64(self)
            .map(Value::Number)
            .ok_or(BuildError::NotFinite)
    }
}
impl IntoValue for bool {
    fn into_value(self) -> Result<Value, BuildError> {
        Ok(Value::Bool(self))
    }
}
impl<T: IntoValue> IntoValue for Vec<T> {
    fn into_value(self) -> Result<Value, BuildError> {
        self.into_iter()
            .map(IntoValue::into_value)
            .collect::<Result<_, _>>()
            .map(Value::List)
    }
}

/// A checked field path, the left side of a condition.
#[derive(Debug, Clone)]
pub struct FieldRef(FieldPath);

/// Starts a condition on `path` (`summary`, `company/identifier`, `_info/lastUpdated`).
pub fn field(path: &str) -> Result<FieldRef, BuildError> {
    let valid = path.split('/').all(|segment| {
        let mut bytes = segment.bytes();
        bytes
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
    });
    if !valid {
        return Err(BuildError::Field(path.to_owned()));
    }
    Ok(FieldRef(FieldPath {
        segments: path.split('/').map(str::to_owned).collect(),
        span: Span::default(),
    }))
}

impl FieldRef {
    /// `field op value`, checking that the value suits the operator.
    pub fn compare(&self, op: Operator, value: impl IntoValue) -> Result<Expr, BuildError> {
        let value = value.into_value()?;
        let fits = match (&value, op) {
            (Value::List(items), op) => {
                op.takes_list()
                    && !items.is_empty()
                    && items.iter().all(|v| !matches!(v, Value::List(_)))
            }
            (_, op) if op.takes_list() => false,
            (Value::Text(_), _) => true,
            (
                _,
                Operator::Like | Operator::NotLike | Operator::Contains | Operator::NotContains,
            ) => false,
            _ => true,
        };
        if !fits {
            return Err(BuildError::Mismatch {
                op,
                value: value.to_string(),
            });
        }
        Ok(Expr::Compare(Comparison {
            field: self.0.clone(),
            op,
            value,
            value_span: Span::default(),
            span: Span::default(),
        }))
    }

    /// `field = value`
    pub fn eq(&self, value: impl IntoValue) -> Result<Expr, BuildError> {
        self.compare(Operator::Eq, value)
    }
    /// `field != value`
    pub fn ne(&self, value: impl IntoValue) -> Result<Expr, BuildError> {
        self.compare(Operator::NotEq, value)
    }
    /// `field contains "text"`
    pub fn contains(&self, text: &str) -> Result<Expr, BuildError> {
        self.compare(Operator::Contains, text)
    }
    /// `field like "pattern"` (`%` or `*` as wildcards)
    pub fn like(&self, pattern: &str) -> Result<Expr, BuildError> {
        self.compare(Operator::Like, pattern)
    }
    /// `field in (values)`
    pub fn is_in<T: IntoValue>(&self, values: Vec<T>) -> Result<Expr, BuildError> {
        self.compare(Operator::In, values)
    }
}
