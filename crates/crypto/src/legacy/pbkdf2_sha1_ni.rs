//! The PBKDF2-HMAC-SHA1 chains on x86's SHA extensions (SHA-NI), every chain's state kept in
//! registers and every compression inlined into one loop.
//!
//! `sha1::compress` already uses SHA-NI when the CPU has it, but behind a function call and a
//! feature check per block, with the state in memory: each compression then waits for the
//! previous one (a chain of ~20 dependent `sha1rnds4`). Inlined here, the three chains'
//! compressions are independent instructions in one stream, which the CPU overlaps: the
//! decrypt Lambda's derivation takes about half the time (`cargo bench -p dd-crypto`,
//! `decrypt_lambda_derivation`). The round sequence is Intel's reference one, as in the
//! `sha1` crate's x86 backend; the block layout is PBKDF2's fixed one (below).

#[cfg(target_arch = "x86_64")]
use core::arch::x86_64::{
    __m128i, _mm_add_epi32, _mm_extract_epi32, _mm_or_si128, _mm_set_epi32, _mm_setzero_si128,
    _mm_sha1msg1_epu32, _mm_sha1msg2_epu32, _mm_sha1nexte_epu32, _mm_sha1rnds4_epu32,
    _mm_xor_si128,
};

use zeroize::Zeroizing;

use super::pbkdf2_sha1::LANES;

/// Whether this CPU has what [`iterate`] needs (checked once, then cached by std).
pub fn available() -> bool {
    std::is_x86_feature_detected!("sha")
        && std::is_x86_feature_detected!("sse2")
        && std::is_x86_feature_detected!("ssse3")
        && std::is_x86_feature_detected!("sse4.1")
}

/// Four SHA-1 rounds (`sha1rnds4` with function/constant `$i`) on `$h0`, message `$wk`.
macro_rules! rounds4 {
    ($h0:ident, $h1:ident, $wk:expr, $i:expr) => {
        _mm_sha1rnds4_epu32($h0, _mm_sha1nexte_epu32($h1, $wk), $i)
    };
}

/// The next four message words from the previous sixteen, then four rounds with them.
macro_rules! schedule_rounds4 {
    ($h0:ident, $h1:ident, $w0:expr, $w1:expr, $w2:expr, $w3:expr, $w4:expr, $i:expr) => {
        $w4 = _mm_sha1msg2_epu32(_mm_xor_si128(_mm_sha1msg1_epu32($w0, $w1), $w2), $w3);
        $h1 = rounds4!($h0, $h1, $w4, $i);
    };
}

/// One SHA-1 compression from state (`$abcd`: A in the top lane; `$e`: E in the top lane)
/// of the message words `$m0..$m3` (W0 in the top lane of `$m0`); evaluates to the new
/// `(abcd, e)`.
macro_rules! compress {
    ($abcd:expr, $e:expr, $m0:expr, $m1:expr, $m2:expr, $m3:expr) => {{
        let (abcd, e) = ($abcd, $e);
        let (mut w0, mut w1, mut w2, mut w3) = ($m0, $m1, $m2, $m3);
        let mut w4;
        let mut h0 = abcd;
        let mut h1 = _mm_add_epi32(e, w0);
        h1 = _mm_sha1rnds4_epu32(h0, h1, 0);
        h0 = rounds4!(h1, h0, w1, 0);
        h1 = rounds4!(h0, h1, w2, 0);
        h0 = rounds4!(h1, h0, w3, 0);
        schedule_rounds4!(h0, h1, w0, w1, w2, w3, w4, 0);
        schedule_rounds4!(h1, h0, w1, w2, w3, w4, w0, 1);
        schedule_rounds4!(h0, h1, w2, w3, w4, w0, w1, 1);
        schedule_rounds4!(h1, h0, w3, w4, w0, w1, w2, 1);
        schedule_rounds4!(h0, h1, w4, w0, w1, w2, w3, 1);
        schedule_rounds4!(h1, h0, w0, w1, w2, w3, w4, 1);
        schedule_rounds4!(h0, h1, w1, w2, w3, w4, w0, 2);
        schedule_rounds4!(h1, h0, w2, w3, w4, w0, w1, 2);
        schedule_rounds4!(h0, h1, w3, w4, w0, w1, w2, 2);
        schedule_rounds4!(h1, h0, w4, w0, w1, w2, w3, 2);
        schedule_rounds4!(h0, h1, w0, w1, w2, w3, w4, 2);
        schedule_rounds4!(h1, h0, w1, w2, w3, w4, w0, 3);
        schedule_rounds4!(h0, h1, w2, w3, w4, w0, w1, 3);
        schedule_rounds4!(h1, h0, w3, w4, w0, w1, w2, 3);
        schedule_rounds4!(h0, h1, w4, w0, w1, w2, w3, 3);
        schedule_rounds4!(h1, h0, w0, w1, w2, w3, w4, 3);
        (_mm_add_epi32(abcd, h0), _mm_sha1nexte_epu32(h1, e))
    }};
}

