//! ISO 8601 dates of the exchange format: `YYYY-MM-DD`, optionally followed by `T` or a
//! space and `HH:MM[:SS[.fraction]]` (SQL Server's `CONVERT` styles 23, 126 and 121). No
//! zone: legacy `datetime` columns have none, and the value is read as UTC, the way our
//! payroll delivery turns timestamps back into calendar dates.

/// Milliseconds since the Unix epoch of `text`, or `None` when it is not such a date.
pub fn parse_epoch_ms(text: &str) -> Option<i64> {
    let (date, time) = match text.find(['T', ' ']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let year = number(parts.next()?, 4)?;
    let month = number(parts.next()?, 2)?;
    let day = number(parts.next()?, 2)?;
    if parts.next().is_some() || !(1..=12).contains(&month) {
        return None;
    }
    if day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let seconds_of_day = match time {
        None => 0,
        Some(time) => time_of_day_ms(time)?,
    };
    Some(days_from_civil(year, month, day) * 86_400_000 + seconds_of_day)
}

fn time_of_day_ms(time: &str) -> Option<i64> {
    let (hms, fraction) = match time.split_once('.') {
        Some((hms, fraction)) => (hms, Some(fraction)),
        None => (time, None),
    };
    let mut parts = hms.split(':');
    let hour = number(parts.next()?, 2)?;
    let minute = number(parts.next()?, 2)?;
    let second = parts.next().map_or(Some(0), |s| number(s, 2))?;
    if parts.next().is_some() || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let millis = match fraction {
        None => 0,
        Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
            let padded = format!("{f:0<3}");
            padded[..3].parse::<i64>().ok()?
        }
        Some(_) => return None,
    };
    Some(((hour * 60 + minute) * 60 + second) * 1000 + millis)
}

/// Exactly `width` ASCII digits.
fn number(s: &str, width: usize) -> Option<i64> {
    (s.len() == width && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

const fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`,
/// the inverse of the delivery crate's `civil_from_days`).
const fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::parse_epoch_ms;

    #[test]
    fn dates_and_times() {
        assert_eq!(parse_epoch_ms("1970-01-01"), Some(0));
        assert_eq!(parse_epoch_ms("2000-02-29"), Some(951_782_400_000));
        assert_eq!(parse_epoch_ms("2026-01-01"), Some(1_767_225_600_000));
        assert_eq!(
            parse_epoch_ms("2026-01-01T00:00:01"),
            Some(1_767_225_601_000)
        );
        assert_eq!(
            parse_epoch_ms("2026-01-01 00:01:00.5"),
            Some(1_767_225_660_500)
        );
        assert_eq!(parse_epoch_ms("2026-01-01T10:00"), Some(1_767_261_600_000));
        assert_eq!(parse_epoch_ms("1969-12-31"), Some(-86_400_000));
    }

    #[test]
    fn not_dates() {
        for bad in [
            "",
            "2019",
            "2019-02-29",
            "2019-13-01",
            "2019-00-10",
            "19-01-01",
            "2019/01/01",
            "2019-01-01T25:00",
            "2019-01-01T10:00:00.x",
            "2019-01-01T10:00:00Z",
            "01/02/2019",
            "2019-1-1",
        ] {
            assert_eq!(parse_epoch_ms(bad), None, "{bad}");
        }
    }
}
