use crate::{
    bitmap,
    errors::GradualError,
    events::DistributionAppended,
    state::{DistributionEntry, DistributionList, ListStatus, ENTRY_LEN, NO_NODE},
};
use anchor_lang::prelude::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct AppendDistributionArgs {
    /// Index of the chunk's first entry: must equal the list's write cursor, so a retried
    /// chunk that already landed is refused instead of written twice.
    pub offset: u32,
    pub entries: Vec<DistributionEntry>,
}

/// Two accounts only, so a 100-entry chunk fits one transaction.
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
    require!(args.offset == header.written, GradualError::WrongOffset);
    let n = u32::try_from(args.entries.len()).map_err(|_| GradualError::TooManyEntries)?;
    let written = header
        .written
        .checked_add(n)
        .ok_or(GradualError::MathOverflow)?;
    require!(
        n > 0 && written <= header.declared_count,
        GradualError::TooManyEntries
    );

    let (max_nodes, count) = (header.max_nodes, header.declared_count);
    let new_len = DistributionList::base_space(max_nodes, count) + written as usize * ENTRY_LEN;
    info.resize(new_len)?;

    let mut data = info.try_borrow_mut_data()?;
    let mut last = header.last_index;
    let mut sum = header.running_sum;
    for (k, entry) in args.entries.iter().enumerate() {
        let index = u32::from(entry.node_index);
        if last != NO_NODE {
            require!(index != last, GradualError::DuplicateEntry);
            require!(index > last, GradualError::UnsortedEntries);
        }
        require!(
            bitmap::get(DistributionList::candidates(&data, max_nodes)?, index),
            GradualError::NotACandidate
        );
        require!(entry.amount > 0, GradualError::ZeroAmount);
        sum = sum
            .checked_add(entry.amount)
            .ok_or(GradualError::MathOverflow)?;
        require!(sum <= header.declared_total, GradualError::OverBudget);
        DistributionList::write_entry(
            &mut data,
            max_nodes,
            count,
            header.written + k as u32,
            entry,
        )?;
        last = index;
    }
    let list: &mut DistributionList =
        bytemuck::from_bytes_mut(&mut data[8..DistributionList::HEADER_SPACE]);
    list.written = written;
    list.last_index = last;
    list.running_sum = sum;
    emit!(DistributionAppended {
        list: info.key(),
        written,
        running_sum: sum,
    });
    Ok(())
}
