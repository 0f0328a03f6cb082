//! Events: one per state change, so an indexer can rebuild the history from logs (PROTOCOL.md §6).
use crate::state::TaskConfig;
use anchor_lang::prelude::*;

#[event]
#[derive(Debug)]
pub struct TaskCreated {
    pub task: Pubkey,
    pub authority: Pubkey,
    pub task_id: u64,
    pub reward_mint: Pubkey,
    pub stake_mint: Pubkey,
    pub start_slot: u64,
    pub max_nodes: u32,
    pub config: TaskConfig,
    pub trust_flags: u8,
    pub audit_sample: u16,
    pub jury_size: u16,
}

#[event]
#[derive(Debug)]
pub struct TaskFunded {
    pub task: Pubkey,
    pub funder: Pubkey,
    pub amount: u64,
    pub total_funded: u64,
}

#[event]
#[derive(Debug)]
pub struct TaskUpdated {
    pub task: Pubkey,
    pub effective_round: u64,
    pub config_version: u32,
    pub config: TaskConfig,
}

#[event]
#[derive(Debug)]
pub struct TaskLogicSet {
    pub task: Pubkey,
    pub effective_round: u64,
    pub version: u32,
    pub hash: [u8; 32],
}

#[event]
#[derive(Debug)]
pub struct TaskPaused {
    pub task: Pubkey,
    pub slot: u64,
}

#[event]
#[derive(Debug)]
pub struct TaskResumed {
    pub task: Pubkey,
    pub slot: u64,
}

#[event]
#[derive(Debug)]
pub struct NodeJoined {
    pub task: Pubkey,
    pub node: Pubkey,
    pub operator: Pubkey,
    pub index: u32,
    pub stake: u64,
    pub activation_round: u64,
    pub reward_account: Pubkey,
    pub authority: Pubkey,
}

#[event]
#[derive(Debug)]
pub struct StakeAdded {
    pub task: Pubkey,
    pub node: Pubkey,
    pub amount: u64,
    pub activation_round: u64,
}

#[event]
#[derive(Debug)]
pub struct UnstakeRequested {
    pub task: Pubkey,
    pub node: Pubkey,
    pub amount: u64,
    pub release_round: u64,
}

#[event]
#[derive(Debug)]
pub struct StakeWithdrawn {
    pub task: Pubkey,
    pub node: Pubkey,
    pub amount: u64,
    pub destination: Pubkey,
}

#[event]
#[derive(Debug)]
pub struct RoundOpened {
    pub task: Pubkey,
    pub round: u64,
    pub start_slot: u64,
    pub total_active_stake: u64,
}

#[event]
#[derive(Debug)]
pub struct ShardsMerged {
    pub task: Pubkey,
    pub round: u64,
    /// Shards merged by this call (bit = shard number).
    pub shards: u64,
    /// Submissions they held.
    pub submissions: u32,
    /// Every shard of the round is now merged.
    pub complete: bool,
}

#[event]
#[derive(Debug)]
pub struct Submitted {
    pub task: Pubkey,
    pub round: u64,
    pub node: Pubkey,
    pub index: u32,
    pub proof: Vec<u8>,
    pub slot: u64,
}

impl Submitted {
    /// Bytes of the largest event: discriminator, fixed fields, proof length and proof.
    pub const MAX_LEN: usize =
        8 + 32 + 8 + 32 + 4 + 4 + crate::constants::MAX_PROOF_LEN as usize + 8;

    /// Writes the event as `emit!` logs it (discriminator, then borsh) with the fixed-layout
    /// codec (`crate::fixed`); returns its length, `None` if `out` is too short.
    pub fn encode(&self, out: &mut [u8]) -> Option<usize> {
        // Destructured so that a field added without a line here does not compile.
        let Submitted {
            task,
            round,
            node,
            index,
            proof,
            slot,
        } = self;
        let total = out.len();
        let mut w = crate::fixed::Writer::new(out);
        w.bytes::<8>(Submitted::DISCRIMINATOR.try_into().ok()?)?;
        w.pubkey(task)?;
        w.u64(*round)?;
        w.pubkey(node)?;
        w.u32(*index)?;
        w.u32(u32::try_from(proof.len()).ok()?)?;
        w.slice(proof)?;
        w.u64(*slot)?;
        Some(total - w.remaining())
    }