/// Words as SHA-NI registers: (A, B, C, D) with A on top, and (E, 0, 0, 0).
#[allow(clippy::cast_possible_wrap)] // a bit-for-bit reinterpretation, not arithmetic
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn to_registers(words: &[u32; 5]) -> (__m128i, __m128i) {
    let [a, b, c, d, e] = words.map(|word| word as i32);
    (_mm_set_epi32(a, b, c, d), _mm_set_epi32(e, 0, 0, 0))
}

/// PBKDF2 iterations 2..=`iterations` of `lanes` chains. `u1` holds each chain's U1 as
/// SHA-1 words; on return it holds each chain's U1 ⊕ … ⊕ U_iterations. Safe code inside
/// (the intrinsics are safe where their features are enabled); calling it needs the CPU
/// check of [`available`], which is what makes the call site's `unsafe` sound.
#[allow(clippy::cast_sign_loss)] // lanes read back as the u32 words they are
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
pub fn iterate(
    inner: &[u32; 5],
    outer: &[u32; 5],
    u1: &mut [[u32; 5]; LANES],
    lanes: usize,
    iterations: u32,
) {
    let (inner_abcd, inner_e) = to_registers(inner);
    let (outer_abcd, outer_e) = to_registers(outer);
    // The message after a 20-byte digest: W5 = the 0x80 padding byte, W15 = the bit length
    // of key block + digest ((64 + 20) * 8); W6..W14 are zero.
    let padding_w5 = _mm_set_epi32(0, i32::MIN, 0, 0);
    let zero = _mm_setzero_si128();
    let length_w15 = _mm_set_epi32(0, 0, 0, 672);
    let mut u: Zeroizing<[__m128i; 2 * LANES]> = Zeroizing::new([zero; 2 * LANES]);
    let mut sum: Zeroizing<[__m128i; 2 * LANES]> = Zeroizing::new([zero; 2 * LANES]);
    for lane in 0..lanes {
        (u[2 * lane], u[2 * lane + 1]) = to_registers(&u1[lane]);
        (sum[2 * lane], sum[2 * lane + 1]) = (u[2 * lane], u[2 * lane + 1]);
    }
    for _ in 1..iterations {
        for lane in 0..lanes {
            let (abcd, e) = (u[2 * lane], u[2 * lane + 1]);
            let (abcd, e) = compress!(
                inner_abcd,
                inner_e,
                abcd,
                _mm_or_si128(e, padding_w5),
                zero,
                length_w15
            );
            let (abcd, e) = compress!(
                outer_abcd,
                outer_e,
                abcd,
                _mm_or_si128(e, padding_w5),
                zero,
                length_w15
            );
            (u[2 * lane], u[2 * lane + 1]) = (abcd, e);
            sum[2 * lane] = _mm_xor_si128(sum[2 * lane], abcd);
            sum[2 * lane + 1] = _mm_xor_si128(sum[2 * lane + 1], e);
        }
    }
    for (lane, words) in u1.iter_mut().enumerate().take(lanes) {
        let (abcd, e) = (sum[2 * lane], sum[2 * lane + 1]);
        *words = [
            _mm_extract_epi32(abcd, 3) as u32,
            _mm_extract_epi32(abcd, 2) as u32,
            _mm_extract_epi32(abcd, 1) as u32,
            _mm_extract_epi32(abcd, 0) as u32,
            _mm_extract_epi32(e, 3) as u32,
        ];
    }
}
