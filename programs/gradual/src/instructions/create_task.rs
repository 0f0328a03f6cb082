use crate::{
    constants::{
        MAX_AUDIT_SAMPLE, MAX_JURY_SIZE, MAX_NODES_LIMIT, TRUST_ALL, TRUST_FREEZE_AUTHORITY,
    },
    errors::GradualError,
    events::TaskCreated,
    state::{seeds, Task, TaskConfig, TaskStatus},
    token_utils,
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenInterface};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct CreateTaskArgs {
    /// Creator-chosen id; the task PDA is `["task", authority, task_id LE]`.
    pub task_id: u64,
    /// First slot of round 0; not in the past.
    pub start_slot: u64,
    /// Node-index space, 1..=MAX_NODES_LIMIT (DEFAULT_MAX_NODES is 4,096).
    pub max_nodes: u32,
    pub config: TaskConfig,
    /// Trust settings the creator accepts (`TRUST_*` bits, 0 for none). Without
    /// `TRUST_FREEZE_AUTHORITY`, a mint with a freeze authority is refused: its holder could
    /// freeze the vaults and block every withdrawal and payout.
    pub trust_flags: u8,
    /// Peers each node checks per round, 0..=MAX_AUDIT_SAMPLE (0: every submitter).
    pub audit_sample: u16,
    /// Expected jury seats per audit, 0..=MAX_JURY_SIZE (0: whole-network vote).
    pub jury_size: u16,
}

#[derive(Accounts)]
pub struct CreateTask<'info> {
    #[account(mut)]
    pub authority: Signer<'info>,
    /// Created by the handler at `["task", authority, task_id LE]`; must not exist yet.
    /// CHECK: as documented above.
    #[account(mut)]
    pub task: UncheckedAccount<'info>,
    pub reward_mint: InterfaceAccount<'info, Mint>,
    pub stake_mint: InterfaceAccount<'info, Mint>,
    /// Token account created by the handler at `["bounty", task]`.
    /// CHECK: as documented above.
    #[account(mut)]
    pub bounty_vault: UncheckedAccount<'info>,
    /// Token account created by the handler at `["stake", task]`.
    /// CHECK: as documented above.
    #[account(mut)]
    pub stake_vault: UncheckedAccount<'info>,
    /// Token account (stake mint) created by the handler at `["slashed", task]` when
    /// the two mints differ; left untouched otherwise.
    /// CHECK: as documented above.
    #[account(mut)]
    pub slash_vault: UncheckedAccount<'info>,
    pub reward_token_program: Interface<'info, TokenInterface>,
    pub stake_token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

/// Bumps of the three PDAs `create_task` creates.
struct Bumps {
    task: u8,
    bounty_vault: u8,
    stake_vault: u8,
    slash_vault: u8,
}

impl CreateTask<'_> {
    fn pdas(&self, task_id: u64) -> Result<Bumps> {
        let task = self.task.key();
        Ok(Bumps {
            task: token_utils::expect_canonical(
                &self.task,
                &[
                    seeds::TASK,
                    self.authority.key.as_ref(),
                    &task_id.to_le_bytes(),
                ],
            )?,
            bounty_vault: token_utils::expect_canonical(
                &self.bounty_vault,
                &[seeds::BOUNTY_VAULT, task.as_ref()],
            )?,
            stake_vault: token_utils::expect_canonical(
                &self.stake_vault,
                &[seeds::STAKE_VAULT, task.as_ref()],
            )?,
            slash_vault: token_utils::expect_canonical(
                &self.slash_vault,
                &[seeds::SLASH_VAULT, task.as_ref()],
            )?,
        })
    }

    fn validate(&self, args: &CreateTaskArgs, slot: u64) -> Result<()> {
        args.config.validate()?;
        require!(
            args.max_nodes > 0 && args.max_nodes <= MAX_NODES_LIMIT,
            GradualError::InvalidMaxNodes
        );
        require!(args.start_slot >= slot, GradualError::StartSlotInPast);
        require!(
            token_utils::is_unallocated(&self.task),
            GradualError::TaskAlreadyExists
        );
        for (mint, program) in [
            (
                self.reward_mint.to_account_info(),
                &self.reward_token_program,
            ),
            (self.stake_mint.to_account_info(), &self.stake_token_program),
        ] {
            token_utils::check_token_program(&mint, program)?;
            token_utils::check_mint_extensions(&mint)?;
        }
        require!(
            args.trust_flags & !TRUST_ALL == 0,
            GradualError::InvalidTrustFlags
        );
        require!(
            args.jury_size <= MAX_JURY_SIZE && args.audit_sample <= MAX_AUDIT_SAMPLE,
            GradualError::InvalidAuditPolicy
        );
        if args.trust_flags & TRUST_FREEZE_AUTHORITY == 0 {
            require!(
                self.reward_mint.freeze_authority.is_none()
                    && self.stake_mint.freeze_authority.is_none(),
                GradualError::MintHasFreezeAuthority
            );
        }
        Ok(())
    }
}

