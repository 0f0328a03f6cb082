use crate::{constants::*, errors::GradualError, schedule};
use anchor_lang::prelude::*;
use bytemuck::{Pod, Zeroable};

/// The per-round rules a task creator chooses. Plain old data with no padding, so the same
/// bytes serve the borsh `Task` and the zero-copy `Round` snapshot.
#[derive(
    AnchorSerialize,
    AnchorDeserialize,
    InitSpace,
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Pod,
    Zeroable,
)]
#[repr(C)]
pub struct TaskConfig {
    /// Length of a round, in slots.
    pub round_slots: u64,
    /// Proof submission window at the start of the next round.
    pub submission_slots: u64,
    /// Audit window after the submission window.
    pub audit_slots: u64,
    /// Upload window of one distribution attempt.
    pub distribution_slots: u64,
    /// List-audit window of one distribution attempt.
    pub distribution_audit_slots: u64,
    /// Reward budget of one round, in reward-mint base units.
    pub bounty_per_round: u64,
    /// Least active stake that makes a node eligible, in stake-mint base units.
    pub minimum_stake: u64,
    /// Rounds between an unstake request and the release of the stake.
    pub unbond_rounds: u64,
    /// Participation quorum of an audit, in bps of the round's stake snapshot.
    pub quorum_bps: u16,
    /// Share of a node's stake slashed by an upheld audit, in bps.
    pub slash_bps: u16,
    /// Share of a slash paid to the audit's raiser, in bps.
    pub auditor_reward_bps: u16,
    /// Distribution attempts before a round fails.
    pub max_distribution_attempts: u16,
}

impl TaskConfig {
    /// The schedule windows of this config.
    pub fn windows(&self) -> schedule::Windows {
        schedule::Windows {
            round_slots: self.round_slots,
            submission_slots: self.submission_slots,
            audit_slots: self.audit_slots,
            distribution_slots: self.distribution_slots,
            distribution_audit_slots: self.distribution_audit_slots,
            max_distribution_attempts: self.max_distribution_attempts,
        }
    }

    /// The bounds of PROTOCOL.md §2 and §5, applied at creation and at every update.
    pub fn validate(&self) -> Result<()> {
        self.windows().validate().map_err(|e| match e {
            schedule::WindowsError::ZeroLength => GradualError::ZeroLengthWindow,
            schedule::WindowsError::SubmissionAndAuditExceedRound => {
                GradualError::SubmissionAndAuditExceedRound
            }
            schedule::WindowsError::DistributionExceedsRound => {
                GradualError::DistributionExceedsRound
            }
            schedule::WindowsError::TooLong => GradualError::WindowTooLong,
        })?;
        require!(
            self.quorum_bps > 0
                && self.quorum_bps <= BPS_DENOMINATOR
                && self.slash_bps <= BPS_DENOMINATOR
                && self.auditor_reward_bps <= BPS_DENOMINATOR,
            GradualError::InvalidBps
        );
        require!(
            self.minimum_stake > 0 && self.bounty_per_round > 0,
            GradualError::ZeroAmountConfig
        );
        require!(
            self.unbond_rounds <= MAX_UNBOND_ROUNDS,
            GradualError::UnbondTooLong
        );
        Ok(())
    }
}

/// Lifecycle of a task.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskStatus {
    /// Rounds run.
    Active,
    /// No submissions or joins; in-flight rounds still settle.
    Paused,
    /// Settling the last rounds before close.
    Closing,
    /// Closed; stake can be withdrawn without unbonding.
    Closed,
}

/// A config update waiting for its effective round.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingConfig {
    /// First round governed by `config`.
    pub effective_round: u64,
    /// The new config.
    pub config: TaskConfig,
}

