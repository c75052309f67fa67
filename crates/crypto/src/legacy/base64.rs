//! Base64 as the legacy .NET callers produced and read it.
//!
//! `Convert.FromBase64String` skips CR, LF and tab anywhere, requires `=` padding to a multiple
//! of four, and (up to .NET 10) ignores non-zero unused bits in the last symbol. Legacy
//! ciphertexts also travelled through query strings, where every `+` became a space; the legacy
//! decrypt path mapped spaces back to `+`, and so do we (vector A-12 pins this). Encoding is
//! plain standard base64, which .NET reads back unchanged.

use base64::Engine as _;
use zeroize::{Zeroize, Zeroizing};

use crate::DecryptFailure;

/// Encodes bytes as standard, padded base64 (what `Convert.ToBase64String` writes).
pub fn encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Decodes text the way the legacy .NET code did (see the module docs).
pub fn decode(text: &str) -> Result<Zeroizing<Vec<u8>>, DecryptFailure> {
    let mut symbols = Zeroizing::new(Vec::with_capacity(text.len()));
    for byte in text.bytes() {
        match byte {
            b'\r' | b'\n' | b'\t' => {}
            b' ' => symbols.push(b'+'),
            other => symbols.push(other),
        }
    }
    if symbols.len() % 4 != 0 {
        return Err(DecryptFailure::InvalidBase64);
    }
    let padding = symbols.iter().rev().take_while(|&&b| b == b'=').count();
    if padding > 2 {
        return Err(DecryptFailure::InvalidBase64);
    }
    let data_len = symbols.len() - padding;
    let mut out = Zeroizing::new(Vec::with_capacity(data_len * 3 / 4));
    let mut acc: u32 = 0;
    let mut bits: u32 = 0;
    for &symbol in &symbols[..data_len] {
        acc = (acc << 6) | u32::from(sextet(symbol)?);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            // Truncation keeps the low byte, which is exactly the completed octet.
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // A lone symbol in a final quantum cannot encode a byte: .NET rejects `X===` and `X` alike.
    if data_len % 4 == 1 {
        return Err(DecryptFailure::InvalidBase64);
    }
    acc.zeroize();
    Ok(out)
}

fn sextet(symbol: u8) -> Result<u8, DecryptFailure> {
    match symbol {
        b'A'..=b'Z' => Ok(symbol - b'A'),
        b'a'..=b'z' => Ok(symbol - b'a' + 26),
        b'0'..=b'9' => Ok(symbol - b'0' + 52),
        b'+' => Ok(62),
        b'/' => Ok(63),
        _ => Err(DecryptFailure::InvalidBase64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_standard_base64() {
        assert_eq!(decode("aGVsbG8=").unwrap().as_slice(), b"hello");
        assert_eq!(decode("aGVsbG8h").unwrap().as_slice(), b"hello!");
        assert_eq!(decode("").unwrap().as_slice(), b"");
    }

    #[test]
    fn skips_line_breaks_and_tabs_and_maps_spaces_to_plus() {
        assert_eq!(decode("aGVs\r\nbG8=\n").unwrap().as_slice(), b"hello");
        assert_eq!(decode("+/8=").unwrap(), decode(" /8=").unwrap());
    }

    #[test]
    fn rejects_what_dotnet_rejects() {
        for bad in [
            "aGVsbG8", "aG=sbG8=", "aGVsbG8-", "aGVs_G8=", "a===", "aGVsb===", "*AAA",
        ] {
            assert_eq!(decode(bad), Err(DecryptFailure::InvalidBase64), "{bad}");
        }
    }

    #[test]
    fn ignores_nonzero_unused_bits() {
        assert_eq!(decode("YR==").unwrap().as_slice(), b"a");
        assert_eq!(decode("YQ==").unwrap().as_slice(), b"a");
    }
}
