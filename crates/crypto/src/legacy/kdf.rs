//! The .NET key-derivation functions the legacy schemes used.

use hmac::Hmac;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::params::HashAlgorithm;
use crate::CryptoError;

/// `Rfc2898DeriveBytes(password, salt, iterations, hash).GetBytes(len)`; successive
/// `GetBytes` calls of .NET's Rfc2898 continue one PBKDF2 stream, so one call of the
/// combined length gives the same bytes.
pub fn rfc2898(
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    hash: HashAlgorithm,
    len: usize,
) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(vec![0u8; len]);
    match hash {
        HashAlgorithm::Sha1 => {
            super::pbkdf2_sha1::derive(password, salt, iterations, &mut out);
            Ok(())
        }
        HashAlgorithm::Sha256 => {
            pbkdf2::pbkdf2::<Hmac<Sha256>>(password, salt, iterations, &mut out)
        }
        HashAlgorithm::Md5 => {
            pbkdf2::pbkdf2::<Hmac<md5::Md5>>(password, salt, iterations, &mut out)
        }
    }
    // Only fails for an output longer than the PRF allows (2^32 - 1 blocks): not our sizes.
    .unwrap_or_default();
    out
}

/// One-shot hash of the concatenated parts.
pub fn hash(alg: HashAlgorithm, parts: &[&[u8]]) -> Zeroizing<Vec<u8>> {
    fn run<D: Digest>(parts: &[&[u8]]) -> Zeroizing<Vec<u8>> {
        let mut digest = D::new();
        for part in parts {
            digest.update(part);
        }
        Zeroizing::new(digest.finalize().to_vec())
    }
    match alg {
        HashAlgorithm::Sha1 => run::<Sha1>(parts),
        HashAlgorithm::Sha256 => run::<Sha256>(parts),
        HashAlgorithm::Md5 => run::<md5::Md5>(parts),
    }
}

/// A faithful port of .NET's `PasswordDeriveBytes` (PBKDF1 extended by Microsoft), including
/// its quirk: when a `GetBytes` call needs more bytes than are left over from the previous
/// call, it copies the leftover from the wrong offset. The legacy code asked for the key and
/// then the IV, so the IV overlaps the key; ciphertexts in the database depend on it.
pub struct PasswordDeriveBytes {
    alg: HashAlgorithm,
    base_value: Zeroizing<Vec<u8>>,
    /// Counter written as a decimal prefix before each extension block (none for block 0).
    prefix: u32,
    extra: Option<Zeroizing<Vec<u8>>>,
    extra_count: usize,
}

impl PasswordDeriveBytes {
    pub fn new(alg: HashAlgorithm, password: &[u8], salt: &[u8], iterations: u32) -> Self {
        let mut base_value = hash(alg, &[password, salt]);
        // .NET hashes once, then `iterations - 2` more times: 1 and 2 iterations agree.
        for _ in 1..iterations.saturating_sub(1) {
            base_value = hash(alg, &[&base_value]);
        }
        Self {
            alg,
            base_value,
            prefix: 0,
            extra: None,
            extra_count: 0,
        }
    }

    /// `GetBytes(count)` with .NET's exact state machine. Fails where .NET would throw (the
    /// buggy copy reading past the leftover), which no key/IV size of ours triggers.
    pub fn get_bytes(&mut self, count: usize) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let mut out = Zeroizing::new(vec![0u8; count]);
        let mut filled = 0;
        if let Some(extra) = self.extra.take() {
            let left = extra.len() - self.extra_count;
            if left >= count {
                out.copy_from_slice(&extra[self.extra_count..self.extra_count + count]);
                if left > count {
                    self.extra_count += count;
                    self.extra = Some(extra);
                }
                return Ok(out);
            }
            // The .NET bug: the source offset is `left`, not `extra_count`.
            let misplaced = extra.get(left..left * 2).ok_or_else(|| {
                CryptoError::config("PasswordDeriveBytes cannot serve this sequence of sizes")
            })?;
            out[..left].copy_from_slice(misplaced);
            filled = left;
        }
        let fresh = self.compute_bytes(count - filled);
        out[filled..].copy_from_slice(&fresh[..count - filled]);
        if fresh.len() + filled > count {
            self.extra_count = count - filled;
            self.extra = Some(fresh);
        }
        Ok(out)
    }

    fn compute_bytes(&mut self, count: usize) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(count + 64));
        while out.len() < count {
            let prefix = self.next_prefix();
            out.extend_from_slice(&hash(self.alg, &[prefix.as_bytes(), &self.base_value]));
        }
        out
    }

    /// "" for the first block, then "1", "2", … ("HashPrefix" in the reference source).
    fn next_prefix(&mut self) -> String {
        let prefix = if self.prefix == 0 {
            String::new()
        } else {
            self.prefix.to_string()
        };
        self.prefix += 1;
        prefix
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdb(alg: HashAlgorithm, iterations: u32) -> PasswordDeriveBytes {
        PasswordDeriveBytes::new(alg, b"My$ecretPassw0rd", b"Ivan Medvedev", iterations)
    }

    #[test]
    fn sha1_key_then_iv_overlaps_the_key() {
        let mut d = pdb(HashAlgorithm::Sha1, 100);
        let key = d.get_bytes(32).unwrap();
        let iv = d.get_bytes(16).unwrap();
        // IV bytes 0-7 are key bytes 8-15 (the published ETS5 table shows the same overlap).
        assert_eq!(&iv[..8], &key[8..16]);
    }

    #[test]
    fn md5_key_then_iv_takes_the_third_block() {
        let mut d = pdb(HashAlgorithm::Md5, 100);
        let key = d.get_bytes(32).unwrap();
        let iv = d.get_bytes(16).unwrap();
        let mut fresh = pdb(HashAlgorithm::Md5, 100);
        let all = fresh.get_bytes(48).unwrap();
        assert_eq!(&key[..], &all[..32]);
        assert_eq!(&iv[..], &all[32..]);
    }

    #[test]
    fn one_and_two_iterations_agree() {
        let a = pdb(HashAlgorithm::Sha1, 1).get_bytes(32).unwrap();
        let b = pdb(HashAlgorithm::Sha1, 2).get_bytes(32).unwrap();
        let c = pdb(HashAlgorithm::Sha1, 3).get_bytes(32).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn rfc2898_matches_rfc6070() {
        let out = rfc2898(b"password", b"salt", 2, HashAlgorithm::Sha1, 20);
        assert_eq!(
            hex::encode(&out[..]),
            "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"
        );
    }
}
