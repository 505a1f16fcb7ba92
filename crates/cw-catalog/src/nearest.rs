//! The nearest names to a misspelt one, for error messages that say how to fix a call.

/// Up to `most` of `candidates` nearest to `given` (case-insensitive edit distance, and
/// containment either way), nearest first; none when nothing is reasonably close.
pub fn nearest<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    most: usize,
) -> Vec<&'a str> {
    let given = given.to_ascii_lowercase();
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter_map(|candidate| {
            let lower = candidate.to_ascii_lowercase();
            let distance = if lower.contains(&given) || given.contains(&lower) {
                lower.len().abs_diff(given.len()) / 4
            } else {
                distance(&given, &lower)
            };
            let allowed = (given.len().max(lower.len()) / 3).max(2);
            (distance <= allowed).then_some((distance, candidate))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(most).map(|(_, c)| c).collect()
}

/// Up to `most` of `candidates` within `max` edits of `given` (case-insensitive), nearest first:
/// for typos in long names such as paths, where containment says little.
pub fn within<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    max: usize,
    most: usize,
) -> Vec<&'a str> {
    by_edits(given, candidates, max)
        .into_iter()
        .take(most)
        .map(|(_, c)| c)
        .collect()
}

/// The one candidate within `max` edits of `given` (case-insensitive) that is nearer than
/// every other; `None` when none is that close or two are equally near.
pub fn plainly<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> Option<&'a str> {
    match by_edits(given, candidates, max)[..] {
        [(_, only)] => Some(only),
        [(first, nearest), (second, _), ..] if first < second => Some(nearest),
        _ => None,
    }
}

/// The candidates within `max` edits of `given` (case-insensitive), with their distance,
/// nearest first.
fn by_edits<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> Vec<(usize, &'a str)> {
    let given = given.to_ascii_lowercase();
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .map(|c| (distance(&given, &c.to_ascii_lowercase()), c))
        .filter(|(d, _)| *d <= max)
        .collect();
    scored.sort();
    scored
}

/// Levenshtein distance over bytes.
fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, y) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(x != y);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misspellings_find_their_names() {
        let fields = ["summary", "closedFlag", "status", "company", "contactName"];
        assert_eq!(nearest("sumary", fields, 3), ["summary"]);
        assert_eq!(nearest("closed", fields, 3), ["closedFlag"]);
        assert_eq!(nearest("ClosedFlag", fields, 3), ["closedFlag"]);
        assert!(nearest("xyzzy", fields, 3).is_empty());
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn only_a_name_nearer_than_every_other_is_plainly_meant() {
        let fields = ["timeStart", "timeEnd", "dateEntered", "status"];
        assert_eq!(plainly("dateStart", fields, 3), Some("timeStart"));
        assert_eq!(
            plainly("state", ["states", "stated"], 2),
            None,
            "two equally near"
        );
        assert_eq!(plainly("xyzzy", fields, 2), None);
    }
}
