//! Payroll changes of an imported tenant keep addressing the legacy records: the legacy
//! client, company and employee keys, and the legacy E/D id (updated, never created again).

use std::sync::Arc;

use dd_crypto::decrypt_lambda::DecryptLambdaKey;
use dd_delivery::{CredentialSource, Deliverer, JobOutcome, PayrollSuite, RetryPolicy};
use dd_domain::{AccountNumber, Allocation, AmountType, Designation, RoutingNumber};
use dd_payroll::sim::{SimConfig, SimState, SimTenant, serve_state};
use dd_payroll::{
    DirectDepositEd, EdDate, EmployeeRef, IdempotencyKey, PayrollClient, PayrollConfig,
    TenantCredentials,
};
use dd_storage::{Actor, EmployeeKey};
use secrecy::SecretString;

use crate::common::{Env, LEGACY_KEY, TENANT, copy_fixtures, edit, expected, on_both};

const API_KEY: &str = "import-test-key";
const API_SECRET: &str = "import-test-secret-0123456789abcdef";
const PASSWORD: &str = "EvoP@ss!2020";

async fn payroll_changes_address_the_legacy_records(env: Env) {
    let sim = SimState::new(
        SimConfig::new(API_KEY, API_SECRET).with_tenant(SimTenant::new(
            TENANT,
            "legacy",
            "svc-legacy",
            PASSWORD,
        )),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve_state(sim.clone(), listener));

    // The payroll suite already holds deposit 1001's E/D, under the legacy keys of
    // employee 101 (company 7: client 5002, company 9107; employee 70101).
    let legacy = &expected()["deposits"]["1001"];
    let client = PayrollClient::new(PayrollConfig::new(
        url.clone(),
        API_KEY,
        SecretString::from(API_SECRET),
        "ddctl",
    ))
    .unwrap();
    let creds = TenantCredentials {
        tenant_id: TENANT.to_owned(),
        username: "svc-legacy".to_owned(),
        password: SecretString::from(PASSWORD),
    };
    let seeded = client
        .create_ed(
            &creds,
            &EmployeeRef::new("5002", "9107", "70101"),
            &DirectDepositEd {
                routing_number: RoutingNumber::parse(legacy["routing"].as_str().unwrap()).unwrap(),
                account_number: AccountNumber::parse(legacy["account"].as_str().unwrap()).unwrap(),
                designation: Designation::Checking,
                allocation: Allocation::BalanceRemainder,
                effective_start_date: EdDate::parse("2016-06-15").unwrap(),
                effective_end_date: None,
            },
            &IdempotencyKey::new("legacy-api-create").unwrap(),
        )
        .await
        .unwrap();
    let export = copy_fixtures(&env.dir.0);
    let ed = "EvoFK_EmployeeEarningsDeduction";
    edit(&export, "EmployeeDirectDeposit", "1001", ed, &seeded.id);
    env.import_ok(&export, &["--keep-going", "--payroll-api-url", &url]);

    let store = env.store().await;
    let deliverer = Deliverer::new(
        store.clone(),
        PayrollSuite::new(API_KEY, SecretString::from(API_SECRET), "ddctl"),
        CredentialSource::in_process(DecryptLambdaKey::from_secret_json(LEGACY_KEY).unwrap()),
        Arc::new(env.cipher()),
        RetryPolicy::default(),
    )
    .unwrap();
    let employee = EmployeeKey::new(TENANT, 7, 101);
    let hr = Actor::system("test");

    // An update of the imported Approved remainder updates the legacy E/D.
    let flat = Allocation::from_stored(AmountType::Flat, Some(10_000)).unwrap();
    let update = store
        .update_deposit(employee, 1001, flat, &hr)
        .await
        .unwrap();
    let outcome = deliverer
        .deliver_now(TENANT, update.payroll_job.unwrap())
        .await
        .unwrap();
    let seeded_id: i64 = seeded.id.parse().unwrap();
    assert_eq!(
        outcome,
        Some(JobOutcome::Applied {
            ed_id: Some(seeded_id)
        })
    );
    let eds = sim.eds();
    assert_eq!(eds.len(), 1, "updated, not created again");
    assert_eq!(
        (
            eds[0].key.client_id.as_str(),
            eds[0].key.company_id.as_str(),
            eds[0].key.employee_id.as_str()
        ),
        ("5002", "9107", "70101")
    );
    assert_eq!(eds[0].ed["calculation"]["method"], "Fixed", "{}", eds[0].ed);

    // A new approval of an imported Pending deposit creates its E/D at the same employee.
    let pending = expected()["deposits"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, d)| d["employee"] == 101 && d["status"] == "Pending" && d["endDated"] == false)
        .map(|(id, _)| id.parse::<i64>().unwrap())
        .unwrap();
    let approved = store.approve_deposit(employee, pending, &hr).await.unwrap();
    let outcome = deliverer
        .deliver_now(TENANT, approved.payroll_job.unwrap())
        .await
        .unwrap();
    assert!(
        matches!(outcome, Some(JobOutcome::Applied { ed_id: Some(_) })),
        "{outcome:?}"
    );
    let received = sim.received();
    let paths: Vec<(&str, &str)> = received
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    let base = "/v3/api/bureaus/legacy/clients/5002/companies/9107/employees/70101/eds";
    assert_eq!(
        paths,
        [
            ("POST", base),
            ("PUT", format!("{base}/{seeded_id}").as_str()),
            ("POST", base)
        ],
    );
    store.close().await;
}

on_both!(legacy_records, payroll_changes_address_the_legacy_records);
