//! Any header text: links or nothing, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let links = cw_client::Links::parse(text);
    let page: cw_client::Page<()> = cw_client::Page::new(Vec::new(), 1, 25, Some(text));
    assert_eq!(page.has_more, links.next.is_some());
});
