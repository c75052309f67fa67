//! The decrypt Lambda's event parser accepts any bytes without panicking: anything that is JSON
//! becomes an event, everything else is a parse error the runtime reports.
#![no_main]

use credential_decryptor::Event;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(event) = serde_json::from_slice::<Event>(data) {
        let _ = event.is_batch();
    }
});
