use crate::{bitmap, errors::GradualError, state::TaskConfig};
use anchor_lang::{prelude::*, Discriminator};

/// One round's shared state, created by `open_round` in the round's submission window.
/// Seeds: `["round", task, round u64 LE]`. Submissions do not write it: they land in the
/// round's shards (`RoundShard`), merged into `submitted` after the submission window.
///
/// Zero-copy header followed by three bitmaps of `bitmap_bytes` each, in this order:
/// `submitted`, `slashed`, `failed_distributor` (bit = node index). Layout is pinned by a test;
/// no field may be wider than 8 bytes (u128 alignment differs between SBF toolchains).
#[account(zero_copy)]
#[derive(Debug)]
pub struct Round {
    pub task: Pubkey,
    /// Paid the rent; receives it back on close.
    pub payer: Pubkey,
    pub round: u64,
    /// First slot of the round's work window.
    pub start_slot: u64,
    /// Config snapshot: later updates never change a round in flight.
    pub config: TaskConfig,
    /// Task stake counted for this round, at its opening (the audit quorum's base).
    pub total_active_stake: u64,
    /// Reward budget, fixed when the current attempt's list is begun.
    pub budget: u64,
    /// Total of the accepted list (0 until accepted).
    pub distributed_total: u64,
    /// Node index of the current attempt's distributor (`NO_NODE` if none yet).
    pub selected_node: u32,
    pub submission_count: u32,
    pub slashed_count: u32,
    /// Bits in each bitmap (the task's max_nodes).
    pub max_nodes: u32,
    /// Raised and not yet resolved audits (both kinds).
    pub open_audits: u32,
    /// Submission accounts not yet closed.
    pub live_submissions: u32,
    /// Distribution list accounts not yet closed.
    pub live_lists: u32,
    /// Current distribution attempt.
    pub distribution_attempt: u8,
    /// A `DistributionStatus`.
    pub distribution_status: u8,
    pub bump: u8,
    pub _padding: [u8; 1],
    /// Slot of the hash the audit assignment seed came from (0 until recorded).
    pub audit_seed_slot: u64,
    /// Audit assignment seed: sha256 of the first slot hash at or after the audit window's
    /// start with task and round (`sampling::assignment_seed`), recorded by the round's first
    /// `raise_audit` that can see it. Zero until then.
    pub audit_seed: [u8; 32],
    /// Submitters no longer candidates (slashed or failed distributors), kept by
    /// `RoundView::exclude` so selection counts candidates in O(1).
    pub excluded_count: u32,
    pub _padding2: [u8; 4],
    /// Bit `s` is set once shard `s` (node indexes `s * SHARD_NODES ..`) is merged into
    /// `submitted` by `merge_shards`. The bitmap and `submission_count` are final when every
    /// shard of the round is merged (`Round::all_shards_merged`).
    pub merged_shards: u64,
}

pub use crate::constants::NO_NODE;

/// Where a round's distribution stands (stored as `u8` in the zero-copy Round).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum DistributionStatus {
    /// The current attempt has no distributor yet.
    AwaitingSelection,
    /// A distributor is selected and may begin its list.
    Selected,
    /// The list is being uploaded.
    Uploading,
    /// The list is sealed and in its audit window.
    Sealed,
    /// The list is accepted; rewards are claimable.
    Accepted,
    /// Every attempt failed (or nobody was eligible); the budget stays in the vault.
    Failed,
}

impl DistributionStatus {
    pub fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            0 => Self::AwaitingSelection,
            1 => Self::Selected,
            2 => Self::Uploading,
            3 => Self::Sealed,
            4 => Self::Accepted,
            5 => Self::Failed,
            _ => return None,
        })
    }

    /// Whether the round's outcome is final.
    pub fn is_settled(self) -> bool {
        matches!(self, Self::Accepted | Self::Failed)
    }
}

/// A round account's header and bitmaps, borrowed mutably from its data.
pub struct RoundView<'a> {
    pub header: &'a mut Round,
    pub submitted: &'a mut [u8],
    pub slashed: &'a mut [u8],
    pub failed_distributor: &'a mut [u8],
}

