use crate::{
    constants::NO_ROUND,
    errors::GradualError,
    events::NodeJoined,
    state::{seeds, IndexPool, Node, Task, TaskStatus},
    token_utils,
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct JoinTaskArgs {
    /// Stake-mint base units; at least the task's minimum_stake. Counts from the next round.
    pub stake: u64,
    /// The node's hot key: signs submissions, audits, votes and lists. The signer of
    /// `join_task` is the node's authority (cold key): stake, unstake, withdrawal, reward
    /// account and operator changes. They may be the same key.
    pub operator: Pubkey,
}

#[derive(Accounts)]
pub struct JoinTask<'info> {
    /// The node's authority (cold key); pays the stake and the Node's rent.
    #[account(mut)]
    pub authority: Signer<'info>,
    #[account(
        mut,
        has_one = stake_mint @ GradualError::WrongMint,
        has_one = stake_vault @ GradualError::WrongVault
    )]
    pub task: Account<'info, Task>,
    /// Created by the handler at `["node", task, authority]`; must not exist yet.
    /// CHECK: as documented above.
    #[account(mut)]
    pub node: UncheckedAccount<'info>,
    pub stake_mint: InterfaceAccount<'info, Mint>,
    #[account(mut, constraint = authority_stake_account.mint == task.stake_mint @ GradualError::WrongMint)]
    pub authority_stake_account: InterfaceAccount<'info, TokenAccount>,
    #[account(mut)]
    pub stake_vault: InterfaceAccount<'info, TokenAccount>,
    /// Where this node's rewards will be paid (reward mint, any owner).
    #[account(constraint = reward_account.mint == task.reward_mint @ GradualError::WrongMint)]
    pub reward_account: InterfaceAccount<'info, TokenAccount>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
    /// The task's index pool (`["indexes", task]`), needed only once every fresh index
    /// is taken: the node then reuses an index freed by `close_node`. Checked in the handler.
    /// CHECK: as documented above.
    #[account(mut)]
    pub index_pool: Option<UncheckedAccount<'info>>,
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
    let authority_key = a.authority.key();
    let node_bump = token_utils::expect_canonical(
        &a.node,
        &[seeds::NODE, task_key.as_ref(), authority_key.as_ref()],
    )?;
    require!(
        token_utils::is_unallocated(&a.node),
        GradualError::NodeAlreadyJoined
    );
    token_utils::require_not_vault(task, &a.reward_account.key())?;
    let activation_round = task.activation_round(slot)?;
    require!(
        args.stake >= task.config_for_round(activation_round).minimum_stake,
        GradualError::StakeBelowMinimum
    );
    token_utils::check_token_program(&a.stake_mint.to_account_info(), &a.token_program)?;

    task.settle_pending_stake(slot)?;
    task.add_pending_stake(args.stake, activation_round)?;
    let index = if task.node_count < task.max_nodes {
        let fresh = task.node_count;
        task.node_count = fresh.checked_add(1).ok_or(GradualError::MathOverflow)?;
        fresh
    } else {
        // Every fresh index is taken: reuse one that close_node freed.
        let pool = a.index_pool.as_ref().ok_or(GradualError::TaskFull)?;
        token_utils::expect_canonical(pool, &[seeds::INDEX_POOL, task_key.as_ref()])?;
        require_keys_eq!(*pool.owner, crate::ID, GradualError::TaskFull);
        let mut data = pool.try_borrow_mut_data()?;
        let (header, bits) = IndexPool::view(&mut data, &task_key)?;
        IndexPool::take(header, bits).ok_or(GradualError::TaskFull)?
    };
    task.live_nodes = task
        .live_nodes
        .checked_add(1)
        .ok_or(GradualError::MathOverflow)?;

    let node = Node {
        task: task_key,
        operator: args.operator,
        authority: authority_key,
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
        recent_stake: 0,
        recent_activation_round: 0,
        history_from_round: 0,
        open_audits: 0,
        in_flight_until_slot: 0,
    };
    token_utils::create_pda_account(
        &a.authority,
        &a.node,
        &a.system_program,
        &crate::ID,
        Node::SPACE,
        &[
            seeds::NODE,
            task_key.as_ref(),
            authority_key.as_ref(),
            &[node_bump],
        ],
    )?;
    node.try_serialize(&mut &mut a.node.try_borrow_mut_data()?[..])?;

    token_utils::transfer_from_user(
        &a.token_program,
        &a.authority_stake_account.to_account_info(),
        &a.stake_mint.to_account_info(),
        &a.stake_vault.to_account_info(),
        &a.authority,
        args.stake,
        task.stake_decimals,
    )?;
    emit!(NodeJoined {
        task: task_key,
        node: a.node.key(),
        operator: args.operator,
        authority: authority_key,
        index,
        stake: args.stake,
        activation_round,
        reward_account: node.reward_account,
    });
    Ok(())
}
