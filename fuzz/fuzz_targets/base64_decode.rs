//! The .NET-compatible base64 decoder never panics, and re-encoding what it accepts decodes to
//! the same bytes.
#![no_main]

use dd_crypto::legacy::base64;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(bytes) = base64::decode(text)
    {
        let again = base64::decode(&base64::encode(&bytes)).ok();
        assert_eq!(again.as_deref().map(|b| b.as_slice()), Some(bytes.as_slice()));
    }
});
