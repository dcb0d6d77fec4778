//! Hourly usage of one trial: running seconds per billing hour and (type, zone) cell, and what
//! the subscription integral needs (docs/spec.md, section 4).
//!
//! A VM costs O(1) to add whatever its length: full hours go through difference arrays that
//! are summed once when the trial's fleet is complete.

use crate::scenario::{FleetKind, Scenario};
use crate::time::{self, HOUR, Instant};
use std::collections::HashMap;

/// A (type, zone) pair that some fleet can put VMs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    /// Index into the scenario's types.
    pub instance_type: usize,
    /// Index into the scenario's zones.
    pub zone: usize,
}

/// How the licence fee of a cell's seconds is charged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Licence {
    /// No licence is charged (no fee, or every fleet there brings its licence).
    None,
    /// Every second not carried by a subscription is licensed.
    All,
    /// Fleets with and without Hybrid Benefit share the cell: licensed seconds are counted.
    Mixed,
}

impl Licence {
    /// The seconds of a cell that pay its licence: none, every second not carried by a
    /// subscription (`uncarried`), or the seconds counted for licensed fleets (`counted`).
    pub fn seconds(self, uncarried: u128, counted: impl FnOnce() -> u128) -> u128 {
        match self {
            Licence::None => 0,
            Licence::All => uncarried,
            Licence::Mixed => counted(),
        }
    }
}

/// Where a trial's VMs go: usage arrays, or a list in tests.
pub trait VmSink {
    /// `count` identical VMs of `cell` running `[start, end)` (unclipped); `licensed`: the
    /// licence fee applies to them.
    fn add(&mut self, cell: usize, start: Instant, end: Instant, count: u32, licensed: bool);
}

/// The hour grid and the cells of a scenario: fixed for all trials.
#[derive(Clone, Debug)]
pub struct Layout {
    /// First second of the horizon.
    pub start: Instant,
    /// First second after the horizon.
    pub end: Instant,
    /// Start of the clock hour that holds `start`: hour `h` is `[base + 3600 h, +3600)`.
    pub base: Instant,
    /// Number of billing hours (the first and last may be cut by the horizon).
    pub hours: usize,
    /// The cells, sorted by type name, then zone name.
    pub cells: Vec<Cell>,
    /// Scaled units of each cell's type.
    pub units: Vec<u64>,
    /// Cell index by (type, zone), sorted for binary search.
    cell_index: Vec<((usize, usize), usize)>,
    /// How each cell's licence is charged.
    pub licence: Vec<Licence>,
    /// Cells whose VM arrivals and departures are kept (some strategy subscribes there).
    pub tracked: Vec<bool>,
    /// Bill periods: hour index where each starts (the first is 0); charges of period `m` are
    /// paid on its closing bill date `bill_dates[m]`.
    pub bill_starts: Vec<usize>,
    /// The bill date closing each bill period.
    pub bill_dates: Vec<Instant>,
    /// Bill period of each hour.
    pub bill_of_hour: Vec<u16>,
}

