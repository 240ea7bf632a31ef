//! The store's own day. Facts keep UTC instants (Unix ms); printing and grouping use the store's
//! time zone (an IANA name such as `Europe/Berlin`, set at `init` and in Settings), so a sale at
//! 00:30 in Berlin prints as 00:30 and lands in that day's report. A day is from one local
//! midnight to the next: 23 hours on the night the clocks go forward, 25 on the night they go
//! back, and every sale lands on the day it was made.

use jiff::civil::Date;
/// A time zone (jiff's), as [`zone`] makes it and [`day_in`] reads it.
pub use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::{StoreError, StoreResult};

/// The zone named `name` (IANA), or an error naming `field`.
pub fn zone(name: &str, field: &str) -> StoreResult<TimeZone> {
    TimeZone::get(name.trim()).map_err(|_| {
        StoreError::invalid(
            field,
            "unknown_time_zone",
            format!(
                "'{}' is not a time zone (an IANA name such as Europe/Berlin or America/New_York)",
                name.trim()
            ),
        )
    })
}

/// The store's zone as its settings name it (UTC for a store set up before it had one).
pub(crate) fn store_zone(conn: &rusqlite::Connection) -> StoreResult<TimeZone> {
    let name: Option<String> = conn
        .prepare_cached("SELECT value FROM setting WHERE key = 'time_zone'")?
        .query_row([], |r| r.get(0))
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })?;
    Ok(name
        .and_then(|n| TimeZone::get(n.trim()).ok())
        .unwrap_or(TimeZone::UTC))
}

/// This machine's zone name, or `UTC` when it has none.
pub fn machine_zone() -> String {
    TimeZone::system()
        .iana_name()
        .map_or_else(|| "UTC".to_string(), str::to_string)
}

/// `2026-01-16 00:30`: an instant (Unix ms) as the store's wall clock shows it.
pub fn format_local(ms: i64, tz: &TimeZone) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned(tz.clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// `ms` as a file-name stamp on the store's wall clock, sortable and readable:
/// `2026-11-30_14-05-09` (backups are named with it).
pub fn file_stamp(ms: i64, tz: &TimeZone) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned(tz.clone())
                .strftime("%Y-%m-%d_%H-%M-%S")
                .to_string()
        })
        .unwrap_or_default()
}

/// The UTC date of instant `ms` (`2026-11-30`): the day of a storefront's answer for a store
/// whose time zone the server has not learnt.
pub fn utc_day(ms: i64) -> String {
    day_in(ms, &TimeZone::UTC)
}

/// The date of instant `ms` on the wall clock of `tz` (`2026-11-30`); empty for an instant out
/// of range.
pub fn day_in(ms: i64, tz: &TimeZone) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(tz.clone()).date().to_string())
        .unwrap_or_default()
}

/// The instants `[start, end)` (Unix ms) of the local day `date`: from its first moment to the
/// next day's, however many hours that is.
pub fn day_bounds(date: Date, tz: &TimeZone) -> StoreResult<(i64, i64)> {
    let bad = |e: jiff::Error| StoreError::invalid("date", "invalid_date", e.to_string());
    let start = date
        .to_zoned(tz.clone())
        .map_err(bad)?
        .start_of_day()
        .map_err(bad)?;
    let next = date
        .tomorrow()
        .map_err(bad)?
        .to_zoned(tz.clone())
        .map_err(bad)?
        .start_of_day()
        .map_err(bad)?;
    Ok((
        start.timestamp().as_millisecond(),
        next.timestamp().as_millisecond(),
    ))
}

/// A date as typed (`2026-01-16`), or an error naming `field`.
pub fn parse_day(text: &str, field: &str) -> StoreResult<Date> {
    text.trim().parse::<Date>().map_err(|_| {
        StoreError::invalid(
            field,
            "invalid_date",
            format!("'{}' is not a date (2026-06-01)", text.trim()),
        )
    })
}

/// The instants `[from, to)` of a range as people write it: a plain date `from` starts at that
/// local day's first moment, a plain date `to` includes that whole local day; an RFC 3339 time
/// is that instant. An empty or reversed range is an error naming `to`.
pub fn range(from: &str, to: &str, tz: &TimeZone) -> StoreResult<(i64, i64)> {
    let start = match parse_day(from, "from") {
        Ok(d) => day_bounds(d, tz)?.0,
        Err(_) => instant(from, "from")?,
    };
    let end = match parse_day(to, "to") {
        Ok(d) => day_bounds(d, tz)?.1,
        Err(_) => instant(to, "to")?,
    };
    check_range(Some(start), Some(end))?;
    Ok((start, end))
}

