//! PBKDF2-HMAC-SHA1 (RFC 8018) with its output blocks iterated side by side.
//!
//! The decrypt Lambda's key is 48 bytes of PBKDF2-HMAC-SHA1 at 1000 iterations: three
//! independent 1000-step chains of two SHA-1 compressions each, ~20 % of the decryptor's cold
//! start (bench/RESULTS.md). The `pbkdf2` crate runs the chains one after another through
//! `Hmac`'s buffering; here each step is two bare compressions of a block whose padding is
//! written once, and the chains advance together, one step of every chain per loop turn, so
//! the CPU overlaps independent compressions instead of waiting on one chain's latency.
//! Where the CPU has SHA-NI, `pbkdf2_sha1_ni` runs the same loop with the compressions
//! inlined and the states in registers: 0.44x the `pbkdf2` crate's time for the decrypt
//! Lambda's key, against 0.88x for the portable loop (`cargo bench -p dd-crypto --bench legacy
//! -- decrypt_lambda_derivation`, bench/RESULTS.md). The bytes are the same as `pbkdf2::pbkdf2_hmac::<Sha1>`'s (tests below), which is what
//! .NET's `Rfc2898DeriveBytes` produces.

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha1::digest::generic_array::GenericArray;
use zeroize::Zeroizing;

/// SHA-1's block and digest sizes, and the initial state (FIPS 180-4 §5.3.1).
const BLOCK: usize = 64;
const DIGEST: usize = 20;
const SHA1_IV: [u32; 5] = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];
/// Chains advanced together: the decrypt Lambda's 48 bytes are 3 blocks.
pub(super) const LANES: usize = 3;

type Block = [u8; BLOCK];

/// One SHA-1 compression of `block` into `state`.
fn compress(state: &mut [u32; 5], block: &Block) {
    sha1::compress(state, std::slice::from_ref(GenericArray::from_slice(block)));
}

/// Fills `out` with PBKDF2-HMAC-SHA1(`password`, `salt`, `iterations`). Zero iterations
/// give U1, as the `pbkdf2` crate does (.NET rejects zero before it gets here).
pub fn derive(password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
    derive_on(Backend::detect(), password, salt, iterations, out);
}

/// How the chains are iterated: SHA-NI in registers where the CPU has it, else bare
/// `sha1::compress` calls (which use SHA-NI or the portable code inside).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Portable,
    #[cfg(target_arch = "x86_64")]
    ShaNi,
}

impl Backend {
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        if super::pbkdf2_sha1_ni::available() {
            return Self::ShaNi;
        }
        Self::Portable
    }
}

fn derive_on(backend: Backend, password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
    let (inner, outer) = keyed_states(password);
    // U1 hashes the salt, which may be long, so it goes through the ordinary HMAC once per
    // block. HMAC takes keys of any length: the error branch cannot be taken.
    let Ok(mac) = Hmac::<Sha1>::new_from_slice(password) else {
        return;
    };
    for (group, chunk) in out.chunks_mut(LANES * DIGEST).enumerate() {
        let first_block = group * LANES + 1;
        let lanes = chunk.len().div_ceil(DIGEST);
        let mut chains = Chains::default();
        for lane in 0..lanes {
            let mut u1 = mac.clone();
            u1.update(salt);
            // Block indices are 1-based and 32-bit big-endian; our outputs are far below 2^32.
            u1.update(
                &u32::try_from(first_block + lane)
                    .unwrap_or(u32::MAX)
                    .to_be_bytes(),
            );
            let mut digest = Zeroizing::new([0u8; DIGEST]);
            digest.copy_from_slice(&u1.finalize().into_bytes());
            chains.start(lane, &digest[..]);
        }
        match backend {
            Backend::Portable => chains.run(lanes, &inner, &outer, iterations),
            #[cfg(target_arch = "x86_64")]
            Backend::ShaNi => chains.run_sha_ni(lanes, &inner, &outer, iterations),
        }
        for (lane, bytes) in chunk.chunks_mut(DIGEST).enumerate() {
            bytes.copy_from_slice(&chains.output(lane)[..bytes.len()]);
        }
    }
}

