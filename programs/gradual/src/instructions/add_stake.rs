use crate::{
    errors::GradualError,
    events::StakeAdded,
    state::{Node, Task, TaskStatus},
    token_utils,
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct AddStakeArgs {
    /// Stake-mint base units; counts from the next round.
    pub amount: u64,
}

/// Accounts shared by the instructions that move stake between a node's authority (its cold key) and the vault.
#[derive(Accounts)]
pub struct MoveStake<'info> {
    pub authority: Signer<'info>,
    #[account(
        mut,
        has_one = stake_mint @ GradualError::WrongMint,
        has_one = stake_vault @ GradualError::WrongVault
    )]
    pub task: Account<'info, Task>,
    /// The authority's Node (`["node", task, authority]`): read and written by the handler
    /// (`Node::member`), so a key that never joined gets `NotAMember`.
    /// CHECK: as documented above.
    #[account(mut)]
    pub node: UncheckedAccount<'info>,
    pub stake_mint: InterfaceAccount<'info, Mint>,
    /// Source (add_stake) or destination (withdraw_stake) of the stake.
    #[account(mut, constraint = authority_stake_account.mint == task.stake_mint @ GradualError::WrongMint)]
    pub authority_stake_account: InterfaceAccount<'info, TokenAccount>,
    #[account(mut)]
    pub stake_vault: InterfaceAccount<'info, TokenAccount>,
    pub token_program: Interface<'info, TokenInterface>,
}

pub fn handler(ctx: Context<MoveStake>, args: AddStakeArgs) -> Result<()> {
    let slot = Clock::get()?.slot;
    let a = ctx.accounts;
    let mut node = Node::owned_by(&a.node, &a.task.key(), &a.authority.key())?;
    require!(args.amount > 0, GradualError::ZeroAmount);
    require!(
        matches!(a.task.status, TaskStatus::Active | TaskStatus::Paused),
        GradualError::TaskNotActive
    );
    token_utils::check_token_program(&a.stake_mint.to_account_info(), &a.token_program)?;
    let task = &mut a.task;
    let current = task.round_at(slot);
    let activation_round = task.activation_round(slot)?;
    task.settle_pending_stake(slot)?;
    node.settle_pending_stake(current)?;

    let bonded = node
        .bonded()?
        .checked_add(args.amount)
        .ok_or(GradualError::MathOverflow)?;
    require!(
        bonded >= task.config_for_round(activation_round).minimum_stake,
        GradualError::StakeBelowMinimum
    );
    node.pending_stake = node
        .pending_stake
        .checked_add(args.amount)
        .ok_or(GradualError::MathOverflow)?;
    node.pending_activation_round = activation_round;
    task.add_pending_stake(args.amount, activation_round)?;

    token_utils::transfer_from_user(
        &a.token_program,
        &a.authority_stake_account.to_account_info(),
        &a.stake_mint.to_account_info(),
        &a.stake_vault.to_account_info(),
        &a.authority,
        args.amount,
        task.stake_decimals,
    )?;
    node.store(&a.node)?;
    emit!(StakeAdded {
        task: task.key(),
        node: a.node.key(),
        amount: args.amount,
        activation_round,
    });
    Ok(())
}