    /// `emit!(self)` without borsh's per-field cost (~250 CU less for `submit`): the same
    /// `sol_log_data` record. A proof longer than `MAX_PROOF_LEN` is refused by `submit` first.
    /// Not inlined: its 608-byte buffer stays out of `submit`'s 4 KiB stack frame.
    #[inline(never)]
    pub fn log(&self) -> Result<()> {
        let mut buf = [0u8; Self::MAX_LEN];
        let len = self
            .encode(&mut buf)
            .ok_or(crate::errors::GradualError::InvalidProofLength)?;
        anchor_lang::solana_program::log::sol_log_data(&[&buf[..len]]);
        Ok(())
    }
}

#[event]
#[derive(Debug)]
pub struct SubmissionClosed {
    pub task: Pubkey,
    pub round: u64,
    pub node: Pubkey,
}

#[event]
#[derive(Debug)]
pub struct AuditRaised {
    pub task: Pubkey,
    pub round: u64,
    pub audit: Pubkey,
    pub kind: u8,
    pub target: Pubkey,
    pub raiser: Pubkey,
    pub weight: u64,
    pub deadline_slot: u64,
}

#[event]
#[derive(Debug)]
pub struct Voted {
    pub audit: Pubkey,
    pub voter: Pubkey,
    pub approve: bool,
    pub weight: u64,
    pub for_stake: u64,
    pub against_stake: u64,
}

#[event]
#[derive(Debug)]
pub struct AuditResolved {
    pub audit: Pubkey,
    pub round: u64,
    pub kind: u8,
    pub target: Pubkey,
    pub upheld: bool,
    pub for_stake: u64,
    pub against_stake: u64,
    pub quorum_stake: u64,
}

#[event]
#[derive(Debug)]
pub struct StakeSlashed {
    pub task: Pubkey,
    pub round: u64,
    pub node: Pubkey,
    pub amount: u64,
    pub to_raiser: u64,
    pub raiser_payout: Pubkey,
    pub to_destination: u64,
    pub destination: Pubkey,
}

#[event]
#[derive(Debug)]
pub struct DistributorSelected {
    pub task: Pubkey,
    pub round: u64,
    pub attempt: u8,
    pub node_index: u32,
    pub candidates: u32,
    /// Whether the seed came from the SlotHashes entry (false: the fallback seed).
    pub from_slot_hash: bool,
    /// Slot whose hash seeded the pick.
    pub seed_slot: u64,
}

#[event]
#[derive(Debug)]
pub struct DistributionBegun {
    pub task: Pubkey,
    pub round: u64,
    pub attempt: u8,
    pub list: Pubkey,
    pub entry_count: u32,
    pub total: u64,
    pub budget: u64,
}

#[event]
#[derive(Debug)]
pub struct DistributionAppended {
    pub list: Pubkey,
    /// Position of the chunk's first entry.
    pub offset: u32,
    pub written: u32,
    pub running_sum: u64,
}

#[event]
#[derive(Debug)]
pub struct DistributionSealed {
    pub task: Pubkey,
    pub round: u64,
    pub attempt: u8,
    pub list: Pubkey,
    pub entry_count: u32,
    pub total: u64,
}

#[event]
#[derive(Debug)]
pub struct DistributionSkipped {
    pub task: Pubkey,
    pub round: u64,
    pub attempt: u8,
    /// Index of the distributor marked failed (`u32::MAX` if none was selected).
    pub distributor: u32,
}

#[event]
#[derive(Debug)]
pub struct DistributionFailed {
    pub task: Pubkey,
    pub round: u64,
    pub attempts: u8,
}

