//! Time: UTC instants at one-second resolution, scenario durations with calendar months,
//! the billing calendar zone and the zone of the demand patterns (docs/spec.md, section 2).

use chrono::{
    DateTime, Datelike, FixedOffset, Months, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc,
};
use std::fmt;
use std::str::FromStr;

/// A UTC instant: seconds since the Unix epoch.
pub type Instant = i64;

/// Seconds in a billing hour.
pub const HOUR: i64 = 3600;
/// Seconds in a day.
pub const DAY: i64 = 86_400;
/// Seconds in a year of 365.25 days (growth, warm-up cap, NPV).
pub const YEAR_SECONDS: i64 = 31_557_600;

/// The units a duration may be written in, for error messages.
pub const DURATION_FORMS: &str =
    "a duration such as \"90s\", \"45min\", \"12h\", \"30d\", \"2w\", \"6mo\" or \"1y\"";

/// A span of time as a scenario writes it: fixed seconds, or calendar months (years are 12
/// months). Months are stepped on the calendar of a zone, clamped to the month's end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Duration {
    /// A fixed number of seconds (`s`, `min`, `h`, `d`, `w`).
    Seconds(i64),
    /// Calendar months (`mo`, `y`).
    Months(i32),
}

impl Duration {
    /// True for a span that goes backwards (only an `at` may).
    pub fn is_negative(self) -> bool {
        match self {
            Duration::Seconds(s) => s < 0,
            Duration::Months(m) => m < 0,
        }
    }

    /// True for a zero span.
    pub fn is_zero(self) -> bool {
        matches!(self, Duration::Seconds(0) | Duration::Months(0))
    }

    /// The span in calendar months, when it is written in months or years.
    pub fn months(self) -> Option<i32> {
        match self {
            Duration::Months(m) => Some(m),
            Duration::Seconds(_) => None,
        }
    }

    /// The span in seconds, when it is fixed.
    pub fn seconds(self) -> Option<i64> {
        match self {
            Duration::Seconds(s) => Some(s),
            Duration::Months(_) => None,
        }
    }

    /// The instant `t + self`, months stepped on the calendar of `zone`.
    ///
    /// For the instants and durations of a scenario, which are read within [`MIN_INSTANT`],
    /// [`MAX_INSTANT`] and [`MAX_SPAN_MONTHS`]; input is stepped with
    /// [`Duration::checked_after`].
    pub fn after(self, t: Instant, zone: FixedOffset) -> Instant {
        self.checked_after(t, zone)
            .expect("scenario instants and durations are read within chrono's range")
    }

    /// The instant `t + self`, or `None` when it is beyond what a calendar can hold.
    pub fn checked_after(self, t: Instant, zone: FixedOffset) -> Option<Instant> {
        match self {
            Duration::Seconds(s) => t.checked_add(s),
            Duration::Months(m) => {
                let local = zone.timestamp_opt(t, 0).single()?;
                let stepped = if m >= 0 {
                    local.checked_add_months(Months::new(m.unsigned_abs()))
                } else {
                    local.checked_sub_months(Months::new(m.unsigned_abs()))
                };
                Some(stepped?.timestamp())
            }
        }
    }

    /// True when the span is at most `months` calendar months, counting a fixed span in
    /// years of 365.25 days (so that `"100y"`, `"1200mo"` and `"36525d"` are all 100 years).
    pub fn at_most_months(self, months: i32) -> bool {
        match self {
            Duration::Months(m) => m <= months,
            Duration::Seconds(s) => {
                i128::from(s) * 12 <= i128::from(months) * i128::from(YEAR_SECONDS)
            }
        }
    }
}

impl FromStr for Duration {
    type Err = ();

