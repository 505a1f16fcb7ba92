//! Answers have a budget: a model's context is small, and OpenWebUI puts no
//! bound on what a tool returns. A page keeps whole records up to the budget
//! and says how to ask for the rest; a single record keeps every field and cuts
//! its longest texts. The cut is always said in the answer (`truncated`).

use serde_json::{Value, json};

/// The default budget, in characters of JSON (`CW_ANSWER_BUDGET`).
pub const DEFAULT_BUDGET: usize = 25_000;
/// What room a cut text keeps at least.
const KEPT_TEXT: usize = 200;

/// `answer` made to fit `budget` characters, saying what was left out and how to get it.
pub fn fit(answer: Value, budget: usize) -> Value {
    if size(&answer) <= budget {
        return answer;
    }
    match answer {
        Value::Object(mut map) if map.get("items").is_some_and(Value::is_array) => {
            let Some(Value::Array(items)) = map.remove("items") else {
                unreachable!("checked above");
            };
            let total = items.len();
            // Room for the envelope and the `truncated` note.
            let overhead = size(&Value::Object(map.clone())) + 400;
            let mut used = overhead;
            let mut kept = Vec::new();
            for item in items {
                let cost = size(&item) + 1;
                if used + cost > budget {
                    if kept.is_empty() {
                        kept.push(cut_texts(item, budget.saturating_sub(overhead)));
                    }
                    break;
                }
                used += cost;
                kept.push(item);
            }
            let shown = kept.len();
            let page = map.get("page").and_then(Value::as_u64).unwrap_or(1) as usize;
            let page_size = map
                .get("pageSize")
                .and_then(Value::as_u64)
                .unwrap_or(total as u64) as usize;
            let resume = resume(page, page_size, shown);
            map.insert("items".into(), Value::Array(kept));
            map.insert(
                "truncated".into(),
                json!(format!(
                    "{shown} of this page's {total} records fit the {budget}-character answer budget; {} were left out. For the rest: {resume}, or name fewer fields, or narrow the conditions.",
                    total - shown
                )),
            );
            Value::Object(map)
        }
        record => {
            let mut record = cut_texts(record, budget.saturating_sub(300));
            if let Value::Object(map) = &mut record {
                map.insert(
                    "truncated".into(),
                    json!(format!(
                        "long texts were cut to fit the {budget}-character answer budget (marked …); ask for one of them alone with fields to read more of it"
                    )),
                );
            }
            record
        }
    }
}

/// How to ask for what follows the first `shown` records of page `page` (of `page_size`):
/// the page at `pageSize` `shown` that starts where they end, when there is one.
pub fn resume(page: usize, page_size: usize, shown: usize) -> String {
    let before = page.saturating_sub(1) * page_size;
    if shown > 0 && before.is_multiple_of(shown) {
        format!(
            "page {} with pageSize {shown} continues where this one ends",
            before / shown + 2
        )
    } else {
        format!("ask with pageSize {shown}")
    }
}

fn size(value: &Value) -> usize {
    serde_json::to_string(value).map_or(0, |s| s.len())
}

/// Cuts the longest strings of `value`, longest first, until it fits `budget`.
fn cut_texts(mut value: Value, budget: usize) -> Value {
    loop {
        let excess = size(&value).saturating_sub(budget);
        if excess == 0 {
            break;
        }
        let Some(longest) = longest_text(&mut value) else {
            break;
        };
        let chars = longest.chars().count();
        let keep = chars.saturating_sub(excess + 40).max(KEPT_TEXT);
        if keep >= chars {
            break;
        }
        let cut: String = longest.chars().take(keep).collect();
        *longest = format!("{cut}… [{} more characters]", chars - keep);
    }
    value
}

fn longest_text(value: &mut Value) -> Option<&mut String> {
    match value {
        Value::String(text) if text.len() > KEPT_TEXT + 40 => Some(text),
        Value::Array(items) => items
            .iter_mut()
            .filter_map(longest_text)
            .max_by_key(|t| t.len()),
        Value::Object(map) => map
            .values_mut()
            .filter_map(longest_text)
            .max_by_key(|t| t.len()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(n: usize, note: usize) -> Value {
        let items: Vec<Value> = (0..n)
            .map(|i| json!({"id": i, "text": "x".repeat(note)}))
            .collect();
        json!({"items": items, "page": 1, "pageSize": n, "hasMore": false})
    }

    #[test]
    fn small_answers_pass_untouched() {
        let answer = page(3, 10);
        assert_eq!(fit(answer.clone(), 25_000), answer);
    }

    #[test]
    fn pages_keep_whole_records_and_say_how_to_get_the_rest() {
        let answer = fit(page(50, 1_000), 25_000);
        assert!(size(&answer) <= 25_000);
        let shown = answer["items"].as_array().unwrap().len();
        assert!((20..50).contains(&shown), "{shown}");
        assert!(
            answer["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["text"].as_str().unwrap().len() == 1_000)
        );
        assert_eq!(
            answer["truncated"],
            format!(
                "{shown} of this page's 50 records fit the 25000-character answer budget; {} were left out. For the rest: page 2 with pageSize {shown} continues where this one ends, or name fewer fields, or narrow the conditions.",
                50 - shown
            )
        );
    }

    #[test]
    fn long_texts_in_a_record_are_cut_and_marked() {
        let record = json!({"id": 1, "summary": "short", "text": "y".repeat(100_000), "notes": "z".repeat(30_000)});
        let answer = fit(record, 25_000);
        assert!(size(&answer) <= 25_000, "{}", size(&answer));
        assert_eq!(answer["summary"], "short");
        assert!(
            answer["text"]
                .as_str()
                .unwrap()
                .ends_with("more characters]")
        );
        assert!(
            answer["truncated"]
                .as_str()
                .unwrap()
                .contains("ask for one of them alone with fields")
        );
        let huge_item = fit(page(1, 60_000), 25_000);
        assert!(size(&huge_item) <= 25_000);
        assert_eq!(huge_item["items"].as_array().unwrap().len(), 1);
    }
}
