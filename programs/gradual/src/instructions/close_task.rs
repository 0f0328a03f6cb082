use crate::{
    errors::GradualError,
    events::{SlashedStakeSwept, TaskAccountsClosed, TaskClosed},
    state::{Task, TaskStatus},
    token_utils,
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, Mint, TokenAccount, TokenInterface};

/// Closes a paused task once every round that could have opened before the pause has run its
/// whole timeline, and returns the unreserved bounty. Sealed lists stay reserved and claimable;
/// stake can then be withdrawn without unbonding. Calling it again on a closed task returns
/// whatever became unreserved since (a list rejected after the close).
#[derive(Accounts)]
pub struct CloseTask<'info> {
    pub authority: Signer<'info>,
    #[account(
        mut,
        has_one = authority @ GradualError::Unauthorized,
        has_one = reward_mint @ GradualError::WrongMint,
        has_one = bounty_vault @ GradualError::WrongVault
    )]
    pub task: Account<'info, Task>,
    #[account(mut)]
    pub bounty_vault: InterfaceAccount<'info, TokenAccount>,
    pub reward_mint: InterfaceAccount<'info, Mint>,
    #[account(mut, constraint = destination.mint == task.reward_mint @ GradualError::WrongMint)]
    pub destination: InterfaceAccount<'info, TokenAccount>,
    pub token_program: Interface<'info, TokenInterface>,
}

pub fn close_task(ctx: Context<CloseTask>) -> Result<()> {
    let slot = Clock::get()?.slot;
    let a = ctx.accounts;
    let task = &mut a.task;
    match task.status {
        TaskStatus::Paused => {
            // Set at the pause: the end of the last submittable round's whole timeline.
            require!(
                slot >= task.close_after_slot,
                GradualError::RoundsNotSettled
            );
        }
        TaskStatus::Closed | TaskStatus::Closing => {}
        TaskStatus::Active => return err!(GradualError::TaskNotPaused),
    }
    token_utils::check_token_program(&a.reward_mint.to_account_info(), &a.token_program)?;
    let returned = a
        .bounty_vault
        .amount
        .checked_sub(task.reserved_rewards)
        .ok_or(GradualError::MathOverflow)?;
    task.status = TaskStatus::Closed;
    if returned > 0 {
        let seeds = task.signer_seeds();
        token_utils::transfer_from_vault(
            &a.token_program,
            &a.bounty_vault.to_account_info(),
            &a.reward_mint.to_account_info(),
            &a.destination.to_account_info(),
            &task.to_account_info(),
            &seeds,
            returned,
            task.reward_decimals,
        )?;
    }
    emit!(TaskClosed {
        task: task.key(),
        returned,
        destination: a.destination.key(),
    });
    Ok(())
}

/// The task authority takes the slashed stake held in the slash vault (tasks whose stake and
/// reward mints differ).
#[derive(Accounts)]
pub struct SweepSlashed<'info> {
    pub authority: Signer<'info>,
    #[account(
        has_one = authority @ GradualError::Unauthorized,
        has_one = stake_mint @ GradualError::WrongMint,
        has_one = slash_vault @ GradualError::WrongVault
    )]
    pub task: Account<'info, Task>,
    #[account(mut)]
    pub slash_vault: InterfaceAccount<'info, TokenAccount>,
    pub stake_mint: InterfaceAccount<'info, Mint>,
    #[account(mut, constraint = destination.mint == task.stake_mint @ GradualError::WrongMint)]
    pub destination: InterfaceAccount<'info, TokenAccount>,
    pub token_program: Interface<'info, TokenInterface>,
}

pub fn sweep_slashed(ctx: Context<SweepSlashed>) -> Result<()> {
    let a = ctx.accounts;
    token_utils::check_token_program(&a.stake_mint.to_account_info(), &a.token_program)?;
    let amount = a.slash_vault.amount;
    require!(amount > 0, GradualError::ZeroAmount);
    let seeds = a.task.signer_seeds();
    token_utils::transfer_from_vault(
        &a.token_program,
        &a.slash_vault.to_account_info(),
        &a.stake_mint.to_account_info(),
        &a.destination.to_account_info(),
        &a.task.to_account_info(),
        &seeds,
        amount,
        a.task.stake_decimals,
    )?;
    emit!(SlashedStakeSwept {
        task: a.task.key(),
        amount,
        destination: a.destination.key(),
    });
    Ok(())
}

