use crate::{
    errors::GradualError,
    events::RewardAccountChanged,
    state::{Node, Task},
    token_utils,
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;

/// Registers a new reward account for a node (its reward account was closed or frozen, or
/// its owner wants payouts elsewhere). Applies to every claim from now on, also of lists
/// already accepted.
#[derive(Accounts)]
pub struct SetRewardAccount<'info> {
    pub authority: Signer<'info>,
    pub task: Account<'info, Task>,
    #[account(
        mut,
        has_one = task @ GradualError::WrongTask,
        has_one = authority @ GradualError::Unauthorized
    )]
    pub node: Account<'info, Node>,
    /// Reward-mint token account, any owner, not a vault of the task.
    #[account(constraint = reward_account.mint == task.reward_mint @ GradualError::WrongMint)]
    pub reward_account: InterfaceAccount<'info, TokenAccount>,
}

pub fn handler(ctx: Context<SetRewardAccount>) -> Result<()> {
    let a = ctx.accounts;
    token_utils::require_not_vault(&a.task, &a.reward_account.key())?;
    a.node.reward_account = a.reward_account.key();
    emit!(RewardAccountChanged {
        task: a.task.key(),
        node: a.node.key(),
        reward_account: a.node.reward_account,
    });
    Ok(())
}
