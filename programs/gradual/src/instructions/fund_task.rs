use crate::{
    errors::GradualError,
    events::TaskFunded,
    state::{Task, TaskStatus},
    token_utils,
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct FundTaskArgs {
    /// Reward-mint base units to deposit.
    pub amount: u64,
}

/// Anyone may fund a task's bounty (a creator, a sponsor, a DAO).
#[derive(Accounts)]
pub struct FundTask<'info> {
    pub funder: Signer<'info>,
    #[account(
        mut,
        has_one = reward_mint @ GradualError::WrongMint,
        has_one = bounty_vault @ GradualError::WrongVault
    )]
    pub task: Account<'info, Task>,
    pub reward_mint: InterfaceAccount<'info, Mint>,
    #[account(mut, constraint = funder_token_account.mint == task.reward_mint @ GradualError::WrongMint)]
    pub funder_token_account: InterfaceAccount<'info, TokenAccount>,
    #[account(mut)]
    pub bounty_vault: InterfaceAccount<'info, TokenAccount>,
    pub token_program: Interface<'info, TokenInterface>,
}

pub fn handler(ctx: Context<FundTask>, args: FundTaskArgs) -> Result<()> {
    let a = ctx.accounts;
    require!(args.amount > 0, GradualError::ZeroAmount);
    require!(
        matches!(a.task.status, TaskStatus::Active | TaskStatus::Paused),
        GradualError::TaskNotActive
    );
    token_utils::check_token_program(&a.reward_mint.to_account_info(), &a.token_program)?;
    let total = a
        .task
        .total_funded
        .checked_add(args.amount)
        .ok_or(GradualError::MathOverflow)?;

    token_utils::transfer_from_user(
        &a.token_program,
        &a.funder_token_account.to_account_info(),
        &a.reward_mint.to_account_info(),
        &a.bounty_vault.to_account_info(),
        &a.funder,
        args.amount,
        a.task.reward_decimals,
    )?;
    a.task.total_funded = total;
    emit!(TaskFunded {
        task: a.task.key(),
        funder: a.funder.key(),
        amount: args.amount,
        total_funded: total,
    });
    Ok(())
}
