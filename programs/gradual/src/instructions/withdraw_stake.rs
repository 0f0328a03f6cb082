use crate::{
    errors::GradualError,
    events::StakeWithdrawn,
    instructions::add_stake::MoveStake,
    state::{Node, TaskStatus},
    token_utils,
};
use anchor_lang::prelude::*;

/// Pays out released unbonding stake; after the task is closed, all of the node's stake.
pub fn handler(ctx: Context<MoveStake>) -> Result<()> {
    let slot = Clock::get()?.slot;
    let a = ctx.accounts;
    let mut node = Node::owned_by(&a.node, &a.task.key(), &a.authority.key())?;
    token_utils::check_token_program(&a.stake_mint.to_account_info(), &a.token_program)?;
    let task = &mut a.task;
    // A node under audit keeps its stake in the vault until the audit is resolved.
    require!(node.open_audits == 0, GradualError::OpenAuditAgainstNode);
    token_utils::require_not_vault(task, &a.authority_stake_account.key())?;
    let current = task.round_at(slot);
    task.settle_pending_stake(slot)?;
    node.settle_pending_stake(current)?;

    let amount = if task.status == TaskStatus::Closed {
        let bonded = node.bonded()?;
        let (active, pending) = (node.active_stake, node.pending_stake);
        let removed = node.remove_bonded(active, pending)?;
        task.remove_bonded(&removed)?;
        bonded
            .checked_add(node.unbonding)
            .ok_or(GradualError::MathOverflow)?
    } else {
        require!(node.unbonding > 0, GradualError::NothingToWithdraw);
        require!(
            current.is_some_and(|c| c >= node.unbonding_release_round),
            GradualError::StakeStillBonding
        );
        node.unbonding
    };
    require!(amount > 0, GradualError::NothingToWithdraw);
    task.total_unbonding = task
        .total_unbonding
        .checked_sub(node.unbonding)
        .ok_or(GradualError::MathOverflow)?;
    node.unbonding = 0;

    let seeds = task.signer_seeds();
    token_utils::transfer_from_vault(
        &a.token_program,
        &a.stake_vault.to_account_info(),
        &a.stake_mint.to_account_info(),
        &a.authority_stake_account.to_account_info(),
        &task.to_account_info(),
        &seeds,
        amount,
        task.stake_decimals,
    )?;
    node.store(&a.node)?;
    emit!(StakeWithdrawn {
        task: task.key(),
        node: a.node.key(),
        amount,
        destination: a.authority_stake_account.key(),
    });
    Ok(())
}