#[event]
#[derive(Debug)]
pub struct DistributionAccepted {
    pub task: Pubkey,
    pub round: u64,
    pub attempt: u8,
    pub list: Pubkey,
    pub total: u64,
}

#[event]
#[derive(Debug)]
pub struct RewardClaimed {
    pub task: Pubkey,
    pub round: u64,
    pub attempt: u8,
    pub entry_index: u32,
    pub node: Pubkey,
    pub amount: u64,
    pub destination: Pubkey,
}

/// A batch payout: one event per transaction, not per entry.
#[event]
#[derive(Debug)]
pub struct RewardsPaid {
    pub task: Pubkey,
    pub round: u64,
    pub attempt: u8,
    /// Entries paid by this transaction.
    pub paid: u32,
    /// Their positions in the list (each to its node's registered reward account).
    pub paid_entries: Vec<u32>,
    pub amount: u64,
    /// Entries named but skipped: already paid, or a reward account that cannot receive
    /// (the node can still claim after `set_reward_account`).
    pub skipped: u32,
}

#[event]
#[derive(Debug)]
pub struct AccountClosed {
    pub account: Pubkey,
    /// "vote", "audit", "distribution" or "round".
    pub kind: String,
    pub rent_to: Pubkey,
}

#[event]
#[derive(Debug)]
pub struct TaskClosed {
    pub task: Pubkey,
    pub returned: u64,
    pub destination: Pubkey,
}

#[event]
#[derive(Debug)]
pub struct SlashedStakeSwept {
    pub task: Pubkey,
    pub amount: u64,
    pub destination: Pubkey,
}

/// An accepted list's claim window ended: its unclaimed rewards are no longer reserved and
/// count as bounty again.
#[event]
#[derive(Debug)]
pub struct UnclaimedRewardsReleased {
    pub task: Pubkey,
    pub round: u64,
    pub attempt: u8,
    pub amount: u64,
    pub unclaimed_entries: u32,
}

/// A node's owner registered a new reward account.
#[event]
#[derive(Debug)]
pub struct RewardAccountChanged {
    pub task: Pubkey,
    pub node: Pubkey,
    pub reward_account: Pubkey,
}

/// A node's authority replaced its operator (hot) key.
#[event]
#[derive(Debug)]
pub struct OperatorChanged {
    pub task: Pubkey,
    pub node: Pubkey,
    pub operator: Pubkey,
}

/// A fully exited node closed its account; its index is free for a later joiner.
#[event]
#[derive(Debug)]
pub struct NodeClosed {
    pub task: Pubkey,
    pub node: Pubkey,
    pub index: u32,
    pub rent_to: Pubkey,
}

/// A closed, empty task closed its vaults and its account.
#[event]
#[derive(Debug)]
pub struct TaskAccountsClosed {
    pub task: Pubkey,
    /// Tokens found in the vaults (direct transfers) and sent to the authority.
    pub swept_reward: u64,
    pub swept_stake: u64,
    pub rent_to: Pubkey,
}

#[cfg(test)]
mod codec_tests {
    use super::*;

    proptest::proptest! {
        /// The fixed-layout writer produces exactly the bytes `emit!` logs.
        #[test]
        fn submitted_encode_is_emit(keys: [[u8; 32]; 2], round: u64, index: u32, slot: u64,
                                    proof in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..=512)) {
            let event = Submitted {
                task: Pubkey::new_from_array(keys[0]),
                round,
                node: Pubkey::new_from_array(keys[1]),
                index, proof, slot,
            };
            let mut buf = [0u8; Submitted::MAX_LEN];
            let len = event.encode(&mut buf).unwrap();
            proptest::prop_assert_eq!(&buf[..len], &anchor_lang::Event::data(&event)[..]);
            proptest::prop_assert!(event.encode(&mut buf[..len - 1]).is_none());
        }
    }
}
