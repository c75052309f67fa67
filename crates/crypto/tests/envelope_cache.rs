//! The data-key cache seen through the cipher: keys are reused until TTL or max uses, then
//! the provider is asked again; time is a manual clock, so nothing sleeps.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod envelope_common;

use std::sync::Arc;
use std::time::Duration;

use dd_crypto::envelope::{self, CacheConfig, EnvelopeCipher};
use envelope_common::{FakeProvider, ManualClock, block_on};

fn cipher(
    config: CacheConfig,
) -> (
    EnvelopeCipher<Arc<FakeProvider>>,
    Arc<FakeProvider>,
    Arc<ManualClock>,
) {
    let provider = Arc::new(FakeProvider::new());
    let clock = Arc::new(ManualClock::new());
    let c = EnvelopeCipher::with_cache(Arc::clone(&provider), config).with_clock(clock.clone());
    (c, provider, clock)
}

fn config(ttl_secs: u64, max_uses: u64) -> CacheConfig {
    CacheConfig {
        ttl: Duration::from_secs(ttl_secs),
        max_uses,
        max_entries: 16,
    }
}

fn wrapped_key_of(text: &str) -> Vec<u8> {
    let binary = envelope::format::decode_text(text).unwrap();
    envelope::format::parse(&binary)
        .unwrap()
        .header
        .wrapped_key
        .to_vec()
}

#[test]
fn one_data_key_per_tenant_until_ttl() {
    let (c, provider, clock) = cipher(config(60, 1000));
    let a1 = block_on(c.seal("acme", b"1")).unwrap();
    let a2 = block_on(c.seal("acme", b"2")).unwrap();
    let g1 = block_on(c.seal("globex", b"3")).unwrap();
    assert_eq!(provider.calls(), (2, 0));
    assert_eq!(wrapped_key_of(&a1), wrapped_key_of(&a2));
    assert_ne!(wrapped_key_of(&a1), wrapped_key_of(&g1));

    clock.advance(Duration::from_secs(60));
    let a3 = block_on(c.seal("acme", b"4")).unwrap();
    assert_eq!(provider.calls(), (3, 0));
    assert_ne!(wrapped_key_of(&a1), wrapped_key_of(&a3));
}

#[test]
fn max_uses_forces_a_new_data_key() {
    let (c, provider, _clock) = cipher(config(3600, 3));
    let texts: Vec<String> = (0..7)
        .map(|i| block_on(c.seal("acme", &[i])).unwrap())
        .collect();
    // Uses 1-3 on the first key, 4-6 on the second, 7 on the third.
    assert_eq!(provider.calls().0, 3);
    assert_eq!(wrapped_key_of(&texts[0]), wrapped_key_of(&texts[2]));
    assert_ne!(wrapped_key_of(&texts[2]), wrapped_key_of(&texts[3]));
    assert_ne!(wrapped_key_of(&texts[5]), wrapped_key_of(&texts[6]));
}

#[test]
fn sealing_warms_the_open_side_and_opens_reuse_unwrapped_keys() {
    let (sealer, _, _) = cipher(config(60, 1000));
    let text = block_on(sealer.seal("acme", b"pw")).unwrap();
    block_on(sealer.open(&text, None)).unwrap();
    assert_eq!(sealer.provider().calls(), (1, 0));

    // A cold opener over the same KEK unwraps once, then serves from the cache until TTL.
    let clock = Arc::new(ManualClock::new());
    let opener = EnvelopeCipher::with_cache(Arc::clone(sealer.provider()), config(60, 1000))
        .with_clock(clock.clone());
    for _ in 0..5 {
        block_on(opener.open(&text, Some("acme"))).unwrap();
    }
    assert_eq!(sealer.provider().calls(), (1, 1));
    clock.advance(Duration::from_secs(61));
    block_on(opener.open(&text, Some("acme"))).unwrap();
    assert_eq!(sealer.provider().calls(), (1, 2));
}

#[test]
fn open_side_max_uses_and_clear() {
    let (c, provider, _) = cipher(config(3600, 2));
    let text = block_on(c.seal("acme", b"pw")).unwrap(); // seal use 1 / open entry use 1
    block_on(c.open(&text, None)).unwrap(); // open use 2
    assert_eq!(provider.calls(), (1, 0));
    block_on(c.open(&text, None)).unwrap(); // spent: unwraps again
    assert_eq!(provider.calls(), (1, 1));
    c.cache().clear();
    assert_eq!(c.cache().stats().open_entries, 0);
    block_on(c.open(&text, None)).unwrap();
    assert_eq!(provider.calls(), (1, 2));
}

#[test]
fn tenant_mismatch_never_reaches_the_provider() {
    let (c, provider, _) = cipher(config(60, 1000));
    let text = block_on(c.seal("acme", b"pw")).unwrap();
    c.cache().clear();
    let err = block_on(c.open(&text, Some("globex"))).unwrap_err();
    assert_eq!(err.kind(), "tenant_mismatch");
    assert_eq!(provider.calls(), (1, 0));
}

#[test]
fn caching_off_calls_the_provider_every_time() {
    let (c, provider, _) = cipher(CacheConfig {
        max_entries: 0,
        ..CacheConfig::default()
    });
    let text = block_on(c.seal("acme", b"pw")).unwrap();
    block_on(c.seal("acme", b"pw")).unwrap();
    block_on(c.open(&text, None)).unwrap();
    block_on(c.open(&text, None)).unwrap();
    assert_eq!(provider.calls(), (2, 2));
}
