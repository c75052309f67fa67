//! The verification report can be computed on the source side with the same key
//! (`scripts/legacy-fingerprints.py`), and the comparison catches a difference; the
//! payroll service account is imported as is or rewrapped, and re-runs keep it.

use std::path::Path;
use std::process::Command;

use dd_crypto::envelope::is_envelope;

use crate::common::{API_PASSWORD, Env, LEGACY_KEY, TENANT, copy_fixtures, edit, fixtures};

fn source_side(env: &Env, export: &Path) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/legacy-fingerprints.py");
    let report = env.report_dir();
    let out = Command::new("python3")
        .arg(script)
        .arg("--from")
        .arg(export)
        .arg("--key-file")
        .arg(report.join("verification-key"))
        .arg("--refused")
        .arg(report.join("refused.csv"))
        .output()
        .expect("python3 (a prerequisite, README.md)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn the_source_side_script_agrees_and_catches_a_difference() {
    let env = Env::sqlite().await;
    let out = env.import_ok(&fixtures(), &["--keep-going"]);
    assert!(
        out.contains("deposits:       377 (350 active, 27 end-dated)"),
        "{out}"
    );
    let target = std::fs::read_to_string(env.report_dir().join("fingerprints.csv")).unwrap();
    assert_eq!(target.lines().count(), 378);
    assert_eq!(source_side(&env, &fixtures()), target);

    // A legacy row that differs from what was imported shows up as exactly that row.
    let export = copy_fixtures(&env.dir.0);
    edit(&export, "EmployeeDirectDeposit", "1002", "Amount", "10.01");
    let source = source_side(&env, &export);
    let differing: Vec<&str> = source
        .lines()
        .zip(target.lines())
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a)
        .collect();
    assert_eq!(differing.len(), 1, "{differing:?}");
    assert!(differing[0].starts_with("1002,"), "{differing:?}");
}

#[tokio::test]
async fn the_payroll_password_is_kept_or_rewrapped() {
    let env = Env::sqlite().await;
    // Without the legacy key a rewrap cannot verify anything: refused up front.
    let out = env.import(&fixtures(), &["--keep-going", "--rewrap-payroll-password"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs the legacy key"));
    // A key that does not open the password is named, nothing written.
    let wrong = r#"{"salt":"NaCl-2019","keyPhrase":"wrong horse"}"#;
    let out = env
        .command(&fixtures(), &["--keep-going"])
        .env("DD_KEY_JSON", wrong)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("APIPassword does not decrypt"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let rewrap = |extra: &[&str]| {
        let out = env
            .command(&fixtures(), &[&["--keep-going"], extra].concat())
            .env("DD_KEY_JSON", LEGACY_KEY)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    rewrap(&["--rewrap-payroll-password"]);
    let store = env.store().await;
    let stored = store.payroll_account(TENANT).await.unwrap().unwrap();
    assert!(is_envelope(&stored.password_ciphertext));
    let opened = env
        .cipher()
        .open(&stored.password_ciphertext, Some(TENANT))
        .await
        .unwrap();
    assert_eq!(opened.plaintext.as_slice(), b"EvoP@ss!2020");

    // Re-runs keep the envelope: with the rewrap, or with the key to compare, or without.
    for extra in [&["--rewrap-payroll-password"][..], &[][..]] {
        let out = rewrap(extra);
        assert!(
            out.contains("payroll account:  0 added, 0 updated, 1 unchanged"),
            "{out}"
        );
    }
    let out = env.import_ok(&fixtures(), &["--keep-going"]);
    assert!(out.contains("already a dd1: envelope; kept"), "{out}");
    let again = store.payroll_account(TENANT).await.unwrap().unwrap();
    assert_eq!(again.password_ciphertext, stored.password_ciphertext);
    assert_ne!(again.password_ciphertext, API_PASSWORD);
    store.close().await;
}
