use crate::{
    errors::GradualError,
    state::{DistributionList, ListStatus, MAX_GROWTH_PER_INSTRUCTION},
};
use anchor_lang::prelude::*;

/// Grows an uploading list by up to 10 KiB toward its full size. Permissionless and
/// order-independent: the rent of the full size was paid at begin, and any number of these
/// may be sent at once (in one transaction or many) until the list is full.
#[derive(Accounts)]
pub struct GrowDistribution<'info> {
    #[account(mut)]
    pub list: AccountLoader<'info, DistributionList>,
}

pub fn handler(ctx: Context<GrowDistribution>) -> Result<()> {
    let info = ctx.accounts.list.to_account_info();
    let header: DistributionList = *ctx.accounts.list.load()?;
    require!(
        header.status() == ListStatus::Uploading,
        GradualError::WrongDistributionStatus
    );
    let full = header.layout().end;
    let len = info.data_len();
    require!(len < full, GradualError::ListFullyAllocated);
    info.resize(full.min(len + MAX_GROWTH_PER_INSTRUCTION))?;
    Ok(())
}
