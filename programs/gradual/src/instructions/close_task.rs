use crate::{
    errors::GradualError,
    events::{SlashedStakeSwept, TaskClosed},
    state::{Task, TaskStatus},
    token_utils,
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

/// Closes a paused task once every round that could have opened before the pause has run its
/// whole timeline, and returns the unreserved bounty. Sealed lists stay reserved and claimable;
/// stake can then be withdrawn without unbonding. Calling it again on a closed task returns
/// whatever became unreserved since (a list rejected after the close).
#[derive(Accounts)]
pub struct CloseTask<'info> {
    pub authority: Signer<'info>,
    #[account(
        mut,
        has_one = authority @ GradualError::Unauthorized,
        has_one = reward_mint @ GradualError::WrongMint,
        has_one = bounty_vault @ GradualError::WrongVault
    )]
    pub task: Account<'info, Task>,
    #[account(mut)]
    pub bounty_vault: InterfaceAccount<'info, TokenAccount>,
    pub reward_mint: InterfaceAccount<'info, Mint>,
    #[account(mut, constraint = destination.mint == task.reward_mint @ GradualError::WrongMint)]
    pub destination: InterfaceAccount<'info, TokenAccount>,
    pub token_program: Interface<'info, TokenInterface>,
}

pub fn close_task(ctx: Context<CloseTask>) -> Result<()> {
    let slot = Clock::get()?.slot;
    let a = ctx.accounts;
    let task = &mut a.task;
    match task.status {
        TaskStatus::Paused => {
            // The last round that could open is the one in its submission window at the
            // pause (round_at(pause) - 1); wait for its last distribution attempt to end.
            if let Some(current) = task.round_at(task.paused_at_slot) {
                if let Some(last) = current.checked_sub(1) {
                    let end = task
                        .schedule()
                        .timeline(last)
                        .ok_or(GradualError::MathOverflow)?
                        .end();
                    require!(slot >= end, GradualError::RoundsNotSettled);
                }
            }
        }
        TaskStatus::Closed | TaskStatus::Closing => {}
        TaskStatus::Active => return err!(GradualError::TaskNotPaused),
    }
    token_utils::check_token_program(&a.reward_mint.to_account_info(), &a.token_program)?;
    let returned = a
        .bounty_vault
        .amount
        .checked_sub(task.reserved_rewards)
        .ok_or(GradualError::MathOverflow)?;
    task.status = TaskStatus::Closed;
    if returned > 0 {
        let seeds = task.signer_seeds();
        token_utils::transfer_from_vault(
            &a.token_program,
            &a.bounty_vault.to_account_info(),
            &a.reward_mint.to_account_info(),
            &a.destination.to_account_info(),
            &task.to_account_info(),
            &seeds,
            returned,
            task.reward_decimals,
        )?;
    }
    emit!(TaskClosed {
        task: task.key(),
        returned,
        destination: a.destination.key(),
    });
    Ok(())
}

/// The task authority takes the slashed stake held in the slash vault (tasks whose stake and
/// reward mints differ).
#[derive(Accounts)]
pub struct SweepSlashed<'info> {
    pub authority: Signer<'info>,
    #[account(
        has_one = authority @ GradualError::Unauthorized,
        has_one = stake_mint @ GradualError::WrongMint,
        has_one = slash_vault @ GradualError::WrongVault
    )]
    pub task: Account<'info, Task>,
    #[account(mut)]
    pub slash_vault: InterfaceAccount<'info, TokenAccount>,
    pub stake_mint: InterfaceAccount<'info, Mint>,
    #[account(mut, constraint = destination.mint == task.stake_mint @ GradualError::WrongMint)]
    pub destination: InterfaceAccount<'info, TokenAccount>,
    pub token_program: Interface<'info, TokenInterface>,
}

pub fn sweep_slashed(ctx: Context<SweepSlashed>) -> Result<()> {
    let a = ctx.accounts;
    token_utils::check_token_program(&a.stake_mint.to_account_info(), &a.token_program)?;
    let amount = a.slash_vault.amount;
    require!(amount > 0, GradualError::ZeroAmount);
    let seeds = a.task.signer_seeds();
    token_utils::transfer_from_vault(
        &a.token_program,
        &a.slash_vault.to_account_info(),
        &a.stake_mint.to_account_info(),
        &a.destination.to_account_info(),
        &a.task.to_account_info(),
        &seeds,
        amount,
        a.task.stake_decimals,
    )?;
    emit!(SlashedStakeSwept {
        task: a.task.key(),
        amount,
        destination: a.destination.key(),
    });
    Ok(())
}
