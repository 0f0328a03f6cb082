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
    /// The authority's Node (`["node", task, authority]`): read and written by the handler
    /// (`Node::member`), so a key that never joined gets `NotAMember`.
    /// CHECK: as documented above.
    #[account(mut)]
    pub node: UncheckedAccount<'info>,
    /// Reward-mint token account, any owner, not a vault of the task.
    pub reward_account: InterfaceAccount<'info, TokenAccount>,
}

pub fn handler(ctx: Context<SetRewardAccount>) -> Result<()> {
    let a = ctx.accounts;
    let mut node = Node::owned_by(&a.node, &a.task.key(), &a.authority.key())?;
    // After the authority check, so a stranger learns nothing about the accounts it passed.
    require_keys_eq!(
        a.reward_account.mint,
        a.task.reward_mint,
        GradualError::WrongMint
    );
    token_utils::require_not_vault(&a.task, &a.reward_account.key())?;
    node.reward_account = a.reward_account.key();
    node.store(&a.node)?;
    emit!(RewardAccountChanged {
        task: a.task.key(),
        node: a.node.key(),
        reward_account: node.reward_account,
    });
    Ok(())
}
