use crate::{
    errors::GradualError,
    events::{AuditResolved, DistributionFailed, StakeSlashed},
    math,
    state::{
        Audit, AuditKind, AuditStatus, DistributionList, ListStatus, Node, Round, RoundBitmap, Task,
    },
    token_utils,
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

/// Permissionless: after the audit's window, anyone settles it. Upheld iff `for > against` and
/// `for + against >= quorum_bps` of the round's stake snapshot (of the jury's expected seats
/// when the task has a jury).
#[derive(Accounts)]
pub struct ResolveAudit<'info> {
    #[account(
        mut,
        has_one = stake_mint @ GradualError::WrongMint,
        has_one = stake_vault @ GradualError::WrongVault
    )]
    pub task: Box<Account<'info, Task>>,
    #[account(mut)]
    pub round: AccountLoader<'info, Round>,
    #[account(mut, has_one = task @ GradualError::WrongTask)]
    pub audit: Box<Account<'info, Audit>>,
    #[account(mut, constraint = target.key() == audit.target @ GradualError::WrongAuditAccount)]
    pub target: Box<Account<'info, Node>>,
    #[account(mut)]
    pub stake_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub stake_mint: Box<InterfaceAccount<'info, Mint>>,
    /// The account named when the audit was raised (key checked here). It may have
    /// been closed, frozen or changed since: then the raiser's share goes to the slash
    /// destination instead, so no party can make this crank impossible.
    /// CHECK: as documented above.
    #[account(mut, constraint = raiser_payout.key() == audit.raiser_payout @ GradualError::WrongAuditAccount)]
    pub raiser_payout: UncheckedAccount<'info>,
    /// The bounty vault when stake and reward mints are one, else the slash vault.
    #[account(mut)]
    pub slash_destination: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
    /// The audited list, for a distribution audit.
    #[account(mut)]
    pub list: Option<AccountLoader<'info, DistributionList>>,
}

pub fn handler(ctx: Context<ResolveAudit>) -> Result<()> {
    let slot = Clock::get()?.slot;
    let a = ctx.accounts;
    let task_key = a.task.key();
    let audit_key = a.audit.key();
    let audit = &mut a.audit;
    require!(
        audit.status == AuditStatus::Open,
        GradualError::AuditAlreadyResolved
    );
    require!(slot >= audit.deadline_slot, GradualError::AuditWindowOpen);
    let expected_destination = if a.task.slashes_to_bounty() {
        a.task.bounty_vault
    } else {
        a.task.slash_vault
    };
    require_keys_eq!(
        a.slash_destination.key(),
        expected_destination,
        GradualError::WrongVault
    );
    token_utils::check_token_program(&a.stake_mint.to_account_info(), &a.token_program)?;

    let round_info = a.round.to_account_info();
    let mut data = round_info.try_borrow_mut_data()?;
    let mut view = Round::view_of(&mut data, &task_key, audit.round)?;
    let config = view.header.config;
    let votes = audit.for_stake.saturating_add(audit.against_stake);
    // Whole network: a share of the round's stake. Jury: a share of its expected seats.
    let quorum_base = match audit.jury_size {
        0 => view.header.total_active_stake,
        j => u64::from(j),
    };
    let quorum = math::bps_ceil(quorum_base, config.quorum_bps);
    let upheld = audit.for_stake > audit.against_stake && votes >= quorum;
    view.header.open_audits = view
        .header
        .open_audits
        .checked_sub(1)
        .ok_or(GradualError::MathOverflow)?;
    a.target.open_audits = a
        .target
        .open_audits
        .checked_sub(1)
        .ok_or(GradualError::MathOverflow)?;
    audit.status = if upheld {
        AuditStatus::Upheld
    } else {
        AuditStatus::Rejected
    };
    emit!(AuditResolved {
        audit: audit_key,
        round: audit.round,
        kind: audit.kind as u8,
        target: audit.target,
        upheld,
        for_stake: audit.for_stake,
        against_stake: audit.against_stake,
        quorum_stake: quorum,
    });
    if !upheld {
        return Ok(());
    }

    // Upheld: slash the target and bar it from this round's rewards.
    let index = audit.target_index;
    require!(
        view.exclude(RoundBitmap::Slashed, index),
        GradualError::WrongAuditAccount
    );
    view.header.slashed_count = view
        .header
        .slashed_count
        .checked_add(1)
        .ok_or(GradualError::MathOverflow)?;
    if audit.kind == AuditKind::Distribution {
        let mut list = a.list.as_ref().ok_or(GradualError::WrongList)?.load_mut()?;
        require!(
            list.task == task_key
                && list.round == audit.round
                && list.attempt == audit.attempt
                && list.status() == ListStatus::Sealed,
            GradualError::WrongList
        );
        list.status = ListStatus::Rejected as u8;
        a.task.reserved_rewards = a
            .task
            .reserved_rewards
            .checked_sub(list.declared_total)
            .ok_or(GradualError::MathOverflow)?;
        view.exclude(RoundBitmap::FailedDistributor, index);
        if view.next_attempt() {
            emit!(DistributionFailed {
                task: task_key,
                round: audit.round,
                attempts: view.header.distribution_attempt,
            });
        }
    }
    drop(data);

    let current = a.task.round_at(slot);
    a.task.settle_pending_stake(slot)?;
    a.target.settle_pending_stake(current)?;
    let split = a.target.slash(config.slash_bps)?;
    a.task.apply_slash(&split)?;
    audit.slashed_amount = split.total;
    let raiser_share = math::bps_floor(split.total, config.auditor_reward_bps);
    let payout_ok =
        token_utils::can_receive(&a.raiser_payout, &a.task.stake_mint, &a.token_program.key())
            && a.raiser_payout.key() != a.stake_vault.key()
            && a.raiser_payout.key() != a.slash_destination.key();
    let to_raiser = if payout_ok { raiser_share } else { 0 };
    let to_destination = split.total - to_raiser;

    let seeds = a.task.signer_seeds();
    for (amount, to) in [
        (to_raiser, a.raiser_payout.to_account_info()),
        (to_destination, a.slash_destination.to_account_info()),
    ] {
        if amount > 0 {
            token_utils::transfer_from_vault(
                &a.token_program,
                &a.stake_vault.to_account_info(),
                &a.stake_mint.to_account_info(),
                &to,
                &a.task.to_account_info(),
                &seeds,
                amount,
                a.task.stake_decimals,
            )?;
        }
    }
    emit!(StakeSlashed {
        task: task_key,
        round: audit.round,
        node: audit.target,
        amount: split.total,
        to_raiser,
        raiser_payout: audit.raiser_payout,
        to_destination,
        destination: expected_destination,
    });
    Ok(())
}