/// A task: its creator, mints, vaults, schedule and stake totals.
/// Seeds: `["task", authority, task_id u64 LE]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct Task {
    pub authority: Pubkey,
    pub task_id: u64,
    pub reward_mint: Pubkey,
    pub stake_mint: Pubkey,
    pub bounty_vault: Pubkey,
    pub stake_vault: Pubkey,
    /// Stake-mint vault for slashed stake when `stake_mint != reward_mint`
    /// (`Pubkey::default()` otherwise: slashes then go to the bounty vault).
    pub slash_vault: Pubkey,
    pub reward_decimals: u8,
    pub stake_decimals: u8,
    pub status: TaskStatus,
    /// Size of the node-index space; fixed at creation.
    pub max_nodes: u32,
    /// Fresh indexes handed out (the next fresh index); once it reaches `max_nodes`, joins
    /// reuse indexes freed by `close_node` (the index pool).
    pub node_count: u32,
    /// First slot of round 0.
    pub start_slot: u64,
    /// Config in force from `config_base_round`, which starts at `config_base_slot`.
    pub config: TaskConfig,
    pub config_base_round: u64,
    pub config_base_slot: u64,
    /// Update that takes effect at a later round.
    pub pending_config: Option<PendingConfig>,
    /// Bumped by every accepted update.
    pub config_version: u32,
    /// Sum of nodes' active stake.
    pub total_active_stake: u64,
    /// Stake added in the current round, active from `pending_activation_round`.
    pub pending_stake: u64,
    pub pending_activation_round: u64,
    /// Sum of nodes' unbonding stake.
    pub total_unbonding: u64,
    /// Reward tokens ever deposited.
    pub total_funded: u64,
    /// Rewards sealed in distribution lists and not yet claimed.
    pub reserved_rewards: u64,
    /// Rewards paid out.
    pub total_claimed: u64,
    /// Stake removed by upheld audits.
    pub total_slashed: u64,
    /// Slot of the last `pause_task` (0 while active): `close_task` waits until every round
    /// that could still open at that slot has run its whole timeline.
    pub paused_at_slot: u64,
    pub bump: u8,
    pub bounty_vault_bump: u8,
    pub stake_vault_bump: u8,
    pub slash_vault_bump: u8,
    /// The last pending bucket folded into `total_active_stake`, not counted for rounds
    /// before `recent_activation_round` (a Round opened after the fold snapshots the right
    /// total).
    pub recent_stake: u64,
    pub recent_activation_round: u64,
    /// Set by `pause_task`: the end of the whole timeline of the last round that can still be
    /// submitted (the one being worked at the pause); `close_task` waits for it. Stored so a
    /// config update that takes effect later cannot move it.
    pub close_after_slot: u64,
    /// Trust settings the creator accepted at creation (`TRUST_*` bits): e.g. mints whose
    /// freeze authority could freeze the vaults.
    pub trust_flags: u8,
    /// Node accounts not yet closed: the task account closes only when none is left.
    pub live_nodes: u32,
    /// Peers each node is assigned to check per round (0: every submitter). Off-chain duty:
    /// anyone may still raise an audit on any submission.
    pub audit_sample: u16,
    /// Expected jury seats per audit (0: the whole network votes, quorum over the round's
    /// stake). Fixed at creation.
    pub jury_size: u16,
}

impl Task {
    pub const SPACE: usize = Self::DISCRIMINATOR.len() + Self::INIT_SPACE;

    /// The first round an update may govern when `current` is the round now (the
    /// `current + 2` rule of `update_task` and `set_task_logic`: the round in flight and the
    /// next one, whose work may have begun, keep what they started with); any round before
    /// the task starts.
    pub fn earliest_update_round(current: Option<u64>) -> Result<u64> {
        match current {
            Some(c) => Ok(c.checked_add(2).ok_or(GradualError::MathOverflow)?),
            None => Ok(0),
        }
    }

    /// The schedule as the pure module sees it.
    pub fn schedule(&self) -> schedule::Schedule {
        schedule::Schedule {
            base_round: self.config_base_round,
            base_slot: self.config_base_slot,
            current: self.config.windows(),
            next: self
                .pending_config
                .map(|p| (p.effective_round, p.config.windows())),
        }
    }

    /// The config that governs round `round`.
    pub fn config_for_round(&self, round: u64) -> &TaskConfig {
        match &self.pending_config {
            Some(p) if round >= p.effective_round => &p.config,
            _ => &self.config,
        }
    }

    /// The round whose work window holds `slot`, or `None` before the start.
    pub fn round_at(&self, slot: u64) -> Option<u64> {
        self.schedule().round_at(slot)
    }

    /// Round from which stake added at `slot` counts: the next round (round 0 before start).
    pub fn activation_round(&self, slot: u64) -> Result<u64> {
        match self.round_at(slot) {
            Some(r) => r
                .checked_add(1)
                .ok_or_else(|| error!(GradualError::MathOverflow)),
            None => Ok(0),
        }
    }

