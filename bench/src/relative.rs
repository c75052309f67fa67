//! Numbers relative to others in the same run, beyond the floor ratio: gates against another
//! subject (ours ÷ the minimal decryptor) and our share of a cold start once the time that is
//! not ours (moto's own `GetSecretValue` reply, timed by `bench/run`) is taken out.

use std::fmt::Write as _;

use serde::Serialize;

use crate::report::{Status, SubjectResult, ms, ratio};

/// A cold start with someone else's time taken out.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OurShare {
    pub not_ours_ms: f64,
    /// Median cold start − `not_ours_ms`.
    pub ours_ms: f64,
    /// `ours_ms` ÷ the floor's median cold start.
    pub ratio_to_floor: f64,
}

/// Our share of `cold_ms`, given the not-ours milliseconds as `--meta` text and the floor.
pub fn our_share(
    cold_ms: f64,
    not_ours: Option<&String>,
    floor_ms: Option<f64>,
) -> Option<OurShare> {
    let not_ours_ms = not_ours?.parse::<f64>().ok()?;
    let ours_ms = cold_ms - not_ours_ms;
    Some(OurShare {
        not_ours_ms,
        ours_ms,
        ratio_to_floor: ours_ms / floor_ms?,
    })
}

/// Every `max_ratio_to` gate that does not hold; `cold` gives a subject's median cold start.
pub fn gate_failures(
    subjects: &[SubjectResult],
    cold: impl Fn(&str) -> Option<f64>,
) -> Vec<String> {
    let mut failures = Vec::new();
    for subject in subjects.iter().filter(|s| matches!(s.status, Status::Ok)) {
        let Some(ours) = subject.summary.as_ref().map(|s| s.cold_ms.median) else {
            continue;
        };
        for (other, max) in &subject.max_ratio_to {
            match cold(other) {
                Some(theirs) if ours / theirs <= *max => {}
                Some(theirs) => failures.push(format!(
                    "{}: median cold start is {:.2} × {other}'s, over the {max} × gate",
                    subject.id,
                    ours / theirs
                )),
                None => failures.push(format!(
                    "{}: no {other} measurement to gate against",
                    subject.id
                )),
            }
        }
    }
    failures
}

/// The markdown table of our shares; empty when no subject has one.
pub fn our_share_markdown(subjects: &[SubjectResult]) -> String {
    let mut out = String::new();
    for subject in subjects {
        let Some(share) = subject.our_share else {
            continue;
        };
        if out.is_empty() {
            out.push_str(
                "\nOur share: median cold start minus the time that is not ours (moto's own \
                 GetSecretValue, timed by bench/run).\n\n| runtime | cold start ms | not ours ms \
                 | ours ms | ours ÷ floor |\n|---|---|---|---|---|\n",
            );
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            subject.label,
            ms(share.ours_ms + share.not_ours_ms),
            ms(share.not_ours_ms),
            ms(share.ours_ms),
            ratio(share.ratio_to_floor)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::report::tests::{report, report_with_meta, subject};

    #[test]
    fn gate_against_another_subject_of_the_same_run() {
        let gated = |cold: f64| {
            let mut ours = subject("ours", cold, None);
            ours.max_ratio_to.insert("minimal".into(), 1.1);
            report(vec![
                subject("floor", 1.0, None),
                subject("minimal", 2.0, None),
                ours,
            ])
        };
        assert!(gated(2.2).passed());
        let fail = gated(2.3);
        assert!(
            fail.failures[0].contains("1.15 × minimal's"),
            "{:?}",
            fail.failures
        );
        let mut orphan = subject("ours", 2.0, None);
        orphan.max_ratio_to.insert("absent".into(), 1.1);
        assert!(!report(vec![subject("floor", 1.0, None), orphan]).passed());
    }

    #[test]
    fn our_share_takes_the_named_meta_milliseconds_out() {
        let mut moto = subject("moto", 9.0, None);
        moto.not_ours_ms_meta = Some("moto_ms".into());
        let meta = BTreeMap::from([("moto_ms".to_owned(), "5.0".to_owned())]);
        let report = report_with_meta(vec![subject("floor", 2.0, None), moto], meta);
        assert_eq!(
            report.subjects[1].our_share,
            Some(OurShare {
                not_ours_ms: 5.0,
                ours_ms: 4.0,
                ratio_to_floor: 2.0
            })
        );
        assert!(
            report
                .markdown()
                .contains("| moto | 9.00 | 5.00 | 4.00 | 2.00× |")
        );
    }
}
