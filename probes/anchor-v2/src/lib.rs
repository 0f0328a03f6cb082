//! Issue 13's Anchor 2.0 lever, measured on real code: gradual's `vote` instruction (the
//! whole-network path: a Vote PDA per voter) ported to anchor-lang 2.0.0-rc.2.
//!
//! Same instruction data (`sha256("global:vote")[..8]` + borsh `VoteArgs`), same accounts in
//! the same order, same account bytes (Node, Audit and Vote are borsh, the Round header is
//! zero-copy, at gradual's layouts), same checks in the same order, same error codes, same
//! event. `tests/tests/anchor_v2.rs` runs this `.so` and `gradual.so` on the same accounts and
//! requires byte-identical results; `docs/benchmarks.md` has the figures.
//!
//! Not ported: the jury path (an audit with `jury_size > 0` is refused with `NotAJuror` here,
//! where gradual draws seats), and every other instruction. The point is the framework's cost
//! per instruction, not a second program.
#![no_std]

use anchor_lang::{prelude::*, AccountDeserialize};

declare_id!("7xXzZUJUNm2yfopTdMyB3oNQsHex5j5ihijzbzoQ2GAM");

/// `sha256("global:vote")[..8]` is the default instruction discriminator in both versions.
#[program]
pub mod gradual_v2_probe {
    use super::*;

    pub fn vote(ctx: &mut Context<CastVote>, args: VoteArgs) -> Result<()> {
        ctx.accounts.vote(args)
    }
}

/// Gradual's error codes (6000 + the variant's index in `GradualError`) for the errors this
/// instruction can return.
#[error_code]
pub enum ProbeError {
    #[msg("The node belongs to another task")]
    WrongTask = 14,
    #[msg("Account is not at its canonical program address")]
    WrongPda = 18,
    #[msg("Signer is not allowed to do this")]
    Unauthorized = 20,
    #[msg("Arithmetic overflow")]
    MathOverflow = 26,
    #[msg("The node is not eligible for this round")]
    NodeNotEligible = 33,
    #[msg("Account is for another round")]
    WrongRound = 37,
    #[msg("The audit's voting window is closed")]
    AuditWindowClosed = 38,
    #[msg("The audit is already resolved")]
    AuditAlreadyResolved = 41,
    #[msg("The accused node cannot vote on its own audit")]
    TargetCannotVote = 44,
    #[msg("This node already voted")]
    AlreadyVoted = 45,
    #[msg("Not a juror of this audit")]
    NotAJuror = 88,
    #[msg("The key is not a member of this task")]
    NotAMember = 96,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy)]
pub struct VoteArgs {
    pub approve: bool,
}

/// gradual's `NO_ROUND`.
pub const NO_ROUND: u64 = u64::MAX;

#[account(borsh)]
pub struct Node {
    pub task: Address,
    pub operator: Address,
    pub authority: Address,
    pub reward_account: Address,
    pub index: u32,
    pub active_stake: u64,
    pub pending_stake: u64,
    pub pending_activation_round: u64,
    pub unbonding: u64,
    pub unbonding_release_round: u64,
    pub slashed_total: u64,
    pub last_submitted_round: u64,
    pub joined_slot: u64,
    pub bump: u8,
    pub recent_stake: u64,
    pub recent_activation_round: u64,
    pub history_from_round: u64,
    pub open_audits: u32,
    pub in_flight_until_slot: u64,
}

impl Node {
    /// gradual's `Node::stake_for_round`.
    pub fn stake_for_round(&self, round: u64) -> Result<u64> {
        if round < self.history_from_round {
            return Ok(0);
        }
        let mut stake = self.active_stake;
        if round < self.recent_activation_round {
            stake = stake.saturating_sub(self.recent_stake);
        }
        if round >= self.pending_activation_round {
            stake = stake
                .checked_add(self.pending_stake)
                .ok_or(ProbeError::MathOverflow)?;
        }
        Ok(stake)
    }

    /// gradual's `Node::operated_by`: a Node of this program, of `task`, run by `operator`.
    pub fn operated_by(view: &AccountView, task: &Address, operator: &Address) -> Result<Node> {
        if !view.owned_by(&crate::ID) {
            return Err(ProbeError::NotAMember.into());
        }
        let data = view.try_borrow()?;
        let node = Node::try_deserialize(&mut &data[..]).map_err(|_| ProbeError::NotAMember)?;
        require_keys_eq!(node.task, *task, ProbeError::WrongTask);
        require_keys_eq!(node.operator, *operator, ProbeError::Unauthorized);
        Ok(node)
    }
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, PartialEq, Eq)]
pub enum AuditKind {
    Submission,
    Distribution,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, PartialEq, Eq)]
pub enum AuditStatus {
    Open,
    Upheld,
    Rejected,
}

#[account(borsh)]
pub struct Audit {
    pub task: Address,
    pub round: u64,
    pub kind: AuditKind,
    pub target: Address,
    pub target_index: u32,
    pub attempt: u8,
    pub raiser: Address,
    pub raiser_payout: Address,
    pub payer: Address,
    pub for_stake: u64,
    pub against_stake: u64,
    pub votes: u32,
    pub deadline_slot: u64,
    pub status: AuditStatus,
    pub slashed_amount: u64,
    pub bump: u8,
    pub jury_size: u16,
    pub jury_from_slot: u64,
    pub jury_seed: [u8; 32],
    pub voter_capacity: u16,
}

#[account(borsh)]
pub struct Vote {
    pub audit: Address,
    pub voter: Address,
    pub payer: Address,
    pub approve: bool,
    pub weight: u64,
    pub bump: u8,
}

