//! The local data directory of `ddctl serve` (default `./ddctl-data/`): the SQLite database
//! and every key the local stack needs, created on first use. One module so that every
//! command that works on a served stack (`serve`, `token`, `outbox drain`) reads the same
//! files the same way.
//!
//! Layout (directory 0700, files 0600; key files are written once and never rewritten):
//! - `dd.sqlite`: the database, created only when SQLite is the database (`database.rs`).
//! - `database-url`: the database `ddctl serve` was given, without its password.
//! - `serve.lock`: held (flock) by the running `ddctl serve`; names its pid and URLs.
//! - `kek.json`: the local key-encryption key of the `dd1:` envelope.
//! - `decrypt-key.json`: the decrypt Lambda's `{"salt","keyPhrase"}` (legacy passwords).
//! - `jwt-secret`: the HS256 secret of bearer tokens (its UTF-8 bytes are the key).
//! - `fingerprint-key`: hex key of the account fingerprints.
//! - `payroll-sim.json`: the payroll simulator's configuration (SSO key and secret, tenants
//!   with their service passwords in the clear: the only place they are).

use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use base64::Engine as _;
use dd_crypto::envelope::LocalKeyProvider;
use dd_payroll::sim::{SimConfig, SimTenant};
use dd_storage::{DEMO_TENANT_1, DEMO_TENANT_2};
use rand_core::{OsRng, RngCore as _};
use zeroize::Zeroizing;

const KEK_FILE: &str = "kek.json";
const DECRYPT_KEY_FILE: &str = "decrypt-key.json";
const JWT_SECRET_FILE: &str = "jwt-secret";
const FINGERPRINT_KEY_FILE: &str = "fingerprint-key";
const PAYROLL_SIM_FILE: &str = "payroll-sim.json";

/// The default data directory, relative to the working directory.
pub const DEFAULT_DATA_DIR: &str = "ddctl-data";

/// Everything a data directory holds. `Debug` prints paths only.
pub struct DataDir {
    /// The directory.
    pub path: PathBuf,
    /// The local KEK file's JSON (for `LocalKeyProvider::from_json`).
    pub kek_json: Zeroizing<String>,
    /// The decrypt Lambda's key secret JSON.
    pub decrypt_key_json: Zeroizing<String>,
    /// The HS256 secret of bearer tokens.
    pub jwt_secret: Zeroizing<String>,
    /// The account-fingerprint key.
    pub fingerprint_key: Zeroizing<Vec<u8>>,
    /// The payroll simulator's configuration (tenants' clear service passwords included).
    pub payroll_sim: SimConfig,
}

impl std::fmt::Debug for DataDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataDir")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Loads an existing data directory (every file must be there).
///
/// # Errors
/// When a file is missing, unreadable or malformed.
pub fn load_data_dir(path: &Path) -> anyhow::Result<DataDir> {
    if !path.join(JWT_SECRET_FILE).exists() {
        bail!(
            "{} is not a ddctl data directory (run `ddctl serve --data-dir {}` first)",
            path.display(),
            path.display()
        );
    }
    read(path)
}

/// Loads the data directory, creating it and any missing key file first. Returns whether
/// anything was created.
///
/// # Errors
/// When the directory or a file cannot be created or read.
pub fn load_or_create(path: &Path) -> anyhow::Result<(DataDir, bool)> {
    let mut created = create_dir(path)?;
    let kek = || -> anyhow::Result<Zeroizing<String>> {
        Ok(LocalKeyProvider::generate()
            .context("cannot generate the local KEK")?
            .to_json())
    };
    created |= create_if_missing(&path.join(KEK_FILE), kek)?;
    created |= create_if_missing(&path.join(DECRYPT_KEY_FILE), || {
        let secret = serde_json::json!({"salt": random_hex(16), "keyPhrase": random_b64(32)});
        Ok(Zeroizing::new(secret.to_string()))
    })?;
    created |= create_if_missing(&path.join(JWT_SECRET_FILE), || {
        Ok(Zeroizing::new(random_hex(32)))
    })?;
    created |= create_if_missing(&path.join(FINGERPRINT_KEY_FILE), || {
        Ok(Zeroizing::new(random_hex(32)))
    })?;
    created |= create_if_missing(&path.join(PAYROLL_SIM_FILE), || {
        Ok(Zeroizing::new(demo_sim_config().to_string()))
    })?;
    Ok((read(path)?, created))
}

