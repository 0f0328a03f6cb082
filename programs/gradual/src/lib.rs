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

// Links the syscall-backed memory builtins on this repository's SBF route (see Cargo.toml).
#[cfg(all(target_os = "solana", target_arch = "bpf"))]
use solana_compiler_builtins as _;

pub mod bitmap;
pub mod constants;
pub mod errors;
pub mod events;
pub mod fixed;
pub mod instructions;
pub mod math;
pub mod sampling;
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

    /// Opens a round: creates its Round in the submission window, or grows it by 10 KiB
    /// (permissionless; a no-op once it is full).
    pub fn open_round(ctx: Context<OpenRound>, args: OpenRoundArgs) -> Result<()> {
        open_round::handler(ctx, args)
    }

    /// Folds a round's shards into its Round after the submission window (permissionless;
    /// remaining accounts: two per shard, the shard and its rent payer).
    pub fn merge_shards<'info>(
        ctx: Context<'info, MergeShards<'info>>,
        args: MergeShardsArgs,
    ) -> Result<()> {
        merge_shards::handler(ctx, args)
    }

    /// Submits a node's proof for a round into the node's shard (the Round is only read).
    pub fn submit(ctx: Context<Submit>, args: SubmitArgs) -> Result<()> {
        submit::handler(ctx, args)
    }

    /// Returns a submission's rent after its round's audit window.
    pub fn close_submission(ctx: Context<CloseSubmission>) -> Result<()> {
        close_submission::handler(ctx)
    }

    /// Accuses a node's proof (kind Submission) or the current list (kind Distribution);
    /// the raiser's stake is the first `for` vote.
    pub fn raise_audit(ctx: Context<RaiseAudit>, args: RaiseAuditArgs) -> Result<()> {
        raise_audit::handler(ctx, args)
    }

    /// One stake-weighted vote per eligible node on an open audit.
    pub fn vote(ctx: Context<CastVote>, args: VoteArgs) -> Result<()> {
        vote::handler(ctx, args)
    }

    /// Settles an audit after its window: slashes the target when upheld.
    pub fn resolve_audit(ctx: Context<ResolveAudit>) -> Result<()> {
        resolve_audit::handler(ctx)
    }

    /// Picks the current attempt's distributor from the SlotHashes seed.
    pub fn select_distributor(ctx: Context<SelectDistributor>) -> Result<()> {
        select_distributor::handler(ctx)
    }

    /// The selected distributor declares its list's entry count and total.
    pub fn begin_distribution(
        ctx: Context<BeginDistribution>,
        args: BeginDistributionArgs,
    ) -> Result<()> {
        begin_distribution::handler(ctx, args)
    }

    /// Grows an uploading list by up to 10 KiB toward its full size (permissionless).
    pub fn grow_distribution(ctx: Context<GrowDistribution>) -> Result<()> {
        grow_distribution::handler(ctx)
    }

    /// Writes a chunk of `(node_index, amount)` entries at any free position, checked as it
    /// arrives; chunks may land in any order.
    pub fn append_distribution(
        ctx: Context<AppendDistribution>,
        args: AppendDistributionArgs,
    ) -> Result<()> {
        append_distribution::handler(ctx, args)
    }

    /// Seals a complete list and reserves its total.
    pub fn seal_distribution(ctx: Context<SealDistribution>) -> Result<()> {
        seal_distribution::handler(ctx)
    }

    /// Moves past an attempt whose upload window closed without a sealed list.
    pub fn skip_distribution(ctx: Context<SkipDistribution>) -> Result<()> {
        skip_distribution::handler(ctx)
    }

    /// Accepts a sealed list after its audit window.
    pub fn finalize_distribution(ctx: Context<FinalizeDistribution>) -> Result<()> {
        finalize_distribution::handler(ctx)
    }

    /// Pays one entry of an accepted list to the node's reward account.
    pub fn claim_reward(ctx: Context<ClaimReward>, args: ClaimRewardArgs) -> Result<()> {
        claim_reward::handler(ctx, args)
    }

    /// Pays many entries of an accepted list at once, each to its node's registered reward
    /// account (permissionless crank; remaining accounts: one (node, reward account) pair per
    /// entry).
    pub fn pay_rewards<'info>(
        ctx: Context<'info, PayRewards<'info>>,
        args: PayRewardsArgs,
    ) -> Result<()> {
        pay_rewards::handler(ctx, args)
    }

    /// The node's authority registers a new reward account.
    pub fn set_reward_account(ctx: Context<SetRewardAccount>) -> Result<()> {
        set_reward_account::handler(ctx)
    }

    /// The node's authority (cold key) replaces its operator (hot key).
    pub fn set_operator(ctx: Context<SetOperator>, args: SetOperatorArgs) -> Result<()> {
        set_operator::handler(ctx, args)
    }

    /// Closes a fully exited node's account and frees its index.
    pub fn close_node(ctx: Context<CloseNode>) -> Result<()> {
        close_node::handler(ctx)
    }

    /// Closes a closed, empty task's vaults and account.
    pub fn close_task_accounts(ctx: Context<CloseTaskAccounts>) -> Result<()> {
        close_task::close_task_accounts(ctx)
    }

    /// Returns a vote's rent once its audit is resolved.
    pub fn close_vote(ctx: Context<CloseVote>) -> Result<()> {
        close_accounts::close_vote(ctx)
    }

    /// Returns a resolved audit's rent.
    pub fn close_audit(ctx: Context<CloseAudit>) -> Result<()> {
        close_accounts::close_audit(ctx)
    }

    /// Returns a dead distribution list's rent.
    pub fn close_distribution(ctx: Context<CloseDistribution>) -> Result<()> {
        close_accounts::close_distribution(ctx)
    }

    /// Returns a settled round's rent.
    pub fn close_round(ctx: Context<CloseRound>) -> Result<()> {
        close_accounts::close_round(ctx)
    }

    /// Closes a paused task and returns its unreserved bounty.
    pub fn close_task(ctx: Context<CloseTask>) -> Result<()> {
        close_task::close_task(ctx)
    }

    /// Sends the slash vault's stake to the task authority.
    pub fn sweep_slashed(ctx: Context<SweepSlashed>) -> Result<()> {
        close_task::sweep_slashed(ctx)
    }

    /// Sets what nodes must run (logic URI, code hash, parameters) from a future round, under
    /// the same `current + 2` rule as `update_task`; creates the descriptor the first time.
    pub fn set_task_logic(ctx: Context<SetTaskLogic>, args: SetTaskLogicArgs) -> Result<()> {
        set_task_logic::handler(ctx, args)
    }
}
