use crate::{bitmap, errors::GradualError};
use anchor_lang::prelude::*;

/// Bytes of one list entry: node index (u16 LE) then amount (u64 LE).
pub const ENTRY_LEN: usize = crate::constants::DISTRIBUTION_ENTRY_LEN as usize;

/// One line of a distribution list as instructions carry it.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct DistributionEntry {
    /// Index of the paid node. Node indexes are below `max_nodes` (<= 65,536), so 16 bits
    /// suffice and a 100-entry chunk fits one transaction.
    pub node_index: u16,
    /// Reward-mint base units, > 0.
    pub amount: u64,
}

/// Status of one distribution list (stored as `u8`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ListStatus {
    Uploading,
    Sealed,
    Accepted,
    /// An upheld distribution audit threw it out.
    Rejected,
}

/// Most bytes one instruction may add to an account (the runtime's
/// `MAX_PERMITTED_DATA_INCREASE`): `begin_distribution` creates a list at most this large and
/// each `grow_distribution` adds at most this much.
pub const MAX_GROWTH_PER_INSTRUCTION: usize = 10_240;

/// A distributor's list for one round and attempt.
/// Seeds: `["distribution", task, round u64 LE, attempt u8]`.
///
/// Zero-copy header, then four bitmaps and the entries, in this order:
/// - candidates: copied from the Round when the list was begun
///   (`submitted AND NOT slashed AND NOT failed_distributor`, `max_nodes` bits);
/// - claimed: entry positions paid (`declared_count` bits);
/// - filled: entry positions written (`declared_count` bits), so no position is written twice;
/// - starts: first position of every appended chunk (`declared_count` bits), so `seal` checks
///   the order across every chunk border without reading the whole list;
/// - `declared_count` entries of ENTRY_LEN bytes, strictly increasing by node index once sealed.
///
/// `begin_distribution` creates the account at `min(full size, 10 KiB)` and pays the rent of the
/// full size; `grow_distribution` brings it to full size (10 KiB per instruction, in any order),
/// after which chunks may land in any order.
#[account(zero_copy)]
#[derive(Debug)]
pub struct DistributionList {
    pub task: Pubkey,
    pub round: u64,
    /// The distributor node.
    pub distributor: Pubkey,
    /// Its operator: the only signer of appends and seal; paid the rent.
    pub payer: Pubkey,
    pub declared_total: u64,
    /// Sum of the amounts of the chunks appended so far (in whatever order they landed).
    pub running_sum: u64,
    pub claimed_total: u64,
    /// Last slot + 1 of the upload window.
    pub upload_end_slot: u64,
    /// Set at acceptance: from this slot entries can no longer be claimed, and
    /// `close_distribution` returns what is unclaimed to the bounty (0 until accepted).
    pub claim_deadline_slot: u64,
    /// First slot of the list's round: only nodes that joined before it can be paid by index
    /// (an index freed by close_node and reused by a later joiner never collects old entries).
    pub round_start_slot: u64,
    pub declared_count: u32,
    /// Entry positions written so far.
    pub written: u32,
    pub claimed_count: u32,
    /// Chunks appended so far.
    pub chunks: u32,
    pub max_nodes: u32,
    pub attempt: u8,
    /// A `ListStatus`.
    pub status: u8,
    pub bump: u8,
    pub _padding: [u8; 1],
}

/// Byte ranges of a list's regions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListLayout {
    pub candidates: usize,
    pub claimed: usize,
    pub filled: usize,
    pub starts: usize,
    pub entries: usize,
    pub end: usize,
    /// Bytes of each of the claimed, filled and starts bitmaps.
    pub count_bytes: usize,
    pub max_nodes_bytes: usize,
}

impl ListLayout {
    pub fn new(max_nodes: u32, count: u32) -> Self {
        let max_nodes_bytes = bitmap::bytes_for(max_nodes);
        let count_bytes = bitmap::bytes_for(count);
        let candidates = DistributionList::HEADER_SPACE;
        let claimed = candidates + max_nodes_bytes;
        let filled = claimed + count_bytes;
        let starts = filled + count_bytes;
        let entries = starts + count_bytes;
        ListLayout {
            candidates,
            claimed,
            filled,
            starts,
            entries,
            end: entries + count as usize * ENTRY_LEN,
            count_bytes,
            max_nodes_bytes,
        }
    }
}

fn region(data: &[u8], start: usize, len: usize) -> Result<&[u8]> {
    data.get(start..start + len)
        .ok_or_else(|| error!(GradualError::WrongList))
}

fn region_mut(data: &mut [u8], start: usize, len: usize) -> Result<&mut [u8]> {
    data.get_mut(start..start + len)
        .ok_or_else(|| error!(GradualError::WrongList))
}

impl DistributionList {
    pub const HEADER_SPACE: usize = 8 + core::mem::size_of::<DistributionList>();

    /// Size once every declared entry is written (rent is paid for it at begin).
    pub fn full_space(max_nodes: u32, count: u32) -> usize {
        ListLayout::new(max_nodes, count).end
    }

    /// Size `begin_distribution` creates (the rest comes from `grow_distribution`).
    pub fn initial_space(max_nodes: u32, count: u32) -> usize {
        Self::full_space(max_nodes, count).min(MAX_GROWTH_PER_INSTRUCTION)
    }

    /// `grow_distribution` instructions needed after begin.
    pub fn grows_needed(max_nodes: u32, count: u32) -> u32 {
        let missing = Self::full_space(max_nodes, count) - Self::initial_space(max_nodes, count);
        missing.div_ceil(MAX_GROWTH_PER_INSTRUCTION) as u32
    }

