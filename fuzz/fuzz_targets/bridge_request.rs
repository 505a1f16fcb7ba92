//! Any request body: decoded or refused with 400, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(error) = cw_bridge::tools::decode_execute(data) {
        assert_eq!(error.status.as_u16(), 400);
    }
    let _ = cw_bridge::tools::decode_arguments(data);
});