impl RoundView<'_> {
    /// Distribution candidates: submitted, not slashed, not a failed distributor.
    pub fn is_candidate(&self, index: u32) -> bool {
        bitmap::get(self.submitted, index)
            && !bitmap::get(self.slashed, index)
            && !bitmap::get(self.failed_distributor, index)
    }

    /// The candidate bitmap as little-endian 64-bit words (a short tail word is zero-padded).
    /// Word-wise so a 10,000-node round costs a few thousand CU, not one loop per byte.
    pub fn candidate_words(&self) -> impl Iterator<Item = u64> + '_ {
        fn le(b: &[u8]) -> u64 {
            let mut w = [0u8; 8];
            let n = b.len().min(8);
            w[..n].copy_from_slice(&b[..n]);
            u64::from_le_bytes(w)
        }
        fn full(b: &[u8]) -> u64 {
            b.try_into().map(u64::from_le_bytes).unwrap_or(0)
        }
        let whole = self.submitted.len() / 8 * 8;
        let (s, s_tail) = self.submitted.split_at(whole);
        let (l, l_tail) = self.slashed.split_at(whole.min(self.slashed.len()));
        let (f, f_tail) = self
            .failed_distributor
            .split_at(whole.min(self.failed_distributor.len()));
        let body = s
            .chunks_exact(8)
            .zip(l.chunks_exact(8))
            .zip(f.chunks_exact(8))
            .map(|((s, l), f)| full(s) & !full(l) & !full(f));
        let tail = (!s_tail.is_empty()).then(|| le(s_tail) & !le(l_tail) & !le(f_tail));
        body.chain(tail)
    }

    /// The three bitmaps as u64 words, when they are 8-byte aligned and a whole number of
    /// words (max_nodes a multiple of 64: every default): one load per word instead of eight
    /// byte reads, which is what keeps a 65,536-node selection under 50k CU.
    fn aligned_words(&self) -> Option<(&[u64], &[u64], &[u64])> {
        Some((
            bytemuck::try_cast_slice(self.submitted).ok()?,
            bytemuck::try_cast_slice(self.slashed).ok()?,
            bytemuck::try_cast_slice(self.failed_distributor).ok()?,
        ))
    }

    /// Sets `index`'s bit in the slashed or failed-distributor bitmap, counting it in
    /// `excluded_count` if it was a candidate. `false` if the index is out of range.
    pub fn exclude(&mut self, which: RoundBitmap, index: u32) -> bool {
        let was_candidate = self.is_candidate(index);
        let map = match which {
            RoundBitmap::Slashed => &mut *self.slashed,
            RoundBitmap::FailedDistributor => &mut *self.failed_distributor,
            RoundBitmap::Submitted => return false,
        };
        if !bitmap::set(map, index) {
            return false;
        }
        if was_candidate {
            self.header.excluded_count = self.header.excluded_count.saturating_add(1);
        }
        true
    }

    /// Number of candidates from the counters (O(1)): submitters less those excluded. Equal
    /// to [`RoundView::candidate_count`] as long as bits are only set through `submit` and
    /// [`RoundView::exclude`].
    pub fn counted_candidates(&self) -> u32 {
        self.header
            .submission_count
            .saturating_sub(self.header.excluded_count)
    }

    /// Number of candidates.
    pub fn candidate_count(&self) -> u32 {
        if let Some((s, l, f)) = self.aligned_words() {
            let mut count = 0;
            for i in 0..s.len().min(l.len()).min(f.len()) {
                count += (s[i] & !l[i] & !f[i]).count_ones();
            }
            return count;
        }
        self.candidate_words().map(u64::count_ones).sum()
    }

    /// Index of the `n`-th candidate (from 0).
    pub fn nth_candidate(&self, mut n: u32) -> Option<u32> {
        if let Some((s, l, f)) = self.aligned_words() {
            for i in 0..s.len().min(l.len()).min(f.len()) {
                let mut word = s[i] & !l[i] & !f[i];
                let ones = word.count_ones();
                if n < ones {
                    for _ in 0..n {
                        word &= word - 1;
                    }
                    return u32::try_from(i * 64)
                        .ok()?
                        .checked_add(word.trailing_zeros());
                }
                n -= ones;
            }
            return None;
        }
        for (w, mut word) in self.candidate_words().enumerate() {
            let ones = word.count_ones();
            if n < ones {
                for _ in 0..n {
                    word &= word - 1; // drop the lowest set bit
                }
                return u32::try_from(w * 64)
                    .ok()?
                    .checked_add(word.trailing_zeros());
            }
            n -= ones;
        }
        None
    }

    /// Writes the candidate bitmap into `out` (same length as the round's bitmaps) and returns
    /// the number of candidates.
    pub fn candidates_into(&self, out: &mut [u8]) -> u32 {
        let mut count = 0;
        if let (Some((s, l, f)), Ok(o)) = (
            self.aligned_words(),
            bytemuck::try_cast_slice_mut::<u8, u64>(out),
        ) {
            for i in 0..o.len().min(s.len()).min(l.len()).min(f.len()) {
                o[i] = s[i] & !l[i] & !f[i];
                count += o[i].count_ones();
            }
            return count;
        }
        for (chunk, word) in out.chunks_mut(8).zip(self.candidate_words()) {
            count += word.count_ones();
            let n = chunk.len();
            chunk.copy_from_slice(&word.to_le_bytes()[..n]);
        }
        count
    }

    /// Moves to the next distribution attempt; returns `true` when none is left (the round
    /// has failed and its budget stays in the vault).
    pub fn next_attempt(&mut self) -> bool {
        let h = &mut *self.header;
        h.distribution_attempt = h.distribution_attempt.saturating_add(1);
        h.selected_node = NO_NODE;
        h.budget = 0;
        let failed = u16::from(h.distribution_attempt) >= h.config.max_distribution_attempts;
        h.distribution_status = if failed {
            DistributionStatus::Failed as u8
        } else {
            DistributionStatus::AwaitingSelection as u8
        };
        failed
    }
}