    /// Total stake counted for round `round`.
    pub fn stake_for_round(&self, round: u64) -> Result<u64> {
        let mut stake = self.total_active_stake;
        if round < self.recent_activation_round {
            stake = stake.saturating_sub(self.recent_stake);
        }
        if round >= self.pending_activation_round {
            stake = stake
                .checked_add(self.pending_stake)
                .ok_or_else(|| error!(GradualError::MathOverflow))?;
        }
        Ok(stake)
    }

    /// Folds the pending stake bucket into the active total once its round has come.
    pub fn settle_pending_stake(&mut self, slot: u64) -> Result<()> {
        let current = self.round_at(slot);
        if self.pending_stake > 0 && current.is_some_and(|c| c >= self.pending_activation_round) {
            // An older recent bucket activated at a round <= every round whose Round can
            // still open, so merging it silently loses nothing.
            self.recent_stake = self.pending_stake;
            self.recent_activation_round = self.pending_activation_round;
            self.total_active_stake = self
                .total_active_stake
                .checked_add(self.pending_stake)
                .ok_or(GradualError::MathOverflow)?;
            self.pending_stake = 0;
        }
        Ok(())
    }

    /// Records stake added at `slot` into the pending bucket. Call after `settle_pending_stake`.
    pub fn add_pending_stake(&mut self, amount: u64, activation_round: u64) -> Result<()> {
        self.pending_stake = self
            .pending_stake
            .checked_add(amount)
            .ok_or(GradualError::MathOverflow)?;
        self.pending_activation_round = activation_round;
        Ok(())
    }

    /// Promotes a pending config once no round that can still open needs the old one
    /// (its effective round is at least two rounds in the past), so at most two configs are
    /// ever kept. Rounds that already opened carry their own snapshot.
    pub fn fold_config(&mut self, slot: u64) -> Result<()> {
        let Some(pending) = self.pending_config else {
            return Ok(());
        };
        let current = self.round_at(slot);
        if current.is_some_and(|c| c > pending.effective_round) {
            self.config_base_slot = self
                .schedule()
                .round_start(pending.effective_round)
                .ok_or(GradualError::MathOverflow)?;
            self.config_base_round = pending.effective_round;
            self.config = pending.config;
            self.pending_config = None;
        }
        Ok(())
    }

    /// Seeds of the task PDA, for signing vault transfers.
    pub fn signer_seeds(&self) -> [&[u8]; 4] {
        [
            crate::state::seeds::TASK,
            self.authority.as_ref(),
            // The u64's in-memory bytes: little-endian on every Solana target, as the seed is.
            bytemuck::bytes_of(&self.task_id),
            core::slice::from_ref(&self.bump),
        ]
    }

    /// Takes stake that left a node's active and not-yet-active buckets out of the task's
    /// totals (unstake, slash, withdrawal from a closed task).
    pub fn remove_bonded(&mut self, removed: &crate::state::BondedRemoval) -> Result<()> {
        self.total_active_stake = self
            .total_active_stake
            .checked_sub(removed.from_active)
            .ok_or(GradualError::MathOverflow)?;
        self.pending_stake = self
            .pending_stake
            .checked_sub(removed.from_pending)
            .ok_or(GradualError::MathOverflow)?;
        // The node's recent bucket is part of the task's when both count from the same round.
        if removed.recent_activation_round == self.recent_activation_round {
            self.recent_stake = self.recent_stake.saturating_sub(removed.from_recent);
        }
        self.recent_stake = self.recent_stake.min(self.total_active_stake);
        Ok(())
    }

    /// Follows a node's slash in the task's stake totals.
    pub fn apply_slash(&mut self, split: &crate::state::SlashSplit) -> Result<()> {
        self.remove_bonded(&split.bonded)?;
        self.total_unbonding = self
            .total_unbonding
            .checked_sub(split.from_unbonding)
            .ok_or(GradualError::MathOverflow)?;
        self.total_slashed = self
            .total_slashed
            .checked_add(split.total)
            .ok_or(GradualError::MathOverflow)?;
        Ok(())
    }

    /// Whether slashed stake goes to the bounty vault (one mint) or the slash vault.
    pub fn slashes_to_bounty(&self) -> bool {
        self.stake_mint == self.reward_mint
    }

    /// Stake accounting identity: vault holds active + pending + unbonding.
    pub fn staked_total(&self) -> Result<u64> {
        self.total_active_stake
            .checked_add(self.pending_stake)
            .and_then(|v| v.checked_add(self.total_unbonding))
            .ok_or_else(|| error!(GradualError::MathOverflow))
    }
}