pub fn handler(ctx: Context<CreateTask>, args: CreateTaskArgs) -> Result<()> {
    let slot = Clock::get()?.slot;
    let bumps = ctx.accounts.pdas(args.task_id)?;
    ctx.accounts.validate(&args, slot)?;
    let a = &ctx.accounts;
    let authority_key = a.authority.key();
    let task_key = a.task.key();
    let id_bytes = args.task_id.to_le_bytes();
    let task_bump = [bumps.task];
    let task_seeds: &[&[u8]] = &[seeds::TASK, authority_key.as_ref(), &id_bytes, &task_bump];

    token_utils::create_pda_account(
        &a.authority,
        &a.task,
        &a.system_program,
        &crate::ID,
        Task::SPACE,
        task_seeds,
    )?;
    let separate_slash_vault = a.reward_mint.key() != a.stake_mint.key();
    let vaults = [
        (
            &a.bounty_vault,
            seeds::BOUNTY_VAULT,
            bumps.bounty_vault,
            a.reward_mint.to_account_info(),
            &a.reward_token_program,
        ),
        (
            &a.stake_vault,
            seeds::STAKE_VAULT,
            bumps.stake_vault,
            a.stake_mint.to_account_info(),
            &a.stake_token_program,
        ),
        (
            &a.slash_vault,
            seeds::SLASH_VAULT,
            bumps.slash_vault,
            a.stake_mint.to_account_info(),
            &a.stake_token_program,
        ),
    ];
    let count = if separate_slash_vault { 3 } else { 2 };
    for (vault, seed, bump, mint, program) in vaults.into_iter().take(count) {
        token_utils::create_vault(
            &a.authority,
            vault,
            &mint,
            &a.task,
            program,
            &a.system_program,
            &[seed, task_key.as_ref(), &[bump]],
        )?;
    }

    let task = Task {
        authority: authority_key,
        task_id: args.task_id,
        reward_mint: a.reward_mint.key(),
        stake_mint: a.stake_mint.key(),
        bounty_vault: a.bounty_vault.key(),
        stake_vault: a.stake_vault.key(),
        slash_vault: if separate_slash_vault {
            a.slash_vault.key()
        } else {
            Pubkey::default()
        },
        reward_decimals: a.reward_mint.decimals,
        stake_decimals: a.stake_mint.decimals,
        status: TaskStatus::Active,
        max_nodes: args.max_nodes,
        node_count: 0,
        start_slot: args.start_slot,
        config: args.config,
        config_base_round: 0,
        config_base_slot: args.start_slot,
        pending_config: None,
        config_version: 0,
        total_active_stake: 0,
        pending_stake: 0,
        pending_activation_round: 0,
        total_unbonding: 0,
        total_funded: 0,
        reserved_rewards: 0,
        total_claimed: 0,
        total_slashed: 0,
        paused_at_slot: 0,
        recent_stake: 0,
        recent_activation_round: 0,
        close_after_slot: 0,
        trust_flags: args.trust_flags,
        live_nodes: 0,
        audit_sample: args.audit_sample,
        jury_size: args.jury_size,
        bump: bumps.task,
        bounty_vault_bump: bumps.bounty_vault,
        stake_vault_bump: bumps.stake_vault,
        slash_vault_bump: bumps.slash_vault,
    };
    let mut data = a.task.try_borrow_mut_data()?;
    task.try_serialize(&mut &mut data[..])?;

    emit!(TaskCreated {
        task: task_key,
        authority: authority_key,
        task_id: args.task_id,
        reward_mint: task.reward_mint,
        stake_mint: task.stake_mint,
        start_slot: args.start_slot,
        max_nodes: args.max_nodes,
        config: args.config,
        trust_flags: args.trust_flags,
        audit_sample: args.audit_sample,
        jury_size: args.jury_size,
    });
    Ok(())
}
