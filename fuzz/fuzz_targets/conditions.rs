//! Any text: a parse error or a tree whose canonical form parses back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(expr) = cw_client::conditions::parse(text) {
        let printed = expr.to_string();
        let again = cw_client::conditions::parse(&printed).expect("the canonical form parses");
        assert_eq!(again.to_string(), printed);
    }
});
