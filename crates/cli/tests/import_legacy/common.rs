//! One test's world: a temp directory (data directory, report, keys), the database
//! (the data directory's SQLite file, or a fresh PostgreSQL database with explicit key
//! files, the production shape), `ddctl import legacy` as a subprocess, and the fixture
//! export with what each of its rows is meant to become (`fixtures/legacy/expected.json`,
//! written by the fixture generator, not by the code under test).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use dd_crypto::envelope::{EnvelopeCipher, LocalKeyProvider};
use dd_storage::Store;
use dd_storage::testing::TestDatabase;
use serde_json::Value;

/// The tenant the fixture database belongs to.
pub const TENANT: &str = "3f2c9a1e-5b7d-4e8f-9a01-7c6b5d4e3f21";
/// The decrypt Lambda key secret the fixture's APIPassword is encrypted with.
pub const LEGACY_KEY: &str = r#"{"salt":"NaCl-2019","keyPhrase":"correct horse battery"}"#;
/// The fixture's APIPassword (legacy ciphertext of `EvoP@ss!2020`).
pub const API_PASSWORD: &str = "gzzxXpWx160+peB3tjp/I5D2jZzqdusVg/dzGX5HMe4=";
pub const PAYROLL_URL: &str = "http://127.0.0.1:9/payroll";
/// The deployment's `DD_MAX_DEPOSITS_PER_EMPLOYEE` in these tests.
pub const MAX_DEPOSITS: u32 = 40;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/legacy")
}

