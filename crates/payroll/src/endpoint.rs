//! The payroll suite's base URL and safe path building.

use reqwest::Url;

use crate::error::PayrollError;

/// Longest id accepted as a path segment.
const MAX_ID_LEN: usize = 128;

/// A validated `{api}` base URL.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    base: Url,
}

impl Endpoint {
    /// Accepts absolute `https` URLs, and `http` only on loopback (the simulator): the
    /// requests carry passwords, tokens and account numbers.
    pub fn parse(base_url: &str) -> Result<Self, PayrollError> {
        let base = Url::parse(base_url)
            .map_err(|_| PayrollError::invalid_input("base_url", "is not a URL"))?;
        let loopback = match base.host() {
            Some(url::Host::Domain(d)) => d == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        };
        match base.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => {
                return Err(PayrollError::invalid_input(
                    "base_url",
                    "must be https (http only on loopback)",
                ));
            }
        }
        if base.cannot_be_a_base() || base.query().is_some() || base.fragment().is_some() {
            return Err(PayrollError::invalid_input(
                "base_url",
                "cannot be a base URL",
            ));
        }
        Ok(Self { base })
    }

    pub fn as_str(&self) -> &str {
        self.base.as_str()
    }

    /// `{api}/seg/seg/…`, each segment percent-encoded as one segment (an id cannot add or
    /// climb path levels).
    pub fn url(&self, segments: &[&str]) -> Result<Url, PayrollError> {
        for s in segments {
            check_id("path id", s)?;
        }
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| PayrollError::invalid_input("base_url", "cannot be a base URL"))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }
}

/// Ids go into URL paths: 1–128 characters, no control characters, not `.`/`..`.
pub(crate) fn check_id(what: &'static str, id: &str) -> Result<(), PayrollError> {
    if id.is_empty() || id.len() > MAX_ID_LEN || id == "." || id == ".." {
        return Err(PayrollError::invalid_input(
            what,
            "must be 1 to 128 characters",
        ));
    }
    if id.chars().any(char::is_control) {
        return Err(PayrollError::invalid_input(
            what,
            "must not contain control characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_rules() {
        for ok in [
            "https://payroll.example.com/api",
            "http://127.0.0.1:8080",
            "http://localhost:8080",
            "http://[::1]:8080",
        ] {
            assert!(Endpoint::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://payroll.example.com",
            "http://10.0.0.1",
            "ftp://x",
            "not a url",
            "https://p.example.com/?q=1",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls_encode_ids_as_single_segments() {
        let e = Endpoint::parse("https://p.example.com/api/").unwrap();
        let u = e.url(&["identity", "tenants", "a/b?c"]).unwrap();
        assert_eq!(
            u.as_str(),
            "https://p.example.com/api/identity/tenants/a%2Fb%3Fc"
        );
        assert!(e.url(&["identity", ".."]).is_err());
        assert!(e.url(&["identity", ""]).is_err());
        assert!(e.url(&["identity", "a\nb"]).is_err());
    }
}