/// The SHA-1 states after absorbing `key ⊕ ipad` and `key ⊕ opad` (RFC 2104): every HMAC
/// of this password starts from them.
fn keyed_states(password: &[u8]) -> (Zeroizing<[u32; 5]>, Zeroizing<[u32; 5]>) {
    use sha1::Digest;
    let mut key = Zeroizing::new([0u8; BLOCK]);
    if password.len() > BLOCK {
        key[..DIGEST].copy_from_slice(&Sha1::digest(password));
    } else {
        key[..password.len()].copy_from_slice(password);
    }
    let pad = |byte: u8| {
        let mut block = Zeroizing::new([0u8; BLOCK]);
        for (padded, key_byte) in block.iter_mut().zip(key.iter()) {
            *padded = key_byte ^ byte;
        }
        let mut state = Zeroizing::new(SHA1_IV);
        compress(&mut state, &block);
        state
    };
    (pad(0x36), pad(0x5c))
}

/// The per-block chains: U_j (as the message block of the next HMAC, padding included)
/// and the running XOR of U_1..U_j. Secret-derived, so wiped on drop.
struct Chains {
    /// Each lane's next inner message: U_j in bytes 0..20, then SHA-1 padding for a
    /// 20-byte message after the 64-byte key block ((64 + 20) * 8 = 672 bits).
    message: Zeroizing<[Block; LANES]>,
    sum: Zeroizing<[[u8; DIGEST]; LANES]>,
}

impl Default for Chains {
    fn default() -> Self {
        let mut template = [0u8; BLOCK];
        template[DIGEST] = 0x80;
        template[BLOCK - 8..].copy_from_slice(&(((BLOCK + DIGEST) * 8) as u64).to_be_bytes());
        Self {
            message: Zeroizing::new([template; LANES]),
            sum: Zeroizing::new([[0; DIGEST]; LANES]),
        }
    }
}

impl Chains {
    fn start(&mut self, lane: usize, u1: &[u8]) {
        self.message[lane][..DIGEST].copy_from_slice(u1);
        self.sum[lane].copy_from_slice(u1);
    }

