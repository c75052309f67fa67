//! Plaintext characters to bytes and back, as .NET's `Encoding.UTF8` / `Encoding.Unicode`.

use secrecy::SecretString;
use zeroize::Zeroizing;

use super::params::TextEncoding;

const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];
const UTF16LE_BOM: &[u8] = &[0xFF, 0xFE];

/// The bytes .NET's `GetBytes` produces (no byte-order mark).
pub fn encode(text: &str, encoding: TextEncoding) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(match encoding {
        TextEncoding::Utf8 => text.as_bytes().to_vec(),
        TextEncoding::Utf16Le => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
    })
}

/// Decodes plaintext bytes. One leading byte-order mark is dropped: some legacy writers went
/// through a `StreamWriter`, which writes one, and the matching `StreamReader` removed it.
/// Invalid sequences become U+FFFD, as .NET's decoders do.
pub fn decode(bytes: &[u8], encoding: TextEncoding) -> SecretString {
    let text = match encoding {
        TextEncoding::Utf8 => {
            let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
            String::from_utf8_lossy(bytes).into_owned()
        }
        TextEncoding::Utf16Le => {
            let bytes = bytes.strip_prefix(UTF16LE_BOM).unwrap_or(bytes);
            let units: Zeroizing<Vec<u16>> = Zeroizing::new(
                bytes
                    .chunks_exact(2)
                    .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
                    .collect(),
            );
            let mut text = String::from_utf16_lossy(&units);
            // .NET turns a dangling odd byte into one replacement character.
            if bytes.len() % 2 == 1 {
                text.push(char::REPLACEMENT_CHARACTER);
            }
            text
        }
    };
    SecretString::from(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn utf16le_round_trip_and_bom() {
        let bytes = encode("Zugang 🔐", TextEncoding::Utf16Le);
        assert_eq!(
            decode(&bytes, TextEncoding::Utf16Le).expose_secret(),
            "Zugang 🔐"
        );
        let mut with_bom = UTF16LE_BOM.to_vec();
        with_bom.extend_from_slice(&bytes);
        assert_eq!(
            decode(&with_bom, TextEncoding::Utf16Le).expose_secret(),
            "Zugang 🔐"
        );
    }

    #[test]
    fn invalid_bytes_become_replacement_characters() {
        assert_eq!(
            decode(&[0x41, 0x00, 0x42], TextEncoding::Utf16Le).expose_secret(),
            "A\u{FFFD}"
        );
        assert_eq!(
            decode(&[0xFF], TextEncoding::Utf8).expose_secret(),
            "\u{FFFD}"
        );
    }
}
