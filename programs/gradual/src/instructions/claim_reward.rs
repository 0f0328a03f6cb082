use crate::{
    bitmap,
    errors::GradualError,
    events::RewardClaimed,
    state::{DistributionList, ListStatus, Node, Task},
    token_utils,
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct ClaimRewardArgs {
    pub round: u64,
    pub attempt: u8,
    /// Position of the node's entry in the accepted list.
    pub entry_index: u32,
}

/// Pays one entry of an accepted list, once, into the node's registered reward account.
/// Anyone may send it (a crank): the money can only go to that account.
#[derive(Accounts)]
pub struct ClaimReward<'info> {
    #[account(
        mut,
        has_one = reward_mint @ GradualError::WrongMint,
        has_one = bounty_vault @ GradualError::WrongVault
    )]
    pub task: Account<'info, Task>,
    #[account(mut)]
    pub list: AccountLoader<'info, DistributionList>,
    #[account(has_one = task @ GradualError::WrongTask, has_one = reward_account @ GradualError::WrongRewardAccount)]
    pub node: Account<'info, Node>,
    /// CHECK: the node's registered reward account (has_one above); whether it can receive is
    /// checked in the handler so a closed or frozen one is a named error the node can fix with
    /// `set_reward_account`, not an anonymous deserialization failure.
    #[account(mut)]
    pub reward_account: UncheckedAccount<'info>,
    #[account(mut)]
    pub bounty_vault: InterfaceAccount<'info, TokenAccount>,
    pub reward_mint: InterfaceAccount<'info, Mint>,
    pub token_program: Interface<'info, TokenInterface>,
}

pub fn handler(ctx: Context<ClaimReward>, args: ClaimRewardArgs) -> Result<()> {
    let a = ctx.accounts;
    let task_key = a.task.key();
    let list_info = a.list.to_account_info();
    let header: DistributionList = *a.list.load()?;
    require!(
        header.task == task_key && header.round == args.round && header.attempt == args.attempt,
        GradualError::WrongList
    );
    require!(
        header.status() == ListStatus::Accepted,
        GradualError::NotFinalized
    );
    require!(
        Clock::get()?.slot < header.claim_deadline_slot,
        GradualError::ClaimWindowClosed
    );
    require!(
        token_utils::can_receive(
            &a.reward_account,
            &a.task.reward_mint,
            &a.token_program.key()
        ),
        GradualError::RewardAccountUnusable
    );
    require!(
        args.entry_index < header.written,
        GradualError::EntryOutOfRange
    );
    let entry = {
        let mut data = list_info.try_borrow_mut_data()?;
        let entry = DistributionList::entry(
            &data,
            header.max_nodes,
            header.declared_count,
            args.entry_index,
        )?;
        require!(
            u32::from(entry.node_index) == a.node.index
                && a.node.joined_slot < header.round_start_slot,
            GradualError::NotYourEntry
        );
        let claimed =
            DistributionList::claimed_mut(&mut data, header.max_nodes, header.declared_count)?;
        require!(
            !bitmap::get(claimed, args.entry_index),
            GradualError::AlreadyClaimed
        );
        bitmap::set(claimed, args.entry_index);
        let list: &mut DistributionList =
            bytemuck::from_bytes_mut(&mut data[8..DistributionList::HEADER_SPACE]);
        list.claimed_count = list
            .claimed_count
            .checked_add(1)
            .ok_or(GradualError::MathOverflow)?;
        list.claimed_total = list
            .claimed_total
            .checked_add(entry.amount)
            .ok_or(GradualError::MathOverflow)?;
        entry
    };
    token_utils::check_token_program(&a.reward_mint.to_account_info(), &a.token_program)?;
    a.task.reserved_rewards = a
        .task
        .reserved_rewards
        .checked_sub(entry.amount)
        .ok_or(GradualError::MathOverflow)?;
    a.task.total_claimed = a
        .task
        .total_claimed
        .checked_add(entry.amount)
        .ok_or(GradualError::MathOverflow)?;
    let seeds = a.task.signer_seeds();
    token_utils::transfer_from_vault(
        &a.token_program,
        &a.bounty_vault.to_account_info(),
        &a.reward_mint.to_account_info(),
        &a.reward_account.to_account_info(),
        &a.task.to_account_info(),
        &seeds,
        entry.amount,
        a.task.reward_decimals,
    )?;
    emit!(RewardClaimed {
        task: task_key,
        round: args.round,
        attempt: args.attempt,
        entry_index: args.entry_index,
        node: a.node.key(),
        amount: entry.amount,
        destination: a.reward_account.key(),
    });
    Ok(())
}