    /// Iterations 2..=`iterations` of every active lane, one step of each per turn.
    fn run(&mut self, lanes: usize, inner: &[u32; 5], outer: &[u32; 5], iterations: u32) {
        let mut inner_out = Zeroizing::new([[0u32; 5]; LANES]);
        let mut outer_in = Zeroizing::new(*self.message);
        for _ in 1..iterations {
            for lane in 0..lanes {
                inner_out[lane] = *inner;
                compress(&mut inner_out[lane], &self.message[lane]);
            }
            for lane in 0..lanes {
                write_words(&mut outer_in[lane], &inner_out[lane]);
                let mut state = Zeroizing::new(*outer);
                compress(&mut state, &outer_in[lane]);
                write_words(&mut self.message[lane], &state);
                for (sum, byte) in self.sum[lane].iter_mut().zip(&self.message[lane][..DIGEST]) {
                    *sum ^= byte;
                }
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    fn run_sha_ni(&mut self, lanes: usize, inner: &[u32; 5], outer: &[u32; 5], iterations: u32) {
        let mut words = Zeroizing::new([[0u32; 5]; LANES]);
        for (lane_words, sum) in words.iter_mut().zip(self.sum.iter()) {
            for (word, bytes) in lane_words.iter_mut().zip(sum.chunks_exact(4)) {
                *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
            }
        }
        // Checked here, not only in `Backend::detect`, so the `unsafe` below rests on a check
        // next to it rather than on who may construct `Backend::ShaNi` (cached: a few loads).
        if !super::pbkdf2_sha1_ni::available() {
            return self.run(lanes, inner, outer, iterations);
        }
        #[allow(unsafe_code)]
        // SAFETY: `iterate` only needs the CPU features `available()` just confirmed; it reads
        // and writes nothing but its arguments.
        unsafe {
            super::pbkdf2_sha1_ni::iterate(inner, outer, &mut words, lanes, iterations);
        }
        for (sum, lane_words) in self.sum.iter_mut().zip(words.iter()).take(lanes) {
            write_words(sum, lane_words);
        }
    }

    fn output(&self, lane: usize) -> &[u8; DIGEST] {
        &self.sum[lane]
    }
}

/// A SHA-1 state as the 20-byte big-endian digest at the start of `block`.
fn write_words(block: &mut [u8], state: &[u32; 5]) {
    for (bytes, word) in block[..DIGEST].chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(password: &[u8], salt: &[u8], iterations: u32, len: usize) -> Vec<u8> {
        let mut out = vec![0u8; len];
        pbkdf2::pbkdf2_hmac::<Sha1>(password, salt, iterations, &mut out);
        out
    }

    fn ours(password: &[u8], salt: &[u8], iterations: u32, len: usize) -> Vec<u8> {
        let mut out = vec![0u8; len];
        derive(password, salt, iterations, &mut out);
        let mut portable = vec![0u8; len];
        derive_on(Backend::Portable, password, salt, iterations, &mut portable);
        assert_eq!(
            out, portable,
            "the detected backend and the portable one disagree"
        );
        out
    }

    #[test]
    fn sha_ni_is_used_where_the_cpu_has_it() {
        #[cfg(target_arch = "x86_64")]
        assert_eq!(
            Backend::detect() == Backend::ShaNi,
            std::is_x86_feature_detected!("sha") && std::is_x86_feature_detected!("sse4.1")
        );
    }

    #[test]
    fn rfc_6070_vectors() {
        let hex = |s: &str| crate::legacy::decode_hex(s).unwrap();
        assert_eq!(
            ours(b"password", b"salt", 1, 20),
            hex("0c60c80f961f0e71f3a9b524af6012062fe037a6")
        );
        assert_eq!(
            ours(b"password", b"salt", 4096, 20),
            hex("4b007901b765489abead49d926f721d065a429c1")
        );
        assert_eq!(
            ours(
                b"passwordPASSWORDpassword",
                b"saltSALTsaltSALTsaltSALTsaltSALTsalt",
                4096,
                25
            ),
            hex("3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038")
        );
        assert_eq!(
            ours(b"pass\0word", b"sa\0lt", 4096, 16),
            hex("56fa6aa75548099dcc37d7f03425e0c3")
        );
    }

    #[test]
    fn same_bytes_as_the_pbkdf2_crate_for_every_shape() {
        // Keys shorter than, equal to and longer than the block (hashed first); empty and long
        // salts; iteration counts around the loop's edges; lengths that end inside a block,
        // on a block, inside and past a group of lanes.
        let passwords: [&[u8]; 5] = [b"", b"k", &[0x5a; 64], &[0xa7; 65], &[0x01; 200]];
        let salts: [&[u8]; 4] = [b"", b"NaCl-2019", &[0x33; 64], &[0x44; 150]];
        for password in passwords {
            for salt in salts {
                for iterations in [0, 1, 2, 3, 1000] {
                    for len in [1, 19, 20, 21, 40, 48, 60, 61, 100] {
                        assert_eq!(
                            ours(password, salt, iterations, len),
                            reference(password, salt, iterations, len),
                            "password {} B, salt {} B, {iterations} iterations, {len} B",
                            password.len(),
                            salt.len()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_decrypt_lambda_key_shape() {
        let salt: Vec<u8> = "NaCl-2019"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(
            ours(b"correct horse battery", &salt, 1000, 48),
            reference(b"correct horse battery", &salt, 1000, 48)
        );
    }
}
