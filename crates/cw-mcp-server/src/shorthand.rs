//! What models write in conditions, read as they mean it. A reference compared as a whole
//! (`company = "ACME"`, `owner = "twilson"`, `board = 1`) is not valid ConnectWise, and small
//! models write it more often than not; each is read as a comparison of the field that says
//! the same: the reference's id for a number, its identifier or name for text. A bare
//! `status = "open"` (or `"closed"`) on a record with a `closedFlag` means that flag. What is
//! valid already is never changed.

use std::borrow::Cow;

use cw_catalog::{Catalog, FieldType};
use cw_client::conditions::{self, Comparison, Expr, Operator, Value, field};

/// `conditions` with every shorthand written out for records of `schema`; borrowed when
/// there is none (or the text does not parse: the grammar then says what is wrong).
pub fn expand<'a>(catalog: &Catalog, schema: &str, conditions: &'a str) -> Cow<'a, str> {
    let Ok(expr) = conditions::parse(conditions) else {
        return Cow::Borrowed(conditions);
    };
    let mut changed = false;
    let expr = rewrite(expr, &mut |comparison| {
        let written = written_out(catalog, schema, comparison);
        changed |= written.is_some();
        written
    });
    if changed {
        Cow::Owned(expr.to_string())
    } else {
        Cow::Borrowed(conditions)
    }
}

fn rewrite(expr: Expr, each: &mut impl FnMut(&Comparison) -> Option<Expr>) -> Expr {
    match expr {
        Expr::Compare(comparison) => each(&comparison).unwrap_or(Expr::Compare(comparison)),
        // Joined again, so that a written-out operand of the same kind is flattened.
        Expr::And(operands) => join(operands, each, Expr::and),
        Expr::Or(operands) => join(operands, each, Expr::or),
    }
}

fn join(
    operands: Vec<Expr>,
    each: &mut impl FnMut(&Comparison) -> Option<Expr>,
    with: fn(Expr, Expr) -> Expr,
) -> Expr {
    let mut operands = operands.into_iter().map(|e| rewrite(e, each));
    let first = operands
        .next()
        .expect("the parser gives And and Or two or more operands");
    operands.fold(first, with)
}

/// The comparison written out, when it compares a reference as a whole.
fn written_out(catalog: &Catalog, schema: &str, comparison: &Comparison) -> Option<Expr> {
    let path = comparison.field.dotted();
    let FieldType::Reference(target) = &catalog.field(schema, &path)?.kind else {
        return None;
    };
    let sub = |name: &str| {
        catalog
            .field(target, name)
            .and_then(|_| field(&format!("{path}/{name}")).ok())
    };
    let op = comparison.op;
    match &comparison.value {
        Value::Number(_) => sub("id")?.compare(op, comparison.value.clone()).ok(),
        Value::List(items) if items.iter().all(|v| matches!(v, Value::Number(_))) => {
            sub("id")?.compare(op, comparison.value.clone()).ok()
        }
        Value::Text(text) => {
            let text = text.as_str();
            let flag = catalog.field(schema, "closedFlag").is_some()
                && path == "status"
                && matches!(op, Operator::Eq | Operator::NotEq);
            if flag
                && ["open", "closed"]
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(text))
            {
                let closed = text.eq_ignore_ascii_case("closed") == (op == Operator::Eq);
                return field("closedFlag").ok()?.eq(closed).ok();
            }
            let name = sub("name");
            let identifier = sub("identifier");
            match op {
                // The identifier exactly, or a name that starts with the text.
                Operator::Eq => {
                    let prefix = format!("{}%", text.trim_end_matches(['%', '*']));
                    let by_name = name.and_then(|n| n.like(&prefix).ok());
                    let by_identifier = identifier.and_then(|i| i.eq(text).ok());
                    match (by_identifier, by_name) {
                        (Some(i), Some(n)) => Some(i.or(n)),
                        (one, other) => one.or(other),
                    }
                }
                Operator::NotEq => {
                    let not_name = name.and_then(|n| n.ne(text).ok());
                    let not_identifier = identifier.and_then(|i| i.ne(text).ok());
                    match (not_identifier, not_name) {
                        (Some(i), Some(n)) => Some(i.and(n)),
                        (one, other) => one.or(other),
                    }
                }
                _ => name
                    .or(identifier)?
                    .compare(op, comparison.value.clone())
                    .ok(),
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expanded(schema: &str, text: &str) -> String {
        expand(cw_catalog::catalog(), schema, text).into_owned()
    }

    #[test]
    fn references_compared_whole_are_written_out() {
        let cases = [
            (
                "company = \"ACME\" AND closedFlag = false",
                "(company/identifier = \"ACME\" OR company/name like \"ACME%\") AND closedFlag = false",
            ),
            ("board = 1", "board/id = 1"),
            (
                "board = \"Service Desk\"",
                "board/name like \"Service Desk%\"",
            ),
            (
                "priority contains \"High\"",
                "priority/name contains \"High\"",
            ),
            (
                "owner != 'twilson'",
                "owner/identifier != \"twilson\" AND owner/name != \"twilson\"",
            ),
            ("status = \"open\"", "closedFlag = false"),
            (
                "status = \"Closed\" OR id = 5",
                "closedFlag = true OR id = 5",
            ),
            ("status != \"open\"", "closedFlag = true"),
            ("status = \"New\"", "status/name like \"New%\""),
        ];
        for (given, expected) in cases {
            assert_eq!(expanded("Ticket", given), expected, "{given}");
        }
        // Projects have a closedFlag too; time entries have no status reference.
        assert_eq!(
            expanded("Project", "status = \"open\""),
            "closedFlag = false"
        );
    }

    #[test]
    fn what_is_valid_is_left_as_it_is() {
        for text in [
            "company/identifier = \"ACME\" AND closedFlag = false",
            "status/name = \"Open\"",
            "summary contains \"printer\"",
            "company = null",
            "nosuchfield = 1",
            "not ( valid",
        ] {
            assert!(
                matches!(
                    expand(cw_catalog::catalog(), "Ticket", text),
                    Cow::Borrowed(_)
                ),
                "{text}"
            );
        }
    }
}
