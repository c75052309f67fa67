//! `ddctl outbox requeue`: puts dead payroll jobs of a tenant back in the queue, with fresh
//! attempts, after the operator fixed what killed them (a password, the payroll suite).
//!
//! Jobs are named by id and/or taken all (`--all-dead`); each one is requeued or skipped
//! with the reason (unknown in the tenant, not dead, changed meanwhile), and both lists are
//! printed. Requeueing never sends anything by itself: the next drain (or `ddctl serve`)
//! delivers, and delivery still refuses a stale job (a later change reached payroll first,
//! or the deposit is end-dated with no end-date job queued behind it). A requeued job that
//! delivery will skip for that last reason carries a note saying which job to requeue too.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use dd_storage::{JobAction, JobStatus, PayrollJob, StorageError, Store};
use serde_json::{Value, json};

use crate::data_dir::DEFAULT_DATA_DIR;
use crate::database;

/// Dead jobs read per round of `--all-dead`.
const BATCH: i64 = 500;

#[derive(Args)]
#[command(group = clap::ArgGroup::new("which").required(true).multiple(true).args(["jobs", "all_dead"]))]
pub struct RequeueArgs {
    /// Data directory of `ddctl serve`: its database is the one changed.
    #[arg(long, default_value = DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
    /// Database URL (`sqlite://…`, `postgres://…`); overrides the data directory's.
    #[arg(long, env = "DD_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// The tenant whose jobs are requeued (job ids are checked against it).
    #[arg(long)]
    tenant: String,
    /// Ids of the dead jobs to requeue (`ddctl outbox status` lists them).
    #[arg(value_name = "JOB_ID")]
    jobs: Vec<i64>,
    /// Requeue every dead job of the tenant, oldest first.
    #[arg(long)]
    all_dead: bool,
    /// One JSON object on stdout instead of the text.
    #[arg(long)]
    json: bool,
}

/// What a requeue did.
#[derive(Debug, Default)]
pub struct Requeued {
    /// Jobs back in the queue, each with a note when delivery will still skip it.
    pub requeued: Vec<(PayrollJob, Option<String>)>,
    /// Job ids left as they were, and why.
    pub skipped: Vec<(i64, String)>,
}

pub fn run(args: &RequeueArgs) -> anyhow::Result<()> {
    let target = database::for_client(&args.data_dir, args.database_url.as_deref())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let done = runtime.block_on(async {
        let store = database::open(&target).await?;
        let done = requeue(&store, &args.tenant, &args.jobs, args.all_dead).await;
        store.close().await;
        done
    })?;
    if args.json {
        println!("{}", to_json(&args.tenant, &done));
    } else {
        print!("{}", text(&args.tenant, &done)?);
    }
    Ok(())
}

/// Requeues the dead jobs `ids` of `tenant` and, with `all_dead`, every other dead job of
/// it, each at most once.
///
/// # Errors
/// When the database fails; what was requeued before stays requeued.
pub async fn requeue(
    store: &Store,
    tenant: &str,
    ids: &[i64],
    all_dead: bool,
) -> anyhow::Result<Requeued> {
    let mut done = Requeued::default();
    let mut seen = BTreeSet::new();
    for &id in ids {
        if !seen.insert(id) {
            continue;
        }
        match store.job(tenant, id).await.context("cannot read the job")? {
            None => done
                .skipped
                .push((id, "no such job in this tenant".to_owned())),
            Some(job) if job.status != JobStatus::Dead => done
                .skipped
                .push((id, format!("not dead ({})", job.status.as_str()))),
            Some(job) => requeue_one(store, job, &mut done).await?,
        }
    }
    // A requeued job is no longer dead, so each round lists new ones; a round that finds
    // only jobs already handled ends it (a job requeued by id and dead again meanwhile).
    if !all_dead {
        return Ok(done);
    }
    loop {
        let dead = store
            .list_jobs(Some(tenant), Some(JobStatus::Dead), BATCH)
            .await
            .context("cannot list the dead jobs")?;
        let fresh: Vec<PayrollJob> = dead.into_iter().filter(|j| seen.insert(j.id)).collect();
        if fresh.is_empty() {
            return Ok(done);
        }
        for job in fresh {
            requeue_one(store, job, &mut done).await?;
        }
    }
}

async fn requeue_one(store: &Store, job: PayrollJob, done: &mut Requeued) -> anyhow::Result<()> {
    match store.requeue_dead_job(&job.tenant_id, job.id).await {
        Ok(()) => {}
        Err(StorageError::NotFound(_)) => {
            done.skipped
                .push((job.id, "no longer dead (changed meanwhile)".to_owned()));
            return Ok(());
        }
        Err(err) => return Err(anyhow::Error::new(err).context("cannot requeue the job")),
    }
    tracing::info!(
        job = job.id,
        deposit = job.deposit_id,
        "dead payroll job requeued"
    );
    let note = delivery_note(store, &job).await?;
    done.requeued.push((job, note));
    Ok(())
}

/// Why delivery will still skip a requeued upsert, if it will: its deposit is end-dated
/// and no end-date job is queued behind it (docs: dd-delivery's plan).
async fn delivery_note(store: &Store, job: &PayrollJob) -> anyhow::Result<Option<String>> {
    if job.action != JobAction::Upsert {
        return Ok(None);
    }
    let ended = store
        .delivery_target(&job.tenant_id, job.deposit_id)
        .await
        .context("cannot read the deposit")?
        .is_some_and(|t| t.end_dated_at.is_some());
    if !ended || store.later_end_date_queued(job).await? {
        return Ok(None);
    }
    Ok(Some(
        "the deposit is end-dated and no end-date job of it is queued: delivery will skip \
         this job (requeue the deposit's end-date job to settle payroll)"
            .to_owned(),
    ))
}

fn to_json(tenant: &str, done: &Requeued) -> Value {
    let requeued: Vec<Value> = done
        .requeued
        .iter()
        .map(|(job, note)| {
            json!({
                "id": job.id,
                "action": job.action.as_str(),
                "depositId": job.deposit_id,
                "note": note,
            })
        })
        .collect();
    let skipped: Vec<Value> = done
        .skipped
        .iter()
        .map(|(id, reason)| json!({ "id": id, "reason": reason }))
        .collect();
    json!({ "tenantId": tenant, "requeued": requeued, "skipped": skipped })
}

fn text(tenant: &str, done: &Requeued) -> anyhow::Result<String> {
    let mut out = String::new();
    writeln!(
        out,
        "requeued {} dead job(s) of tenant {tenant}",
        done.requeued.len()
    )?;
    for (job, note) in &done.requeued {
        writeln!(
            out,
            "  job {} ({}, deposit {})",
            job.id,
            job.action.as_str(),
            job.deposit_id
        )?;
        if let Some(note) = note {
            writeln!(out, "    note: {note}")?;
        }
    }
    if !done.skipped.is_empty() {
        writeln!(out, "skipped {}:", done.skipped.len())?;
        for (id, reason) in &done.skipped {
            writeln!(out, "  job {id}: {reason}")?;
        }
    }
    Ok(out)
}
