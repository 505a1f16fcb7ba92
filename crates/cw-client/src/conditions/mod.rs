//! The ConnectWise conditions grammar: parse to a spanned AST, print the
//! canonical form, and build conditions safely from untrusted values.

mod ast;
mod build;
mod parse;

pub use ast::{Comparison, Expr, FieldPath, Number, Operator, Span, Text, Value};
pub use build::{BuildError, FieldRef, IntoValue, field};
pub use parse::{ParseError, parse};

#[cfg(test)]
mod tests;