/// Which bitmap of a round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoundBitmap {
    Submitted,
    Slashed,
    FailedDistributor,
}

impl Round {
    /// Header bytes including the discriminator.
    pub const HEADER_SPACE: usize = 8 + core::mem::size_of::<Round>();

    /// Bytes of one bitmap for `max_nodes` nodes.
    pub const fn bitmap_bytes(max_nodes: u32) -> usize {
        bitmap::bytes_for(max_nodes)
    }

    /// Account size for a task with `max_nodes` nodes.
    pub const fn space(max_nodes: u32) -> usize {
        Self::HEADER_SPACE + 3 * Self::bitmap_bytes(max_nodes)
    }

    /// Mask of every shard a round of `max_nodes` nodes has.
    pub const fn shard_mask(max_nodes: u32) -> u64 {
        let n = crate::state::RoundShard::count(max_nodes);
        if n >= 64 {
            u64::MAX
        } else {
            (1u64 << n) - 1
        }
    }

    /// Whether every shard is merged: `submitted` and `submission_count` are final.
    pub fn all_shards_merged(&self) -> bool {
        self.merged_shards & Self::shard_mask(self.max_nodes) == Self::shard_mask(self.max_nodes)
    }

    /// Whether the shard holding node `index` is merged.
    pub fn shard_merged(&self, index: u32) -> bool {
        let shard = u32::from(crate::state::RoundShard::of(index));
        shard < 64 && self.merged_shards & (1u64 << shard) != 0
    }

    /// The distribution status; an unknown value reads as `Failed` (never written).
    pub fn status(&self) -> DistributionStatus {
        DistributionStatus::from_u8(self.distribution_status).unwrap_or(DistributionStatus::Failed)
    }

    /// The round's windows, from its own config snapshot.
    pub fn timeline(&self) -> crate::schedule::RoundTimeline {
        crate::schedule::RoundTimeline {
            round: self.round,
            start_slot: self.start_slot,
            windows: self.config.windows(),
        }
    }

