use crate::{
    errors::GradualError,
    events::{DistributionFailed, DistributionSkipped},
    state::{DistributionStatus, Round, RoundBitmap, NO_NODE},
};
use anchor_lang::prelude::*;

/// Permissionless: the current attempt's upload window passed without a sealed list. The
/// selected distributor (if any) is marked failed, without a slash, and the next attempt
/// starts; after the last attempt the round fails and its budget stays in the vault.
#[derive(Accounts)]
pub struct SkipDistribution<'info> {
    #[account(mut)]
    pub round: AccountLoader<'info, Round>,
}

pub fn handler(ctx: Context<SkipDistribution>) -> Result<()> {
    let slot = Clock::get()?.slot;
    let round_info = ctx.accounts.round.to_account_info();
    let mut data = round_info.try_borrow_mut_data()?;
    let mut view = Round::view(&mut data)?;
    let status = view.header.status();
    require!(
        matches!(
            status,
            DistributionStatus::AwaitingSelection
                | DistributionStatus::Selected
                | DistributionStatus::Uploading
        ),
        GradualError::WrongDistributionStatus
    );
    let attempt = view.header.distribution_attempt;
    let (upload, _) = view
        .header
        .timeline()
        .distribution(u16::from(attempt))
        .ok_or(GradualError::WrongAttempt)?;
    require!(slot >= upload.end, GradualError::DistributionWindowOpen);

    let distributor = view.header.selected_node;
    if distributor != NO_NODE {
        view.exclude(RoundBitmap::FailedDistributor, distributor);
    }
    let (task, round) = (view.header.task, view.header.round);
    emit!(DistributionSkipped {
        task,
        round,
        attempt,
        distributor,
    });
    if view.next_attempt() {
        emit!(DistributionFailed {
            task,
            round,
            attempts: view.header.distribution_attempt,
        });
    }
    Ok(())
}
