//! PostgreSQL credentials kept in Secrets Manager, in the shape RDS writes for a managed
//! master password and the console writes for "credentials for an RDS database":
//! `{"username","password","host"?,"port"?,"dbname"?,…}` (other keys ignored).
//!
//! The Lambdas read the secret once at init and build the connection URL from it, so no
//! password ever sits in a function's environment. Where the stack routes connections through
//! an RDS Proxy, the proxy's endpoint overrides the secret's `host`.

use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::AwsError;

/// Where to connect, beyond what the secret says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DatabaseTarget {
    /// Host to use instead of the secret's `host` (e.g. an RDS Proxy endpoint).
    pub host: Option<String>,
    /// Port instead of the secret's `port` (default 5432).
    pub port: Option<u16>,
    /// Database instead of the secret's `dbname` (default `postgres`).
    pub dbname: Option<String>,
    /// libpq `sslmode`: `require` (encrypt), `verify-full` (also check the certificate
    /// against the compiled-in roots: RDS Proxy's certificates chain to them, an instance's
    /// own RDS CA does not), `disable` (loopback tests only). Default `require`.
    pub sslmode: Option<String>,
}

#[derive(Deserialize)]
struct SecretFields {
    username: String,
    password: Zeroizing<String>,
    #[serde(default)]
    host: Option<String>,
    #[serde(default)]
    port: Option<PortValue>,
    #[serde(default)]
    dbname: Option<String>,
}

/// RDS writes the port as a number; hand-made secrets often hold a string.
#[derive(Deserialize)]
#[serde(untagged)]
enum PortValue {
    Number(u16),
    Text(String),
}

const SSL_MODES: &[&str] = &[
    "disable",
    "allow",
    "prefer",
    "require",
    "verify-ca",
    "verify-full",
];

/// The `postgres://` URL for the secret's credentials at `target`.
///
/// # Errors
/// [`AwsError::Unusable`] when the secret is not such a JSON object, lacks a host (and none
/// is configured), has an unusable port, or `sslmode` is not a libpq mode. Messages name the
/// field, never a value.
pub fn postgres_url(
    secret_json: &SecretString,
    target: &DatabaseTarget,
) -> Result<SecretString, AwsError> {
    let fields: SecretFields = serde_json::from_str(secret_json.expose_secret()).map_err(|_| {
        AwsError::Unusable("database secret is not JSON with username and password")
    })?;
    let host = target
        .host
        .clone()
        .or(fields.host)
        .filter(|h| !h.is_empty())
        .ok_or(AwsError::Unusable(
            "database secret has no host and none is configured",
        ))?;
    if host.contains(['/', '@', '?', '#', ' ']) {
        return Err(AwsError::Unusable("database host is not a host name"));
    }
    let port = match (target.port, fields.port) {
        (Some(port), _) | (None, Some(PortValue::Number(port))) => port,
        (None, Some(PortValue::Text(text))) => text
            .trim()
            .parse()
            .map_err(|_| AwsError::Unusable("database secret's port is not a port number"))?,
        (None, None) => 5432,
    };
    let dbname = target
        .dbname
        .clone()
        .or(fields.dbname)
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "postgres".to_owned());
    let sslmode = target.sslmode.as_deref().unwrap_or("require");
    if !SSL_MODES.contains(&sslmode) {
        return Err(AwsError::Unusable("sslmode is not a libpq sslmode"));
    }
    let url = Zeroizing::new(format!(
        "postgres://{}:{}@{host}:{port}/{}?sslmode={sslmode}",
        percent_encode(&fields.username).as_str(),
        percent_encode(&fields.password).as_str(),
        percent_encode(&dbname).as_str(),
    ));
    Ok(SecretString::from(url.as_str()))
}

/// RFC 3986 userinfo/path encoding: unreserved characters stay, every other byte is `%XX`
/// (generated RDS passwords hold `:`, `@`, `/` and friends).
fn percent_encode(text: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(text.len() * 3));
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
    }
    out
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

#[cfg(test)]
mod tests {
    use super::*;

    fn url(json: &str, target: &DatabaseTarget) -> Result<String, AwsError> {
        postgres_url(&SecretString::from(json), target).map(|u| u.expose_secret().to_owned())
    }

    #[test]
    fn rds_managed_secret_becomes_a_tls_url() {
        let json = r#"{"engine":"postgres","username":"dd_app","password":"p@ss:w/rd?#%",
            "host":"db.example.internal","port":5432,"dbname":"dd"}"#;
        assert_eq!(
            url(json, &DatabaseTarget::default()).unwrap(),
            "postgres://dd_app:p%40ss%3Aw%2Frd%3F%23%25@db.example.internal:5432/dd?sslmode=require"
        );
    }

    #[test]
    fn target_overrides_host_port_dbname_and_sslmode() {
        let json = r#"{"username":"u","password":"p","host":"db","port":"6543"}"#;
        assert_eq!(
            url(json, &DatabaseTarget::default()).unwrap(),
            "postgres://u:p@db:6543/postgres?sslmode=require"
        );
        let proxy = DatabaseTarget {
            host: Some("proxy.example".into()),
            port: Some(5433),
            dbname: Some("dd".into()),
            sslmode: Some("verify-full".into()),
        };
        assert_eq!(
            url(json, &proxy).unwrap(),
            "postgres://u:p@proxy.example:5433/dd?sslmode=verify-full"
        );
    }

    #[test]
    fn unusable_secrets_are_refused_without_their_values() {
        let no_host = r#"{"username":"u","password":"hunter2"}"#;
        let err = url(no_host, &DatabaseTarget::default()).unwrap_err();
        assert!(err.to_string().contains("no host"), "{err}");
        for bad in [
            "hunter2",
            r#"{"username":"u"}"#,
            r#"{"username":"u","password":"hunter2","host":"h","port":"x"}"#,
            r#"{"username":"u","password":"hunter2","host":"h/evil"}"#,
        ] {
            let err = url(bad, &DatabaseTarget::default()).unwrap_err();
            assert!(!err.to_string().contains("hunter2"), "{err}");
        }
        let bad_mode = DatabaseTarget {
            sslmode: Some("sometimes".into()),
            ..DatabaseTarget::default()
        };
        assert!(url(r#"{"username":"u","password":"p","host":"h"}"#, &bad_mode).is_err());
    }
}
