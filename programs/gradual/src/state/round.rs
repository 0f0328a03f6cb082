use crate::{bitmap, errors::GradualError, state::TaskConfig};
use anchor_lang::prelude::*;

/// One round's shared state, created by its first submission.
/// Seeds: `["round", task, round u64 LE]`.
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
    /// Task stake counted for this round, at its opening.
    pub total_active_stake: u64,
    /// Reward budget fixed when distribution starts.
    pub budget: u64,
    /// Node index of the selected distributor (`u32::MAX` if none yet).
    pub selected_node: u32,
    pub submission_count: u32,
    pub slashed_count: u32,
    /// Bits in each bitmap (the task's max_nodes).
    pub max_nodes: u32,
    pub distribution_attempt: u8,
    pub distribution_status: u8,
    pub bump: u8,
    pub _padding: [u8; 5],
}

/// Which bitmap of a round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoundBitmap {
    Submitted = 0,
    Slashed = 1,
    FailedDistributor = 2,
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

    /// The round's windows, from its own config snapshot.
    pub fn timeline(&self) -> crate::schedule::RoundTimeline {
        crate::schedule::RoundTimeline {
            round: self.round,
            start_slot: self.start_slot,
            windows: self.config.windows(),
        }
    }

    /// One bitmap inside a round account's data.
    pub fn bitmap(data: &[u8], max_nodes: u32, which: RoundBitmap) -> Result<&[u8]> {
        let len = Self::bitmap_bytes(max_nodes);
        let start = Self::HEADER_SPACE + which as usize * len;
        data.get(start..start + len)
            .ok_or(error!(GradualError::WrongRound))
    }

    /// One bitmap inside a round account's data, mutably.
    pub fn bitmap_mut(data: &mut [u8], max_nodes: u32, which: RoundBitmap) -> Result<&mut [u8]> {
        let len = Self::bitmap_bytes(max_nodes);
        let start = Self::HEADER_SPACE + which as usize * len;
        data.get_mut(start..start + len)
            .ok_or(error!(GradualError::WrongRound))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    /// The zero-copy layout is part of the protocol: clients decode it by offset.
    #[test]
    fn round_layout_is_pinned() {
        assert_eq!(size_of::<TaskConfig>(), 72);
        assert_eq!(offset_of!(TaskConfig, quorum_bps), 64);
        assert_eq!(offset_of!(TaskConfig, max_distribution_attempts), 70);
        assert_eq!(size_of::<Round>(), 192);
        assert_eq!(offset_of!(Round, task), 0);
        assert_eq!(offset_of!(Round, payer), 32);
        assert_eq!(offset_of!(Round, round), 64);
        assert_eq!(offset_of!(Round, start_slot), 72);
        assert_eq!(offset_of!(Round, config), 80);
        assert_eq!(offset_of!(Round, total_active_stake), 152);
        assert_eq!(offset_of!(Round, budget), 160);
        assert_eq!(offset_of!(Round, selected_node), 168);
        assert_eq!(offset_of!(Round, submission_count), 172);
        assert_eq!(offset_of!(Round, slashed_count), 176);
        assert_eq!(offset_of!(Round, max_nodes), 180);
        assert_eq!(offset_of!(Round, distribution_attempt), 184);
        assert_eq!(offset_of!(Round, bump), 186);
        assert_eq!(core::mem::align_of::<Round>(), 8);
        assert_eq!(Round::space(4_096), 8 + 192 + 3 * 512);
        assert_eq!(
            Round::space(crate::constants::MAX_NODES_LIMIT),
            8 + 192 + 3 * 2_048
        );
    }
}
