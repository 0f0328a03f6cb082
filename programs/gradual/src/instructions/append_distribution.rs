use crate::{
    bitmap,
    errors::GradualError,
    events::DistributionAppended,
    state::{DistributionEntry, DistributionList, ListStatus},
};
use anchor_lang::prelude::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct AppendDistributionArgs {
    /// Position of the chunk's first entry. Chunks may land in any order; no position may be
    /// written twice, so a retried chunk that already landed is refused.
    pub offset: u32,
    pub entries: Vec<DistributionEntry>,
}

/// Two accounts only, so a 90-entry chunk fits one transaction with compute-budget
/// instructions.
#[derive(Accounts)]
pub struct AppendDistribution<'info> {
    pub operator: Signer<'info>,
    #[account(mut)]
    pub list: AccountLoader<'info, DistributionList>,
}

pub fn handler(ctx: Context<AppendDistribution>, args: AppendDistributionArgs) -> Result<()> {
    let slot = Clock::get()?.slot;
    let info = ctx.accounts.list.to_account_info();
    let header: DistributionList = *ctx.accounts.list.load()?;
    require!(
        header.status() == ListStatus::Uploading,
        GradualError::WrongDistributionStatus
    );
    require_keys_eq!(
        ctx.accounts.operator.key(),
        header.payer,
        GradualError::NotSelectedDistributor
    );
    require!(
        slot < header.upload_end_slot,
        GradualError::OutsideDistributionWindow
    );
    let layout = header.layout();
    require!(
        info.data_len() == layout.end,
        GradualError::ListNotFullyAllocated
    );
    let n = u32::try_from(args.entries.len()).map_err(|_| GradualError::TooManyEntries)?;
    let end = args
        .offset
        .checked_add(n)
        .ok_or(GradualError::MathOverflow)?;
    require!(
        n > 0 && end <= header.declared_count,
        GradualError::TooManyEntries
    );

    let mut data = info.try_borrow_mut_data()?;
    let mut previous: Option<u32> = None;
    let mut sum = header.running_sum;
    for (k, entry) in args.entries.iter().enumerate() {
        let index = u32::from(entry.node_index);
        if let Some(last) = previous {
            require!(index != last, GradualError::DuplicateEntry);
            require!(index > last, GradualError::UnsortedEntries);
        }
        require!(
            bitmap::get(DistributionList::candidates(&data, &layout)?, index),
            GradualError::NotACandidate
        );
        require!(entry.amount > 0, GradualError::ZeroAmount);
        sum = sum
            .checked_add(entry.amount)
            .ok_or(GradualError::MathOverflow)?;
        require!(sum <= header.declared_total, GradualError::OverBudget);
        let position = args.offset + k as u32;
        let filled = DistributionList::filled_mut(&mut data, &layout)?;
        require!(!bitmap::get(filled, position), GradualError::WrongOffset);
        bitmap::set(filled, position);
        DistributionList::write_entry(&mut data, &layout, position, entry)?;
        previous = Some(index);
    }
    bitmap::set(
        DistributionList::starts_mut(&mut data, &layout)?,
        args.offset,
    );
    let written = header
        .written
        .checked_add(n)
        .ok_or(GradualError::MathOverflow)?;
    let list: &mut DistributionList =
        bytemuck::from_bytes_mut(&mut data[8..DistributionList::HEADER_SPACE]);
    list.written = written;
    list.chunks = list.chunks.saturating_add(1);
    list.running_sum = sum;
    emit!(DistributionAppended {
        list: info.key(),
        offset: args.offset,
        written,
        running_sum: sum,
    });
    Ok(())
}
