//! The `dd1:` parser never panics on any input, and whatever it accepts re-serializes to the
//! same bytes (the encoding is canonical, so the AAD a reader authenticates is the writer's).
#![no_main]

use dd_crypto::envelope::{self, format};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = format::parse(data) {
        let mut again = format::serialize_header(&parsed.header).ok();
        assert_eq!(again.as_deref(), Some(parsed.aad));
        if let Some(bytes) = again.as_mut() {
            bytes.extend_from_slice(parsed.ciphertext);
            assert_eq!(bytes.as_slice(), data);
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = envelope::is_envelope(text);
        let _ = envelope::peek_tenant(text);
        if let Ok(binary) = format::decode_text(text) {
            let _ = format::parse(&binary);
        }
    }
});