impl Layout {
    /// The layout of a scenario.
    pub fn new(s: &Scenario) -> Layout {
        let base = time::floor_hour(s.start);
        let hours = ((s.end - base) + HOUR - 1).div_euclid(HOUR) as usize;
        // Per (type, zone) that some fleet uses: whether fleets with and without Hybrid
        // Benefit put VMs there. Kept sparse: types x zones may be large, the pairs used few.
        let mut marks: HashMap<(usize, usize), (bool, bool)> = HashMap::new();
        let mut mark = |t: usize, z: usize, hb: bool| {
            let m = marks.entry((t, z)).or_default();
            if hb {
                m.0 = true;
            } else {
                m.1 = true;
            }
        };
        for f in &s.fleets {
            match &f.kind {
                FleetKind::Synthetic(syn) => mark(syn.instance_type, syn.zone, f.hybrid_benefit),
                FleetKind::Trace(t) => {
                    let mut last = None;
                    for vm in t.vms.iter() {
                        if last != Some((vm.instance_type, vm.zone)) {
                            last = Some((vm.instance_type, vm.zone));
                            mark(vm.instance_type, vm.zone, f.hybrid_benefit);
                        }
                    }
                }
            }
        }
        let mut cells: Vec<Cell> = marks
            .keys()
            .map(|&(t, z)| Cell {
                instance_type: t,
                zone: z,
            })
            .collect();
        cells.sort_by(|a, b| {
            (
                s.types[a.instance_type].name.as_bytes(),
                s.zones[a.zone].as_bytes(),
            )
                .cmp(&(
                    s.types[b.instance_type].name.as_bytes(),
                    s.zones[b.zone].as_bytes(),
                ))
        });
        let mut cell_index: Vec<((usize, usize), usize)> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| ((c.instance_type, c.zone), i))
            .collect();
        cell_index.sort_unstable();
        let licence = cells
            .iter()
            .map(|c| {
                let (with_hb, without_hb) = marks[&(c.instance_type, c.zone)];
                if s.types[c.instance_type].license_hourly.is_zero() || !without_hb {
                    Licence::None
                } else if with_hb {
                    Licence::Mixed
                } else {
                    Licence::All
                }
            })
            .collect();
        let mut tracked = vec![false; cells.len()];
        for st in &s.strategies {
            for sub in &st.subscribes {
                if let Ok(i) =
                    cell_index.binary_search_by_key(&(sub.instance_type, sub.zone), |e| e.0)
                {
                    tracked[cell_index[i].1] = true;
                }
            }
        }
        let mut bill_starts = vec![0];
        let mut bill_dates = Vec::new();
        let mut bill_of_hour = Vec::with_capacity(hours);
        let zone = s.billing.calendar_zone;
        let mut next = time::next_bill_date(base, s.billing.bill_day, zone);
        for h in 0..hours {
            let t = base + h as i64 * HOUR;
            if t >= next {
                bill_dates.push(next);
                bill_starts.push(h);
                next = time::next_bill_date(t, s.billing.bill_day, zone);
            }
            bill_of_hour.push(
                u16::try_from(bill_starts.len() - 1)
                    .expect("a horizon of at most 100 years has at most 1,202 bill periods"),
            );
        }
        bill_dates.push(next);
        Layout {
            start: s.start,
            end: s.end,
            base,
            hours,
            units: cells
                .iter()
                .map(|c| s.types[c.instance_type].units_scaled)
                .collect(),
            cells,
            cell_index,
            licence,
            tracked,
            bill_starts,
            bill_dates,
            bill_of_hour,
        }
    }

    /// The cell of a (type, zone), if some fleet runs there.
    pub fn cell(&self, instance_type: usize, zone: usize) -> Option<usize> {
        self.cell_index
            .binary_search_by_key(&(instance_type, zone), |e| e.0)
            .ok()
            .map(|i| self.cell_index[i].1)
    }

    /// Number of bill periods.
    pub fn bills(&self) -> usize {
        self.bill_dates.len()
    }

    /// Start instant of hour `h`.
    pub fn hour_start(&self, h: usize) -> Instant {
        self.base + h as i64 * HOUR
    }

    /// The hours of bill period `b`.
    pub fn bill_hours(&self, b: usize) -> std::ops::Range<usize> {
        self.bill_starts[b]..self.bill_starts.get(b + 1).copied().unwrap_or(self.hours)
    }

    /// The part of bill period `b` inside the horizon, `[from, to)`.
    pub fn bill_span(&self, b: usize) -> (Instant, Instant) {
        let hours = self.bill_hours(b);
        (
            self.hour_span(hours.start).0,
            self.hour_span(hours.end.saturating_sub(1)).1,
        )
    }

    /// The part of hour `h` inside the horizon, `[from, to)`.
    pub fn hour_span(&self, h: usize) -> (Instant, Instant) {
        let t = self.hour_start(h);
        (t.max(self.start), (t + HOUR).min(self.end))
    }
}

/// A change of a count strictly inside an hour: VMs arriving (+n) or departing (-n), or
/// subscribed instances starting or ending.
///
/// The delta is 64 bits wide: one VM group holds at most 10,000,000 VMs, but a cell's
/// subscriptions may change by up to `u32::MAX` instances at one second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    /// Seconds from the hour's start (1..3599).
    pub offset: u16,
    /// +n for arrivals or starts, -n for departures or ends.
    pub delta: i64,
}

