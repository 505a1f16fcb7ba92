//! One page of a collection, read from ConnectWise's `Link` header.

/// The `first`/`prev`/`next`/`last` targets of a `Link` header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    /// `rel="first"`
    pub first: Option<String>,
    /// `rel="prev"`
    pub prev: Option<String>,
    /// `rel="next"`
    pub next: Option<String>,
    /// `rel="last"`
    pub last: Option<String>,
}

impl Links {
    /// Reads `<url>; rel="next", <url>; rel="last"`. Unknown relations and
    /// malformed parts are skipped; commas inside `<...>` are kept.
    pub fn parse(header: &str) -> Links {
        let mut links = Links::default();
        let mut rest = header;
        while let Some(open) = rest.find('<') {
            let Some(close) = rest[open..].find('>').map(|i| open + i) else {
                break;
            };
            let url = rest[open + 1..close].trim();
            let after = &rest[close + 1..];
            let params_end = after.find('<').unwrap_or(after.len());
            let rel = after[..params_end].split(';').find_map(|param| {
                let (key, value) = param.split_once('=')?;
                key.trim()
                    .eq_ignore_ascii_case("rel")
                    .then(|| relation_value(value))
            });
            let slot = match rel.map(str::to_ascii_lowercase).as_deref() {
                Some("first") => &mut links.first,
                Some("prev") | Some("previous") => &mut links.prev,
                Some("next") => &mut links.next,
                Some("last") => &mut links.last,
                _ => {
                    rest = &after[params_end..];
                    continue;
                }
            };
            *slot = Some(url.to_owned());
            rest = &after[params_end..];
        }
        links
    }
}

/// A `rel` value: the quoted text, or the bare word before any `,`.
fn relation_value(raw: &str) -> &str {
    let raw = raw.trim_start();
    match raw.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next().unwrap_or_default(),
        None => raw.split([',', ' ']).next().unwrap_or_default(),
    }
}

/// The value of query parameter `name` in `url`, compared case-insensitively.
pub fn query_param<'a>(url: &'a str, name: &str) -> Option<&'a str> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or(query);
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        key.eq_ignore_ascii_case(name).then_some(value)
    })
}

/// One page of results.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The records on this page.
    pub items: Vec<T>,
    /// The page number asked for (1-based).
    pub page: u32,
    /// The page size asked for.
    pub page_size: u32,
    /// True when the `Link` header names a next page.
    pub has_more: bool,
    /// The next page number, for navigable pagination.
    pub next_page: Option<u32>,
    /// The last page number, when ConnectWise names it.
    pub last_page: Option<u32>,
    /// The next `pageId`, for forward-only pagination.
    pub next_page_id: Option<u64>,
}

impl<T> Page<T> {
    /// Builds a page from its items and the `Link` header (if any).
    pub fn new(items: Vec<T>, page: u32, page_size: u32, link_header: Option<&str>) -> Self {
        let links = link_header.map(Links::parse).unwrap_or_default();
        let number = |url: &Option<String>, name| {
            url.as_deref()
                .and_then(|u| query_param(u, name))
                .and_then(|v| v.parse().ok())
        };
        Page {
            items,
            page,
            page_size,
            has_more: links.next.is_some(),
            next_page: number(&links.next, "page").map(|n: u64| n as u32),
            last_page: number(&links.last, "page").map(|n: u64| n as u32),
            next_page_id: number(&links.next, "pageId"),
        }
    }

    /// Converts every item, keeping the paging facts.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, _>>()?,
            page: self.page,
            page_size: self.page_size,
            has_more: self.has_more,
            next_page: self.next_page,
            last_page: self.last_page,
            next_page_id: self.next_page_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_connectwise_link_headers() {
        let header = r#"<https://x/v4_6_release/apis/3.0/service/tickets?pageSize=25&page=2>; rel="next", <https://x/v4_6_release/apis/3.0/service/tickets?pageSize=25&page=40>; rel="last""#;
        let page: Page<()> = Page::new(vec![], 1, 25, Some(header));
        assert!(page.has_more);
        assert_eq!(page.next_page, Some(2));
        assert_eq!(page.last_page, Some(40));
    }

    #[test]
    fn keeps_commas_inside_urls_and_ignores_junk() {
        let header = r#"<https://x/a?fields=id,summary&page=1>; rel="first", <https://x/a?fields=id,summary&page=3>; rel="prev", garbage, <https://x/a?page=5>; rel="other""#;
        let links = Links::parse(header);
        assert_eq!(
            links.first.as_deref(),
            Some("https://x/a?fields=id,summary&page=1")
        );
        assert_eq!(
            links.prev.as_deref(),
            Some("https://x/a?fields=id,summary&page=3")
        );
        assert_eq!(links.next, None);
        let page: Page<()> = Page::new(vec![], 4, 25, Some(header));
        assert!(!page.has_more);
        assert_eq!(page.next_page, None);
    }

    #[test]
    fn forward_only_links_give_a_page_id() {
        let page: Page<()> = Page::new(
            vec![],
            1,
            25,
            Some("<https://x/a?pageSize=25&pageId=1234>; rel=\"next\""),
        );
        assert_eq!(page.next_page_id, Some(1234));
        assert_eq!(page.next_page, None);
        assert!(page.has_more);
    }

    proptest::proptest! {
        /// Arbitrary header text: links or nothing, never a panic.
        #[test]
        fn arbitrary_link_headers_never_panic(header in "\\PC{0,300}") {
            let page: Page<()> = Page::new(vec![], 1, 25, Some(&header));
            proptest::prop_assert_eq!(page.has_more, page.next_page.is_some() || page.next_page_id.is_some() || Links::parse(&header).next.is_some());
        }

        /// Headers built from arbitrary URLs and relations round-trip their page numbers.
        #[test]
        fn generated_link_headers_are_read_back(next in 1u32..100_000, last in 1u32..100_000, junk in "[a-z,;= ]{0,20}") {
            let header = format!("<https://x/a?b={junk}&page={next}>; rel=\"next\", <https://x/a?page={last}>; rel=\"last\"");
            let page: Page<()> = Page::new(vec![], 1, 25, Some(&header));
            proptest::prop_assert_eq!(page.next_page, Some(next));
            proptest::prop_assert_eq!(page.last_page, Some(last));
        }
    }

    #[test]
    fn malformed_headers_never_panic() {
        for header in [
            "",
            "<",
            ">",
            "<<>>",
            "<x>; rel",
            "<x>; rel=\"next",
            ";;;,,,",
            "<x?page=abc>; rel=next",
        ] {
            let page: Page<()> = Page::new(vec![], 1, 25, Some(header));
            assert_eq!(page.next_page, None, "{header}");
        }
    }
}
