use crate::{bitmap, errors::GradualError};
use anchor_lang::prelude::*;

/// Bytes of one list entry: node index (u16 LE) then amount (u64 LE).
pub const ENTRY_LEN: usize = 10;

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

/// A distributor's list for one round and attempt.
/// Seeds: `["distribution", task, round u64 LE, attempt u8]`.
///
/// Zero-copy header, then the candidate bitmap copied from the Round when the list was begun
/// (`submitted AND NOT slashed AND NOT failed_distributor`, `max_nodes` bits), then the claimed
/// bitmap (`declared_count` bits), then `written` entries of ENTRY_LEN bytes, strictly
/// increasing by node index. The account grows as chunks arrive; its rent for the full size is
/// paid when the list is begun.
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
    pub written: u32,
    pub claimed_count: u32,
    /// Node index of the last entry written (`NO_NODE` before the first).
    pub last_index: u32,
    pub max_nodes: u32,
    pub attempt: u8,
    /// A `ListStatus`.
    pub status: u8,
    pub bump: u8,
    pub _padding: [u8; 1],
}

impl DistributionList {
    pub const HEADER_SPACE: usize = 8 + core::mem::size_of::<DistributionList>();

    fn candidates_start() -> usize {
        Self::HEADER_SPACE
    }

    fn claimed_start(max_nodes: u32) -> usize {
        Self::candidates_start() + bitmap::bytes_for(max_nodes)
    }

    fn entries_start(max_nodes: u32, count: u32) -> usize {
        Self::claimed_start(max_nodes) + bitmap::bytes_for(count)
    }

    /// Size with no entries written (what `begin_distribution` allocates).
    pub fn base_space(max_nodes: u32, count: u32) -> usize {
        Self::entries_start(max_nodes, count)
    }

    /// Size once every declared entry is written.
    pub fn full_space(max_nodes: u32, count: u32) -> usize {
        Self::base_space(max_nodes, count) + count as usize * ENTRY_LEN
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
    pub fn candidates(data: &[u8], max_nodes: u32) -> Result<&[u8]> {
        let start = Self::candidates_start();
        data.get(start..start + bitmap::bytes_for(max_nodes))
            .ok_or_else(|| error!(GradualError::WrongList))
    }

    /// Candidate bitmap, mutably (filled by `begin_distribution`).
    pub fn candidates_mut(data: &mut [u8], max_nodes: u32) -> Result<&mut [u8]> {
        let start = Self::candidates_start();
        data.get_mut(start..start + bitmap::bytes_for(max_nodes))
            .ok_or_else(|| error!(GradualError::WrongList))
    }

    /// Claimed bitmap, mutably.
    pub fn claimed_mut(data: &mut [u8], max_nodes: u32, count: u32) -> Result<&mut [u8]> {
        let start = Self::claimed_start(max_nodes);
        data.get_mut(start..start + bitmap::bytes_for(count))
            .ok_or_else(|| error!(GradualError::WrongList))
    }

    /// Entry `i` of the list.
    pub fn entry(data: &[u8], max_nodes: u32, count: u32, i: u32) -> Result<DistributionEntry> {
        let start = Self::entries_start(max_nodes, count) + i as usize * ENTRY_LEN;
        let raw = data
            .get(start..start + ENTRY_LEN)
            .ok_or_else(|| error!(GradualError::WrongList))?;
        Ok(DistributionEntry {
            node_index: u16::from_le_bytes([raw[0], raw[1]]),
            amount: u64::from_le_bytes([
                raw[2], raw[3], raw[4], raw[5], raw[6], raw[7], raw[8], raw[9],
            ]),
        })
    }

    /// Writes entry `i` (the account must already be long enough).
    pub fn write_entry(
        data: &mut [u8],
        max_nodes: u32,
        count: u32,
        i: u32,
        entry: &DistributionEntry,
    ) -> Result<()> {
        let start = Self::entries_start(max_nodes, count) + i as usize * ENTRY_LEN;
        let raw = data
            .get_mut(start..start + ENTRY_LEN)
            .ok_or_else(|| error!(GradualError::WrongList))?;
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
        assert_eq!(offset_of!(DistributionList, last_index), 164);
        assert_eq!(offset_of!(DistributionList, max_nodes), 168);
        assert_eq!(offset_of!(DistributionList, attempt), 172);
        assert_eq!(offset_of!(DistributionList, status), 173);
        assert_eq!(
            DistributionList::full_space(16_384, 10_000),
            8 + 176 + 2_048 + 1_250 + 100_000
        );
    }

    #[test]
    fn entries_round_trip() {
        let mut data = vec![0u8; DistributionList::full_space(64, 3)];
        for i in 0..3u32 {
            let e = DistributionEntry {
                node_index: 7 + i as u16,
                amount: u64::MAX - u64::from(i),
            };
            DistributionList::write_entry(&mut data, 64, 3, i, &e).unwrap();
        }
        for i in 0..3u32 {
            let e = DistributionList::entry(&data, 64, 3, i).unwrap();
            assert_eq!(
                (e.node_index, e.amount),
                (7 + i as u16, u64::MAX - u64::from(i))
            );
        }
        assert!(DistributionList::entry(&data, 64, 3, 3).is_err());
    }
}
