use crate::{
    errors::GradualError,
    events::RewardsPaid,
    instructions::claim_reward::{accepted_list, entry_amount, mark_claimed, record_claims},
    state::{DistributionList, Node, Task},
    token_utils,
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct PayRewardsArgs {
    pub round: u64,
    pub attempt: u8,
    /// Entry positions to pay, one per (node, reward account) pair of remaining accounts.
    pub entries: Vec<u32>,
}

/// Pays many entries of an accepted list in one transaction. Anyone may send it: each amount
/// can only go to the paid node's registered reward account, and the claimed bitmap pays every
/// entry once whoever sends it (this crank or the node's own `claim_reward`).
///
/// Remaining accounts: for each entry, its Node (read) and the Node's reward account (mut).
/// An entry already paid, or whose named account is not (or no longer) the node's registered
/// reward account, or cannot receive, is skipped (counted in `RewardsPaid.skipped`) so one
/// node or a lost race never fails the batch; a Node that does not match its entry fails it.
#[derive(Accounts)]
pub struct PayRewards<'info> {
    #[account(
        mut,
        has_one = reward_mint @ GradualError::WrongMint,
        has_one = bounty_vault @ GradualError::WrongVault
    )]
    pub task: Account<'info, Task>,
    #[account(mut)]
    pub list: AccountLoader<'info, DistributionList>,
    #[account(mut)]
    pub bounty_vault: InterfaceAccount<'info, TokenAccount>,
    pub reward_mint: InterfaceAccount<'info, Mint>,
    pub token_program: Interface<'info, TokenInterface>,
}

pub fn handler<'info>(ctx: Context<'info, PayRewards<'info>>, args: PayRewardsArgs) -> Result<()> {
    let remaining = ctx.remaining_accounts;
    let a = ctx.accounts;
    let task_key = a.task.key();
    require!(
        !args.entries.is_empty() && remaining.len() == args.entries.len() * 2,
        GradualError::BatchAccountsMismatch
    );
    let header = accepted_list(&a.list, &task_key, args.round, args.attempt)?;
    token_utils::check_token_program(&a.reward_mint.to_account_info(), &a.token_program)?;
    let mint = a.task.reward_mint;
    let token_program = a.token_program.key();
    let list_info = a.list.to_account_info();

    // Mark every payable entry first, then transfer: a failing transfer fails the whole
    // transaction, so nothing is marked without being paid.
    let mut payments: Vec<(usize, u64)> = Vec::with_capacity(args.entries.len());
    let mut total = 0u64;
    {
        let mut data = list_info.try_borrow_mut_data()?;
        for (k, &i) in args.entries.iter().enumerate() {
            let node_info = &remaining[2 * k];
            let reward = &remaining[2 * k + 1];
            let node: Account<Node> = Account::try_from(node_info)?;
            require_keys_eq!(node.task, task_key, GradualError::WrongTask);
            // A reward account changed since the batch was built (or one that cannot receive)
            // is skipped, not an error: one node must not be able to fail everyone's batch.
            if node.reward_account != reward.key()
                || !token_utils::can_receive(reward, &mint, &token_program)
            {
                // Skipped, not marked: the node claims later with a usable account.
                entry_amount(&data, &header, &node, i)?;
                continue;
            }
            if let Some(amount) = mark_claimed(&mut data, &header, &node, i)? {
                total = total
                    .checked_add(amount)
                    .ok_or(GradualError::MathOverflow)?;
                payments.push((k, amount));
            }
        }
        record_claims(&mut data, &mut a.task, payments.len() as u32, total)?;
    }
    let seeds = a.task.signer_seeds();
    let (vault, mint_info, task_info) = (
        a.bounty_vault.to_account_info(),
        a.reward_mint.to_account_info(),
        a.task.to_account_info(),
    );
    for &(k, amount) in &payments {
        token_utils::transfer_from_vault(
            &a.token_program,
            &vault,
            &mint_info,
            &remaining[2 * k + 1],
            &task_info,
            &seeds,
            amount,
            a.task.reward_decimals,
        )?;
    }
    emit!(RewardsPaid {
        task: task_key,
        round: args.round,
        attempt: args.attempt,
        paid: payments.len() as u32,
        paid_entries: payments.iter().map(|&(k, _)| args.entries[k]).collect(),
        amount: total,
        skipped: (args.entries.len() - payments.len()) as u32,
    });
    Ok(())
}