    /// `"90s"`, `"45min"`, `"12h"`, `"1.5h"`, `"30d"`, `"2w"`, `"6mo"`, `"1y"`, `"-6mo"`.
    /// Fixed units may have a fraction when the result is whole seconds; months and years are
    /// whole numbers.
    fn from_str(text: &str) -> Result<Self, ()> {
        let split = text.find(|c: char| c.is_ascii_alphabetic()).ok_or(())?;
        let (number, unit) = text.split_at(split);
        let value = crate::money::parse_decimal(number, true).ok_or(())?;
        let whole = |v: rust_decimal::Decimal| -> Result<i64, ()> {
            use rust_decimal::prelude::ToPrimitive;
            if v.fract().is_zero() {
                v.to_i64().ok_or(())
            } else {
                Err(())
            }
        };
        let fixed = |factor: i64| -> Result<Duration, ()> {
            let seconds = value
                .checked_mul(rust_decimal::Decimal::from(factor))
                .ok_or(())?;
            Ok(Duration::Seconds(whole(seconds)?))
        };
        match unit {
            "s" => fixed(1),
            "min" => fixed(60),
            "h" => fixed(HOUR),
            "d" => fixed(DAY),
            "w" => fixed(7 * DAY),
            "mo" => Ok(Duration::Months(
                i32::try_from(whole(value)?).map_err(|_| ())?,
            )),
            "y" => Ok(Duration::Months(
                i32::try_from(whole(value)?.checked_mul(12).ok_or(())?).map_err(|_| ())?,
            )),
            _ => Err(()),
        }
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Duration::Months(m) if m % 12 == 0 && m != 0 => write!(f, "{}y", m / 12),
            Duration::Months(m) => write!(f, "{m}mo"),
            Duration::Seconds(s) => {
                for (unit, size) in [("w", 7 * DAY), ("d", DAY), ("h", HOUR), ("min", 60)] {
                    if s != 0 && s % size == 0 {
                        return write!(f, "{}{unit}", s / size);
                    }
                }
                write!(f, "{s}s")
            }
        }
    }
}

/// The most calendar months a horizon, a term or a subscription may span: 100 years.
pub const MAX_SPAN_MONTHS: i32 = 1200;

/// The earliest instant a scenario may name: 1900-01-01T00:00:00Z.
pub const MIN_INSTANT: Instant = -2_208_988_800;

/// The latest instant a scenario may name (its horizon's end included): 2400-01-01T00:00:00Z.
pub const MAX_INSTANT: Instant = 13_569_465_600;

/// Parses an RFC 3339 instant with its offset (`2026-01-01T00:00:00+08:00`).
pub fn parse_instant(text: &str) -> Option<Instant> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp())
}

/// Why a text is not an instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InstantError {
    /// Not written as an RFC 3339 instant with an offset.
    Malformed,
    /// Written as one, but the date does not exist: the reason, such as
    /// `"2027-02 has 28 days"`.
    NoSuchDate(String),
}

