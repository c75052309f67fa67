//! Certificates out of a PEM bundle.
//!
//! `rustls-pki-types`' PEM reader decodes base64 in constant time, which is right for private
//! keys and costs ~28 instructions a byte; a CA bundle is public, so the plain `base64`
//! decoder does (a 200 kB bundle: tens of microseconds instead of milliseconds).

use base64::Engine as _;
use rustls::pki_types::CertificateDer;

const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const END: &str = "-----END CERTIFICATE-----";

/// Every `CERTIFICATE` block of `text`, in order; other blocks and text between are skipped.
///
/// # Errors
/// A block without its end line, with invalid base64, or no certificate at all.
pub(crate) fn certificates(text: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let text = std::str::from_utf8(text).map_err(|_| "not a text (PEM) file".to_owned())?;
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let body_and_rest = &rest[start + BEGIN.len()..];
        let end = body_and_rest
            .find(END)
            .ok_or_else(|| format!("certificate {} has no end line", found.len() + 1))?;
        let body: String = body_and_rest[..end]
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|_| format!("certificate {} is not valid base64", found.len() + 1))?;
        found.push(CertificateDer::from(der));
        rest = &body_and_rest[end + END.len()..];
    }
    if found.is_empty() {
        return Err("no certificate".to_owned());
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::pem::PemObject as _;

    #[test]
    fn agrees_with_the_rustls_reader_on_the_system_bundle() {
        let Some(bundle) = [
            "/etc/ssl/certs/ca-certificates.crt",
            "/etc/pki/tls/certs/ca-bundle.crt",
        ]
        .iter()
        .find_map(|path| std::fs::read(path).ok()) else {
            return; // no system bundle on this machine: the unit cases below still run
        };
        let ours = certificates(&bundle).expect("bundle parses");
        let theirs: Vec<_> = CertificateDer::pem_slice_iter(&bundle)
            .collect::<Result<_, _>>()
            .expect("rustls parses");
        assert!(ours.len() > 50);
        assert_eq!(ours, theirs);
    }

    #[test]
    fn skips_other_blocks_and_reports_broken_ones() {
        let text = "junk\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n\
                    -----BEGIN CERTIFICATE-----\nAQID\nBA==\n-----END CERTIFICATE-----\n";
        let certs = certificates(text.as_bytes()).expect("one cert");
        assert_eq!(certs, vec![CertificateDer::from(vec![1, 2, 3, 4])]);

        let unterminated = "-----BEGIN CERTIFICATE-----\nAQID\n";
        assert!(
            certificates(unterminated.as_bytes())
                .unwrap_err()
                .contains("no end line")
        );
        let bad = "-----BEGIN CERTIFICATE-----\n*&^%\n-----END CERTIFICATE-----\n";
        assert!(certificates(bad.as_bytes()).unwrap_err().contains("base64"));
        assert_eq!(certificates(b"nothing").unwrap_err(), "no certificate");
    }
}
