//! Rewrap from a file of lines to an append-only output file.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use anyhow::Context;
use dd_aws::EnvelopeKeys;
use dd_crypto::decrypt_lambda::DecryptLambdaKey;
use dd_crypto::envelope::EnvelopeCipher;
use zeroize::Zeroizing;

use super::{Record, Summary, progress, rewrap_one};

pub async fn rewrap(
    from: &Path,
    to: &Path,
    legacy_key: &DecryptLambdaKey,
    envelopes: &EnvelopeCipher<EnvelopeKeys>,
    dry_run: bool,
) -> anyhow::Result<Summary> {
    let input =
        std::fs::read_to_string(from).with_context(|| format!("cannot read {}", from.display()))?;
    let input = Zeroizing::new(input);
    let done = if dry_run {
        HashSet::new()
    } else {
        completed_ids(to)?
    };
    let mut output = if dry_run {
        None
    } else {
        Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(to)
                .with_context(|| format!("cannot open {}", to.display()))?,
        )
    };
    let lines: Vec<&str> = input
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    let bar = progress(lines.len() as u64);
    let mut summary = Summary::default();
    for line in lines {
        bar.inc(1);
        summary.seen += 1;
        let Some(record) = parse_line(line) else {
            *summary.failed.entry("malformed_line").or_default() += 1;
            continue;
        };
        if done.contains(&record.id) {
            summary.already_wrapped += 1;
            continue;
        }
        let value = match rewrap_one(&record, legacy_key, envelopes).await {
            Ok(Some(sealed)) => {
                summary.rewrapped += 1;
                sealed
            }
            Ok(None) => {
                summary.already_wrapped += 1;
                record.value.to_string()
            }
            Err(kind) => {
                *summary.failed.entry(kind).or_default() += 1;
                continue;
            }
        };
        if let Some(file) = output.as_mut() {
            writeln!(file, "{}\t{}\t{}", record.id, record.tenant_id, value)
                .and_then(|()| file.flush())
                .context("cannot write the output file")?;
        }
    }
    if let Some(file) = output {
        file.sync_all().context("cannot sync the output file")?;
    }
    bar.finish_and_clear();
    Ok(summary)
}

fn parse_line(line: &str) -> Option<Record> {
    let mut fields = line.splitn(3, '\t');
    let (id, tenant, value) = (fields.next()?, fields.next()?, fields.next()?);
    (!id.is_empty() && !tenant.is_empty()).then(|| Record {
        id: id.to_owned(),
        tenant_id: tenant.to_owned(),
        value: Zeroizing::new(value.trim_end_matches('\r').to_owned()),
    })
}

/// Ids already in the output. A torn last line (the run was killed mid-write) is cut off so
/// the record is redone.
fn completed_ids(to: &Path) -> anyhow::Result<HashSet<String>> {
    let Ok(file) = std::fs::File::open(to) else {
        return Ok(HashSet::new());
    };
    let content = std::fs::read(to).with_context(|| format!("cannot read {}", to.display()))?;
    if !content.is_empty() && !content.ends_with(b"\n") {
        let keep = content
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        std::fs::OpenOptions::new()
            .write(true)
            .open(to)
            .and_then(|f| f.set_len(keep as u64))
            .context("cannot cut the torn last line")?;
    }
    let mut ids = HashSet::new();
    for line in BufReader::new(file).lines() {
        let line = line.context("cannot read the output file")?;
        if let Some((id, _)) = line.split_once('\t')
            && line.ends_with(|c: char| !c.is_whitespace())
        {
            ids.insert(id.to_owned());
        }
    }
    Ok(ids)
}
