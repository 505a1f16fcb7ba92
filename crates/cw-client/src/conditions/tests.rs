use super::*;
use proptest::prelude::*;

fn clear_spans(expr: &mut Expr) {
    match expr {
        Expr::Compare(c) => {
            c.span = Span::default();
            c.value_span = Span::default();
            c.field.span = Span::default();
        }
        Expr::And(operands) | Expr::Or(operands) => operands.iter_mut().for_each(clear_spans),
    }
}

fn canonical(input: &str) -> String {
    parse(input)
        .unwrap_or_else(|e| panic!("{input}: {e}"))
        .to_string()
}

#[test]
fn every_construct_parses_to_its_canonical_form() {
    let cases = [
        (r#"status/name="Open""#, r#"status/name = "Open""#),
        ("id != 5", "id != 5"),
        ("budgetHours >= 1.50", "budgetHours >= 1.50"),
        ("id<10 and id>-3", "id < 10 AND id > -3"),
        (
            "_info/lastUpdated > [2024-01-01]",
            "_info/lastUpdated > [2024-01-01]",
        ),
        (
            "dateEntered <= [2016-08-20T18:04:26Z]",
            "dateEntered <= [2016-08-20T18:04:26Z]",
        ),
        (
            r#"summary CONTAINS "printer""#,
            r#"summary contains "printer""#,
        ),
        (r#"name like 'ACME%'"#, r#"name like "ACME%""#),
        (r#"name Not Like "*test*""#, r#"name not like "*test*""#),
        (
            r#"summary not contains "spam""#,
            r#"summary not contains "spam""#,
        ),
        ("board/id in (3, 2,4)", "board/id in (3, 2, 4)"),
        (
            r#"status/name NOT IN ("New","Closed")"#,
            r#"status/name not in ("New", "Closed")"#,
        ),
        ("closedFlag = FALSE", "closedFlag = false"),
        ("inactiveFlag = True", "inactiveFlag = true"),
        ("parentTicketId = NULL", "parentTicketId = null"),
        ("a=1 OR b=2 and c=3", "a = 1 OR b = 2 AND c = 3"),
        ("(a=1 OR b=2) and c=3", "(a = 1 OR b = 2) AND c = 3"),
        ("((a=1))", "a = 1"),
        ("a=1 and (b=2 and c=3)", "a = 1 AND b = 2 AND c = 3"),
        ("chargeToType='Ticket'", r#"chargeToType = "Ticket""#),
        (r#"name = 'say "hi"'"#, r#"name = 'say "hi"'"#),
        ("a=1\n\tand\r\nb=2", "a = 1 AND b = 2"),
    ];
    for (input, expected) in cases {
        assert_eq!(canonical(input), expected, "input: {input}");
    }
}

#[test]
fn precedence_and_grouping_give_the_right_tree() {
    let expr = parse("a=1 or b=2 and c=3").unwrap();
    let Expr::Or(operands) = expr else {
        panic!("OR at the top")
    };
    assert!(matches!(operands[0], Expr::Compare(_)));
    assert!(matches!(&operands[1], Expr::And(inner) if inner.len() == 2));
}

#[test]
fn spans_point_at_the_source() {
    let input = r#"summary contains "disk" and company/identifier = "ACME""#;
    let expr = parse(input).unwrap();
    let comparisons = expr.comparisons();
    let second = comparisons[1];
    assert_eq!(
        &input[second.field.span.start..second.field.span.end],
        "company/identifier"
    );
    assert_eq!(
        &input[second.value_span.start..second.value_span.end],
        "\"ACME\""
    );
    assert_eq!(
        &input[second.span.start..second.span.end],
        r#"company/identifier = "ACME""#
    );
    assert_eq!(second.field.segments, ["company", "identifier"]);
}

#[test]
fn syntax_errors_say_where_and_what_was_expected() {
    let cases: [(&str, usize, &str); 16] = [
        ("", 0, "a condition"),
        ("status/name = Open", 14, "text values need quotes"),
        ("status/name equals \"Open\"", 12, "an operator"),
        ("summary = \"unterminated", 23, "closing \""),
        ("id = 1 and", 10, "a field name"),
        ("id = 1 id = 2", 7, "AND, OR or end"),
        ("(id = 1", 7, "`)`"),
        ("id = 1)", 6, "no matching `(`"),
        ("id in 1", 6, "parenthesised list"),
        ("id in (1,", 9, "a value"),
        ("id = (1, 2)", 5, "lists go with in"),
        ("summary like 5", 13, "quoted string"),
        ("date > [2024-13-01]", 8, "UTC date"),
        ("id not equal 3", 7, "contains, like or in"),
        ("company/ = 1", 8, "a field name after `/`"),
        ("id = 1 & id = 2", 7, "a field name, operator"),
    ];
    for (input, position, expected) in cases {
        let err = parse(input).expect_err(input);
        assert_eq!(err.position, position, "{input}: {err}");
        assert!(err.expected.contains(expected), "{input}: {err}");
        assert!(err.to_string().contains(&format!("at byte {position}")));
    }
}

#[test]
fn control_characters_in_strings_are_refused() {
    let err = parse("summary = \"a\u{0}b\"").unwrap_err();
    assert!(err.found.contains("U+0000"), "{err}");
    assert!(parse("summary = \"line\nbreak\"").is_err());
}

#[test]
fn non_ascii_in_a_date_offset_is_an_error_not_a_panic() {
    // Found by `cargo fuzz run conditions`: the offset was sliced by byte index.
    assert!(parse("1>[\u{1} \u{11}\u{0}-\u{0}-00\u{bc}{]").is_err());
    assert!(!parse::is_datetime("2024-01-01T10:00+0¼:00"));
}

#[test]
fn nesting_is_bounded() {
    let deep = format!("{}id = 1{}", "(".repeat(100), ")".repeat(100));
    assert!(parse(&deep).unwrap_err().expected.contains("nested"));
}

#[test]
fn dates_accept_the_documented_forms() {
    for ok in [
        "2024-01-01",
        "2016-08-20T18:04:26Z",
        "2016-08-20T18:04",
        "2016-08-20T18:04:26.123Z",
        "2016-08-20T18:04:26+02:00",
    ] {
        assert!(parse::is_datetime(ok), "{ok}");
    }
    for bad in [
        "2024-1-01",
        "2024-01-32",
        "2024-01-01T25:00",
        "yesterday",
        "2024-01-01T10:00:00.Z",
    ] {
        assert!(!parse::is_datetime(bad), "{bad}");
    }
}

#[test]
fn the_builder_quotes_hostile_values_into_one_literal() {
    let hostile = [
        r#"x" OR id > 0 OR name = "y"#,
        r#"it's"#,
        "%00 & # ?",
        "ünïcödé ✓",
        r"C:\temp\file",
    ];
    for value in hostile {
        let expr = field("summary").unwrap().eq(value).unwrap();
        let printed = expr.to_string();
        let reparsed = parse(&printed).unwrap();
        let comparisons = reparsed.comparisons();
        assert_eq!(comparisons.len(), 1, "{printed}");
        assert_eq!(comparisons[0].value, Value::Text(Text(value.to_owned())));
    }
    assert_eq!(Text::new(r#"both " and '"#), Err(BuildError::BothQuotes));
    assert_eq!(
        Text::new("ends with \\"),
        Err(BuildError::TrailingBackslash)
    );
    assert_eq!(
        Text::new("new\nline"),
        Err(BuildError::ControlCharacter(10))
    );
    assert!(field("company/../x").is_err());
    assert!(field("a b").is_err());
    assert!(
        field("summary")
            .unwrap()
            .compare(Operator::Like, 5i64)
            .is_err()
    );
    assert!(
        field("id")
            .unwrap()
            .compare(Operator::Eq, vec![1i64])
            .is_err()
    );
    let list = field("board/id").unwrap().is_in(vec![1i64, 2]).unwrap();
    assert_eq!(list.to_string(), "board/id in (1, 2)");
    let combined = field("a")
        .unwrap()
        .eq(1i64)
        .unwrap()
        .or(field("b").unwrap().eq(2i64).unwrap());
    let both = combined.and(field("c").unwrap().eq(true).unwrap());
    assert_eq!(both.to_string(), "(a = 1 OR b = 2) AND c = true");
}

fn arb_name() -> impl Strategy<Value = String> {
    "[A-Za-z_][A-Za-z0-9_]{0,8}".prop_filter("not a keyword", |s| {
        ![
            "and", "or", "not", "contains", "like", "in", "true", "false", "null",
        ]
        .iter()
        .any(|k| s.eq_ignore_ascii_case(k))
    })
}

fn arb_text() -> impl Strategy<Value = String> {
    "[^\\p{Cc}]{0,12}".prop_filter_map("quotable", |s| Text::new(s.clone()).ok().map(|_| s))
}

fn arb_scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        arb_text().prop_map(|s| Value::Text(Text(s))),
        any::<i32>().prop_map(|n| Value::Number(Number(n.to_string()))),
        (any::<i16>(), 0u16..1000).prop_map(|(a, b)| Value::Number(Number(format!("{a}.{b}")))),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
        (1900u32..2100, 1u32..=12, 1u32..=28, 0u32..24, 0u32..60).prop_map(|(y, m, d, h, min)| {
            Value::DateTime(format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:00Z"))
        }),
    ]
}

fn arb_comparison() -> impl Strategy<Value = Expr> {
    let ops = prop_oneof![
        Just(Operator::Eq),
        Just(Operator::NotEq),
        Just(Operator::Lt),
        Just(Operator::LtEq),
        Just(Operator::Gt),
        Just(Operator::GtEq),
        Just(Operator::Contains),
        Just(Operator::NotContains),
        Just(Operator::Like),
        Just(Operator::NotLike),
        Just(Operator::In),
        Just(Operator::NotIn),
    ];
    (
        prop::collection::vec(arb_name(), 1..4),
        ops,
        arb_scalar(),
        prop::collection::vec(arb_scalar(), 1..4),
    )
        .prop_map(|(segments, op, scalar, list)| {
            let value = match op {
                Operator::In | Operator::NotIn => Value::List(list),
                Operator::Like | Operator::NotLike | Operator::Contains | Operator::NotContains => {
                    match scalar {
                        Value::Text(t) => Value::Text(t),
                        other => Value::Text(Text(other.to_string().replace(['"', '\''], ""))),
                    }
                }
                _ => scalar,
            };
            Expr::Compare(Comparison {
                field: FieldPath {
                    segments,
                    span: Span::default(),
                },
                op,
                value,
                value_span: Span::default(),
                span: Span::default(),
            })
        })
}

fn arb_expr() -> impl Strategy<Value = Expr> {
    arb_comparison().prop_recursive(4, 24, 4, |inner| {
        (prop::collection::vec(inner, 2..4), any::<bool>()).prop_map(|(operands, conjunction)| {
            operands
                .into_iter()
                .reduce(|a, b| if conjunction { a.and(b) } else { a.or(b) })
                .unwrap()
        })
    })
}

proptest! {
    #[test]
    fn printing_then_parsing_gives_the_same_tree(expr in arb_expr()) {
        let printed = expr.to_string();
        let mut reparsed = parse(&printed).map_err(|e| TestCaseError::fail(format!("{printed}: {e}")))?;
        clear_spans(&mut reparsed);
        prop_assert_eq!(&reparsed, &expr, "printed: {}", printed);
        prop_assert_eq!(reparsed.to_string(), printed);
    }

    #[test]
    fn the_parser_never_panics(input in "(?s).{0,64}") {
        let _ = parse(&input);
    }

    #[test]
    fn bracketed_values_never_panic(inside in "(?s).{0,24}") {
        let _ = parse(&format!("dateEntered > [{inside}]"));
        let _ = parse::is_datetime(&inside);
    }

    #[test]
    fn built_text_always_stays_one_literal(value in "\\PC{0,24}") {
        if let Ok(expr) = field("summary").unwrap().eq(value.as_str()) {
            let reparsed = parse(&expr.to_string()).unwrap();
            let comparisons = reparsed.comparisons();
            prop_assert_eq!(comparisons.len(), 1);
            prop_assert_eq!(&comparisons[0].value, &Value::Text(Text(value)));
        }
    }
}
