//! The start-up timeline of each subject, summarised over its runs: where the microseconds
//! between exec and the first response go, each mark with an owner (issue 14, item 2).
//!
//! A run's timeline is the subject's own marks (`dd-startup-marks`) plus the harness's
//! `first next` and `first response`, all in microseconds from exec (`measure.rs`). Here each
//! mark gets its median over the successful runs that have it, in time order, and the gap
//! from the previous mark's median (the phase that mark ends). Medians of gaps would not add
//! up to the total; gaps of medians do.

use std::fmt::Write as _;

use serde::Serialize;

use crate::measure::RunRecord;
use crate::report::{Spread, SubjectResult};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelinePoint {
    pub mark: String,
    /// Median over the runs that have this mark, in µs from exec.
    pub median_us: f64,
    /// `median_us` minus the previous point's (the first point: minus exec, i.e. 0).
    pub phase_us: f64,
    /// How many runs had this mark.
    pub runs: usize,
}

/// Per-mark medians over `runs`, in time order.
pub fn summarize(runs: &[&RunRecord]) -> Vec<TimelinePoint> {
    let mut names: Vec<&str> = Vec::new();
    for run in runs {
        for point in &run.timeline_us {
            if !names.contains(&point.mark.as_str()) {
                names.push(&point.mark);
            }
        }
    }
    let mut points: Vec<TimelinePoint> = names
        .into_iter()
        .filter_map(|name| {
            let values: Vec<f64> = runs
                .iter()
                .filter_map(|run| run.timeline_us.iter().find(|p| p.mark == name))
                .map(|p| p.us)
                .collect();
            Some(TimelinePoint {
                mark: name.to_owned(),
                median_us: Spread::of(&values)?.median,
                phase_us: 0.0,
                runs: values.len(),
            })
        })
        .collect();
    points.sort_by(|a, b| a.median_us.total_cmp(&b.median_us));
    let mut previous = 0.0;
    for point in &mut points {
        point.phase_us = point.median_us - previous;
        previous = point.median_us;
    }
    points
}

/// The markdown section: one line per measured subject.
pub fn markdown(subjects: &[SubjectResult]) -> String {
    let mut out = String::from(
        "\nStart-up timeline: µs from exec, median of the runs (+ the gap from the previous \
         mark); marks other than `first next` / `first response` are the subject's own \
         (`DD_STARTUP_MARKS`). Page faults: minor + major, median, by the last response.\n\n\
         | runtime | page faults | timeline |\n|---|---|---|\n",
    );
    for subject in subjects {
        let Some(summary) = &subject.summary else {
            continue;
        };
        let steps: Vec<String> = summary
            .timeline_us
            .iter()
            .map(|p| format!("{} {:.0} (+{:.0})", p.mark, p.median_us, p.phase_us))
            .collect();
        let faults = summary
            .page_faults
            .map_or_else(|| "–".to_owned(), |f| format!("{:.0}", f.median));
        let _ = writeln!(
            out,
            "| {} | {faults} | {} |",
            subject.label,
            steps.join(" → ")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::Mark;

    fn run(points: &[(&str, f64)]) -> RunRecord {
        RunRecord {
            timeline_us: points
                .iter()
                .map(|(mark, us)| Mark {
                    mark: (*mark).to_owned(),
                    us: *us,
                })
                .collect(),
            ..RunRecord::default()
        }
    }

    #[test]
    fn medians_per_mark_in_time_order_with_gaps_that_add_up() {
        let runs = [
            run(&[("main", 400.0), ("first next", 900.0)]),
            run(&[
                ("main", 500.0),
                ("first next", 1100.0),
                ("key_ready", 950.0),
            ]),
            run(&[("main", 450.0), ("first next", 1000.0)]),
        ];
        let refs: Vec<&RunRecord> = runs.iter().collect();
        let points = summarize(&refs);
        let got: Vec<(&str, f64, f64, usize)> = points
            .iter()
            .map(|p| (p.mark.as_str(), p.median_us, p.phase_us, p.runs))
            .collect();
        assert_eq!(
            got,
            vec![
                ("main", 450.0, 450.0, 3),
                ("key_ready", 950.0, 500.0, 1),
                ("first next", 1000.0, 50.0, 3),
            ]
        );
    }
}
