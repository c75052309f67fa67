//! Summaries, gates, the markdown table and the JSON document.
//!
//! Statistics cover successful runs only; a subject with any failed run is marked failed
//! (a wrong answer is never "fast"). Warm durations are pooled over all runs before taking
//! p50/p99, so p99 rests on runs × events samples rather than on one run's tail.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::measure::RunRecord;
use crate::relative::{self, OurShare};
use crate::timeline::{self, TimelinePoint};

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    pub(crate) fn of(values: &[f64]) -> Option<Self> {
        let sorted = sorted(values);
        let n = sorted.len();
        let median = match n {
            0 => return None,
            _ if n % 2 == 1 => sorted[n / 2],
            _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        };
        Some(Self {
            median,
            min: sorted[0],
            max: sorted[n - 1],
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub runs_ok: usize,
    pub cold_ms: Spread,
    pub init_ms: Spread,
    pub first_duration_ms: Option<Spread>,
    pub warm_p50_ms: Option<f64>,
    pub warm_p99_ms: Option<f64>,
    pub peak_rss_mb: Spread,
    pub page_faults: Option<Spread>,
    /// Start-up timeline: per-mark medians in µs from exec (`timeline.rs`).
    pub timeline_us: Vec<TimelinePoint>,
}

impl Summary {
    pub fn of(runs: &[RunRecord]) -> Option<Self> {
        let ok: Vec<&RunRecord> = runs.iter().filter(|r| r.ok()).collect();
        let collect = |f: fn(&RunRecord) -> Option<f64>| ok.iter().filter_map(|r| f(r)).collect();
        let cold: Vec<f64> = collect(|r| r.cold_ms);
        let init: Vec<f64> = collect(|r| r.init_ms);
        let first: Vec<f64> = collect(|r| r.first_duration_ms);
        let rss: Vec<f64> = collect(|r| r.peak_rss_kb.map(|kb| kb as f64 / 1024.0));
        let faults: Vec<f64> = collect(|r| r.page_faults.map(|n| n as f64));
        let warm: Vec<f64> = ok.iter().flat_map(|r| r.warm_ms.iter().copied()).collect();
        Some(Self {
            runs_ok: ok.len(),
            cold_ms: Spread::of(&cold)?,
            init_ms: Spread::of(&init)?,
            first_duration_ms: Spread::of(&first),
            warm_p50_ms: percentile(&warm, 50.0),
            warm_p99_ms: percentile(&warm, 99.0),
            peak_rss_mb: Spread::of(&rss)?,
            page_faults: Spread::of(&faults),
            timeline_us: timeline::summarize(&ok),
        })
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubjectResult {
    pub id: String,
    pub label: String,
    pub status: Status,
    /// Skip reason, or the first failure.
    pub reason: Option<String>,
    pub summary: Option<Summary>,
    /// Median cold start ÷ the floor's.
    pub ratio_to_floor: Option<f64>,
    /// Median cold start ÷ Node's, and median peak RSS ÷ Node's.
    pub cold_ratio_to_node: Option<f64>,
    pub rss_ratio_to_node: Option<f64>,
    pub max_ratio_to_floor: Option<f64>,
    /// Gates against other subjects: id → largest allowed median cold start ratio.
    pub max_ratio_to: BTreeMap<String, f64>,
    /// The `meta` key with the milliseconds that are not ours (moto's reply time).
    pub not_ours_ms_meta: Option<String>,
    pub our_share: Option<OurShare>,
    pub binary_bytes: Option<u64>,
    pub zip_bytes: Option<u64>,
    pub runs: Vec<RunRecord>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub meta: BTreeMap<String, String>,
    pub runs: usize,
    pub warmup_runs: usize,
    pub warm_events: usize,
    pub quick: bool,
    pub subjects: Vec<SubjectResult>,
    /// Why the run failed; empty means it passed.
    pub failures: Vec<String>,
    pub notices: Vec<String>,
}

impl Report {
    /// Fills ratios against the floor and Node and evaluates the gates.
    pub fn finish(&mut self, floor: &str, node: &str) {
        let cold = |id: &str| self.median_of(id, |s| s.cold_ms.median);
        let rss = |id: &str| self.median_of(id, |s| s.peak_rss_mb.median);
        let (floor_cold, node_cold, node_rss) = (cold(floor), cold(node), rss(node));
        for subject in &mut self.subjects {
            let Some(summary) = &subject.summary else {
                continue;
            };
            subject.ratio_to_floor = floor_cold.map(|f| summary.cold_ms.median / f);
            subject.cold_ratio_to_node = node_cold.map(|n| summary.cold_ms.median / n);
            subject.rss_ratio_to_node = node_rss.map(|n| summary.peak_rss_mb.median / n);
            let not_ours = subject
                .not_ours_ms_meta
                .as_ref()
                .and_then(|key| self.meta.get(key));
            subject.our_share = relative::our_share(summary.cold_ms.median, not_ours, floor_cold);
        }
        let relative_failures = relative::gate_failures(&self.subjects, |id| {
            self.median_of(id, |s| s.cold_ms.median)
        });
        self.failures.extend(relative_failures);
        for subject in &self.subjects {
            match subject.status {
                Status::Skipped => self.notices.push(format!(
                    "{}: skipped, {}",
                    subject.id,
                    subject.reason.as_deref().unwrap_or("")
                )),
                Status::Failed => self.failures.push(format!(
                    "{}: {}",
                    subject.id,
                    subject.reason.as_deref().unwrap_or("failed")
                )),
                Status::Ok => {}
            }
            let (Some(max), Status::Ok) = (subject.max_ratio_to_floor, &subject.status) else {
                continue;
            };
            match subject.ratio_to_floor {
                Some(ratio) if ratio <= max => {}
                Some(ratio) => self.failures.push(format!(
                    "{}: median cold start is {ratio:.2} × the floor, over the {max} × gate",
                    subject.id
                )),
                None => self.failures.push(format!(
                    "{}: no floor measurement to gate against",
                    subject.id
                )),
            }
        }
    }

    fn median_of(&self, id: &str, pick: fn(&Summary) -> f64) -> Option<f64> {
        let subject = self.subjects.iter().find(|s| s.id == id)?;
        subject.summary.as_ref().map(pick)
    }

    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} cold starts per subject (after {} discarded warm-up), {} warm events each{}.\n",
            self.runs,
            self.warmup_runs,
            self.warm_events,
            if self.quick { ", quick mode" } else { "" }
        );
        // Date, CPU, commit, load and moto's own latency: what a reader needs to trust or
        // compare the numbers below.
        if !self.meta.is_empty() {
            let described: Vec<String> =
                self.meta.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            let _ = writeln!(out, "{}\n", described.join("; "));
        }
        out.push_str(
            "| runtime | cold start ms (median, min–max) | init ms | duration ms (warm p50/p99) \
             | memory MB (peak RSS) | ratio to floor | ratio to Node (cold, mem) |\n\
             |---|---|---|---|---|---|---|\n",
        );
        for subject in &self.subjects {
            let _ = writeln!(out, "{}", row(subject));
        }
        if self
            .subjects
            .iter()
            .any(|s| s.binary_bytes.is_some() || s.zip_bytes.is_some())
        {
            out.push_str("\n| runtime | stripped binary | zip |\n|---|---|---|\n");
            for s in self
                .subjects
                .iter()
                .filter(|s| s.binary_bytes.is_some() || s.zip_bytes.is_some())
            {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} |",
                    s.label,
                    size(s.binary_bytes),
                    size(s.zip_bytes)
                );
            }
        }
        out.push_str(&relative::our_share_markdown(&self.subjects));
        out.push_str(&timeline::markdown(&self.subjects));
        for notice in &self.notices {
            let _ = writeln!(out, "\nNOTICE: {notice}");
        }
        for failure in &self.failures {
            let _ = writeln!(out, "\nFAIL: {failure}");
        }
        let _ = writeln!(
            out,
            "\n{}",
            if self.passed() {
                "RESULT: PASS"
            } else {
                "RESULT: FAIL"
            }
        );
        out
    }
}