/// An RFC 3339 time (`2026-01-16T00:30:00+01:00`) as Unix ms, or an error naming `field`.
pub fn instant(text: &str, field: &str) -> StoreResult<i64> {
    text.trim()
        .parse::<Timestamp>()
        .map(|t| t.as_millisecond())
        .map_err(|_| {
            StoreError::invalid(
                field,
                "invalid_time",
                format!(
                    "'{}' is not a date (2026-06-01) or RFC 3339 time",
                    text.trim()
                ),
            )
        })
}

/// A range of instants `[from, to)` in ms must hold something: an empty or reversed range is an
/// error naming `to`, never a silent zero. (A plain `--to` date means the end of that day: the
/// CLI passes the next midnight.)
pub(crate) fn check_range(from: Option<i64>, to: Option<i64>) -> StoreResult<()> {
    if let (Some(f), Some(t)) = (from, to) {
        if t <= f {
            return Err(StoreError::invalid(
                "to",
                "empty_range",
                if t == f {
                    "the range is empty: it ends where it starts"
                } else {
                    "the range ends before it starts"
                },
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(rfc3339: &str) -> i64 {
        rfc3339.parse::<Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn local_days_have_the_hours_the_clocks_give_them() {
        let berlin = zone("Europe/Berlin", "tz").unwrap();
        // (date, hours in that local day)
        let cases = [
            ("2026-01-16", 24),
            ("2026-03-29", 23), // clocks go forward at 02:00
            ("2026-10-25", 25), // clocks go back at 03:00
        ];
        for (day, hours) in cases {
            let (a, b) = day_bounds(parse_day(day, "d").unwrap(), &berlin).unwrap();
            assert_eq!((b - a) / 3_600_000, hours, "{day} in Berlin");
        }
        let (a, _) = day_bounds(parse_day("2026-01-16", "d").unwrap(), &berlin).unwrap();
        assert_eq!(
            a,
            ms("2026-01-15T23:00:00Z"),
            "Berlin's 16 January starts at 23:00 UTC"
        );
    }

    #[test]
    fn backup_names_read_as_the_local_date_and_time() {
        let berlin = zone("Europe/Berlin", "tz").unwrap();
        assert_eq!(
            file_stamp(ms("2026-01-15T23:30:05Z"), &berlin),
            "2026-01-16_00-30-05"
        );
    }

    #[test]
    fn instants_print_on_the_stores_wall_clock() {
        let berlin = zone("Europe/Berlin", "tz").unwrap();
        let cases = [
            ("2026-01-15T22:30:00Z", "2026-01-15 23:30"),
            ("2026-01-15T23:30:00Z", "2026-01-16 00:30"),
            ("2026-07-01T10:00:00Z", "2026-07-01 12:00"), // summer time
            ("2026-10-25T00:30:00Z", "2026-10-25 02:30"), // the first 02:30 of the long night
            ("2026-10-25T01:30:00Z", "2026-10-25 02:30"), // and the second
        ];
        for (utc, local) in cases {
            assert_eq!(format_local(ms(utc), &berlin), local, "{utc}");
        }
        assert_eq!(
            zone("Mars/Olympus", "time_zone").unwrap_err().field(),
            Some("time_zone")
        );
    }

    #[test]
    fn a_plain_to_date_includes_that_day_and_a_reversed_range_is_an_error() {
        let utc = zone("UTC", "tz").unwrap();
        let (a, b) = range("2026-03-01", "2026-03-31", &utc).unwrap();
        assert_eq!(
            (a, b),
            (ms("2026-03-01T00:00:00Z"), ms("2026-04-01T00:00:00Z"))
        );
        let (a, b) = range("2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z", &utc).unwrap();
        assert_eq!(b - a, 3_600_000, "instants are taken as they are");
        assert_eq!(
            range("2026-03-02", "2026-03-01", &utc).unwrap_err().field(),
            Some("to")
        );
        assert_eq!(
            range("2026-03-01T10:00:00Z", "2026-03-01T10:00:00Z", &utc)
                .unwrap_err()
                .code(),
            "empty_range"
        );
        assert_eq!(
            range("yesterday", "2026-03-01", &utc).unwrap_err().field(),
            Some("from")
        );
    }
}
