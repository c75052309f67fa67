//! The `dd1:` byte layout: parse and serialize, nothing else (no keys, no crypto).
//!
//! ```text
//! "dd1:" base64( version:u8 = 0x01
//!                tenant_len:u16be  tenant_id   (UTF-8, 1..=256 bytes)
//!                key_id_len:u16be  key_id      (UTF-8, 1..=2048 bytes)
//!                wrapped_len:u16be wrapped_key (1..=6144 bytes)
//!                nonce[12]
//!                ciphertext ‖ tag[16] )         (the header is everything before it)
//! ```
//!
//! Every length is checked before it is used, so [`parse`] returns an error and never panics
//! on any input; the `envelope_parse` fuzz target holds it to that. The encoding is canonical
//! (fixed-width lengths, no optional fields), so `serialize(parse(x)) == x` for every valid `x`.

use base64::Engine as _;

use crate::EnvelopeFailure;

/// The text prefix of version 1. `:` never occurs in base64, so the prefix cannot collide
/// with a legacy ciphertext.
pub const PREFIX: &str = "dd1:";
/// The version byte that opens the binary form.
pub const VERSION: u8 = 1;
/// AES-GCM nonce length (96 bits, random per message).
pub const NONCE_LEN: usize = 12;
/// AES-GCM tag length.
pub const TAG_LEN: usize = 16;
/// Largest tenant id in bytes.
pub const MAX_TENANT_ID_LEN: usize = 256;
/// Largest key id in bytes (a KMS key ARN is far shorter).
pub const MAX_KEY_ID_LEN: usize = 2048;
/// Largest wrapped data key in bytes (KMS's `CiphertextBlob` limit).
pub const MAX_WRAPPED_KEY_LEN: usize = 6144;
/// Largest plaintext: envelopes hold credentials and account numbers, not documents.
pub const MAX_PLAINTEXT_LEN: usize = 64 * 1024;

const LEN_FIELD: usize = 2;
/// Upper bound on the decoded size, so oversized text is refused before decoding.
const MAX_BINARY_LEN: usize = 1
    + 3 * LEN_FIELD
    + MAX_TENANT_ID_LEN
    + MAX_KEY_ID_LEN
    + MAX_WRAPPED_KEY_LEN
    + NONCE_LEN
    + MAX_PLAINTEXT_LEN
    + TAG_LEN;
const MAX_TEXT_LEN: usize = PREFIX.len() + MAX_BINARY_LEN.div_ceil(3) * 4;

/// The header fields, borrowed from the bytes they were parsed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header<'a> {
    pub tenant_id: &'a str,
    pub key_id: &'a str,
    pub wrapped_key: &'a [u8],
    pub nonce: [u8; NONCE_LEN],
}

/// A parsed binary envelope: the header, its exact bytes (the GCM AAD) and the ciphertext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed<'a> {
    pub header: Header<'a>,
    /// The header bytes exactly as read: authenticated as AAD.
    pub aad: &'a [u8],
    /// Ciphertext followed by the 16-byte tag.
    pub ciphertext: &'a [u8],
}

/// Whether `text` claims to be an envelope of any version (`dd<digits>:`), so a caller can
/// route it away from the legacy decoders. Says nothing about validity.
pub fn looks_like_envelope(text: &str) -> bool {
    envelope_version_prefix(text).is_some()
}

/// Splits `dd<digits>:` off the text, returning the version digits and the rest.
fn envelope_version_prefix(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix("dd")?;
    let colon = rest.find(':')?;
    let digits = &rest[..colon];
    let valid =
        !digits.is_empty() && digits.len() <= 3 && digits.bytes().all(|b| b.is_ascii_digit());
    valid.then(|| (digits, &rest[colon + 1..]))
}

/// Decodes the text form to the binary form (checks prefix, size and base64 only).
pub fn decode_text(text: &str) -> Result<Vec<u8>, EnvelopeFailure> {
    let (digits, body) = envelope_version_prefix(text).ok_or(EnvelopeFailure::Malformed)?;
    if digits != "1" {
        return Err(EnvelopeFailure::UnsupportedVersion);
    }
    if text.len() > MAX_TEXT_LEN {
        return Err(EnvelopeFailure::Malformed);
    }
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|_| EnvelopeFailure::Malformed)
}

/// Encodes a binary envelope as text.
pub fn encode_text(binary: &[u8]) -> String {
    let mut text = String::with_capacity(PREFIX.len() + binary.len().div_ceil(3) * 4);
    text.push_str(PREFIX);
    base64::engine::general_purpose::STANDARD.encode_string(binary, &mut text);
    text
}

/// Parses a binary envelope. Never panics.
pub fn parse(bytes: &[u8]) -> Result<Parsed<'_>, EnvelopeFailure> {
    let mut reader = Reader { rest: bytes };
    match reader.take(1)? {
        [VERSION] => {}
        _ => return Err(EnvelopeFailure::UnsupportedVersion),
    }
    let tenant_id = reader.text(MAX_TENANT_ID_LEN)?;
    let key_id = reader.text(MAX_KEY_ID_LEN)?;
    let wrapped_key = reader.field(MAX_WRAPPED_KEY_LEN)?;
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(reader.take(NONCE_LEN)?);
    let header_len = bytes.len() - reader.rest.len();
    let (aad, ciphertext) = bytes.split_at(header_len);
    if ciphertext.len() < TAG_LEN || ciphertext.len() > MAX_PLAINTEXT_LEN + TAG_LEN {
        return Err(EnvelopeFailure::Malformed);
    }
    Ok(Parsed {
        header: Header {
            tenant_id,
            key_id,
            wrapped_key,
            nonce,
        },
        aad,
        ciphertext,
    })
}

