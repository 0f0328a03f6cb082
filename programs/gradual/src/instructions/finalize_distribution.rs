use crate::{
    constants::{CLAIM_WINDOW_MIN_SLOTS, CLAIM_WINDOW_ROUNDS},
    errors::GradualError,
    events::DistributionAccepted,
    state::{DistributionList, DistributionStatus, ListStatus, Round},
};
use anchor_lang::prelude::*;

/// Permissionless: accepts the sealed list once its audit window passed with every audit
/// resolved and none upheld. Rewards become claimable.
#[derive(Accounts)]
pub struct FinalizeDistribution<'info> {
    #[account(mut)]
    pub round: AccountLoader<'info, Round>,
    #[account(mut)]
    pub list: AccountLoader<'info, DistributionList>,
}

pub fn handler(ctx: Context<FinalizeDistribution>) -> Result<()> {
    let slot = Clock::get()?.slot;
    let mut round = ctx.accounts.round.load_mut()?;
    let mut list = ctx.accounts.list.load_mut()?;
    require!(
        list.task == round.task
            && list.round == round.round
            && list.attempt == round.distribution_attempt,
        GradualError::WrongList
    );
    require!(
        round.status() == DistributionStatus::Sealed && list.status() == ListStatus::Sealed,
        GradualError::WrongDistributionStatus
    );
    let (_, audit_window) = round
        .timeline()
        .distribution(u16::from(list.attempt))
        .ok_or(GradualError::WrongAttempt)?;
    require!(slot >= audit_window.end, GradualError::ListAuditWindowOpen);
    require!(round.open_audits == 0, GradualError::AuditsPending);

    list.status = ListStatus::Accepted as u8;
    list.claim_deadline_slot = round
        .config
        .round_slots
        .checked_mul(CLAIM_WINDOW_ROUNDS)
        .map(|w| w.max(CLAIM_WINDOW_MIN_SLOTS))
        .and_then(|w| w.checked_add(slot))
        .ok_or(GradualError::MathOverflow)?;
    round.distribution_status = DistributionStatus::Accepted as u8;
    round.distributed_total = list.declared_total;
    emit!(DistributionAccepted {
        task: round.task,
        round: round.round,
        attempt: list.attempt,
        list: ctx.accounts.list.key(),
        total: list.declared_total,
    });
    Ok(())
}