/// Parses an RFC 3339 instant with its offset, telling a malformed text from a date that does
/// not exist (`2027-02-29`).
pub fn parse_instant_checked(text: &str) -> Result<Instant, InstantError> {
    if let Some(t) = parse_instant(text) {
        return Ok(t);
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        if part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let dashes = text.as_bytes().get(4) == Some(&b'-') && text.as_bytes().get(7) == Some(&b'-');
    if let (true, Some(year), Some(month), Some(day)) =
        (dashes, digits(0..4), digits(5..7), digits(8..10))
    {
        let year = year as i32;
        if !(1..=12).contains(&month) {
            return Err(InstantError::NoSuchDate(format!(
                "a year has 12 months, not {month}"
            )));
        }
        if NaiveDate::from_ymd_opt(year, month, day).is_none() && day >= 1 {
            let first = NaiveDate::from_ymd_opt(year, month, 1).expect("a month's first day");
            let days = first
                .checked_add_months(Months::new(1))
                .map(|next| next.signed_duration_since(first).num_days())
                .unwrap_or(31);
            return Err(InstantError::NoSuchDate(format!(
                "{year:04}-{month:02} has {days} days"
            )));
        }
    }
    Err(InstantError::Malformed)
}

/// Formats an instant as RFC 3339 UTC: `2020-05-01T14:45:00Z`.
pub fn format_instant(t: Instant) -> String {
    DateTime::<Utc>::from_timestamp(t, 0)
        .expect("instants stay within chrono's range")
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Formats an instant in a fixed zone for people: `2027-01-01 00:00 (UTC+08:00)`.
pub fn format_local(t: Instant, zone: FixedOffset) -> String {
    let local = zone
        .timestamp_opt(t, 0)
        .single()
        .expect("fixed offsets are unique");
    let offset = if zone.local_minus_utc() == 0 {
        "UTC".to_string()
    } else {
        format!("UTC{zone}")
    };
    format!("{} ({offset})", local.format("%Y-%m-%d %H:%M"))
}

/// Parses a billing calendar zone: `"UTC"` or a whole-hour offset such as `"+08:00"`.
/// Whole hours keep the calendar's midnights on the billing hours' boundaries.
pub fn parse_calendar_zone(text: &str) -> Option<FixedOffset> {
    let zone = parse_fixed_offset(text)?;
    (zone.local_minus_utc() % HOUR as i32 == 0).then_some(zone)
}

/// Parses `"UTC"`, `"Z"` or `"+HH:MM"` / `"-HH:MM"`.
fn parse_fixed_offset(text: &str) -> Option<FixedOffset> {
    if text == "UTC" || text == "Z" {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let h: i32 = h.parse().ok()?;
    let m: i32 = m.parse().ok()?;
    if h > 23 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// The zone the diurnal and weekly demand patterns are read in: an IANA zone (with daylight
/// saving) or a fixed offset.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DemandZone {
    /// An IANA zone such as `Asia/Shanghai`.
    Named(chrono_tz::Tz),
    /// A fixed offset such as `+08:00`.
    Fixed(FixedOffset),
}

impl DemandZone {
    /// UTC.
    pub fn utc() -> Self {
        DemandZone::Fixed(FixedOffset::east_opt(0).expect("zero offset"))
    }

    /// The local hour (0-23) and weekday (0 = Monday) of an instant.
    pub fn hour_and_weekday(&self, t: Instant) -> (usize, usize) {
        let utc = DateTime::<Utc>::from_timestamp(t, 0).expect("instants stay within range");
        match self {
            DemandZone::Named(tz) => {
                let local = utc.with_timezone(tz);
                (
                    local.hour() as usize,
                    local.weekday().num_days_from_monday() as usize,
                )
            }
            DemandZone::Fixed(zone) => {
                let local = utc.with_timezone(zone);
                (
                    local.hour() as usize,
                    local.weekday().num_days_from_monday() as usize,
                )
            }
        }
    }
}

impl DemandZone {
    /// The local date and time of an instant.
    pub fn local(&self, t: Instant) -> NaiveDateTime {
        let utc = DateTime::<Utc>::from_timestamp(t, 0).expect("instants stay within range");
        match self {
            DemandZone::Named(tz) => utc.with_timezone(tz).naive_local(),
            DemandZone::Fixed(zone) => utc.with_timezone(zone).naive_local(),
        }
    }

    /// The instant a local date and time happens: in a gap (clocks set forward), the first
    /// local minute after it that exists; when it happens twice (clocks set back), the first.
    pub fn instant_of_local(&self, local: NaiveDateTime) -> Instant {
        fn first<Z: TimeZone>(zone: &Z, local: NaiveDateTime) -> Option<Instant> {
            zone.from_local_datetime(&local)
                .earliest()
                .map(|t| t.timestamp())
        }
        // Gaps are at most a day (Pacific/Apia skipped 2011-12-30): two days of minutes bound
        // the search.
        for minutes in 0..=2880 {
            let at = local + chrono::TimeDelta::minutes(minutes);
            let found = match self {
                DemandZone::Named(tz) => first(tz, at),
                DemandZone::Fixed(zone) => first(zone, at),
            };
            if let Some(t) = found {
                return t;
            }
        }
        unreachable!("no time zone skips two days")
    }
}

impl FromStr for DemandZone {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        if let Some(zone) = parse_fixed_offset(text) {
            return Ok(DemandZone::Fixed(zone));
        }
        text.parse::<chrono_tz::Tz>()
            .map(DemandZone::Named)
            .map_err(|_| ())
    }
}

/// The local calendar date of an instant in `zone`.
pub fn local_date(t: Instant, zone: FixedOffset) -> NaiveDate {
    zone.timestamp_opt(t, 0)
        .single()
        .expect("fixed offsets are unique")
        .date_naive()
}

/// The instant of 00:00:00 local time in `zone` on `date`.
pub fn local_midnight(date: NaiveDate, zone: FixedOffset) -> Instant {
    zone.from_local_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight exists"))
        .single()
        .expect("fixed offsets are unique")
        .timestamp()
}

/// `date` stepped by a duration of whole days or months (clamped to the month's end).
/// `None` for spans that are not whole days or months.
pub fn step_date(date: NaiveDate, d: Duration) -> Option<NaiveDate> {
    match d {
        Duration::Months(m) if m >= 0 => date.checked_add_months(Months::new(m as u32)),
        Duration::Months(m) => date.checked_sub_months(Months::new(m.unsigned_abs())),
        Duration::Seconds(s) if s % DAY == 0 => {
            date.checked_add_signed(chrono::TimeDelta::days(s / DAY))
        }
        Duration::Seconds(_) => None,
    }
}

/// Floors an instant to the start of its UTC clock hour.
pub fn floor_hour(t: Instant) -> Instant {
    t.div_euclid(HOUR) * HOUR
}

/// The start of the `bill_day` of the month of `t` or the next one, strictly after `t`:
/// the instant the charges accrued at `t` are paid on the monthly bill.
pub fn next_bill_date(t: Instant, bill_day: u32, zone: FixedOffset) -> Instant {
    let date = local_date(t, zone);
    let this_month =
        NaiveDate::from_ymd_opt(date.year(), date.month(), bill_day).expect("bill days are 1-28");
    let candidate = local_midnight(this_month, zone);
    if candidate > t {
        candidate
    } else {
        local_midnight(
            this_month
                .checked_add_months(Months::new(1))
                .expect("dates stay within range"),
            zone,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc() -> FixedOffset {
        FixedOffset::east_opt(0).unwrap()
    }

    #[test]
    fn durations_parse_in_every_unit() {
        let cases = [
            ("90s", Duration::Seconds(90)),
            ("45min", Duration::Seconds(2700)),
            ("12h", Duration::Seconds(43_200)),
            ("1.5h", Duration::Seconds(5400)),
            ("30d", Duration::Seconds(2_592_000)),
            ("2w", Duration::Seconds(1_209_600)),
            ("6mo", Duration::Months(6)),
            ("1y", Duration::Months(12)),
            ("3y", Duration::Months(36)),
            ("-6mo", Duration::Months(-6)),
            ("0h", Duration::Seconds(0)),
        ];
        for (text, want) in cases {
            assert_eq!(text.parse::<Duration>(), Ok(want), "{text}");
        }
        for bad in [
            "3 years", "3years", "1.5mo", "0.5s", "h", "12", "", "1,5h", "1e3s",
        ] {
            assert!(bad.parse::<Duration>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_instant_limits_are_1900_and_2400() {
        assert_eq!(format_instant(MIN_INSTANT), "1900-01-01T00:00:00Z");
        assert_eq!(format_instant(MAX_INSTANT), "2400-01-01T00:00:00Z");
    }

    #[test]
    fn stepping_past_the_calendar_is_none_not_a_panic() {
        let t = parse_instant("2026-01-01T00:00:00Z").unwrap();
        assert_eq!(Duration::Months(i32::MAX).checked_after(t, utc()), None);
        assert_eq!(Duration::Months(i32::MIN).checked_after(t, utc()), None);
        assert_eq!(Duration::Seconds(i64::MAX).checked_after(t, utc()), None);
        assert_eq!(
            Duration::Months(1200)
                .checked_after(t, utc())
                .map(format_instant),
            Some("2126-01-01T00:00:00Z".to_string())
        );
    }

    #[test]
    fn a_hundred_years_is_1200_months_or_36525_days() {
        assert!(Duration::Months(1200).at_most_months(MAX_SPAN_MONTHS));
        assert!(!Duration::Months(1201).at_most_months(MAX_SPAN_MONTHS));
        assert!(Duration::Seconds(36_525 * DAY).at_most_months(MAX_SPAN_MONTHS));
        assert!(!Duration::Seconds(36_525 * DAY + 1).at_most_months(MAX_SPAN_MONTHS));
        assert!(!Duration::Seconds(i64::MAX).at_most_months(MAX_SPAN_MONTHS));
    }

    #[test]
    fn a_date_that_does_not_exist_is_told_from_a_malformed_text() {
        assert_eq!(
            parse_instant_checked("2027-02-29T00:00:00Z"),
            Err(InstantError::NoSuchDate("2027-02 has 28 days".to_string()))
        );
        assert_eq!(
            parse_instant_checked("2026-04-31T00:00:00+08:00"),
            Err(InstantError::NoSuchDate("2026-04 has 30 days".to_string()))
        );
        assert!(parse_instant_checked("2028-02-29T00:00:00Z").is_ok());
        assert_eq!(
            parse_instant_checked("2027-02-28T00:00:00"),
            Err(InstantError::Malformed)
        );
        assert_eq!(parse_instant_checked("soon"), Err(InstantError::Malformed));
    }

    #[test]
    fn durations_print_in_their_largest_unit() {
        for text in ["90s", "45min", "12h", "30d", "2w", "6mo", "1y", "3y"] {
            assert_eq!(text.parse::<Duration>().unwrap().to_string(), text);
        }
    }

    #[test]
    fn months_clamp_to_the_month_end() {
        let jan31 = parse_instant("2021-01-31T10:00:00Z").unwrap();
        let feb = Duration::Months(1).after(jan31, utc());
        assert_eq!(format_instant(feb), "2021-02-28T10:00:00Z");
        let mar = Duration::Months(1).after(feb, utc());
        assert_eq!(format_instant(mar), "2021-03-28T10:00:00Z");
        let leap = parse_instant("2024-02-29T00:00:00Z").unwrap();
        assert_eq!(
            format_instant(Duration::Months(12).after(leap, utc())),
            "2025-02-28T00:00:00Z"
        );
    }

    #[test]
    fn months_step_on_the_calendar_zone() {
        // 2020-01-31 20:00 UTC is Feb 1 04:00 at UTC+8: one month later is Mar 1 04:00 (+8).
        let t = parse_instant("2020-01-31T20:00:00Z").unwrap();
        let plus8 = parse_calendar_zone("+08:00").unwrap();
        assert_eq!(
            format_instant(Duration::Months(1).after(t, plus8)),
            "2020-02-29T20:00:00Z"
        );
        assert_eq!(
            format_instant(Duration::Months(1).after(t, utc())),
            "2020-02-29T20:00:00Z"
        );
        // Jan 30 20:00 UTC is Jan 31 04:00 at UTC+8: +1mo clamps to Feb 29 04:00 (+8), which is
        // Feb 28 20:00 UTC; stepped in UTC, Jan 30 + 1mo is Feb 29.
        let t = parse_instant("2020-01-30T20:00:00Z").unwrap();
        assert_eq!(
            format_instant(Duration::Months(1).after(t, plus8)),
            "2020-02-28T20:00:00Z"
        );
        assert_eq!(
            format_instant(Duration::Months(1).after(t, utc())),
            "2020-02-29T20:00:00Z"
        );
    }

    #[test]
    fn local_times_for_people() {
        let t = parse_instant("2027-01-01T00:00:00+08:00").unwrap();
        let plus8 = parse_calendar_zone("+08:00").unwrap();
        assert_eq!(format_local(t, plus8), "2027-01-01 00:00 (UTC+08:00)");
        assert_eq!(format_local(t, utc()), "2026-12-31 16:00 (UTC)");
    }

    #[test]
    fn calendar_zones_are_whole_hours() {
        assert!(parse_calendar_zone("+08:00").is_some());
        assert!(parse_calendar_zone("UTC").is_some());
        assert!(parse_calendar_zone("+05:30").is_none());
        assert!(parse_calendar_zone("Asia/Shanghai").is_none());
    }

    #[test]
    fn demand_zones_follow_daylight_saving() {
        let ny: DemandZone = "America/New_York".parse().unwrap();
        // 2026-07-01 12:00 UTC is 08:00 EDT, a Wednesday.
        let t = parse_instant("2026-07-01T12:00:00Z").unwrap();
        assert_eq!(ny.hour_and_weekday(t), (8, 2));
        // 2026-01-01 12:00 UTC is 07:00 EST, a Thursday.
        let t = parse_instant("2026-01-01T12:00:00Z").unwrap();
        assert_eq!(ny.hour_and_weekday(t), (7, 3));
        let fixed: DemandZone = "+08:00".parse().unwrap();
        assert_eq!(fixed.hour_and_weekday(t), (20, 3));
    }

    #[test]
    fn bills_fall_on_the_next_bill_day() {
        let plus8 = parse_calendar_zone("+08:00").unwrap();
        // Jan 15 at UTC+8 -> paid Feb 1 00:00 (+8) = Jan 31 16:00 UTC.
        let t = parse_instant("2026-01-15T00:00:00+08:00").unwrap();
        assert_eq!(
            format_instant(next_bill_date(t, 1, plus8)),
            "2026-01-31T16:00:00Z"
        );
        // A charge accrued exactly at a bill instant waits for the next bill.
        let t = parse_instant("2026-02-01T00:00:00+08:00").unwrap();
        assert_eq!(
            format_instant(next_bill_date(t, 1, plus8)),
            "2026-02-28T16:00:00Z"
        );
    }
}
