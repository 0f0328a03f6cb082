//! Round and phase arithmetic: the one place where slots become rounds and phases.
//!
//! Pure integer math with no Solana types, shared verbatim by the program and the SDK
//! (PROTOCOL.md §2). Every function is total: overflow yields `None` instead of panicking,
//! and callers map `None` to a named error.
//!
//! Round `r` of a schedule whose windows do not change is the slot range
//! `[base_slot + (r - base_round) * R, base_slot + (r - base_round + 1) * R)`. A config update
//! takes effect at a later round `E`; rounds `>= E` are laid out with the new round length from
//! the start slot of `E`, so boundaries stay continuous and nothing already scheduled moves.

use core::ops::Range;

/// The slot lengths of one configuration's windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Windows {
    /// Length of a round (`R`).
    pub round_slots: u64,
    /// Proof submission window, at the start of round `r + 1`.
    pub submission_slots: u64,
    /// Audit window that follows the submission window.
    pub audit_slots: u64,
    /// Upload-and-seal window of one distribution attempt.
    pub distribution_slots: u64,
    /// Audit window of one distribution attempt's list.
    pub distribution_audit_slots: u64,
    /// Number of distribution attempts before the round fails.
    pub max_distribution_attempts: u16,
}

/// Why a set of windows is not acceptable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowsError {
    /// A window (or the round) has zero length, or there are zero attempts.
    ZeroLength,
    /// `submission_slots + audit_slots > round_slots`.
    SubmissionAndAuditExceedRound,
    /// `distribution_slots + distribution_audit_slots > round_slots`.
    DistributionExceedsRound,
    /// Round length or attempt count above the protocol's bounds.
    TooLong,
}

/// Upper bound on `round_slots` (~ 46 days at 400 ms slots): keeps every product below
/// `u64::MAX` for any realistic round number.
pub const MAX_ROUND_SLOTS: u64 = 10_000_000;
/// Upper bound on `max_distribution_attempts`.
pub const MAX_DISTRIBUTION_ATTEMPTS: u16 = 8;

impl Windows {
    /// Checks the creation bounds of PROTOCOL.md §2.
    pub fn validate(&self) -> Result<(), WindowsError> {
        if self.round_slots == 0
            || self.submission_slots == 0
            || self.audit_slots == 0
            || self.distribution_slots == 0
            || self.distribution_audit_slots == 0
            || self.max_distribution_attempts == 0
        {
            return Err(WindowsError::ZeroLength);
        }
        if self.round_slots > MAX_ROUND_SLOTS
            || self.max_distribution_attempts > MAX_DISTRIBUTION_ATTEMPTS
        {
            return Err(WindowsError::TooLong);
        }
        // Each term is <= MAX_ROUND_SLOTS after the check above is not guaranteed for the
        // sub-windows, so compare without adding.
        if self.submission_slots > self.round_slots
            || self.audit_slots > self.round_slots - self.submission_slots
        {
            return Err(WindowsError::SubmissionAndAuditExceedRound);
        }
        if self.distribution_slots > self.round_slots
            || self.distribution_audit_slots > self.round_slots - self.distribution_slots
        {
            return Err(WindowsError::DistributionExceedsRound);
        }
        Ok(())
    }

    /// Length of one distribution attempt (upload + audit).
    pub fn attempt_slots(&self) -> u64 {
        self.distribution_slots
            .saturating_add(self.distribution_audit_slots)
    }
}

/// A task's schedule: the windows in force from `base_round` (which starts at `base_slot`), and
/// optionally the windows of a pending update that takes effect at a later round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// First round laid out with `current`.
    pub base_round: u64,
    /// Start slot of `base_round`.
    pub base_slot: u64,
    /// Windows from `base_round` on (until `next` takes over).
    pub current: Windows,
    /// `(effective_round, windows)` of a pending update; `effective_round > base_round`.
    pub next: Option<(u64, Windows)>,
}

impl Schedule {
    /// A schedule with one configuration starting at round 0 in `start_slot`.
    pub fn new(start_slot: u64, windows: Windows) -> Self {
        Self {
            base_round: 0,
            base_slot: start_slot,
            current: windows,
            next: None,
        }
    }

    /// The windows that govern round `round`.
    pub fn windows_for(&self, round: u64) -> Windows {
        match self.next {
            Some((effective, next)) if round >= effective => next,
            _ => self.current,
        }
    }

