use crate::{
    errors::GradualError,
    events::UnstakeRequested,
    state::{Node, Task, TaskStatus},
};
use anchor_lang::prelude::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct RequestUnstakeArgs {
    /// Stake-mint base units to move to unbonding; stops counting at once.
    pub amount: u64,
}

#[derive(Accounts)]
pub struct RequestUnstake<'info> {
    pub authority: Signer<'info>,
    #[account(mut)]
    pub task: Account<'info, Task>,
    /// The authority's Node (`["node", task, authority]`): read and written by the handler
    /// (`Node::member`), so a key that never joined gets `NotAMember`.
    /// CHECK: as documented above.
    #[account(mut)]
    pub node: UncheckedAccount<'info>,
}

pub fn handler(ctx: Context<RequestUnstake>, args: RequestUnstakeArgs) -> Result<()> {
    let slot = Clock::get()?.slot;
    let mut node = Node::owned_by(
        &ctx.accounts.node,
        &ctx.accounts.task.key(),
        &ctx.accounts.authority.key(),
    )?;
    let task = &mut ctx.accounts.task;
    require!(args.amount > 0, GradualError::ZeroAmount);
    require!(
        task.status != TaskStatus::Closed,
        GradualError::TaskNotActive
    );
    let current = task.round_at(slot);
    task.settle_pending_stake(slot)?;
    node.settle_pending_stake(current)?;

    let bonded = node.bonded()?;
    require!(args.amount <= bonded, GradualError::InsufficientStake);
    let remaining = bonded - args.amount;
    let round = current.unwrap_or(0);
    let config = task.config_for_round(round);
    require!(
        remaining == 0 || remaining >= config.minimum_stake,
        GradualError::StakeBelowMinimum
    );
    // Never before the last round the node submitted for has run its whole timeline: until
    // then its proof or its list can still be audited, and the stake must still be there.
    // (Stored by submit: recomputing it from today's schedule fails for rounds before the
    // config base once two updates have been folded.)
    // 0 means the node never submitted (a task may start at slot 0, where round_at is 0).
    let in_flight_until = match task.round_at(node.in_flight_until_slot) {
        Some(r) if node.in_flight_until_slot > 0 => {
            r.checked_add(1).ok_or(GradualError::MathOverflow)?
        }
        _ => 0,
    };
    let release_round = round
        .checked_add(config.unbond_rounds)
        .ok_or(GradualError::MathOverflow)?
        .max(node.unbonding_release_round)
        .max(in_flight_until);

    // Stake not yet active leaves first; it is in the task's pending bucket with the same
    // activation round (both were settled above).
    let from_pending = args.amount.min(node.pending_stake);
    let from_active = args.amount - from_pending;
    let removed = node.remove_bonded(from_active, from_pending)?;
    task.remove_bonded(&removed)?;
    node.unbonding = node
        .unbonding
        .checked_add(args.amount)
        .ok_or(GradualError::MathOverflow)?;
    node.unbonding_release_round = release_round;
    task.total_unbonding = task
        .total_unbonding
        .checked_add(args.amount)
        .ok_or(GradualError::MathOverflow)?;

    node.store(&ctx.accounts.node)?;
    emit!(UnstakeRequested {
        task: task.key(),
        node: ctx.accounts.node.key(),
        amount: args.amount,
        release_round,
    });
    Ok(())
}
