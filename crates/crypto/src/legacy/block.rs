//! Block-cipher modes the legacy schemes used: AES-CBC and two-key 3DES-ECB, PKCS#7 padded.

use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyInit, KeyIvInit, block_padding::Pkcs7};
use zeroize::Zeroizing;

use crate::{CryptoError, DecryptFailure};

pub const AES_BLOCK: usize = 16;
pub const DES_BLOCK: usize = 8;

/// AES-CBC decryption with the key size chosen by the key's length (16, 24 or 32 bytes).
pub fn aes_cbc_decrypt(
    key: &[u8],
    iv: &[u8; AES_BLOCK],
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if !data.len().is_multiple_of(AES_BLOCK) {
        return Err(DecryptFailure::InvalidLength.into());
    }
    let plain = match key.len() {
        16 => decrypt_with::<cbc::Decryptor<aes::Aes128>>(key, iv, data),
        24 => decrypt_with::<cbc::Decryptor<aes::Aes192>>(key, iv, data),
        32 => decrypt_with::<cbc::Decryptor<aes::Aes256>>(key, iv, data),
        _ => return Err(CryptoError::config("AES key must be 128, 192 or 256 bits")),
    }?;
    Ok(Zeroizing::new(plain))
}

fn decrypt_with<M: KeyIvInit + BlockDecryptMut>(
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    M::new_from_slices(key, iv)
        .map_err(|_| CryptoError::config("AES key or IV has the wrong length"))?
        .decrypt_padded_vec_mut::<Pkcs7>(data)
        .map_err(|_| DecryptFailure::PaddingError.into())
}

/// AES-CBC encryption with PKCS#7 padding.
pub fn aes_cbc_encrypt(
    key: &[u8],
    iv: &[u8; AES_BLOCK],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    fn encrypt_with<M: KeyIvInit + BlockEncryptMut>(
        key: &[u8],
        iv: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        Ok(M::new_from_slices(key, iv)
            .map_err(|_| CryptoError::config("AES key or IV has the wrong length"))?
            .encrypt_padded_vec_mut::<Pkcs7>(plaintext))
    }
    match key.len() {
        16 => encrypt_with::<cbc::Encryptor<aes::Aes128>>(key, iv, plaintext),
        24 => encrypt_with::<cbc::Encryptor<aes::Aes192>>(key, iv, plaintext),
        32 => encrypt_with::<cbc::Encryptor<aes::Aes256>>(key, iv, plaintext),
        _ => Err(CryptoError::config("AES key must be 128, 192 or 256 bits")),
    }
}

/// Two-key 3DES (K1, K2, K1) in ECB mode, as .NET's `TripleDESCryptoServiceProvider` with a
/// 16-byte key.
pub fn tdes_ecb_decrypt(key: &[u8; 16], data: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if !data.len().is_multiple_of(DES_BLOCK) {
        return Err(DecryptFailure::InvalidLength.into());
    }
    let plain = ecb::Decryptor::<des::TdesEde2>::new(key.into())
        .decrypt_padded_vec_mut::<Pkcs7>(data)
        .map_err(|_| CryptoError::from(DecryptFailure::PaddingError))?;
    Ok(Zeroizing::new(plain))
}

pub fn tdes_ecb_encrypt(key: &[u8; 16], plaintext: &[u8]) -> Vec<u8> {
    ecb::Encryptor::<des::TdesEde2>::new(key.into()).encrypt_padded_vec_mut::<Pkcs7>(plaintext)
}
