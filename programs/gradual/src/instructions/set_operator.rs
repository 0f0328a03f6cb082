use crate::{
    events::OperatorChanged,
    state::{Node, Task},
};
use anchor_lang::prelude::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct SetOperatorArgs {
    /// The node's new hot key.
    pub operator: Pubkey,
}

/// The node's authority (cold key) replaces its operator (hot key), e.g. after the node host
/// was compromised. The old hot key can do nothing from the next transaction on.
#[derive(Accounts)]
pub struct SetOperator<'info> {
    pub authority: Signer<'info>,
    pub task: Account<'info, Task>,
    /// The authority's Node (`["node", task, authority]`): read and written by the handler
    /// (`Node::member`), so a key that never joined gets `NotAMember`.
    /// CHECK: as documented above.
    #[account(mut)]
    pub node: UncheckedAccount<'info>,
}

pub fn handler(ctx: Context<SetOperator>, args: SetOperatorArgs) -> Result<()> {
    let mut node = Node::owned_by(
        &ctx.accounts.node,
        &ctx.accounts.task.key(),
        &ctx.accounts.authority.key(),
    )?;
    node.operator = args.operator;
    node.store(&ctx.accounts.node)?;
    emit!(OperatorChanged {
        task: ctx.accounts.task.key(),
        node: ctx.accounts.node.key(),
        operator: args.operator,
    });
    Ok(())
}
