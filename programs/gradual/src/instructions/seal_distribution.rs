use crate::{
    errors::GradualError,
    events::DistributionSealed,
    state::{DistributionList, DistributionStatus, ListStatus, Round, Task},
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;

#[derive(Accounts)]
pub struct SealDistribution<'info> {
    pub operator: Signer<'info>,
    #[account(mut, has_one = bounty_vault @ GradualError::WrongVault)]
    pub task: Account<'info, Task>,
    #[account(mut)]
    pub round: AccountLoader<'info, Round>,
    #[account(mut)]
    pub list: AccountLoader<'info, DistributionList>,
    pub bounty_vault: InterfaceAccount<'info, TokenAccount>,
}

pub fn handler(ctx: Context<SealDistribution>) -> Result<()> {
    let slot = Clock::get()?.slot;
    let a = ctx.accounts;
    let task_key = a.task.key();
    let mut list = a.list.load_mut()?;
    let mut round = a.round.load_mut()?;
    require!(
        list.task == task_key
            && round.task == task_key
            && list.round == round.round
            && list.attempt == round.distribution_attempt,
        GradualError::WrongList
    );
    require!(
        list.status() == ListStatus::Uploading && round.status() == DistributionStatus::Uploading,
        GradualError::WrongDistributionStatus
    );
    require_keys_eq!(
        a.operator.key(),
        list.payer,
        GradualError::NotSelectedDistributor
    );
    require!(
        slot < list.upload_end_slot,
        GradualError::OutsideDistributionWindow
    );
    require!(
        list.written == list.declared_count,
        GradualError::CountMismatch
    );
    require!(
        list.running_sum == list.declared_total,
        GradualError::TotalMismatch
    );
    let reserved = a
        .task
        .reserved_rewards
        .checked_add(list.declared_total)
        .ok_or(GradualError::MathOverflow)?;
    require!(reserved <= a.bounty_vault.amount, GradualError::OverBudget);

    a.task.reserved_rewards = reserved;
    list.status = ListStatus::Sealed as u8;
    round.distribution_status = DistributionStatus::Sealed as u8;
    emit!(DistributionSealed {
        task: task_key,
        round: list.round,
        attempt: list.attempt,
        list: a.list.key(),
        entry_count: list.declared_count,
        total: list.declared_total,
    });
    Ok(())
}