    pub fn layout(&self) -> ListLayout {
        ListLayout::new(self.max_nodes, self.declared_count)
    }

    pub fn status(&self) -> ListStatus {
        match self.status {
            0 => ListStatus::Uploading,
            1 => ListStatus::Sealed,
            2 => ListStatus::Accepted,
            _ => ListStatus::Rejected,
        }
    }

    /// Candidate bitmap inside the account data.
    pub fn candidates<'a>(data: &'a [u8], l: &ListLayout) -> Result<&'a [u8]> {
        region(data, l.candidates, l.max_nodes_bytes)
    }

    /// Candidate bitmap, mutably (filled by `begin_distribution`).
    pub fn candidates_mut<'a>(data: &'a mut [u8], l: &ListLayout) -> Result<&'a mut [u8]> {
        region_mut(data, l.candidates, l.max_nodes_bytes)
    }

    /// Claimed bitmap.
    pub fn claimed<'a>(data: &'a [u8], l: &ListLayout) -> Result<&'a [u8]> {
        region(data, l.claimed, l.count_bytes)
    }

    /// Claimed bitmap, mutably.
    pub fn claimed_mut<'a>(data: &'a mut [u8], l: &ListLayout) -> Result<&'a mut [u8]> {
        region_mut(data, l.claimed, l.count_bytes)
    }

    /// Filled-position bitmap.
    pub fn filled<'a>(data: &'a [u8], l: &ListLayout) -> Result<&'a [u8]> {
        region(data, l.filled, l.count_bytes)
    }

    /// Filled-position bitmap, mutably.
    pub fn filled_mut<'a>(data: &'a mut [u8], l: &ListLayout) -> Result<&'a mut [u8]> {
        region_mut(data, l.filled, l.count_bytes)
    }

    /// Chunk-start bitmap.
    pub fn starts<'a>(data: &'a [u8], l: &ListLayout) -> Result<&'a [u8]> {
        region(data, l.starts, l.count_bytes)
    }

    /// Chunk-start bitmap, mutably.
    pub fn starts_mut<'a>(data: &'a mut [u8], l: &ListLayout) -> Result<&'a mut [u8]> {
        region_mut(data, l.starts, l.count_bytes)
    }

    /// Entry `i` of the list.
    pub fn entry(data: &[u8], l: &ListLayout, i: u32) -> Result<DistributionEntry> {
        let raw = region(data, l.entries + i as usize * ENTRY_LEN, ENTRY_LEN)?;
        Ok(DistributionEntry {
            node_index: u16::from_le_bytes([raw[0], raw[1]]),
            amount: u64::from_le_bytes([
                raw[2], raw[3], raw[4], raw[5], raw[6], raw[7], raw[8], raw[9],
            ]),
        })
    }

    /// Node index of entry `i` (two bytes read).
    pub fn entry_index(data: &[u8], l: &ListLayout, i: u32) -> Result<u16> {
        let raw = region(data, l.entries + i as usize * ENTRY_LEN, 2)?;
        Ok(u16::from_le_bytes([raw[0], raw[1]]))
    }

    /// Writes entry `i` (the account must already be full size).
    pub fn write_entry(
        data: &mut [u8],
        l: &ListLayout,
        i: u32,
        entry: &DistributionEntry,
    ) -> Result<()> {
        let raw = region_mut(data, l.entries + i as usize * ENTRY_LEN, ENTRY_LEN)?;
        raw[..2].copy_from_slice(&entry.node_index.to_le_bytes());
        raw[2..].copy_from_slice(&entry.amount.to_le_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn list_layout_is_pinned() {
        assert_eq!(size_of::<DistributionList>(), 176);
        assert_eq!(core::mem::align_of::<DistributionList>(), 8);
        assert_eq!(offset_of!(DistributionList, declared_total), 104);
        assert_eq!(offset_of!(DistributionList, upload_end_slot), 128);
        assert_eq!(offset_of!(DistributionList, claim_deadline_slot), 136);
        assert_eq!(offset_of!(DistributionList, round_start_slot), 144);
        assert_eq!(offset_of!(DistributionList, declared_count), 152);
        assert_eq!(offset_of!(DistributionList, chunks), 164);
        assert_eq!(offset_of!(DistributionList, max_nodes), 168);
        assert_eq!(offset_of!(DistributionList, attempt), 172);
        assert_eq!(offset_of!(DistributionList, status), 173);
        assert_eq!(
            DistributionList::full_space(16_384, 10_000),
            8 + 176 + 2_048 + 3 * 1_250 + 100_000
        );
        assert_eq!(DistributionList::initial_space(16_384, 10_000), 10_240);
        assert_eq!(DistributionList::grows_needed(16_384, 10_000), 10);
        assert_eq!(DistributionList::grows_needed(64, 3), 0);
        // The largest list: 65,536 entries over 65,536 nodes.
        assert_eq!(DistributionList::grows_needed(65_536, 65_536), 67);
    }

    #[test]
    fn entries_round_trip() {
        let mut data = vec![0u8; DistributionList::full_space(64, 3)];
        let l = ListLayout::new(64, 3);
        for i in 0..3u32 {
            let e = DistributionEntry {
                node_index: 7 + i as u16,
                amount: u64::MAX - u64::from(i),
            };
            DistributionList::write_entry(&mut data, &l, i, &e).unwrap();
        }
        for i in 0..3u32 {
            let e = DistributionList::entry(&data, &l, i).unwrap();
            assert_eq!(
                (e.node_index, e.amount),
                (7 + i as u16, u64::MAX - u64::from(i))
            );
        }
        assert!(DistributionList::entry(&data, &l, 3).is_err());
    }
}