fn row(subject: &SubjectResult) -> String {
    let label = &subject.label;
    let Some(summary) = &subject.summary else {
        let status = match subject.status {
            Status::Skipped => "skipped",
            _ => "FAILED",
        };
        let reason = subject.reason.as_deref().unwrap_or("").replace('|', "/");
        let reason: String = reason.chars().take(160).collect();
        return format!("| {label} | {status}: {reason} | | | | | |");
    };
    let failed = match subject.status {
        Status::Failed => format!(
            " **FAILED {}/{}**",
            subject.runs.len() - summary.runs_ok,
            subject.runs.len()
        ),
        _ => String::new(),
    };
    let c = summary.cold_ms;
    let warm = match (summary.warm_p50_ms, summary.warm_p99_ms) {
        (Some(p50), Some(p99)) => format!("{} / {}", ms(p50), ms(p99)),
        _ => "–".into(),
    };
    let m = summary.peak_rss_mb;
    let node = match (subject.cold_ratio_to_node, subject.rss_ratio_to_node) {
        (Some(cold), Some(mem)) => format!("{}, {}", ratio(cold), ratio(mem)),
        _ => "–".into(),
    };
    format!(
        "| {label}{failed} | {} ({}–{}) | {} | {warm} | {:.1} ({:.1}–{:.1}) | {} | {node} |",
        ms(c.median),
        ms(c.min),
        ms(c.max),
        ms(summary.init_ms.median),
        m.median,
        m.min,
        m.max,
        subject
            .ratio_to_floor
            .map(ratio)
            .unwrap_or_else(|| "–".into()),
    )
}