/// Seconds from `hour_start` to `t`, an instant inside that hour.
pub fn offset_in_hour(t: Instant, hour_start: Instant) -> u16 {
    u16::try_from(t - hour_start)
        .ok()
        .filter(|&o| i64::from(o) < HOUR)
        .expect("an instant inside an hour lies 0..3599 seconds after its start")
}

/// The counters of one (hour, cell) while a trial's fleet is built: one 32-byte slot, so that
/// adding a VM touches one cache line at its start hour and one at its end hour.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(32))]
struct Slot {
    /// Seconds of VMs that run only part of the hour.
    partial: u64,
    /// Difference array of VMs running the whole hour.
    full: i64,
    /// Difference array of VMs running at the hour's first second; after
    /// [`Usage::finish`], the count itself.
    running: i64,
    /// Arrivals strictly inside the hour.
    arrivals: u32,
    /// Departures strictly inside the hour.
    departures: u32,
}

/// The end-hour part of a VM that spans hours, applied in [`Usage::finish`]. End hours are
/// scattered far ahead of the generator (which walks start hours in order), so updating them at
/// once costs a cache miss per VM; bucketed by blocks of hours and applied block by block,
/// they hit a cache-sized range of slots instead.
#[derive(Clone, Copy, Debug)]
struct End {
    /// The slot of the end hour.
    slot: u32,
    /// Seconds run in the end hour (1..=3600).
    seconds: u32,
    /// Identical VMs.
    count: u32,
    /// [`END_FULL`] and [`END_TRACKED`].
    flags: u32,
}

/// The VM ran whole hours before its end hour: close its difference-array run.
const END_FULL: u32 = 1;
/// Its cell is tracked: close its running count, count its departure.
const END_TRACKED: u32 = 2;

/// An `hour * cells + cell` index in 32 bits: a scenario has at most 10,000,000 hour-cells
/// (see [`Scenario`]), plus one spare hour of cells.
fn slot_key(k: usize) -> u32 {
    u32::try_from(k).expect("hour-cells are at most 10,000,000")
}

/// Slots per block of deferred ends: 4,096 slots of 32 bytes, 128 KiB, fit in L2.
const BLOCK_SLOTS: usize = 4096;

/// Usage of one trial, hour-major (`[hour * cells + cell]`).
#[derive(Clone, Debug, Default)]
pub struct Usage {
    hours: usize,
    cells: usize,
    /// Running seconds per hour and cell (after [`Usage::finish`]).
    pub seconds: Vec<u64>,
    /// Licensed seconds per bill period and cell, for cells with [`Licence::Mixed`].
    pub licensed: Vec<u64>,
    slots: Vec<Slot>,
    /// `(hour * cells + cell, change)` of the hours whose subscription integral needs the
    /// VMs' own seconds, sorted by key; filled by [`Usage::set_changes`] when a trial has such
    /// hours (most have none).
    changes: Vec<(u32, Change)>,
    /// Deferred end-hour updates, by block of [`BLOCK_SLOTS`] slots.
    ends: Vec<Vec<End>>,
}

impl Usage {
    /// Empty usage for a layout (reused across trials with [`Usage::clear`]).
    pub fn new(layout: &Layout) -> Usage {
        let mut u = Usage::default();
        u.clear(layout);
        u
    }

    /// Resets to no VMs, keeping the allocations.
    pub fn clear(&mut self, layout: &Layout) {
        let n = layout.hours * layout.cells.len();
        self.hours = layout.hours;
        self.cells = layout.cells.len();
        self.seconds.clear();
        self.seconds.resize(n, 0);
        self.licensed.clear();
        self.licensed.resize(layout.bills() * self.cells, 0);
        self.slots.clear();
        // One spare hour so that difference arrays may end after the last hour.
        self.slots.resize(n + self.cells, Slot::default());
        self.changes.clear();
        let blocks = (n + self.cells).div_ceil(BLOCK_SLOTS);
        self.ends.resize_with(blocks, Vec::new);
        self.ends.truncate(blocks);
        self.ends.iter_mut().for_each(Vec::clear);
    }

    /// Number of hours.
    pub fn hours(&self) -> usize {
        self.hours
    }

    /// Number of cells.
    pub fn cells(&self) -> usize {
        self.cells
    }