    /// Splits a round account's data into its header and bitmaps, checking the discriminator.
    pub fn view(data: &mut [u8]) -> Result<RoundView<'_>> {
        require!(
            data.len() >= Self::HEADER_SPACE && data[..8] == *Self::DISCRIMINATOR,
            GradualError::WrongRound
        );
        let (head, rest) = data.split_at_mut(Self::HEADER_SPACE);
        let header: &mut Round = bytemuck::from_bytes_mut(&mut head[8..]);
        let len = Self::bitmap_bytes(header.max_nodes);
        require!(rest.len() >= 3 * len, GradualError::RoundNotFullyAllocated);
        let (submitted, rest) = rest.split_at_mut(len);
        let (slashed, rest) = rest.split_at_mut(len);
        Ok(RoundView {
            header,
            submitted,
            slashed,
            failed_distributor: &mut rest[..len],
        })
    }

    /// A round account's header alone, read-only (the bitmaps may still be growing), checking
    /// the discriminator and that it is `round` of `task`.
    pub fn header_of<'a>(data: &'a [u8], task: &Pubkey, round: u64) -> Result<&'a Round> {
        require!(
            data.len() >= Self::HEADER_SPACE && data[..8] == *Self::DISCRIMINATOR,
            GradualError::WrongRound
        );
        let header: &Round = bytemuck::from_bytes(&data[8..Self::HEADER_SPACE]);
        require!(
            header.task == *task && header.round == round,
            GradualError::WrongRound
        );
        Ok(header)
    }

    /// Like [`Round::view`], also requiring the round to be `round` of `task`.
    pub fn view_of<'a>(data: &'a mut [u8], task: &Pubkey, round: u64) -> Result<RoundView<'a>> {
        let view = Self::view(data)?;
        require!(
            view.header.task == *task && view.header.round == round,
            GradualError::WrongRound
        );
        Ok(view)
    }

    /// One bitmap inside a round account's data.
    pub fn bitmap(data: &[u8], max_nodes: u32, which: RoundBitmap) -> Result<&[u8]> {
        let len = Self::bitmap_bytes(max_nodes);
        let start = Self::HEADER_SPACE + which as usize * len;
        data.get(start..start + len)
            .ok_or_else(|| error!(GradualError::WrongRound))
    }

    /// One bitmap inside a round account's data, mutably.
    pub fn bitmap_mut(data: &mut [u8], max_nodes: u32, which: RoundBitmap) -> Result<&mut [u8]> {
        let len = Self::bitmap_bytes(max_nodes);
        let start = Self::HEADER_SPACE + which as usize * len;
        data.get_mut(start..start + len)
            .ok_or_else(|| error!(GradualError::WrongRound))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};
    use proptest::prelude::*;

    proptest! {
        /// The word-wise candidate helpers agree with the bit-by-bit definition.
        #[test]
        fn candidates_match_bitwise_definition(
            max_nodes in 1u32..600,
            whole_words in any::<bool>(),
            bits in proptest::collection::vec((0u32..600, 0u8..3), 0..300),
        ) {
            // Whole 64-bit words (and 8-aligned storage) take the word fast path.
            let max_nodes = if whole_words { max_nodes.div_ceil(64) * 64 } else { max_nodes };
            let space = Round::space(max_nodes);
            let mut words = vec![0u64; space.div_ceil(8)];
            let data = &mut bytemuck::cast_slice_mut::<u64, u8>(&mut words)[..space];
            data[..8].copy_from_slice(Round::DISCRIMINATOR);
            bytemuck::from_bytes_mut::<Round>(&mut data[8..Round::HEADER_SPACE]).max_nodes = max_nodes;
            let view = Round::view(data).unwrap();
            for (i, which) in bits {
                let map = match which { 0 => &mut *view.submitted, 1 => &mut *view.slashed, _ => &mut *view.failed_distributor };
                bitmap::set(map, i % max_nodes);
            }
            let expected: Vec<u32> = (0..max_nodes).filter(|&i| view.is_candidate(i)).collect();
            prop_assert_eq!(view.candidate_count() as usize, expected.len());
            for (n, want) in expected.iter().enumerate() {
                prop_assert_eq!(view.nth_candidate(n as u32), Some(*want));
            }
            prop_assert_eq!(view.nth_candidate(expected.len() as u32), None);
            let mut out_words = vec![0u64; Round::bitmap_bytes(max_nodes).div_ceil(8)];
            let out = &mut bytemuck::cast_slice_mut::<u64, u8>(&mut out_words)
                [..Round::bitmap_bytes(max_nodes)];
            prop_assert_eq!(view.candidates_into(out) as usize, expected.len());
            for i in 0..max_nodes {
                prop_assert_eq!(bitmap::get(out, i), expected.contains(&i));
            }
        }
    }

    proptest! {
        /// The O(1) counter agrees with the full count when bits go through `exclude`.
        #[test]
        fn counted_candidates_match_the_count(
            submitted in proptest::collection::btree_set(0u32..256, 0..100),
            excluded in proptest::collection::vec((0u32..256, any::<bool>()), 0..100),
        ) {
            let mut data = vec![0u8; Round::space(256)];
            data[..8].copy_from_slice(Round::DISCRIMINATOR);
            bytemuck::from_bytes_mut::<Round>(&mut data[8..Round::HEADER_SPACE]).max_nodes = 256;
            let mut view = Round::view(&mut data).unwrap();
            for &i in &submitted {
                bitmap::set(view.submitted, i);
            }
            view.header.submission_count = submitted.len() as u32;
            for (i, slash) in excluded {
                let which = if slash { RoundBitmap::Slashed } else { RoundBitmap::FailedDistributor };
                prop_assert!(view.exclude(which, i));
                prop_assert_eq!(view.counted_candidates(), view.candidate_count());
            }
        }
    }

    /// The zero-copy layout is part of the protocol: clients decode it by offset.
    #[test]
    fn round_layout_is_pinned() {
        assert_eq!(size_of::<TaskConfig>(), 72);
        assert_eq!(offset_of!(TaskConfig, quorum_bps), 64);
        assert_eq!(offset_of!(TaskConfig, max_distribution_attempts), 70);
        assert_eq!(size_of::<Round>(), 264);
        assert_eq!(offset_of!(Round, excluded_count), 248);
        assert_eq!(offset_of!(Round, merged_shards), 256);
        assert_eq!(offset_of!(Round, audit_seed_slot), 208);
        assert_eq!(offset_of!(Round, audit_seed), 216);
        assert_eq!(offset_of!(Round, task), 0);
        assert_eq!(offset_of!(Round, payer), 32);
        assert_eq!(offset_of!(Round, round), 64);
        assert_eq!(offset_of!(Round, start_slot), 72);
        assert_eq!(offset_of!(Round, config), 80);
        assert_eq!(offset_of!(Round, total_active_stake), 152);
        assert_eq!(offset_of!(Round, budget), 160);
        assert_eq!(offset_of!(Round, distributed_total), 168);
        assert_eq!(offset_of!(Round, selected_node), 176);
        assert_eq!(offset_of!(Round, submission_count), 180);
        assert_eq!(offset_of!(Round, slashed_count), 184);
        assert_eq!(offset_of!(Round, max_nodes), 188);
        assert_eq!(offset_of!(Round, open_audits), 192);
        assert_eq!(offset_of!(Round, live_submissions), 196);
        assert_eq!(offset_of!(Round, live_lists), 200);
        assert_eq!(offset_of!(Round, distribution_attempt), 204);
        assert_eq!(offset_of!(Round, distribution_status), 205);
        assert_eq!(offset_of!(Round, bump), 206);
        assert_eq!(core::mem::align_of::<Round>(), 8);
        assert_eq!(Round::space(4_096), 8 + 264 + 3 * 512);
        assert_eq!(
            Round::space(crate::constants::MAX_NODES_LIMIT),
            8 + 264 + 3 * 8_192
        );
        assert_eq!(Round::shard_mask(1), 1);
        assert_eq!(Round::shard_mask(4_096), 0b1111);
        assert_eq!(Round::shard_mask(4_097), 0b11111);
        assert_eq!(Round::shard_mask(65_536), u64::MAX);
    }
}
