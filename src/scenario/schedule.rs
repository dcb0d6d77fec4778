//! `[[fleet.schedule]]`: extra always-on VMs at set local days and hours, the way autoscaling
//! on a timetable adds a weekday daytime tier (docs/spec.md, section 16).

use super::dist::{Domain, Param, Var};
use super::fleet::Schedule;
use super::read::{Node, one_of, thousands};
use crate::error::{ErrorKind, InputError};
use crate::time::{DemandZone, Instant};
use chrono::{Datelike, NaiveTime, TimeDelta};
use std::sync::Arc;

/// The most schedule windows (one per listed day of the horizon and schedule) of all fleets
/// together: each is a VM group of every trial.
pub(super) const MAX_WINDOWS: u64 = 10_000_000;

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

const HOURS_FORM: &str = "local hours \"HH:MM-HH:MM\" such as \"08:00-18:00\" (\"22:00-06:00\" runs past midnight, \"00:00-24:00\" is the whole day)";

/// Reads a fleet's schedules and lays out their windows over `[start, end)`; `windows` counts
/// the windows of all fleets read so far, against [`MAX_WINDOWS`].
pub(super) fn read(
    node: &Node<'_>,
    (start, end): (Instant, Instant),
    zone: &DemandZone,
    vars: &[Var],
    windows: &mut u64,
) -> Result<Vec<Schedule>, InputError> {
    let mut out = Vec::new();
    for item in node.array_of("a list of [[fleet.schedule]] tables")? {
        let t = item.table(&["days", "hours", "extra"])?;
        let days = match t.get("days") {
            None => [true; 7],
            Some(n) => {
                let what = format!("a list of weekdays: {}", one_of(&DAYS));
                let items = n.array_of(&what)?;
                if items.is_empty() {
                    return Err(n.expected(format!("at least one weekday: {}", one_of(&DAYS))));
                }
                let mut days = [false; 7];
                for d in &items {
                    let i = d.choice(&DAYS)?;
                    if days[i] {
                        return Err(d.error(format!(
                            "found {} twice, expected each weekday at most once",
                            d.found()
                        )));
                    }
                    days[i] = true;
                }
                days
            }
        };
        let hours_node = t.req("hours", HOURS_FORM)?;
        let (from, to) =
            parse_hours(hours_node.str()?).ok_or_else(|| hours_node.expected(HOURS_FORM))?;
        if from == to {
            return Err(hours_node.expected(format!("a window of at least a minute: {HOURS_FORM}")));
        }
        let extra = Param::read(
            &t.req(
                "extra",
                "the VMs added during the window: a number, a distribution or \"$name\"",
            )?,
            Domain::Count,
            vars,
        )?;
        let first = zone.local(start).date() - TimeDelta::days(1);
        let last = zone.local(end).date();
        // A schedule lists at least one weekday, so its windows are at least a seventh of the
        // dates: the count below passes the limit after at most 7 x 274 schedules of a century,
        // which bounds the work of laying them out.
        let mut list = Vec::new();
        let mut date = first;
        while date <= last {
            if days[date.weekday().num_days_from_monday() as usize] {
                let open = zone.instant_of_local(date.and_time(minute_time(from)));
                let close_date = if to <= from {
                    date + TimeDelta::days(1)
                } else {
                    date
                };
                let close = if to == 1440 {
                    zone.instant_of_local(
                        (close_date + TimeDelta::days(1)).and_time(NaiveTime::MIN),
                    )
                } else {
                    zone.instant_of_local(close_date.and_time(minute_time(to)))
                };
                let (a, b) = (open.max(start), close.min(end));
                if a < b {
                    list.push((a, b));
                }
            }
            date += TimeDelta::days(1);
        }
        *windows += list.len() as u64;
        if *windows > MAX_WINDOWS {
            return Err(item
                .error(format!(
                    "found schedules with {} windows over the horizon, expected at most {} across all fleets",
                    thousands(*windows as i64),
                    thousands(MAX_WINDOWS as i64)
                ))
                .with_kind(ErrorKind::OutOfRange));
        }
        out.push(Schedule {
            extra,
            windows: Arc::new(list),
        });
    }
    Ok(out)
}

/// `"HH:MM-HH:MM"` as minutes of the day: the start from 0 to 1439, the end from 0 to 1440.
fn parse_hours(text: &str) -> Option<(u32, u32)> {
    let (a, b) = text.split_once('-')?;
    let minute = |s: &str| -> Option<u32> {
        let (h, m) = s.trim().split_once(':')?;
        if h.len() != 2 || m.len() != 2 {
            return None;
        }
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
    };
    let (from, to) = (minute(a)?, minute(b)?);
    (from < 1440).then_some((from, to))
}

/// The local time of a minute of the day below 24:00.
fn minute_time(minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(minute / 60, minute % 60, 0).expect("a minute of the day")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_are_minutes_of_the_day() {
        assert_eq!(parse_hours("08:00-18:00"), Some((480, 1080)));
        assert_eq!(parse_hours("22:30-06:00"), Some((1350, 360)));
        assert_eq!(parse_hours("00:00-24:00"), Some((0, 1440)));
        assert_eq!(parse_hours("24:00-06:00"), None);
        assert_eq!(parse_hours("8:00-18:00"), None);
        assert_eq!(parse_hours("08:60-18:00"), None);
        assert_eq!(parse_hours("08:00"), None);
    }
}
