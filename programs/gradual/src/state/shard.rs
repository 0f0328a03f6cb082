use crate::{bitmap, constants::SHARD_NODES, errors::GradualError};
use anchor_lang::{prelude::*, Discriminator};

/// The submissions of one round from one range of `SHARD_NODES` node indexes.
/// Seeds: `["shard", task, round u64 LE, shard u16 LE]` with `shard = index / SHARD_NODES`.
///
/// Created by the range's first `submit` of the round (which pays its rent), written by every
/// submit of the range and by nothing else, so the Round is never a hot account during the
/// submission window. After the window `merge_shards` ORs `submitted` into the Round's bitmap,
/// adds the counts and closes the shard (rent back to `payer`).
#[account(zero_copy)]
#[derive(Debug)]
pub struct RoundShard {
    pub task: Pubkey,
    /// Paid the rent (the range's first submitter); receives it back at the merge.
    pub payer: Pubkey,
    pub round: u64,
    /// `index / SHARD_NODES` of every node it holds.
    pub shard: u32,
    /// Submissions in this shard (bits set in `submitted`).
    pub submission_count: u32,
    pub bump: u8,
    pub _padding: [u8; 7],
    /// Bit `index - shard * SHARD_NODES` is set when that node submitted.
    pub submitted: [u8; 128],
}

const _: () = assert!(SHARD_NODES as usize == 8 * 128);
const _: () = assert!(crate::constants::MAX_NODES_LIMIT / SHARD_NODES <= 64);

impl RoundShard {
    /// Account size including the discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<RoundShard>();

    /// The shard holding node `index`.
    pub const fn of(index: u32) -> u16 {
        (index / SHARD_NODES) as u16
    }

    /// Shards a round of `max_nodes` nodes has.
    pub const fn count(max_nodes: u32) -> u32 {
        max_nodes.div_ceil(SHARD_NODES)
    }

    /// Reads a shard account's data, checking the discriminator and that it is `shard` of
    /// `task`'s `round`.
    pub fn load<'a>(
        data: &'a mut [u8],
        task: &Pubkey,
        round: u64,
        shard: u16,
    ) -> Result<&'a mut Self> {
        require!(
            data.len() == Self::SPACE && data[..8] == *Self::DISCRIMINATOR,
            GradualError::WrongShard
        );
        let s: &mut Self = bytemuck::from_bytes_mut(&mut data[8..]);
        require!(
            s.task == *task && s.round == round && s.shard == u32::from(shard),
            GradualError::WrongShard
        );
        Ok(s)
    }

    /// Sets node `index`'s bit; `false` if it was set already or is not in this shard.
    pub fn record(&mut self, index: u32) -> bool {
        let Some(bit) = index.checked_sub(self.shard.saturating_mul(SHARD_NODES)) else {
            return false;
        };
        if bit >= SHARD_NODES || bitmap::get(&self.submitted, bit) {
            return false;
        }
        bitmap::set(&mut self.submitted, bit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    /// The zero-copy layout is part of the protocol: clients decode it by offset.
    #[test]
    fn shard_layout_is_pinned() {
        assert_eq!(size_of::<RoundShard>(), 216);
        assert_eq!(RoundShard::SPACE, 224);
        assert_eq!(offset_of!(RoundShard, round), 64);
        assert_eq!(offset_of!(RoundShard, shard), 72);
        assert_eq!(offset_of!(RoundShard, submission_count), 76);
        assert_eq!(offset_of!(RoundShard, bump), 80);
        assert_eq!(offset_of!(RoundShard, submitted), 88);
    }

    #[test]
    fn record_sets_only_this_shards_bits_once() {
        let mut s: RoundShard = bytemuck::Zeroable::zeroed();
        s.shard = 2;
        assert!(!s.record(2 * SHARD_NODES - 1));
        assert!(s.record(2 * SHARD_NODES));
        assert!(!s.record(2 * SHARD_NODES));
        assert!(s.record(3 * SHARD_NODES - 1));
        assert!(!s.record(3 * SHARD_NODES));
        assert_eq!(RoundShard::of(3 * SHARD_NODES - 1), 2);
        assert_eq!(RoundShard::count(65_536), 64);
        assert_eq!(RoundShard::count(1_025), 2);
    }
}
