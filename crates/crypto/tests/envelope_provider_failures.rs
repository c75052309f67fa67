//! KMS failure modes moto cannot produce (denied access, disabled key, throttling), through
//! an in-process fake behind the same `KeyProvider` trait.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod envelope_common;

use std::sync::Arc;

use dd_crypto::envelope::{CacheConfig, EnvelopeCipher};
use envelope_common::{FakeKms, FakeProvider, block_on};

fn pair() -> (EnvelopeCipher<Arc<FakeProvider>>, Arc<FakeProvider>) {
    let provider = Arc::new(FakeProvider::new());
    (
        EnvelopeCipher::with_cache(Arc::clone(&provider), CacheConfig::default()),
        provider,
    )
}

#[test]
fn each_outage_is_key_unavailable_with_a_code_but_no_secret() {
    for mode in [
        FakeKms::AccessDenied,
        FakeKms::Disabled,
        FakeKms::Throttling,
    ] {
        let (c, provider) = pair();
        let text = block_on(c.seal("acme", b"hunter2")).unwrap();
        c.cache().clear();
        provider.set(mode);

        let err = block_on(c.seal("acme", b"hunter2")).unwrap_err();
        assert_eq!(err.kind(), "key_unavailable", "{mode:?}");
        assert!(err.to_string().contains("GenerateDataKey"));
        let err = block_on(c.open(&text, Some("acme"))).unwrap_err();
        assert_eq!(err.kind(), "key_unavailable", "{mode:?}");
        assert!(!err.to_string().contains("hunter2") && !err.to_string().contains(&text[4..20]));
    }
}

#[test]
fn failures_are_not_cached_and_recovery_is_immediate() {
    let (c, provider) = pair();
    provider.set(FakeKms::Throttling);
    assert!(block_on(c.seal("acme", b"x")).is_err());
    assert_eq!(c.cache().stats().seal_entries, 0);
    provider.set(FakeKms::Healthy);
    let text = block_on(c.seal("acme", b"x")).unwrap();
    assert_eq!(&*block_on(c.open(&text, None)).unwrap().plaintext, b"x");
}

#[test]
fn a_warm_cache_rides_out_a_provider_outage() {
    let (c, provider) = pair();
    let text = block_on(c.seal("acme", b"x")).unwrap();
    provider.set(FakeKms::Throttling);
    // Cached keys keep both directions working while KMS throttles.
    assert!(block_on(c.open(&text, Some("acme"))).is_ok());
    assert!(block_on(c.seal("acme", b"y")).is_ok());
    // A tenant with nothing cached needs KMS.
    assert_eq!(
        block_on(c.seal("globex", b"z")).unwrap_err().kind(),
        "key_unavailable"
    );
    assert_eq!(provider.calls(), (2, 0));
}
