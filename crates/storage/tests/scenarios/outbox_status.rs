//! The outbox status view: counts by state (due, backing off, in flight, dead, done) and
//! the unfinished jobs with their last error.

use dd_storage::{ClaimOptions, OutboxCounts, Store, now_ms};

use crate::common::{admin, alice, deposit, flat, on_both};

on_both!(counts_every_state_and_lists_what_is_unfinished);

fn opts(now_ms: i64) -> ClaimOptions {
    ClaimOptions {
        now_ms,
        lease_ms: 60_000,
        limit: 1,
        max_attempts: 10,
    }
}

async fn approved(store: &Store, account: &str) {
    let d = store
        .create_deposit(
            alice(),
            &deposit("021000021", account, flat(100)),
            &admin(),
            None,
        )
        .await
        .unwrap();
    store
        .approve_deposit(alice(), d.id, &admin())
        .await
        .unwrap();
}

async fn counts_every_state_and_lists_what_is_unfinished(store: Store) {
    assert_eq!(
        store.outbox_counts(now_ms()).await.unwrap(),
        OutboxCounts::default()
    );
    for account in ["1111", "2222", "3333", "4444", "5555"] {
        approved(&store, account).await;
    }
    // Times are explicit: "now" for the view is `t`, and the backoff ends well after it.
    let t = now_ms() + 10;
    let done = store.claim_due_jobs(&opts(t)).await.unwrap().remove(0);
    assert!(store.complete_job(&done).await.unwrap());
    let dead = store.claim_due_jobs(&opts(t)).await.unwrap().remove(0);
    assert!(
        store
            .kill_job(&dead, "http_422 at ed_create")
            .await
            .unwrap()
    );
    let backing = store.claim_due_jobs(&opts(t)).await.unwrap().remove(0);
    let retry_at = t + 3_600_000;
    assert!(
        store
            .fail_job(&backing, "connection_failed at oauth_token", retry_at)
            .await
            .unwrap()
    );
    let _in_flight = store.claim_due_jobs(&opts(t)).await.unwrap().remove(0);

    let counts = store.outbox_counts(t).await.unwrap();
    assert_eq!(
        counts,
        OutboxCounts {
            due: 1,
            backing_off: 1,
            in_flight: 1,
            dead: 1,
            done: 1,
            next_attempt_at: Some(retry_at),
        }
    );
    assert_eq!(counts.open(), 3);
    // Once its backoff is over, the failed job counts as due again.
    let later = store.outbox_counts(retry_at).await.unwrap();
    assert_eq!((later.due, later.backing_off), (2, 0));
    assert_eq!(later.next_attempt_at, None);

    let unfinished = store.unfinished_jobs(10).await.unwrap();
    let ids: Vec<i64> = unfinished.iter().map(|j| j.id).collect();
    assert_eq!(ids.len(), 4, "every job but the done one");
    assert!(!ids.contains(&done.id));
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "oldest first");
    let failed = unfinished.iter().find(|j| j.id == backing.id).unwrap();
    assert_eq!(
        failed.last_error.as_deref(),
        Some("connection_failed at oauth_token")
    );
    assert_eq!((failed.attempts, failed.next_attempt_at), (1, retry_at));
    assert_eq!(store.unfinished_jobs(2).await.unwrap().len(), 2);
}