/// After `close_task`, once every node has closed its account and every reserved reward was
/// claimed or expired, the authority closes the vaults and the index pool and takes their
/// rent. Tokens someone sent straight to a vault (outside `fund_task`) go to the authority's
/// accounts first, so a stray transfer cannot keep the task open. The Task account itself
/// stays, Closed, as a tombstone: were it closed, `create_task` could re-create the same
/// address and inherit the old task's Round, list and audit accounts (same seeds).
#[derive(Accounts)]
pub struct CloseTaskAccounts<'info> {
    #[account(mut)]
    pub authority: Signer<'info>,
    #[account(
        has_one = authority @ GradualError::Unauthorized,
        has_one = reward_mint @ GradualError::WrongMint,
        has_one = stake_mint @ GradualError::WrongMint,
        has_one = bounty_vault @ GradualError::WrongVault,
        has_one = stake_vault @ GradualError::WrongVault
    )]
    pub task: Box<Account<'info, Task>>,
    #[account(mut)]
    pub bounty_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut)]
    pub stake_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The slash vault, for tasks whose two mints differ.
    #[account(mut)]
    pub slash_vault: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    pub reward_mint: Box<InterfaceAccount<'info, Mint>>,
    pub stake_mint: Box<InterfaceAccount<'info, Mint>>,
    /// Receives stray reward tokens.
    #[account(mut, constraint = reward_destination.mint == task.reward_mint @ GradualError::WrongMint)]
    pub reward_destination: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Receives stray stake tokens and the slash vault's balance.
    #[account(mut, constraint = stake_destination.mint == task.stake_mint @ GradualError::WrongMint)]
    pub stake_destination: Box<InterfaceAccount<'info, TokenAccount>>,
    pub reward_token_program: Interface<'info, TokenInterface>,
    pub stake_token_program: Interface<'info, TokenInterface>,
    /// The task's index pool (`["indexes", task]`), closed too when it exists.
    /// CHECK: as documented above.
    #[account(mut)]
    pub index_pool: UncheckedAccount<'info>,
}

pub fn close_task_accounts(ctx: Context<CloseTaskAccounts>) -> Result<()> {
    let a = ctx.accounts;
    let task = &a.task;
    require!(
        task.status == TaskStatus::Closed && task.live_nodes == 0 && task.reserved_rewards == 0,
        GradualError::TaskStillNeeded
    );
    token_utils::check_token_program(&a.reward_mint.to_account_info(), &a.reward_token_program)?;
    token_utils::check_token_program(&a.stake_mint.to_account_info(), &a.stake_token_program)?;
    for destination in [a.reward_destination.key(), a.stake_destination.key()] {
        token_utils::require_not_vault(task, &destination)?;
    }
    let slash_vault = if task.slash_vault == Pubkey::default() {
        None
    } else {
        let vault = a.slash_vault.as_ref().ok_or(GradualError::WrongVault)?;
        require_keys_eq!(vault.key(), task.slash_vault, GradualError::WrongVault);
        Some(vault.to_account_info())
    };
    let seeds = task.signer_seeds();
    let task_info = task.to_account_info();
    let mut swept = [0u64; 2];
    let vaults = [
        (
            a.bounty_vault.to_account_info(),
            a.bounty_vault.amount,
            &a.reward_mint,
            &a.reward_destination,
            &a.reward_token_program,
            task.reward_decimals,
            0,
        ),
        (
            a.stake_vault.to_account_info(),
            a.stake_vault.amount,
            &a.stake_mint,
            &a.stake_destination,
            &a.stake_token_program,
            task.stake_decimals,
            1,
        ),
    ];
    let slash = slash_vault.map(|v| {
        let amount = a.slash_vault.as_ref().map_or(0, |s| s.amount);
        (
            v,
            amount,
            &a.stake_mint,
            &a.stake_destination,
            &a.stake_token_program,
            task.stake_decimals,
            1,
        )
    });
    for (vault, amount, mint, destination, program, decimals, which) in
        vaults.into_iter().chain(slash)
    {
        if amount > 0 {
            token_utils::transfer_from_vault(
                program,
                &vault,
                &mint.to_account_info(),
                &destination.to_account_info(),
                &task_info,
                &seeds,
                amount,
                decimals,
            )?;
            swept[which] = swept[which].saturating_add(amount);
        }
        token_interface::close_account(CpiContext::new_with_signer(
            program.key(),
            token_interface::CloseAccount {
                account: vault,
                destination: a.authority.to_account_info(),
                authority: task_info.clone(),
            },
            &[&seeds],
        ))?;
    }
    token_utils::expect_canonical(
        &a.index_pool,
        &[crate::state::seeds::INDEX_POOL, task.key().as_ref()],
    )?;
    if *a.index_pool.owner == crate::ID {
        token_utils::close_program_account(&a.index_pool, &a.authority)?;
    }
    emit!(TaskAccountsClosed {
        task: task.key(),
        swept_reward: swept[0],
        swept_stake: swept[1],
        rent_to: a.authority.key(),
    });
    Ok(())
}
