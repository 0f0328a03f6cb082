use crate::{
    bitmap,
    errors::GradualError,
    events::AuditRaised,
    instructions::select_distributor::{seed_source, SeedSource},
    sampling,
    state::{
        seeds, Audit, AuditKind, AuditStatus, DistributionList, DistributionStatus, ListStatus,
        Node, Round, Submission, Task,
    },
    token_utils,
};
use anchor_lang::{prelude::*, solana_program::sysvar::SysvarId, Discriminator};
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
    /// The raising Node (`["node", task, authority]`), operated by `operator`; its stake is
    /// the first `for` vote. Read by the handler (`Node::member`), so a key that never joined
    /// gets `NotAMember`.
    /// CHECK: as documented above.
    pub raiser: UncheckedAccount<'info>,
    /// The accused node: counts its open audits (no withdrawal meanwhile).
    #[account(mut, has_one = task @ GradualError::WrongTask)]
    pub target: Account<'info, Node>,
    #[account(mut)]
    pub round: AccountLoader<'info, Round>,
    /// Created by the handler at `["audit", task, round, kind, target]`.
    /// CHECK: as documented above.
    #[account(mut)]
    pub audit: UncheckedAccount<'info>,
    /// Stake-mint account that receives the raiser's share if the audit is upheld.
    /// Owned by the raiser's authority (cold key), so a stolen hot key cannot collect shares.
    #[account(
        constraint = raiser_payout.mint == task.stake_mint @ GradualError::WrongMint
    )]
    pub raiser_payout: InterfaceAccount<'info, TokenAccount>,
    /// The current attempt's list, for a distribution audit.
    pub list: Option<AccountLoader<'info, DistributionList>>,
    /// Must be the SlotHashes sysvar (checked in the handler): the round's audit
    /// assignment seed is recorded from it.
    /// CHECK: as documented above.
    pub slot_hashes: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
    /// For a submission audit, the target's Submission of this round: it exists until
    /// the audit window is over exactly when the target submitted (submissions are recorded
    /// in shards, merged into the Round only after the submission window, so the Round's bitmap
    /// cannot tell yet). Checked by owner, discriminator, task, round and node in the handler.
    /// CHECK: as documented above.
    pub target_submission: Option<UncheckedAccount<'info>>,
}

/// Whether `account` is the Submission of `node` for `round` of `task`: program-owned (only
/// this program creates accounts it owns, each at its canonical PDA) with the Submission
/// discriminator and those three fields. Read from the raw bytes (the proof is not decoded).
fn is_submission_of(account: &AccountInfo, task: &Pubkey, round: u64, node: &Pubkey) -> bool {
    if *account.owner != crate::ID {
        return false;
    }
    let Ok(data) = account.try_borrow_data() else {
        return false;
    };
    // Discriminator, task, node, payer, round (`Submission`'s field order).
    data.len() >= Submission::BASE_SPACE
        && data[..8] == *Submission::DISCRIMINATOR
        && data[8..40] == task.to_bytes()
        && data[40..72] == node.to_bytes()
        && data[104..112] == round.to_le_bytes()
}

pub fn handler(ctx: Context<RaiseAudit>, args: RaiseAuditArgs) -> Result<()> {
    let slot = Clock::get()?.slot;
    let a = ctx.accounts;
    let task_key = a.task.key();
    let raiser = Node::operated_by(&a.raiser, &task_key, &a.operator.key())?;
    require_keys_eq!(
        a.raiser_payout.owner,
        raiser.authority,
        GradualError::PayoutNotOwnedByAuthority
    );
    let raiser_key = a.raiser.key();
    let target_key = a.target.key();
    require_keys_neq!(raiser_key, target_key, GradualError::SelfAudit);
    token_utils::require_not_vault(&a.task, &a.raiser_payout.key())?;

    require_keys_eq!(
        a.slot_hashes.key(),
        SlotHashes::id(),
        GradualError::WrongSysvar
    );
    let jury_size = a.task.jury_size;
    let voter_capacity = match jury_size {
        0 => 0,
        j => Audit::voter_capacity(j, a.task.max_nodes),
    };
    let round_info = a.round.to_account_info();
    let mut data = round_info.try_borrow_mut_data()?;
    let view = Round::view_of(&mut data, &task_key, args.round)?;
    let header = &*view.header;
    let weight = raiser.stake_for_round(args.round)?;
    require!(
        weight >= header.config.minimum_stake,
        GradualError::NodeNotEligible
    );
    let timeline = header.timeline();
    // The assignment seed: the first slot hash at or after the submission window's end (the
    // submitter set is final, so no submitter could know its auditors), the same for every
    // caller once it exists. Recorded by the first raise that can see it; an evicted hash is
    // never used (the oldest entry changes every slot and could be chosen by timing).
    if view.header.audit_seed_slot == 0 {
        if let SeedSource::SlotHash { slot, hash } =
            seed_source(&a.slot_hashes.try_borrow_data()?, timeline.submission().end)
        {
            view.header.audit_seed = sampling::assignment_seed(&hash, &task_key, args.round);
            view.header.audit_seed_slot = slot;
        }
    }
    let header = &*view.header;
    let (deadline_slot, attempt) = match args.kind {
        AuditKind::Submission => {
            require!(
                timeline.audit().contains(&slot),
                GradualError::AuditWindowClosed
            );
            require!(
                a.target_submission
                    .as_ref()
                    .is_some_and(|s| is_submission_of(s, &task_key, args.round, &target_key)),
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
        Audit::space_with_jury(voter_capacity),
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
        // With a jury the raiser's seats are not known yet: it votes like any juror.
        for_stake: if jury_size == 0 { weight } else { 0 },
        against_stake: 0,
        votes: u32::from(jury_size == 0),
        deadline_slot,
        status: AuditStatus::Open,
        slashed_amount: 0,
        bump: bump[0],
        jury_size,
        // Submission audits raised early still get their jury from after the submission
        // window, when every honest node is watching.
        jury_from_slot: match args.kind {
            AuditKind::Submission => slot.max(timeline.submission().end),
            AuditKind::Distribution => slot,
        },
        jury_seed: [0; 32],
        voter_capacity,
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
        weight: if jury_size == 0 { weight } else { 0 },
        deadline_slot,
    });
    Ok(())
}