    /// First slot of round `round`; `None` for rounds before `base_round` or on overflow.
    pub fn round_start(&self, round: u64) -> Option<u64> {
        let offset = round.checked_sub(self.base_round)?;
        match self.next {
            Some((effective, next)) if round >= effective => {
                let pivot = self.round_start_current(effective)?;
                pivot.checked_add((round - effective).checked_mul(next.round_slots)?)
            }
            _ => self
                .base_slot
                .checked_add(offset.checked_mul(self.current.round_slots)?),
        }
    }

    fn round_start_current(&self, round: u64) -> Option<u64> {
        let offset = round.checked_sub(self.base_round)?;
        self.base_slot
            .checked_add(offset.checked_mul(self.current.round_slots)?)
    }

    /// The round whose work window contains `slot`; `None` before the schedule starts.
    pub fn round_at(&self, slot: u64) -> Option<u64> {
        let since = slot.checked_sub(self.base_slot)?;
        if let Some((effective, next)) = self.next {
            if let Some(pivot) = self.round_start_current(effective) {
                if slot >= pivot {
                    return effective.checked_add((slot - pivot) / next.round_slots.max(1));
                }
            }
        }
        self.base_round
            .checked_add(since / self.current.round_slots.max(1))
    }

    /// The full timeline of round `round`.
    pub fn timeline(&self, round: u64) -> Option<RoundTimeline> {
        Some(RoundTimeline {
            round,
            start_slot: self.round_start(round)?,
            windows: self.windows_for(round),
        })
    }

    /// What the production line is doing at `slot`: which round is being worked, which is in
    /// submission/audit, which is being distributed (PROTOCOL.md §2).
    pub fn phase_at(&self, slot: u64) -> ProductionLine {
        let Some(working) = self.round_at(slot) else {
            return ProductionLine::default();
        };
        let phase_of = |r: Option<u64>| {
            r.and_then(|r| self.timeline(r))
                .map(|t| (t.round, t.phase_at(slot)))
        };
        let submitting = phase_of(working.checked_sub(1))
            .filter(|(_, p)| matches!(p, Phase::Submission | Phase::Audit));
        // The round two behind is the one in its first distribution attempts; a retry of an
        // older round can overlap it and is found through `timeline(r).phase_at(slot)`.
        let distributing = phase_of(working.checked_sub(2)).and_then(|(r, p)| match p {
            Phase::Distribution { attempt, .. } => Some((r, attempt)),
            _ => None,
        });
        ProductionLine {
            working: Some(working),
            submitting: submitting.map(|(r, _)| r),
            distributing,
        }
    }
}

/// Rounds in flight at one slot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProductionLine {
    /// Round whose work window contains the slot.
    pub working: Option<u64>,
    /// Round whose submission or audit window contains the slot.
    pub submitting: Option<u64>,
    /// Round `working - 2` and its attempt, when the slot is inside one of its distribution
    /// windows (upload or list audit).
    pub distributing: Option<(u64, u16)>,
}

/// Where a round is at a given slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Before the round's work window.
    NotStarted,
    /// Work window (the round itself).
    Work,
    /// Proof submission window (audits may already be raised).
    Submission,
    /// Audit window after submissions closed.
    Audit,
    /// Between the audit window and the first distribution attempt.
    AwaitingDistribution,
    /// Distribution attempt `attempt`: uploading (`auditing == false`) or list audit.
    Distribution {
        /// Attempt number, from 0.
        attempt: u16,
        /// Whether the attempt is in its list-audit sub-window.
        auditing: bool,
    },
    /// Every distribution attempt's window has passed.
    Finished,
}

/// The slot ranges of one round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoundTimeline {
    /// Round number.
    pub round: u64,
    /// First slot of the round's work window.
    pub start_slot: u64,
    /// Windows that govern this round.
    pub windows: Windows,
}

impl RoundTimeline {
    fn at(&self, offset: u64) -> u64 {
        self.start_slot.saturating_add(offset)
    }

    /// Work window: the round itself.
    pub fn work(&self) -> Range<u64> {
        self.start_slot..self.at(self.windows.round_slots)
    }

    /// Proof submission window: the first `submission_slots` of the next round.
    pub fn submission(&self) -> Range<u64> {
        let start = self.at(self.windows.round_slots);
        start..start.saturating_add(self.windows.submission_slots)
    }

    /// Audit window of submissions: from the first submission slot until
    /// `submission_slots + audit_slots` into the next round.
    pub fn audit(&self) -> Range<u64> {
        let start = self.at(self.windows.round_slots);
        start
            ..start
                .saturating_add(self.windows.submission_slots)
                .saturating_add(self.windows.audit_slots)
    }

