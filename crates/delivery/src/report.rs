//! What a delivery did, per job and per drain.

/// How one claimed job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobOutcome {
    /// Payroll applied the change (`ed_id`: the E/D it concerns).
    Applied {
        /// The payroll E/D id.
        ed_id: Option<i64>,
    },
    /// Nothing to do at payroll; the job is done.
    Skipped,
    /// Failed; due again at `next_attempt_at` (epoch ms).
    Retrying {
        /// When the job is due again.
        next_attempt_at: i64,
    },
    /// Given up; the job is dead.
    Dead,
    /// Our lease was taken over before we recorded the outcome: the other drainer's
    /// outcome stands.
    LeaseLost,
}

/// Totals of a drain. Serialised with camelCase keys: the drainer Lambda's answer and
/// `ddctl outbox drain --json` print the same shape.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DrainReport {
    /// Jobs claimed.
    pub claimed: u64,
    /// Applied at payroll.
    pub applied: u64,
    /// Completed with nothing to do at payroll.
    pub skipped: u64,
    /// Failed and rescheduled.
    pub retrying: u64,
    /// Dead-lettered.
    pub dead: u64,
    /// Taken over by another drainer before we finished.
    pub lease_lost: u64,
    /// Claimed jobs whose outcome could not be recorded (database down): they stay in
    /// flight until their lease ends and are claimed again.
    pub unrecorded: u64,
}

impl DrainReport {
    /// Counts one job's outcome.
    pub fn count(&mut self, outcome: JobOutcome) {
        match outcome {
            JobOutcome::Applied { .. } => self.applied += 1,
            JobOutcome::Skipped => self.skipped += 1,
            JobOutcome::Retrying { .. } => self.retrying += 1,
            JobOutcome::Dead => self.dead += 1,
            JobOutcome::LeaseLost => self.lease_lost += 1,
        }
    }

    /// Adds another report's totals.
    pub fn merge(&mut self, other: &Self) {
        self.claimed += other.claimed;
        self.applied += other.applied;
        self.skipped += other.skipped;
        self.retrying += other.retrying;
        self.dead += other.dead;
        self.lease_lost += other.lease_lost;
        self.unrecorded += other.unrecorded;
    }
}
