//! The API's payroll seam (dd-storage's `PayrollDispatch`, so neither this crate nor the API
//! depends on the other): each job the API commits is delivered at once, in the
//! background, while the response goes out (docs/architecture.md §2.4: a failed payroll write is
//! retried from the outbox, never lost and never waited for).

use dd_storage::PayrollDispatch;

use crate::Deliverer;

impl PayrollDispatch for Deliverer {
    fn job_committed(&self, tenant: &str, job_id: i64) {
        // The handle is dropped: the task runs detached, and the drain loop covers it if
        // it fails or the process stops first.
        drop(self.spawn_delivery(tenant, job_id));
    }
}