/// `8 + INIT_SPACE` of gradual's Vote.
pub const VOTE_SPACE: usize = 8 + 32 * 3 + 1 + 8 + 1;

/// gradual's `TaskConfig` as it sits in the Round header.
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct TaskConfig {
    pub round_slots: u64,
    pub submission_slots: u64,
    pub audit_slots: u64,
    pub distribution_slots: u64,
    pub distribution_audit_slots: u64,
    pub bounty_per_round: u64,
    pub minimum_stake: u64,
    pub unbond_rounds: u64,
    pub quorum_bps: u16,
    pub slash_bps: u16,
    pub auditor_reward_bps: u16,
    pub max_distribution_attempts: u16,
}

/// gradual's zero-copy Round header (264 bytes; its three bitmaps follow it).
#[account]
pub struct Round {
    pub task: Address,
    pub payer: Address,
    pub round: u64,
    pub start_slot: u64,
    pub config: TaskConfig,
    pub total_active_stake: u64,
    pub budget: u64,
    pub distributed_total: u64,
    pub selected_node: u32,
    pub submission_count: u32,
    pub slashed_count: u32,
    pub max_nodes: u32,
    pub open_audits: u32,
    pub live_submissions: u32,
    pub live_lists: u32,
    pub distribution_attempt: u8,
    pub distribution_status: u8,
    pub bump: u8,
    pub _padding: [u8; 1],
    pub audit_seed_slot: u64,
    pub audit_seed: [u8; 32],
    pub excluded_count: u32,
    pub _padding2: [u8; 4],
    pub merged_shards: u64,
}

const _: () = assert!(core::mem::size_of::<Round>() == 264);

#[event]
pub struct Voted {
    pub audit: Address,
    pub voter: Address,
    pub approve: bool,
    pub weight: u64,
    pub for_stake: u64,
    pub against_stake: u64,
}

#[derive(Accounts)]
pub struct CastVote {
    #[account(mut)]
    pub operator: Signer,
    /// The voting Node, read by hand (`Node::operated_by`) as in gradual.
    pub voter: UncheckedAccount,
    #[account(mut)]
    pub audit: BorshAccount<Audit>,
    pub round: Account<Round>,
    /// Created at `["vote", audit, voter]` (canonical bump) by the handler.
    #[account(mut)]
    pub vote: UncheckedAccount,
    /// SlotHashes (used by gradual's jury path only).
    pub slot_hashes: UncheckedAccount,
    pub system_program: Program<System>,
}

impl CastVote {
    #[inline(always)]
    pub fn vote(&mut self, args: VoteArgs) -> Result<()> {
        let slot = Clock::get()?.slot;
        let voter = Node::operated_by(
            self.voter.account(),
            &self.audit.task,
            self.operator.address(),
        )?;
        let voter_key = *self.voter.address();
        require!(
            self.audit.status == AuditStatus::Open,
            ProbeError::AuditAlreadyResolved
        );
        require!(
            slot < self.audit.deadline_slot,
            ProbeError::AuditWindowClosed
        );
        require_keys_neq!(voter_key, self.audit.target, ProbeError::TargetCannotVote);
        if self.audit.jury_size != 0 {
            return Err(ProbeError::NotAJuror.into());
        }
        require_keys_neq!(voter_key, self.audit.raiser, ProbeError::AlreadyVoted);
        require!(
            self.round.task == self.audit.task && self.round.round == self.audit.round,
            ProbeError::WrongRound
        );
        let minimum_stake = self.round.config.minimum_stake;
        let stake = voter.stake_for_round(self.audit.round)?;
        require!(stake >= minimum_stake, ProbeError::NodeNotEligible);
        let weight = stake;

        let audit_key = *self.audit.address();
        let seeds: [&[u8]; 3] = [b"vote", audit_key.as_ref(), voter_key.as_ref()];
        let bump = anchor_lang::cpi::find_and_verify_program_address(
            &seeds,
            &crate::ID,
            self.vote.address(),
        )
        .map_err(|_| ProbeError::WrongPda)?;
        let vote_view = self.vote.account();
        require!(
            vote_view.is_data_empty() && vote_view.owned_by(&pinocchio_system::ID),
            ProbeError::AlreadyVoted
        );
        let bump_bytes = [bump];
        anchor_lang::create_account_signed(
            self.operator.account(),
            vote_view,
            VOTE_SPACE,
            &crate::ID,
            &[b"vote", audit_key.as_ref(), voter_key.as_ref(), &bump_bytes],
        )?;
        {
            let mut view = *vote_view;
            let mut data = view.try_borrow_mut()?;
            data[..8].copy_from_slice(Vote::DISCRIMINATOR);
            let vote = Vote {
                audit: audit_key,
                voter: voter_key,
                payer: *self.operator.address(),
                approve: args.approve,
                weight,
                bump,
            };
            let mut out: &mut [u8] = &mut data[8..];
            anchor_lang::wincode::config::serialize_into(
                &mut out,
                &vote,
                anchor_lang::BORSH_CONFIG,
            )
            .map_err(|_| ProgramError::AccountDataTooSmall)?;
        }

        let audit = &mut self.audit;
        let tally = if args.approve {
            &mut audit.for_stake
        } else {
            &mut audit.against_stake
        };
        *tally = tally.checked_add(weight).ok_or(ProbeError::MathOverflow)?;
        audit.votes = audit.votes.checked_add(1).ok_or(ProbeError::MathOverflow)?;
        emit!(Voted {
            audit: audit_key,
            voter: voter_key,
            approve: args.approve,
            weight,
            for_stake: audit.for_stake,
            against_stake: audit.against_stake,
        });
        Ok(())
    }
}