/// Three significant digits reads well from 0.05 ms warm calls to 100 ms cold starts.
pub(crate) fn ms(value: f64) -> String {
    match value {
        v if v >= 100.0 => format!("{v:.0}"),
        v if v >= 10.0 => format!("{v:.1}"),
        v if v >= 1.0 => format!("{v:.2}"),
        v => format!("{v:.3}"),
    }
}

pub(crate) fn ratio(value: f64) -> String {
    if value >= 0.1 {
        format!("{value:.2}×")
    } else {
        format!("{value:.3}×")
    }
}

fn size(bytes: Option<u64>) -> String {
    bytes.map_or_else(
        || "–".into(),
        |b| format!("{:.2} MB ({b} B)", b as f64 / 1_048_576.0),
    )
}

fn sorted(values: &[f64]) -> Vec<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted
}

/// Nearest-rank percentile.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    let sorted = sorted(values);
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&values, 50.0), Some(50.0));
        assert_eq!(percentile(&values, 99.0), Some(99.0));
        assert_eq!(percentile(&[3.0], 99.0), Some(3.0));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn spread_median_of_even_count_is_the_mean_of_the_middle() {
        let spread = Spread::of(&[4.0, 1.0, 3.0, 2.0]).expect("spread");
        assert_eq!((spread.median, spread.min, spread.max), (2.5, 1.0, 4.0));
    }

    pub(crate) fn subject(id: &str, cold: f64, max_ratio: Option<f64>) -> SubjectResult {
        let run = RunRecord {
            cold_ms: Some(cold),
            init_ms: Some(cold / 2.0),
            peak_rss_kb: Some(4096),
            ..RunRecord::default()
        };
        SubjectResult {
            id: id.into(),
            label: id.into(),
            status: Status::Ok,
            reason: None,
            summary: Summary::of(std::slice::from_ref(&run)),
            ratio_to_floor: None,
            cold_ratio_to_node: None,
            rss_ratio_to_node: None,
            max_ratio_to_floor: max_ratio,
            max_ratio_to: BTreeMap::new(),
            not_ours_ms_meta: None,
            our_share: None,
            binary_bytes: None,
            zip_bytes: None,
            runs: vec![run],
        }
    }

    pub(crate) fn report(subjects: Vec<SubjectResult>) -> Report {
        report_with_meta(subjects, BTreeMap::new())
    }

    pub(crate) fn report_with_meta(
        subjects: Vec<SubjectResult>,
        meta: BTreeMap<String, String>,
    ) -> Report {
        let mut report = Report {
            meta,
            runs: 1,
            warmup_runs: 0,
            warm_events: 0,
            quick: true,
            subjects,
            failures: vec![],
            notices: vec![],
        };
        report.finish("floor", "node");
        report
    }

    #[test]
    fn gate_compares_median_cold_start_with_the_floor() {
        let pass = report(vec![
            subject("floor", 2.0, None),
            subject("fn", 5.9, Some(3.0)),
        ]);
        assert!(pass.passed(), "{:?}", pass.failures);
        assert_eq!(pass.subjects[1].ratio_to_floor, Some(2.95));
        let fail = report(vec![
            subject("floor", 2.0, None),
            subject("fn", 6.2, Some(3.0)),
        ]);
        assert!(!fail.passed());
        assert!(fail.markdown().contains("RESULT: FAIL"));
    }
}
