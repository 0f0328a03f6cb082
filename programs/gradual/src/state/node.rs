use crate::{constants::NO_ROUND, errors::GradualError};
use anchor_lang::prelude::*;

/// A node operator's membership and stake in one task.
/// Seeds: `["node", task, operator]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct Node {
    pub task: Pubkey,
    pub operator: Pubkey,
    /// Token account (reward mint) that receives this node's rewards.
    pub reward_account: Pubkey,
    /// Assigned at join, never reused; indexes the round bitmaps.
    pub index: u32,
    /// Stake that counts for rounds `>= pending_activation_round` and all later ones.
    pub active_stake: u64,
    /// Stake added in the current round.
    pub pending_stake: u64,
    pub pending_activation_round: u64,
    /// Stake on its way out; still slashable until released.
    pub unbonding: u64,
    pub unbonding_release_round: u64,
    pub slashed_total: u64,
    /// Last round this node submitted for, `NO_ROUND` if none.
    pub last_submitted_round: u64,
    pub joined_slot: u64,
    pub bump: u8,
}

impl Node {
    pub const SPACE: usize = Self::DISCRIMINATOR.len() + Self::INIT_SPACE;

    /// Stake that counts for round `round`.
    pub fn stake_for_round(&self, round: u64) -> Result<u64> {
        if round >= self.pending_activation_round {
            self.active_stake
                .checked_add(self.pending_stake)
                .ok_or_else(|| error!(GradualError::MathOverflow))
        } else {
            Ok(self.active_stake)
        }
    }

    /// Active plus pending: what the node has staked and not asked back.
    pub fn bonded(&self) -> Result<u64> {
        self.active_stake
            .checked_add(self.pending_stake)
            .ok_or_else(|| error!(GradualError::MathOverflow))
    }

    /// Folds pending stake into active once its round has come (`current` = round at now).
    pub fn settle_pending_stake(&mut self, current: Option<u64>) -> Result<()> {
        if self.pending_stake > 0 && current.is_some_and(|c| c >= self.pending_activation_round) {
            self.active_stake = self.bonded()?;
            self.pending_stake = 0;
        }
        Ok(())
    }

    /// Removes `bps` of everything the node has at stake (active, then pending, then
    /// unbonding) and returns the amounts taken from each bucket.
    pub fn slash(&mut self, bps: u16) -> Result<SlashSplit> {
        let at_stake = self
            .bonded()?
            .checked_add(self.unbonding)
            .ok_or(GradualError::MathOverflow)?;
        let total = crate::math::bps_floor(at_stake, bps);
        let from_active = total.min(self.active_stake);
        let from_pending = (total - from_active).min(self.pending_stake);
        let from_unbonding = total - from_active - from_pending;
        self.active_stake -= from_active;
        self.pending_stake -= from_pending;
        self.unbonding = self
            .unbonding
            .checked_sub(from_unbonding)
            .ok_or(GradualError::MathOverflow)?;
        self.slashed_total = self
            .slashed_total
            .checked_add(total)
            .ok_or(GradualError::MathOverflow)?;
        Ok(SlashSplit {
            total,
            from_active,
            from_pending,
            from_unbonding,
        })
    }

    /// Whether the node ever submitted for `round`.
    pub fn submitted_for(&self, round: u64) -> bool {
        self.last_submitted_round != NO_ROUND && self.last_submitted_round == round
    }
}

/// Where a slash came from, so the task's totals follow the node's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SlashSplit {
    pub total: u64,
    pub from_active: u64,
    pub from_pending: u64,
    pub from_unbonding: u64,
}