/// Creates the directory (0700) unless it exists; returns whether it did.
///
/// # Errors
/// When it cannot be created.
pub fn create_dir(path: &Path) -> anyhow::Result<bool> {
    if path.exists() {
        return Ok(false);
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    Ok(true)
}

/// The simulator configuration of a new data directory: the two demo tenants, with the
/// service user names of `DemoSeed::standard` and fresh random passwords.
fn demo_sim_config() -> serde_json::Value {
    let tenant = |id: &str, subdomain: &str, username: &str| {
        serde_json::json!({
            "tenantId": id,
            "subdomain": subdomain,
            "username": username,
            "password": random_b64(18),
        })
    };
    serde_json::json!({
        "apiKey": "ddctl-local",
        "apiSecret": random_hex(32),
        "applicationId": "ddctl",
        "tenants": [
            tenant(DEMO_TENANT_1, "acme", "svc-acme"),
            tenant(DEMO_TENANT_2, "globex", "svc-globex"),
        ],
    })
}

fn read(path: &Path) -> anyhow::Result<DataDir> {
    let text = |name: &str| -> anyhow::Result<Zeroizing<String>> {
        let file = path.join(name);
        fs::read_to_string(&file)
            .map(Zeroizing::new)
            .with_context(|| format!("cannot read {}", file.display()))
    };
    let fingerprint_hex = text(FINGERPRINT_KEY_FILE)?;
    let fingerprint_key = Zeroizing::new(
        hex::decode(fingerprint_hex.trim())
            .with_context(|| format!("{FINGERPRINT_KEY_FILE} is not hex"))?,
    );
    let sim_json = text(PAYROLL_SIM_FILE)?;
    // serde_json's error could quote a password: report the file only.
    let payroll_sim: SimConfig = serde_json::from_str(&sim_json)
        .map_err(|_| anyhow::anyhow!("{PAYROLL_SIM_FILE} is not a payroll simulator config"))?;
    Ok(DataDir {
        path: path.to_owned(),
        kek_json: text(KEK_FILE)?,
        decrypt_key_json: text(DECRYPT_KEY_FILE)?,
        jwt_secret: Zeroizing::new(text(JWT_SECRET_FILE)?.trim().to_owned()),
        fingerprint_key,
        payroll_sim,
    })
}

/// Writes `make()` to `file` (0600, never overwriting) unless it exists.
pub fn create_if_missing(
    file: &Path,
    make: impl FnOnce() -> anyhow::Result<Zeroizing<String>>,
) -> anyhow::Result<bool> {
    if file.exists() {
        return Ok(false);
    }
    let content = make()?;
    let mut out = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)
        .with_context(|| format!("cannot create {}", file.display()))?;
    out.write_all(content.as_bytes())
        .and_then(|()| out.sync_all())
        .with_context(|| format!("cannot write {}", file.display()))?;
    Ok(true)
}

fn random_bytes(n: usize) -> Zeroizing<Vec<u8>> {
    let mut bytes = Zeroizing::new(vec![0u8; n]);
    OsRng.fill_bytes(&mut bytes);
    bytes
}

fn random_hex(n: usize) -> String {
    hex::encode(random_bytes(n).as_slice())
}

fn random_b64(n: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes(n).as_slice())
}

/// The simulator tenant of `tenant_id`, if the data directory configures one.
#[must_use]
pub fn sim_tenant<'a>(sim: &'a SimConfig, tenant_id: &str) -> Option<&'a SimTenant> {
    sim.tenants.iter().find(|t| t.tenant_id == tenant_id)
}
