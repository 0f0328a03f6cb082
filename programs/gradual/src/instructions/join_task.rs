use crate::{
    constants::NO_ROUND,
    errors::GradualError,
    events::NodeJoined,
    state::{seeds, Node, Task, TaskStatus},
    token_utils,
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct JoinTaskArgs {
    /// Stake-mint base units; at least the task's minimum_stake. Counts from the next round.
    pub stake: u64,
}

#[derive(Accounts)]
pub struct JoinTask<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    #[account(
        mut,
        has_one = stake_mint @ GradualError::WrongMint,
        has_one = stake_vault @ GradualError::WrongVault
    )]
    pub task: Account<'info, Task>,
    /// CHECK: created by the handler at `["node", task, operator]`; must not exist yet.
    #[account(mut)]
    pub node: UncheckedAccount<'info>,
    pub stake_mint: InterfaceAccount<'info, Mint>,
    #[account(mut, constraint = operator_stake_account.mint == task.stake_mint @ GradualError::WrongMint)]
    pub operator_stake_account: InterfaceAccount<'info, TokenAccount>,
    #[account(mut)]
    pub stake_vault: InterfaceAccount<'info, TokenAccount>,
    /// Where this node's rewards will be paid (reward mint, any owner).
    #[account(constraint = reward_account.mint == task.reward_mint @ GradualError::WrongMint)]
    pub reward_account: InterfaceAccount<'info, TokenAccount>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<JoinTask>, args: JoinTaskArgs) -> Result<()> {
    let slot = Clock::get()?.slot;
    let a = ctx.accounts;
    let task = &mut a.task;
    match task.status {
        TaskStatus::Active => {}
        TaskStatus::Paused => return err!(GradualError::TaskPaused),
        _ => return err!(GradualError::TaskNotActive),
    }
    let task_key = task.key();
    let operator_key = a.operator.key();
    let (expected, node_bump) = Pubkey::find_program_address(
        &[seeds::NODE, task_key.as_ref(), operator_key.as_ref()],
        &crate::ID,
    );
    require_keys_eq!(a.node.key(), expected, GradualError::WrongPda);
    require!(
        token_utils::is_unallocated(&a.node),
        GradualError::NodeAlreadyJoined
    );
    require!(task.node_count < task.max_nodes, GradualError::TaskFull);
    let activation_round = task.activation_round(slot)?;
    require!(
        args.stake >= task.config_for_round(activation_round).minimum_stake,
        GradualError::StakeBelowMinimum
    );
    token_utils::check_token_program(&a.stake_mint.to_account_info(), &a.token_program)?;

    task.settle_pending_stake(slot)?;
    task.add_pending_stake(args.stake, activation_round)?;
    let index = task.node_count;
    task.node_count = index.checked_add(1).ok_or(GradualError::MathOverflow)?;

    let node = Node {
        task: task_key,
        operator: operator_key,
        reward_account: a.reward_account.key(),
        index,
        active_stake: 0,
        pending_stake: args.stake,
        pending_activation_round: activation_round,
        unbonding: 0,
        unbonding_release_round: 0,
        slashed_total: 0,
        last_submitted_round: NO_ROUND,
        joined_slot: slot,
        bump: node_bump,
    };
    token_utils::create_pda_account(
        &a.operator,
        &a.node,
        &a.system_program,
        &crate::ID,
        Node::SPACE,
        &[
            seeds::NODE,
            task_key.as_ref(),
            operator_key.as_ref(),
            &[node_bump],
        ],
    )?;
    node.try_serialize(&mut &mut a.node.try_borrow_mut_data()?[..])?;

    token_utils::transfer_from_user(
        &a.token_program,
        &a.operator_stake_account.to_account_info(),
        &a.stake_mint.to_account_info(),
        &a.stake_vault.to_account_info(),
        &a.operator,
        args.stake,
        task.stake_decimals,
    )?;
    emit!(NodeJoined {
        task: task_key,
        node: a.node.key(),
        operator: operator_key,
        index,
        stake: args.stake,
        activation_round,
        reward_account: node.reward_account,
    });
    Ok(())
}
