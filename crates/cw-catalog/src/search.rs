//! Finding endpoints by keywords, as a model asks: "schedule", "SLA", "purchase order",
//! "project phase", "team". Words match path segments (camelCase split, singular or plural)
//! best, then schema names, then summaries; collections come before records and counts.

use crate::{Catalog, Endpoint, Kind};

impl Catalog {
    /// Up to `most` endpoints for `query`, best first; none when no word matches.
    pub fn find(&self, query: &str, most: usize) -> Vec<&Endpoint> {
        let wanted = stems(query);
        if wanted.is_empty() {
            return Vec::new();
        }
        let mut scored: Vec<(u32, &Endpoint)> = self
            .endpoints
            .iter()
            .filter_map(|endpoint| {
                let path = stems(&endpoint.path);
                let schema = endpoint.schema.as_deref().map(stems).unwrap_or_default();
                let summary = stems(&endpoint.summary);
                let mut score = 0;
                for word in &wanted {
                    score += if path.contains(word) {
                        6
                    } else if schema.contains(word) {
                        3
                    } else if summary.contains(word) {
                        1
                    } else {
                        0
                    };
                }
                if score == 0 {
                    return None;
                }
                // Whole-query matches, shorter paths and lists rank first.
                let literal = path.iter().filter(|w| wanted.contains(w)).count() as u32;
                let bonus = match endpoint.kind {
                    Kind::Collection => 3,
                    Kind::Record => 1,
                    _ => 0,
                };
                let depth = endpoint.path.matches('/').count() as u32;
                Some((
                    score * 4 + literal * 2 + bonus + 8u32.saturating_sub(depth),
                    endpoint,
                ))
            })
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.path.cmp(&b.1.path)));
        scored.into_iter().take(most).map(|(_, e)| e).collect()
    }
}

/// The singular lower-case words of a path, a camelCase name or a sentence, without `{parameters}`.
fn stems(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric() && c != '{' && c != '}')
        .filter(|s| !s.is_empty() && !s.starts_with('{'))
        .flat_map(split_camel)
        .filter(|w| w.len() > 1)
        .map(|w| stem(&w))
        .collect()
}

fn split_camel(word: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in word.chars() {
        if c.is_ascii_uppercase() && previous_lower && !current.is_empty() {
            parts.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

/// A crude singular: `entries` → `entry`, `slas` → `sla`, `statuses` → `status`.
fn stem(word: &str) -> String {
    if let Some(base) = word.strip_suffix("ies") {
        return format!("{base}y");
    }
    if let Some(base) = word
        .strip_suffix("ses")
        .filter(|b| b.ends_with("tu") || b.ends_with("s"))
    {
        return format!("{base}s");
    }
    match word.strip_suffix('s') {
        Some(base) if !word.ends_with("ss") && base.len() > 1 => base.to_owned(),
        _ => word.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use crate::catalog;

    fn top(query: &str) -> Vec<String> {
        catalog()
            .find(query, 5)
            .into_iter()
            .map(|e| e.path.clone())
            .collect()
    }

    #[test]
    fn the_keywords_users_ask_about_find_their_endpoints() {
        for (query, expected) in [
            ("schedule", "/schedule/entries"),
            ("schedule entries", "/schedule/entries"),
            ("SLA", "/service/SLAs"),
            ("purchase order", "/procurement/purchaseorders"),
            ("catalog products", "/procurement/products"),
            ("project phase", "/project/projects/{parentId}/phases"),
            ("team", "/service/teams"),
            ("board teams", "/service/boards/{parentId}/teams"),
            ("tickets", "/service/tickets"),
        ] {
            let found = top(query);
            assert!(found.iter().any(|p| p == expected), "{query}: {found:?}");
        }
        assert!(top("zzzz").is_empty());
        assert!(top("").is_empty());
    }
}