    /// Upload window and list-audit window of distribution attempt `attempt`.
    pub fn distribution(&self, attempt: u16) -> Option<(Range<u64>, Range<u64>)> {
        if attempt >= self.windows.max_distribution_attempts {
            return None;
        }
        let start = self
            .at(self.windows.round_slots.saturating_mul(2))
            .saturating_add(u64::from(attempt).saturating_mul(self.windows.attempt_slots()));
        let upload_end = start.saturating_add(self.windows.distribution_slots);
        let audit_end = upload_end.saturating_add(self.windows.distribution_audit_slots);
        Some((start..upload_end, upload_end..audit_end))
    }

    /// First slot after the last distribution attempt.
    pub fn end(&self) -> u64 {
        self.at(self.windows.round_slots.saturating_mul(2))
            .saturating_add(
                u64::from(self.windows.max_distribution_attempts)
                    .saturating_mul(self.windows.attempt_slots()),
            )
    }

    /// The round's phase at `slot`.
    pub fn phase_at(&self, slot: u64) -> Phase {
        if slot < self.start_slot {
            return Phase::NotStarted;
        }
        if self.work().contains(&slot) {
            return Phase::Work;
        }
        if self.submission().contains(&slot) {
            return Phase::Submission;
        }
        if self.audit().contains(&slot) {
            return Phase::Audit;
        }
        if slot >= self.end() {
            return Phase::Finished;
        }
        let first = self.at(self.windows.round_slots.saturating_mul(2));
        if slot < first {
            return Phase::AwaitingDistribution;
        }
        let attempt_slots = self.windows.attempt_slots().max(1);
        let into = slot - first;
        // `slot < end()` bounds the attempt by max_distribution_attempts (<= u16::MAX).
        let attempt = u16::try_from(into / attempt_slots).unwrap_or(u16::MAX);
        Phase::Distribution {
            attempt,
            auditing: into % attempt_slots >= self.windows.distribution_slots,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn w(r: u64) -> Windows {
        Windows {
            round_slots: r,
            submission_slots: r / 4,
            audit_slots: r / 4,
            distribution_slots: r / 4,
            distribution_audit_slots: r / 4,
            max_distribution_attempts: 3,
        }
    }

    #[test]
    fn production_line_has_three_rounds_in_flight() {
        let s = Schedule::new(1_000, w(100));
        // slot 1_310: round 3 works, round 2 submits (10 slots in), round 1 distributes.
        let line = s.phase_at(1_310);
        assert_eq!(line.working, Some(3));
        assert_eq!(line.submitting, Some(2));
        assert_eq!(line.distributing, Some((1, 0)));
        // Before the start nothing is in flight.
        assert_eq!(s.phase_at(999), ProductionLine::default());
    }

    #[test]
    fn validate_rejects_overlong_windows() {
        let mut bad = w(100);
        bad.audit_slots = 76;
        assert_eq!(
            bad.validate(),
            Err(WindowsError::SubmissionAndAuditExceedRound)
        );
        let mut bad = w(100);
        bad.distribution_audit_slots = 76;
        assert_eq!(bad.validate(), Err(WindowsError::DistributionExceedsRound));
        let mut bad = w(100);
        bad.submission_slots = 0;
        assert_eq!(bad.validate(), Err(WindowsError::ZeroLength));
        let mut bad = w(100);
        bad.max_distribution_attempts = MAX_DISTRIBUTION_ATTEMPTS + 1;
        assert_eq!(bad.validate(), Err(WindowsError::TooLong));
        assert_eq!(w(100).validate(), Ok(()));
    }

    #[test]
    fn pending_update_moves_only_later_rounds() {
        let mut s = Schedule::new(0, w(100));
        let before: Vec<_> = (0..5).map(|r| s.round_start(r)).collect();
        s.next = Some((5, w(40)));
        let after: Vec<_> = (0..5).map(|r| s.round_start(r)).collect();
        assert_eq!(before, after);
        assert_eq!(s.round_start(5), Some(500));
        assert_eq!(s.round_start(6), Some(540));
        assert_eq!(s.round_at(539), Some(5));
        assert_eq!(s.round_at(540), Some(6));
        assert_eq!(s.windows_for(4), w(100));
        assert_eq!(s.windows_for(5), w(40));
    }

    fn arb_windows() -> impl Strategy<Value = Windows> {
        (1u64..=MAX_ROUND_SLOTS, 1u16..=MAX_DISTRIBUTION_ATTEMPTS)
            .prop_flat_map(|(r, a)| {
                (Just(r), 1..=r, 1..=r, Just(a)).prop_flat_map(|(r, s, d, a)| {
                    (
                        Just(r),
                        Just(s.min(r)),
                        1..=(r - s.min(r)).max(1),
                        Just(d.min(r)),
                        1..=(r - d.min(r)).max(1),
                        Just(a),
                    )
                })
            })
            .prop_map(|(r, s, au, d, da, a)| Windows {
                round_slots: r,
                submission_slots: s,
                audit_slots: au,
                distribution_slots: d,
                distribution_audit_slots: da,
                max_distribution_attempts: a,
            })
    }

    fn arb_schedule() -> impl Strategy<Value = Schedule> {
        (
            0u64..1_000_000_000,
            arb_windows(),
            proptest::option::of((1u64..1_000, arb_windows())),
        )
            .prop_map(|(start, cur, next)| Schedule {
                base_round: 0,
                base_slot: start,
                current: cur,
                next,
            })
    }

    proptest! {
        /// round_at is the inverse of round_start: every slot lies in exactly one round.
        #[test]
        fn round_at_inverts_round_start(s in arb_schedule(), round in 0u64..5_000, off in 0u64..MAX_ROUND_SLOTS) {
            let start = s.round_start(round).unwrap();
            let len = s.windows_for(round).round_slots;
            let slot = start + off % len;
            prop_assert_eq!(s.round_at(slot), Some(round));
            prop_assert_eq!(s.round_start(round + 1).unwrap(), start + len);
        }

        /// Rounds tile the slot line with no gap or overlap.
        #[test]
        fn rounds_are_contiguous(s in arb_schedule(), round in 0u64..5_000) {
            let t = s.timeline(round).unwrap();
            let n = s.timeline(round + 1).unwrap();
            prop_assert_eq!(t.work().end, n.work().start);
        }

        /// Generated windows satisfy the creation bounds, and the windows of a round are
        /// ordered: work < submission <= audit end <= first distribution < ... < end.
        #[test]
        fn windows_are_ordered(win in arb_windows(), start in 0u64..1_000_000_000) {
            prop_assert_eq!(win.validate(), Ok(()));
            let t = Schedule::new(start, win).timeline(0).unwrap();
            prop_assert_eq!(t.work().end, t.submission().start);
            prop_assert!(t.submission().end <= t.audit().end);
            prop_assert!(t.audit().end <= t.work().end + win.round_slots);
            let mut prev_end = t.work().end + win.round_slots;
            for a in 0..win.max_distribution_attempts {
                let (up, au) = t.distribution(a).unwrap();
                prop_assert_eq!(up.start, prev_end);
                prop_assert_eq!(up.end, au.start);
                prev_end = au.end;
            }
            prop_assert_eq!(prev_end, t.end());
            prop_assert!(t.distribution(win.max_distribution_attempts).is_none());
        }

        /// phase_at agrees with the ranges it is built from.
        #[test]
        fn phase_matches_ranges(win in arb_windows(), start in 0u64..1_000_000, probe in 0u64..u64::from(u32::MAX)) {
            let t = Schedule::new(start, win).timeline(0).unwrap();
            let slot = start.saturating_sub(1) + probe % (t.end() - start + 2);
            let phase = t.phase_at(slot);
            match phase {
                Phase::NotStarted => prop_assert!(slot < start),
                Phase::Work => prop_assert!(t.work().contains(&slot)),
                Phase::Submission => prop_assert!(t.submission().contains(&slot)),
                Phase::Audit => prop_assert!(t.audit().contains(&slot) && !t.submission().contains(&slot)),
                Phase::AwaitingDistribution => prop_assert!(slot >= t.audit().end && slot < t.work().end + win.round_slots),
                Phase::Distribution { attempt, auditing } => {
                    let (up, au) = t.distribution(attempt).unwrap();
                    let window = if auditing { au } else { up };
                    prop_assert!(window.contains(&slot));
                }
                Phase::Finished => prop_assert!(slot >= t.end()),
            }
        }

        /// Validation accepts exactly the windows that fit the round.
        #[test]
        fn validate_is_exact(r in 0u64..50, s in 0u64..50, a in 0u64..50, d in 0u64..50, da in 0u64..50, n in 0u16..10) {
            let win = Windows { round_slots: r, submission_slots: s, audit_slots: a, distribution_slots: d, distribution_audit_slots: da, max_distribution_attempts: n };
            let ok = r > 0 && s > 0 && a > 0 && d > 0 && da > 0 && n > 0 && n <= MAX_DISTRIBUTION_ATTEMPTS && s + a <= r && d + da <= r;
            prop_assert_eq!(win.validate().is_ok(), ok);
        }
    }
}
