//! # gradual
//!
//! Staked nodes do deterministic off-chain work, submit proofs each round, audit each other and
//! settle rewards on-chain by gradual consensus. See `PROTOCOL.md` (docs/protocol.md in the
//! repository) for the contract this program implements.
//!
//! Every handler lives in `instructions/<name>.rs` with its `Args`, accounts and checks; every
//! account layout in `state/<name>.rs`; the slot arithmetic in [`schedule`], shared with the SDK.
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;

pub mod bitmap;
pub mod constants;
pub mod errors;
pub mod events;
pub mod instructions;
pub mod schedule;
pub mod state;
pub mod token_utils;

use instructions::*;

declare_id!("7xXzZUJUNm2yfopTdMyB3oNQsHex5j5ihijzbzoQ2GAM");

#[program]
pub mod gradual {
    use super::*;

    /// Creates a task, its bounty vault and its stake vault.
    pub fn create_task(ctx: Context<CreateTask>, args: CreateTaskArgs) -> Result<()> {
        create_task::handler(ctx, args)
    }

    /// Deposits reward tokens into the task's bounty vault.
    pub fn fund_task(ctx: Context<FundTask>, args: FundTaskArgs) -> Result<()> {
        fund_task::handler(ctx, args)
    }

    /// Schedules a new config from `effective_round` (>= current round + 2).
    pub fn update_task(ctx: Context<UpdateTask>, args: UpdateTaskArgs) -> Result<()> {
        update_task::handler(ctx, args)
    }

    /// Stops joins and submissions.
    pub fn pause_task(ctx: Context<SetTaskStatus>) -> Result<()> {
        pause_task::pause(ctx)
    }

    /// Restarts a paused task.
    pub fn resume_task(ctx: Context<SetTaskStatus>) -> Result<()> {
        pause_task::resume(ctx)
    }

    /// Joins a task with at least `minimum_stake`, active from the next round.
    pub fn join_task(ctx: Context<JoinTask>, args: JoinTaskArgs) -> Result<()> {
        join_task::handler(ctx, args)
    }

    /// Adds stake, active from the next round.
    pub fn add_stake(ctx: Context<MoveStake>, args: AddStakeArgs) -> Result<()> {
        add_stake::handler(ctx, args)
    }

    /// Moves stake to unbonding; it stops counting at once and is released after
    /// `unbond_rounds`.
    pub fn request_unstake(ctx: Context<RequestUnstake>, args: RequestUnstakeArgs) -> Result<()> {
        request_unstake::handler(ctx, args)
    }

    /// Withdraws released unbonding stake (all stake once the task is closed).
    pub fn withdraw_stake(ctx: Context<MoveStake>) -> Result<()> {
        withdraw_stake::handler(ctx)
    }

    /// Submits a node's proof for a round; the round's first submission opens it.
    pub fn submit(ctx: Context<Submit>, args: SubmitArgs) -> Result<()> {
        submit::handler(ctx, args)
    }

    /// Returns a submission's rent after its round's audit window.
    pub fn close_submission(ctx: Context<CloseSubmission>) -> Result<()> {
        close_submission::handler(ctx)
    }
}
