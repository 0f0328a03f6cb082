//! Permissionless cranks that close accounts nothing can need any more and return their rent
//! to whoever paid it: close_vote, close_audit, close_distribution, close_round.
use crate::{
    errors::GradualError,
    events::{AccountClosed, UnclaimedRewardsReleased},
    state::{
        Audit, AuditStatus, DistributionList, DistributionStatus, ListStatus, Round, Task, Vote,
    },
};
use anchor_lang::{prelude::*, AccountDeserialize};

#[derive(Accounts)]
pub struct CloseVote<'info> {
    /// Receives the rent; must be the vote's payer (has_one).
    /// CHECK: as documented above.
    #[account(mut)]
    pub payer: UncheckedAccount<'info>,
    #[account(mut, close = payer, has_one = payer @ GradualError::WrongRentReceiver, has_one = audit @ GradualError::WrongAuditAccount)]
    pub vote: Account<'info, Vote>,
    /// The vote's audit: resolved, or already closed (only resolved audits close).
    /// CHECK: as documented above.
    pub audit: UncheckedAccount<'info>,
}

/// A vote is dead once its audit is resolved.
pub fn close_vote(ctx: Context<CloseVote>) -> Result<()> {
    let audit = &ctx.accounts.audit;
    if !audit.data_is_empty() {
        require_keys_eq!(*audit.owner, crate::ID, GradualError::WrongAuditAccount);
        let data = audit.try_borrow_data()?;
        let audit = Audit::try_deserialize(&mut &data[..])?;
        require!(
            audit.status != AuditStatus::Open,
            GradualError::AuditStillOpen
        );
    }
    emit!(AccountClosed {
        account: ctx.accounts.vote.key(),
        kind: "vote".into(),
        rent_to: ctx.accounts.payer.key(),
    });
    Ok(())
}

#[derive(Accounts)]
pub struct CloseAudit<'info> {
    /// Receives the rent; must be the audit's payer (has_one).
    /// CHECK: as documented above.
    #[account(mut)]
    pub payer: UncheckedAccount<'info>,
    #[account(mut, close = payer, has_one = payer @ GradualError::WrongRentReceiver)]
    pub audit: Account<'info, Audit>,
}

/// An audit is dead once resolved (its outcome is in the events and the round's bitmaps).
pub fn close_audit(ctx: Context<CloseAudit>) -> Result<()> {
    require!(
        ctx.accounts.audit.status != AuditStatus::Open,
        GradualError::AuditStillOpen
    );
    emit!(AccountClosed {
        account: ctx.accounts.audit.key(),
        kind: "audit".into(),
        rent_to: ctx.accounts.payer.key(),
    });
    Ok(())
}

#[derive(Accounts)]
pub struct CloseDistribution<'info> {
    /// Receives the rent; must be the list's payer (checked in the handler).
    /// CHECK: as documented above.
    #[account(mut)]
    pub payer: UncheckedAccount<'info>,
    /// The list's task: an expired list's unclaimed rewards stop being reserved.
    #[account(mut)]
    pub task: Account<'info, Task>,
    #[account(mut)]
    pub round: AccountLoader<'info, Round>,
    #[account(mut, close = payer)]
    pub list: AccountLoader<'info, DistributionList>,
}

/// A list is dead when it was rejected, abandoned (its attempt is over unsealed), or accepted
/// and fully claimed.
pub fn close_distribution(ctx: Context<CloseDistribution>) -> Result<()> {
    let list = ctx.accounts.list.load()?;
    let mut round = ctx.accounts.round.load_mut()?;
    require_keys_eq!(
        ctx.accounts.payer.key(),
        list.payer,
        GradualError::WrongRentReceiver
    );
    require!(
        list.task == round.task
            && list.round == round.round
            && list.task == ctx.accounts.task.key(),
        GradualError::WrongList
    );
    let attempt_over =
        list.attempt < round.distribution_attempt || round.status() == DistributionStatus::Failed;
    let expired = Clock::get()?.slot >= list.claim_deadline_slot;
    let dead = match list.status() {
        ListStatus::Rejected => true,
        ListStatus::Uploading => attempt_over,
        ListStatus::Accepted => list.claimed_count == list.written || expired,
        ListStatus::Sealed => false,
    };
    require!(dead, GradualError::AccountStillNeeded);
    if list.status() == ListStatus::Accepted {
        // Unclaimed at the deadline: back to the bounty (it never left the vault).
        let unclaimed = list
            .declared_total
            .checked_sub(list.claimed_total)
            .ok_or(GradualError::MathOverflow)?;
        if unclaimed > 0 {
            let task = &mut ctx.accounts.task;
            task.reserved_rewards = task
                .reserved_rewards
                .checked_sub(unclaimed)
                .ok_or(GradualError::MathOverflow)?;
            emit!(UnclaimedRewardsReleased {
                task: task.key(),
                round: list.round,
                attempt: list.attempt,
                amount: unclaimed,
                unclaimed_entries: list.written.saturating_sub(list.claimed_count),
            });
        }
    }
    round.live_lists = round
        .live_lists
        .checked_sub(1)
        .ok_or(GradualError::MathOverflow)?;
    emit!(AccountClosed {
        account: ctx.accounts.list.key(),
        kind: "distribution".into(),
        rent_to: ctx.accounts.payer.key(),
    });
    Ok(())
}

#[derive(Accounts)]
pub struct CloseRound<'info> {
    /// Receives the rent; must be the round's payer (checked in the handler).
    /// CHECK: as documented above.
    #[account(mut)]
    pub payer: UncheckedAccount<'info>,
    #[account(mut, close = payer)]
    pub round: AccountLoader<'info, Round>,
}

/// A round is dead once settled (accepted or failed) with every shard merged and no open
/// audit and no submission or list account left that reads it.
pub fn close_round(ctx: Context<CloseRound>) -> Result<()> {
    let round = ctx.accounts.round.load()?;
    require_keys_eq!(
        ctx.accounts.payer.key(),
        round.payer,
        GradualError::WrongRentReceiver
    );
    require!(
        round.status().is_settled()
            && round.open_audits == 0
            && round.live_submissions == 0
            && round.live_lists == 0,
        GradualError::AccountStillNeeded
    );
    // A round that failed before anyone merged it still has shards (and their submissions,
    // not yet counted in `live_submissions`) that only the Round can release.
    require!(round.all_shards_merged(), GradualError::ShardsNotMerged);
    emit!(AccountClosed {
        account: ctx.accounts.round.key(),
        kind: "round".into(),
        rent_to: ctx.accounts.payer.key(),
    });
    Ok(())
}
