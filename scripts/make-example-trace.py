#!/usr/bin/env python3
"""Writes scenarios/traces/batch-jobs.csv, the batch-job trace of scenarios/trace-replay.toml.

The trace stands in for last quarter's job log of a data team's batch cluster on AWS m6i
instances in eu-west-2 (London), moved forward 13 weeks (91 days) so that it falls in the
quarter being planned, 2027-01-04 to 2027-04-05, with every job on its weekday and hour. It
is synthetic: no real log went into it. To replay your own log, export one row per VM
(id,instance_type,zone,start,end) and shift it by whole weeks the same way.

What is in it (the batch scheduler runs on UTC; the log is written in London time, so its
offset changes from +00:00 to +01:00 when British Summer Time starts on 2027-03-28):
  - the nightly ETL: jobs started between 01:00 and 04:00 UTC, about 30 a weekday night and
    12 a weekend night, lasting about an hour and a half (log-normal), of all four sizes;
  - analysts' ad-hoc jobs on weekdays, 09:00 to 18:00 UTC, short, on the smaller sizes;
  - the weekly model training: three long jobs on m6i.4xlarge every Saturday from 22:00 UTC,
    12 to 20 hours each;
  - the month-end close: extra evening jobs on m6i.2xlarge on the last and the first two
    working days of each month;
  - a few backfills that run for one to four days.
Jobs run in zone eu-west-2a (about 70%) or eu-west-2b.

It is deterministic: a fixed seed (SEED below), and every draw made from
`random.Random(SEED).random()`, the one method whose sequence Python promises to keep across
versions (uniform, normal and the rest are built on it here, not taken from the module); no
time zone database; rows sorted by start. Standard library only. Run it from anywhere with
Python 3.8 or later:

    python3 scripts/make-example-trace.py

and it rewrites the CSV next to the scenario; the committed CSV is its output.
"""

import datetime as dt
import math
import random
from pathlib import Path

SEED = 20270104
START = dt.datetime(2027, 1, 4, tzinfo=dt.timezone.utc)  # a Monday
DAYS = 91  # 13 weeks
# British Summer Time in 2027: from 01:00 UTC on Sunday 28 March to 01:00 UTC on Sunday
# 31 October (the last Sundays of those months).
BST_START = dt.datetime(2027, 3, 28, 1, tzinfo=dt.timezone.utc)
BST_END = dt.datetime(2027, 10, 31, 1, tzinfo=dt.timezone.utc)

SIZES = ["m6i.large", "m6i.xlarge", "m6i.2xlarge", "m6i.4xlarge"]
ZONES = ["eu-west-2a", "eu-west-2b"]

OUT = Path(__file__).resolve().parent.parent / "scenarios" / "traces" / "batch-jobs.csv"


def london(t):
    """An instant written in London time with its offset, to the second."""
    offset = dt.timedelta(hours=1) if BST_START <= t < BST_END else dt.timedelta(0)
    return t.astimezone(dt.timezone(offset)).isoformat(timespec="seconds")


class Draws:
    """Uniform, normal, integer and weighted draws, all from `random.Random.random()`."""

    def __init__(self, seed):
        self._rng = random.Random(seed)

    def random(self):
        return self._rng.random()

    def uniform(self, low, high):
        return low + (high - low) * self.random()

    def below(self, n):
        """An integer in [0, n)."""
        return min(int(self.random() * n), n - 1)

    def choice(self, items):
        return items[self.below(len(items))]

    def weighted(self, items, weights):
        x = self.random() * sum(weights)
        for item, w in zip(items, weights):
            if x < w:
                return item
            x -= w
        return items[-1]

    def normal(self):
        """A standard normal draw (Box-Muller)."""
        u = 1.0 - self.random()  # in (0, 1]
        return math.sqrt(-2.0 * math.log(u)) * math.cos(2.0 * math.pi * self.random())


def lognormal_seconds(rng, median_minutes, sigma, low_minutes=2):
    minutes = median_minutes * math.exp(sigma * rng.normal())
    return round(max(minutes, low_minutes) * 60)


def zone(rng):
    return rng.weighted(ZONES, [0.7, 0.3])


def count(rng, mean, sd):
    return max(0, round(mean + sd * rng.normal()))


def working_day(day):
    return day.weekday() < 5


def month_end_days():
    """The last and the first two working days of each month in the quarter."""
    days = [START + dt.timedelta(days=i) for i in range(DAYS)]
    work = [d for d in days if working_day(d)]
    chosen = set()
    for i, d in enumerate(work):
        nxt = work[i + 1] if i + 1 < len(work) else None
        if nxt is not None and nxt.month != d.month:
            chosen.add(d)  # the last working day of a month
        earlier = [w for w in work[:i] if w.month == d.month]
        if len(earlier) < 2:
            chosen.add(d)  # one of the first two working days of a month
    return chosen


def jobs(rng):
    rows = []
    closing = month_end_days()
    for i in range(DAYS):
        day = START + dt.timedelta(days=i)
        weekday = working_day(day)

        # Nightly ETL, 01:00-04:00 UTC, most jobs on the hour or the half hour (cron).
        for _ in range(count(rng, 30 if weekday else 12, 3)):
            minute = (
                rng.choice([0, 30, 60, 90, 120, 150]) if rng.random() < 0.7 else rng.below(180)
            )
            start = day + dt.timedelta(hours=1, minutes=minute, seconds=rng.below(60))
            size = rng.weighted(SIZES, [0.35, 0.35, 0.20, 0.10])
            rows.append((size, zone(rng), start, lognormal_seconds(rng, 90, 0.6)))

        # Analysts' ad-hoc jobs on weekdays, 09:00-18:00 UTC.
        if weekday:
            for _ in range(count(rng, 10, 3)):
                start = day + dt.timedelta(hours=9, seconds=rng.below(9 * 3600))
                size = rng.weighted(SIZES[:2], [0.6, 0.4])
                rows.append((size, zone(rng), start, lognormal_seconds(rng, 25, 0.8)))

        # Weekly model training, Saturdays from 22:00 UTC.
        if day.weekday() == 5:
            for _ in range(3):
                start = day + dt.timedelta(hours=22, minutes=rng.below(15))
                hours = rng.uniform(12, 20)
                rows.append(("m6i.4xlarge", "eu-west-2a", start, round(hours * 3600)))

        # Month-end close: evening jobs on the last and first two working days.
        if day in closing:
            for _ in range(count(rng, 8, 2)):
                start = day + dt.timedelta(hours=18, seconds=rng.below(3 * 3600))
                rows.append(("m6i.2xlarge", zone(rng), start, lognormal_seconds(rng, 240, 0.3)))

    # Backfills: a dozen long jobs at random times.
    for _ in range(12):
        start = START + dt.timedelta(seconds=rng.below((DAYS - 5) * 86400))
        size = rng.weighted(SIZES[1:3], [0.5, 0.5])
        rows.append((size, zone(rng), start, round(rng.uniform(1, 4) * 86400)))

    rows.sort(key=lambda r: (r[2], r[0], r[1], r[3]))
    return rows


def main():
    rng = Draws(SEED)
    rows = jobs(rng)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT, "w", newline="\n", encoding="utf-8") as f:
        f.write("id,instance_type,zone,start,end\n")
        for n, (size, zone_name, start, seconds) in enumerate(rows, 1):
            end = start + dt.timedelta(seconds=seconds)
            f.write(f"job-{n:05d},{size},{zone_name},{london(start)},{london(end)}\n")
    print(f"wrote {len(rows)} jobs to {OUT}")


if __name__ == "__main__":
    main()
