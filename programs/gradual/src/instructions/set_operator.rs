use crate::{
    errors::GradualError,
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
    #[account(
        mut,
        has_one = task @ GradualError::WrongTask,
        has_one = authority @ GradualError::Unauthorized
    )]
    pub node: Account<'info, Node>,
}

pub fn handler(ctx: Context<SetOperator>, args: SetOperatorArgs) -> Result<()> {
    let node = &mut ctx.accounts.node;
    node.operator = args.operator;
    emit!(OperatorChanged {
        task: ctx.accounts.task.key(),
        node: node.key(),
        operator: args.operator,
    });
    Ok(())
}
