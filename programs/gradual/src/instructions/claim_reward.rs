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
    /// The paid Node: read by the handler (`Node::member`), so an address that is not a Node
    /// of this task gets `NotAMember` (or `WrongTask`); its `reward_account` must be the one
    /// passed.
    /// CHECK: as documented above.
    pub node: UncheckedAccount<'info>,
    /// The node's registered reward account (checked in the handler); whether it can receive is
    /// checked in the handler so a closed or frozen one is a named error the node can fix with
    /// `set_reward_account`, not an anonymous deserialization failure.
    /// CHECK: as documented above.
    #[account(mut)]
    pub reward_account: UncheckedAccount<'info>,
    #[account(mut)]
    pub bounty_vault: InterfaceAccount<'info, TokenAccount>,
    pub reward_mint: InterfaceAccount<'info, Mint>,
    pub token_program: Interface<'info, TokenInterface>,
}

/// Checks an accepted list of `task` (round/attempt as named, claim window open) and returns
/// its header.
pub(crate) fn accepted_list(
    list: &AccountLoader<DistributionList>,
    task: &Pubkey,
    round: u64,
    attempt: u8,
) -> Result<DistributionList> {
    let header: DistributionList = *list.load()?;
    require!(
        header.task == *task && header.round == round && header.attempt == attempt,
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
    Ok(header)
}

/// Checks that entry `i` of the list pays `node`; returns its amount.
pub(crate) fn entry_amount(
    data: &[u8],
    header: &DistributionList,
    node: &Node,
    i: u32,
) -> Result<u64> {
    require!(i < header.written, GradualError::EntryOutOfRange);
    let entry = DistributionList::entry(data, &header.layout(), i)?;
    require!(
        u32::from(entry.node_index) == node.index && node.joined_slot < header.round_start_slot,
        GradualError::NotYourEntry
    );
    Ok(entry.amount)
}

/// Checks that entry `i` of the list pays `node` and marks it claimed. Returns its amount, or
/// `None` when it was already claimed (nothing changed). The header's counters are the
/// caller's to update.
pub(crate) fn mark_claimed(
    data: &mut [u8],
    header: &DistributionList,
    node: &Node,
    i: u32,
) -> Result<Option<u64>> {
    let amount = entry_amount(data, header, node, i)?;
    let claimed = DistributionList::claimed_mut(data, &header.layout())?;
    if bitmap::get(claimed, i) {
        return Ok(None);
    }
    bitmap::set(claimed, i);
    Ok(Some(amount))
}

/// Adds `count` entries worth `amount` to the list's claimed counters and moves `amount` out of
/// the task's reservation.
pub(crate) fn record_claims(
    data: &mut [u8],
    task: &mut Task,
    count: u32,
    amount: u64,
) -> Result<()> {
    let list: &mut DistributionList =
        bytemuck::from_bytes_mut(&mut data[8..DistributionList::HEADER_SPACE]);
    list.claimed_count = list
        .claimed_count
        .checked_add(count)
        .ok_or(GradualError::MathOverflow)?;
    list.claimed_total = list
        .claimed_total
        .checked_add(amount)
        .ok_or(GradualError::MathOverflow)?;
    task.reserved_rewards = task
        .reserved_rewards
        .checked_sub(amount)
        .ok_or(GradualError::MathOverflow)?;
    task.total_claimed = task
        .total_claimed
        .checked_add(amount)
        .ok_or(GradualError::MathOverflow)?;
    Ok(())
}

pub fn handler(ctx: Context<ClaimReward>, args: ClaimRewardArgs) -> Result<()> {
    let a = ctx.accounts;
    let task_key = a.task.key();
    let node = Node::member(&a.node, &task_key)?;
    require_keys_eq!(
        node.reward_account,
        a.reward_account.key(),
        GradualError::WrongRewardAccount
    );
    let list_info = a.list.to_account_info();
    let header = accepted_list(&a.list, &task_key, args.round, args.attempt)?;
    require!(
        token_utils::can_receive(
            &a.reward_account,
            &a.task.reward_mint,
            &a.token_program.key()
        ),
        GradualError::RewardAccountUnusable
    );
    token_utils::check_token_program(&a.reward_mint.to_account_info(), &a.token_program)?;
    let amount = {
        let mut data = list_info.try_borrow_mut_data()?;
        let amount = mark_claimed(&mut data, &header, &node, args.entry_index)?
            .ok_or(GradualError::AlreadyClaimed)?;
        record_claims(&mut data, &mut a.task, 1, amount)?;
        amount
    };
    let seeds = a.task.signer_seeds();
    token_utils::transfer_from_vault(
        &a.token_program,
        &a.bounty_vault.to_account_info(),
        &a.reward_mint.to_account_info(),
        &a.reward_account.to_account_info(),
        &a.task.to_account_info(),
        &seeds,
        amount,
        a.task.reward_decimals,
    )?;
    emit!(RewardClaimed {
        task: task_key,
        round: args.round,
        attempt: args.attempt,
        entry_index: args.entry_index,
        node: a.node.key(),
        amount,
        destination: a.reward_account.key(),
    });
    Ok(())
}