/// What the fixture generator says each row must become.
pub fn expected() -> &'static Value {
    static EXPECTED: OnceLock<Value> = OnceLock::new();
    EXPECTED.get_or_init(|| {
        let text = std::fs::read_to_string(fixtures().join("expected.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    })
}

/// Every account value of the export, imported or refused.
pub fn all_accounts() -> Vec<String> {
    let e = expected();
    ["deposits", "refused"]
        .iter()
        .flat_map(|k| e[k].as_object().unwrap().values())
        .map(|d| d["account"].as_str().unwrap().to_owned())
        .collect()
}

/// A directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "ddctl-import-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One test's database, keys and directories.
pub struct Env {
    pub dir: TempDir,
    pub pg: Option<TestDatabase>,
}

impl Env {
    pub async fn sqlite() -> Self {
        Self {
            dir: TempDir::new(),
            pg: None,
        }
    }

    /// `None` when PostgreSQL is unreachable and `CI` is not set.
    pub async fn postgres() -> Option<Self> {
        let pg = TestDatabase::create("import").await?;
        let dir = TempDir::new();
        std::fs::write(
            dir.0.join("kek.json"),
            LocalKeyProvider::generate().unwrap().to_json().as_bytes(),
        )
        .unwrap();
        std::fs::write(dir.0.join("fingerprint-key"), hex::encode([42u8; 32])).unwrap();
        Some(Self { dir, pg: Some(pg) })
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.0.join("data")
    }

    pub fn report_dir(&self) -> PathBuf {
        self.dir.0.join("report")
    }

    /// `ddctl import legacy` for the tenant from `from`, with this world's database and
    /// keys, the report in `report_dir()` and `extra` flags.
    pub fn import(&self, from: &Path, extra: &[&str]) -> Output {
        self.command(from, extra).output().unwrap()
    }

    /// The command [`Env::import`] runs. The deployment it models allows 40 deposits per
    /// employee (the fixture's employee 101 has 36), unless `extra` says otherwise.
    pub fn command(&self, from: &Path, extra: &[&str]) -> Command {
        let mut cmd = ddctl();
        cmd.env("DD_MAX_DEPOSITS_PER_EMPLOYEE", MAX_DEPOSITS.to_string());
        cmd.args(["import", "legacy", "--tenant", TENANT, "--from"])
            .arg(from)
            .arg("--report-dir")
            .arg(self.report_dir())
            .arg("--data-dir")
            .arg(self.data_dir())
            .args(extra);
        if !extra.contains(&"--payroll-api-url") {
            cmd.args(["--payroll-api-url", PAYROLL_URL]);
        }
        if let Some(pg) = &self.pg {
            cmd.args(["--database-url", &pg.url, "--kek-file"])
                .arg(self.dir.0.join("kek.json"))
                .arg("--fingerprint-key-file")
                .arg(self.dir.0.join("fingerprint-key"));
        }
        cmd
    }

    /// Like [`Env::import`], failing the test unless it exits 0; returns stdout.
    pub fn import_ok(&self, from: &Path, extra: &[&str]) -> String {
        let out = self.import(from, extra);
        assert!(
            out.status.success(),
            "import failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn database_url(&self) -> String {
        match &self.pg {
            Some(pg) => pg.url.clone(),
            None => format!(
                "sqlite://{}?mode=rw",
                self.data_dir().join("dd.sqlite").display()
            ),
        }
    }

    pub async fn store(&self) -> Store {
        Store::connect(&self.database_url()).await.unwrap()
    }

    /// The local KEK and the fingerprint key the import sealed with.
    pub fn keys(&self) -> (String, Vec<u8>) {
        let (kek, fp) = match &self.pg {
            Some(_) => (
                self.dir.0.join("kek.json"),
                self.dir.0.join("fingerprint-key"),
            ),
            None => (
                self.data_dir().join("kek.json"),
                self.data_dir().join("fingerprint-key"),
            ),
        };
        let fp = hex::decode(std::fs::read_to_string(fp).unwrap().trim()).unwrap();
        (std::fs::read_to_string(kek).unwrap(), fp)
    }

    pub fn cipher(&self) -> EnvelopeCipher<LocalKeyProvider> {
        EnvelopeCipher::new(LocalKeyProvider::from_json(&self.keys().0).unwrap())
    }
}

/// `ddctl` without the environment variables it reads (the caller's shell must not change
/// what a test sees).
pub fn ddctl() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ddctl"));
    for var in [
        "DD_DATABASE_URL",
        "DD_KEY_JSON",
        "DD_KEY_FILE",
        "DD_KEK_FILE",
        "DD_KMS_KEY_ID",
        "DD_MAX_DEPOSITS_PER_EMPLOYEE",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// A copy of the fixture export in `dir`, to change.
pub fn copy_fixtures(dir: &Path) -> PathBuf {
    let to = dir.join("export");
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "csv") {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
    to
}

/// Sets `column` of the row with `ID` = `id` in `DIR/<table>.csv`.
pub fn edit(dir: &Path, table: &str, id: &str, column: &str, value: &str) {
    let path = dir.join(format!("{table}.csv"));
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (id_at, col_at) = (at("ID"), at(column));
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).unwrap();
    let mut found = false;
    for record in reader.records() {
        let mut fields: Vec<String> = record.unwrap().iter().map(str::to_owned).collect();
        if fields[id_at] == id {
            fields[col_at] = value.to_owned();
            found = true;
        }
        writer.write_record(&fields).unwrap();
    }
    assert!(found, "{table}.csv has no row {id}");
    std::fs::write(&path, writer.into_inner().unwrap()).unwrap();
}

/// The canonical amount text of hundredths (`250`, `10.5`), as expected.json writes it.
pub fn amount_text(hundredths: i64) -> String {
    match hundredths % 100 {
        0 => (hundredths / 100).to_string(),
        cents => {
            let fraction = format!("{cents:02}");
            format!("{}.{}", hundredths / 100, fraction.trim_end_matches('0'))
        }
    }
}

/// Runs a scenario `async fn(Env)` on SQLite and on PostgreSQL.
macro_rules! on_both {
    ($name:ident, $scenario:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$scenario(crate::common::Env::sqlite().await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(env) = crate::common::Env::postgres().await {
                    super::$scenario(env).await;
                }
            }
        }
    };
}
pub(crate) use on_both;