/// Serializes a header (the AAD). Fails on out-of-range fields rather than truncating them.
pub fn serialize_header(header: &Header<'_>) -> Result<Vec<u8>, EnvelopeFailure> {
    check_field(header.tenant_id.as_bytes(), MAX_TENANT_ID_LEN)?;
    check_field(header.key_id.as_bytes(), MAX_KEY_ID_LEN)?;
    check_field(header.wrapped_key, MAX_WRAPPED_KEY_LEN)?;
    let mut out = Vec::with_capacity(
        1 + 3 * LEN_FIELD
            + header.tenant_id.len()
            + header.key_id.len()
            + header.wrapped_key.len()
            + NONCE_LEN,
    );
    out.push(VERSION);
    for field in [
        header.tenant_id.as_bytes(),
        header.key_id.as_bytes(),
        header.wrapped_key,
    ] {
        // check_field bounded the length far below u16::MAX.
        out.extend_from_slice(&(field.len() as u16).to_be_bytes());
        out.extend_from_slice(field);
    }
    out.extend_from_slice(&header.nonce);
    Ok(out)
}

/// Checks a tenant id as a header field (for callers validating before they seal).
pub fn check_tenant_id(tenant_id: &str) -> Result<(), EnvelopeFailure> {
    check_field(tenant_id.as_bytes(), MAX_TENANT_ID_LEN)
}

fn check_field(bytes: &[u8], max: usize) -> Result<(), EnvelopeFailure> {
    if bytes.is_empty() || bytes.len() > max {
        return Err(EnvelopeFailure::Malformed);
    }
    Ok(())
}

/// A cursor that refuses to read past the end.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], EnvelopeFailure> {
        if self.rest.len() < len {
            return Err(EnvelopeFailure::Malformed);
        }
        let (head, tail) = self.rest.split_at(len);
        self.rest = tail;
        Ok(head)
    }

    fn field(&mut self, max: usize) -> Result<&'a [u8], EnvelopeFailure> {
        let len_bytes = self.take(LEN_FIELD)?;
        let len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
        let bytes = self.take(len)?;
        check_field(bytes, max)?;
        Ok(bytes)
    }

    fn text(&mut self, max: usize) -> Result<&'a str, EnvelopeFailure> {
        std::str::from_utf8(self.field(max)?).map_err(|_| EnvelopeFailure::Malformed)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn sample() -> Vec<u8> {
        let header = Header {
            tenant_id: "acme",
            key_id: "local:0011",
            wrapped_key: &[9; 60],
            nonce: [7; NONCE_LEN],
        };
        let mut bytes = serialize_header(&header).unwrap();
        bytes.extend_from_slice(&[1; TAG_LEN + 3]);
        bytes
    }

    #[test]
    fn parse_inverts_serialize() {
        let bytes = sample();
        let parsed = parse(&bytes).unwrap();
        assert_eq!(parsed.header.tenant_id, "acme");
        assert_eq!(parsed.header.key_id, "local:0011");
        assert_eq!(parsed.ciphertext.len(), TAG_LEN + 3);
        let mut again = serialize_header(&parsed.header).unwrap();
        assert_eq!(again, parsed.aad);
        again.extend_from_slice(parsed.ciphertext);
        assert_eq!(again, bytes);
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = sample();
        for len in 0..bytes.len() - 3 {
            assert!(parse(&bytes[..len]).is_err(), "length {len}");
        }
    }

    #[test]
    fn version_and_lengths_are_checked() {
        let mut bytes = sample();
        bytes[0] = 2;
        assert_eq!(parse(&bytes), Err(EnvelopeFailure::UnsupportedVersion));
        let mut bytes = sample();
        bytes[1..3].copy_from_slice(&0u16.to_be_bytes());
        assert_eq!(parse(&bytes), Err(EnvelopeFailure::Malformed));
        let mut bytes = sample();
        bytes[1..3].copy_from_slice(&u16::MAX.to_be_bytes());
        assert_eq!(parse(&bytes), Err(EnvelopeFailure::Malformed));
        let mut bytes = sample();
        bytes[3] = 0xff; // tenant id no longer UTF-8
        assert_eq!(parse(&bytes), Err(EnvelopeFailure::Malformed));
    }

    #[test]
    fn text_prefixes() {
        assert!(looks_like_envelope("dd1:AA=="));
        assert!(looks_like_envelope("dd12:AA=="));
        assert!(!looks_like_envelope("dd:AA=="));
        assert!(!looks_like_envelope("ddx:AA=="));
        assert!(!looks_like_envelope("q7y1aGVsbG8="));
        assert_eq!(
            decode_text("dd2:AAAA"),
            Err(EnvelopeFailure::UnsupportedVersion)
        );
        assert_eq!(
            decode_text("dd1:not base64!"),
            Err(EnvelopeFailure::Malformed)
        );
        assert_eq!(decode_text("legacy=="), Err(EnvelopeFailure::Malformed));
        let text = encode_text(&sample());
        assert_eq!(decode_text(&text).unwrap(), sample());
    }

    #[test]
    fn oversized_fields_are_refused_when_serializing() {
        let long = "t".repeat(MAX_TENANT_ID_LEN + 1);
        let header = Header {
            tenant_id: &long,
            key_id: "k",
            wrapped_key: &[1],
            nonce: [0; NONCE_LEN],
        };
        assert_eq!(serialize_header(&header), Err(EnvelopeFailure::Malformed));
    }
}
