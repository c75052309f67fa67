//! Payroll work that is stuck is visible: `ddctl outbox status` shows the job backing off
//! with its last error, a drain says what it left behind, and once payroll answers again
//! the server delivers by itself (no manual drain).

use serde_json::{Value, json};

use crate::common::{Served, approved_deposit, curl, ddctl, eventually, outbox_status, sim_get};

fn open_jobs(counts: &Value) -> i64 {
    ["due", "backingOff", "inFlight"]
        .iter()
        .map(|k| counts[*k].as_i64().unwrap())
        .sum()
}

fn set_payroll_fail_rate(served: &Served, rate: f64) {
    let (status, body) = curl(
        "POST",
        &format!("{}/_sim/config", served.payroll_url),
        "-",
        Some(&json!({"failRate": rate})),
    );
    assert_eq!(status, 200, "{body}");
}

#[test]
fn stuck_payroll_work_is_visible_and_delivered_once_payroll_answers() {
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("data");
    let served = Served::start(&data_dir, &[]);
    let empty = outbox_status(&data_dir);
    assert_eq!(empty["counts"]["done"], 0);
    assert_eq!(empty["jobs"], json!([]));

    set_payroll_fail_rate(&served, 1.0);
    approved_deposit(&served, "11112222");
    let status = eventually("a failed attempt is recorded", || {
        let status = outbox_status(&data_dir);
        status["jobs"][0]["lastError"].is_string().then_some(status)
    });
    assert_eq!(open_jobs(&status["counts"]), 1, "{status}");
    assert_eq!(status["counts"]["done"], 0);
    let job = &status["jobs"][0];
    let error = job["lastError"].as_str().unwrap();
    assert!(
        error.contains("at oauth_token") && error.contains("injected_failure"),
        "{error}"
    );
    assert!(job["attempts"].as_i64().unwrap() >= 1);

    // The table says it in words.
    let table = ddctl()
        .args(["outbox", "status", "--data-dir"])
        .arg(&data_dir)
        .output()
        .unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(table.contains("backing off"), "{table}");
    assert!(
        table.contains("last error: http_503 at oauth_token"),
        "{table}"
    );

    // A drain next to the server: whatever it claims fails again, and it says what it left.
    let drain = ddctl()
        .args(["outbox", "drain", "--data-dir"])
        .arg(&data_dir)
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&drain.stderr);
    assert!(drain.status.success(), "{log}");
    let report: Value = serde_json::from_slice(&drain.stdout).unwrap();
    assert_eq!(open_jobs(&report["left"]), 1, "{report}");
    assert!(log.contains("see `ddctl outbox status`"), "{log}");
    assert!(log.contains("injected_failure"), "{log}");

    // Payroll is back: the server's own drain loop delivers it.
    set_payroll_fail_rate(&served, 0.0);
    let done = eventually("the job is delivered", || {
        let status = outbox_status(&data_dir);
        (status["counts"]["done"] == 1).then_some(status)
    });
    assert_eq!(open_jobs(&done["counts"]), 0, "{done}");
    assert_eq!(done["jobs"], json!([]));
    let eds = sim_get(&served.payroll_url, "/_sim/eds");
    assert_eq!(eds.as_array().unwrap().len(), 1, "{eds}");
    served.stop();
}
