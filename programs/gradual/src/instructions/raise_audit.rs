use crate::{
    bitmap,
    errors::GradualError,
    events::AuditRaised,
    state::{
        seeds, Audit, AuditKind, AuditStatus, DistributionList, DistributionStatus, ListStatus,
        Node, Round, Task,
    },
    token_utils,
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct RaiseAuditArgs {
    pub round: u64,
    pub kind: AuditKind,
}

#[derive(Accounts)]
pub struct RaiseAudit<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    pub task: Account<'info, Task>,
    /// The raising node; its stake is the first `for` vote.
    #[account(
        has_one = task @ GradualError::WrongTask,
        has_one = operator @ GradualError::Unauthorized
    )]
    pub raiser: Account<'info, Node>,
    /// The accused node: counts its open audits (no withdrawal meanwhile).
    #[account(mut, has_one = task @ GradualError::WrongTask)]
    pub target: Account<'info, Node>,
    #[account(mut)]
    pub round: AccountLoader<'info, Round>,
    /// CHECK: created by the handler at `["audit", task, round, kind, target]`.
    #[account(mut)]
    pub audit: UncheckedAccount<'info>,
    /// Stake-mint account that receives the raiser's share if the audit is upheld.
    /// Owned by the raiser's authority (cold key), so a stolen hot key cannot collect shares.
    #[account(
        constraint = raiser_payout.mint == task.stake_mint @ GradualError::WrongMint,
        constraint = raiser_payout.owner == raiser.authority @ GradualError::PayoutNotOwnedByAuthority
    )]
    pub raiser_payout: InterfaceAccount<'info, TokenAccount>,
    /// The current attempt's list, for a distribution audit.
    pub list: Option<AccountLoader<'info, DistributionList>>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<RaiseAudit>, args: RaiseAuditArgs) -> Result<()> {
    let slot = Clock::get()?.slot;
    let a = ctx.accounts;
    let task_key = a.task.key();
    let raiser_key = a.raiser.key();
    let target_key = a.target.key();
    require_keys_neq!(raiser_key, target_key, GradualError::SelfAudit);
    token_utils::require_not_vault(&a.task, &a.raiser_payout.key())?;

    let round_info = a.round.to_account_info();
    let mut data = round_info.try_borrow_mut_data()?;
    let view = Round::view_of(&mut data, &task_key, args.round)?;
    let header = &*view.header;
    let weight = a.raiser.stake_for_round(args.round)?;
    require!(
        weight >= header.config.minimum_stake,
        GradualError::NodeNotEligible
    );
    let timeline = header.timeline();
    let (deadline_slot, attempt) = match args.kind {
        AuditKind::Submission => {
            require!(
                timeline.audit().contains(&slot),
                GradualError::AuditWindowClosed
            );
            require!(
                bitmap::get(view.submitted, a.target.index),
                GradualError::TargetNotSubmitted
            );
            require!(
                !bitmap::get(view.slashed, a.target.index),
                GradualError::AlreadySlashed
            );
            (timeline.audit().end, 0)
        }
        AuditKind::Distribution => {
            require!(
                header.status() == DistributionStatus::Sealed,
                GradualError::WrongDistributionStatus
            );
            let list = a.list.as_ref().ok_or(GradualError::WrongList)?.load()?;
            require!(
                list.task == task_key
                    && list.round == args.round
                    && list.attempt == header.distribution_attempt
                    && list.status() == ListStatus::Sealed,
                GradualError::WrongList
            );
            require_keys_eq!(
                list.distributor,
                target_key,
                GradualError::WrongAuditAccount
            );
            let (_, audit_window) = timeline
                .distribution(u16::from(list.attempt))
                .ok_or(GradualError::WrongAttempt)?;
            require!(
                audit_window.contains(&slot),
                GradualError::AuditWindowClosed
            );
            (audit_window.end, list.attempt)
        }
    };

    let round_le = args.round.to_le_bytes();
    let kind = [args.kind as u8];
    // One audit per (round, kind, target) at the canonical address.
    let bump = [token_utils::expect_canonical(
        &a.audit,
        &[
            seeds::AUDIT,
            task_key.as_ref(),
            &round_le,
            &kind,
            target_key.as_ref(),
        ],
    )?];
    let audit_seeds: [&[u8]; 6] = [
        seeds::AUDIT,
        task_key.as_ref(),
        &round_le,
        &kind,
        target_key.as_ref(),
        &bump,
    ];
    require!(
        token_utils::is_unallocated(&a.audit),
        GradualError::AuditAlreadyRaised
    );
    token_utils::create_pda_account(
        &a.operator,
        &a.audit,
        &a.system_program,
        &crate::ID,
        Audit::SPACE,
        &audit_seeds,
    )?;
    let audit = Audit {
        task: task_key,
        round: args.round,
        kind: args.kind,
        target: target_key,
        target_index: a.target.index,
        attempt,
        raiser: raiser_key,
        raiser_payout: a.raiser_payout.key(),
        payer: a.operator.key(),
        for_stake: weight,
        against_stake: 0,
        votes: 1,
        deadline_slot,
        status: AuditStatus::Open,
        slashed_amount: 0,
        bump: bump[0],
    };
    audit.try_serialize(&mut &mut a.audit.try_borrow_mut_data()?[..])?;
    view.header.open_audits = view
        .header
        .open_audits
        .checked_add(1)
        .ok_or(GradualError::MathOverflow)?;
    a.target.open_audits = a
        .target
        .open_audits
        .checked_add(1)
        .ok_or(GradualError::MathOverflow)?;

    emit!(AuditRaised {
        task: task_key,
        round: args.round,
        audit: a.audit.key(),
        kind: args.kind as u8,
        target: target_key,
        raiser: raiser_key,
        weight,
        deadline_slot,
    });
    Ok(())
}