    /// VMs running at the first second of hour-cell `k` (tracked cells only).
    #[inline]
    pub fn present(&self, k: usize) -> u64 {
        u64::try_from(self.slots[k].running).expect("a count of running VMs is never negative")
    }

    /// Arrivals strictly inside hour-cell `k` (tracked cells only).
    #[inline]
    pub fn arrivals(&self, k: usize) -> u64 {
        u64::from(self.slots[k].arrivals)
    }

    /// Departures strictly inside hour-cell `k` (tracked cells only).
    #[inline]
    pub fn departures(&self, k: usize) -> u64 {
        u64::from(self.slots[k].departures)
    }

    /// Adds `count` identical VMs running `[start, end)` in `cell`; the interval is clipped to
    /// the horizon. `licensed`: the licence fee applies to them.
    #[inline]
    pub fn add(
        &mut self,
        layout: &Layout,
        cell: usize,
        start: Instant,
        end: Instant,
        count: u32,
        licensed: bool,
    ) {
        let Some(Span {
            s,
            e,
            hs,
            he,
            hs_start,
            he_start,
        }) = Span::new(layout, start, end)
        else {
            return;
        };
        if count == 0 {
            return;
        }
        let nc = self.cells;
        let n = u64::from(count);
        let tracked = layout.tracked[cell];
        let (ks, ke) = (hs * nc + cell, he * nc + cell);
        if hs == he {
            let slot = &mut self.slots[ks];
            slot.partial += n * (e - s) as u64;
            if tracked {
                if s == hs_start {
                    slot.running += i64::from(count);
                    self.slots[ks + nc].running -= i64::from(count);
                } else {
                    slot.arrivals += count;
                }
            }
        } else {
            let slot = &mut self.slots[ks];
            slot.partial += n * (hs_start + HOUR - s) as u64;
            if he > hs + 1 {
                self.slots[ks + nc].full += i64::from(count);
            }
            if tracked {
                // Running at each hour's first second from the first hour starting at or
                // after `s` to `he`; the run is closed with the end.
                if s == hs_start {
                    self.slots[ks].running += i64::from(count);
                } else {
                    self.slots[ks].arrivals += count;
                    self.slots[ks + nc].running += i64::from(count);
                }
            }
            let end = End {
                slot: slot_key(ke),
                seconds: (e - he_start) as u32,
                count,
                flags: if he > hs + 1 { END_FULL } else { 0 }
                    | if tracked { END_TRACKED } else { 0 },
            };
            self.ends[ke / BLOCK_SLOTS].push(end);
        }
        if tracked && hs == he && e < he_start + HOUR {
            self.slots[ke].departures += count;
        }
        if licensed && layout.licence[cell] == Licence::Mixed {
            self.add_licensed(layout, cell, s, e, n);
        }
    }

    fn add_licensed(&mut self, layout: &Layout, cell: usize, s: Instant, e: Instant, n: u64) {
        let mut from = s;
        while from < e {
            let h = ((from - layout.base) / HOUR) as usize;
            let m = usize::from(layout.bill_of_hour[h]);
            let period_end = layout
                .bill_starts
                .get(m + 1)
                .map_or(layout.end, |&hh| layout.hour_start(hh));
            let to = e.min(period_end);
            self.licensed[m * self.cells + cell] += n * (to - from) as u64;
            from = to;
        }
    }

    /// Applies the end-hour part of a VM.
    #[inline]
    fn apply(&mut self, end: End) {
        let k = end.slot as usize;
        let slot = &mut self.slots[k];
        slot.partial += u64::from(end.count) * u64::from(end.seconds);
        if end.flags & END_FULL != 0 {
            slot.full -= i64::from(end.count);
        }
        if end.flags & END_TRACKED != 0 {
            if end.seconds < HOUR as u32 {
                slot.departures += end.count;
            }
            self.slots[k + self.cells].running -= i64::from(end.count);
        }
    }

