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

/// Node indexes strictly increase across every chunk border (the first position of every chunk
/// but the first). Reads two entries per chunk, walking the starts bitmap a word at a time.
fn check_borders(info: &AccountInfo) -> Result<()> {
    let data = info.try_borrow_data()?;
    let header: &DistributionList = bytemuck::from_bytes(&data[8..DistributionList::HEADER_SPACE]);
    let layout = header.layout();
    let starts = DistributionList::starts(&data, &layout)?;
    for (w, word) in starts.chunks(8).enumerate() {
        let mut bytes = [0u8; 8];
        bytes[..word.len()].copy_from_slice(word);
        let mut bits = u64::from_le_bytes(bytes);
        while bits != 0 {
            let p = (w * 64) as u32 + bits.trailing_zeros();
            bits &= bits - 1;
            if p == 0 {
                continue;
            }
            let before = DistributionList::entry_index(&data, &layout, p - 1)?;
            let at = DistributionList::entry_index(&data, &layout, p)?;
            require!(before != at, GradualError::DuplicateEntry);
            require!(before < at, GradualError::UnsortedEntries);
        }
    }
    Ok(())
}

pub fn handler(ctx: Context<SealDistribution>) -> Result<()> {
    let slot = Clock::get()?.slot;
    let a = ctx.accounts;
    let task_key = a.task.key();
    let list = a.list.load()?;
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
    // Every position is written exactly once (append refuses overlaps) and each chunk is sorted
    // inside; what is left is the order across chunk borders.
    drop(list);
    check_borders(&a.list.to_account_info())?;
    let mut list = a.list.load_mut()?;
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