    /// Completes the trial's usage: applies the deferred ends and sums the difference arrays.
    pub fn finish(&mut self, layout: &Layout) {
        let nc = self.cells;
        if nc == 0 {
            // No fleet puts a VM anywhere (a header-only trace): nothing ran, and there is no
            // row of cells to sum.
            return;
        }
        let ends = std::mem::take(&mut self.ends);
        for block in &ends {
            for end in block {
                self.apply(*end);
            }
        }
        self.ends = ends;
        let mut full = vec![0i64; nc];
        let mut running = vec![0i64; nc];
        let n = self.hours * nc;
        for (slots, seconds) in self.slots[..n]
            .chunks_exact_mut(nc)
            .zip(self.seconds.chunks_exact_mut(nc))
        {
            for (c, (slot, seconds)) in slots.iter_mut().zip(seconds).enumerate() {
                full[c] += slot.full;
                let whole =
                    u64::try_from(full[c]).expect("VMs running whole hours never fall below 0");
                *seconds = slot.partial + whole * HOUR as u64;
                if layout.tracked[c] {
                    running[c] += slot.running;
                    slot.running = running[c];
                }
            }
        }
    }

    /// Keeps the arrivals and departures of the hours that need them (see
    /// [`crate::engine::Engine::fill`]).
    pub fn set_changes(&mut self, mut changes: Vec<(u32, Change)>) {
        changes.sort_unstable_by_key(|(k, c)| (*k, c.offset));
        self.changes = changes;
    }

    /// The arrivals and departures inside hour `h` of a tracked cell, by offset in the hour;
    /// empty unless [`Usage::set_changes`] kept that hour.
    pub fn changes(&self, h: usize, cell: usize) -> &[(u32, Change)] {
        let k = slot_key(h * self.cells + cell);
        let from = self.changes.partition_point(|(key, _)| *key < k);
        let to = self.changes.partition_point(|(key, _)| *key <= k);
        &self.changes[from..to]
    }
}

/// A VM's interval clipped to the horizon, with its first and last billing hours.
#[derive(Clone, Copy, Debug)]
pub struct Span {
    /// First second inside the horizon.
    pub s: Instant,
    /// First second after it, inside the horizon.
    pub e: Instant,
    /// Hour of `s`.
    pub hs: usize,
    /// Hour of the last running second.
    pub he: usize,
    /// Start of hour `hs`.
    pub hs_start: Instant,
    /// Start of hour `he`.
    pub he_start: Instant,
}

impl Span {
    /// The clipped interval, if anything of it is inside the horizon.
    #[inline]
    pub fn new(layout: &Layout, start: Instant, end: Instant) -> Option<Span> {
        let s = start.max(layout.start);
        let e = end.min(layout.end);
        if e <= s {
            return None;
        }
        let hs = ((s - layout.base) / HOUR) as usize;
        let he = ((e - 1 - layout.base) / HOUR) as usize;
        Some(Span {
            s,
            e,
            hs,
            he,
            hs_start: layout.base + hs as i64 * HOUR,
            he_start: layout.base + he as i64 * HOUR,
        })
    }

    /// Its arrival inside hour `hs` (none when it starts on the hour) and its departure inside
    /// hour `he` (none when it runs to the hour's end), as changes of `count` VMs.
    pub fn changes(&self, count: u32) -> [Option<(usize, Change)>; 2] {
        [
            (self.s > self.hs_start).then(|| {
                (
                    self.hs,
                    Change {
                        offset: offset_in_hour(self.s, self.hs_start),
                        delta: i64::from(count),
                    },
                )
            }),
            (self.e < self.he_start + HOUR).then(|| {
                (
                    self.he,
                    Change {
                        offset: offset_in_hour(self.e, self.he_start),
                        delta: -i64::from(count),
                    },
                )
            }),
        ]
    }
}

/// Records the arrivals and departures of the (hour, cell) keys marked in `needed`.
pub struct ChangeRecorder<'a> {
    /// The layout.
    pub layout: &'a Layout,
    /// One flag per `hour * cells + cell`.
    pub needed: &'a [bool],
    /// What was recorded.
    pub changes: Vec<(u32, Change)>,
}

impl VmSink for ChangeRecorder<'_> {
    fn add(&mut self, cell: usize, start: Instant, end: Instant, count: u32, _: bool) {
        if count == 0 || !self.layout.tracked[cell] {
            return;
        }
        let Some(span) = Span::new(self.layout, start, end) else {
            return;
        };
        let nc = self.layout.cells.len();
        for (h, change) in span.changes(count).into_iter().flatten() {
            let k = h * nc + cell;
            if self.needed[k] {
                self.changes.push((slot_key(k), change));
            }
        }
    }
}
