use crate::{
    errors::GradualError,
    events::Voted,
    state::{seeds, Audit, AuditStatus, Node, Round, Vote},
    token_utils,
};
use anchor_lang::prelude::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct VoteArgs {
    /// `true` backs the accusation, `false` rejects it.
    pub approve: bool,
}

#[derive(Accounts)]
pub struct CastVote<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    #[account(
        has_one = operator @ GradualError::Unauthorized,
        constraint = voter.task == audit.task @ GradualError::WrongTask
    )]
    pub voter: Account<'info, Node>,
    #[account(mut)]
    pub audit: Account<'info, Audit>,
    /// The audited round: eligibility uses its config snapshot.
    pub round: AccountLoader<'info, Round>,
    /// CHECK: created by the handler at `["vote", audit, voter]`.
    #[account(mut)]
    pub vote: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<CastVote>, args: VoteArgs) -> Result<()> {
    let slot = Clock::get()?.slot;
    let a = ctx.accounts;
    let audit = &mut a.audit;
    let voter_key = a.voter.key();
    require!(
        audit.status == AuditStatus::Open,
        GradualError::AuditAlreadyResolved
    );
    require!(slot < audit.deadline_slot, GradualError::AuditWindowClosed);
    require_keys_neq!(voter_key, audit.target, GradualError::TargetCannotVote);
    require_keys_neq!(voter_key, audit.raiser, GradualError::AlreadyVoted);
    let minimum_stake = {
        let round = a.round.load()?;
        require!(
            round.task == audit.task && round.round == audit.round,
            GradualError::WrongRound
        );
        round.config.minimum_stake
    };
    let weight = a.voter.stake_for_round(audit.round)?;
    require!(weight >= minimum_stake, GradualError::NodeNotEligible);

    let audit_key = audit.key();
    // One Vote per (audit, voter) at the canonical address: a caller-chosen bump would
    // admit ~128 addresses, hence ~128 votes of the same node.
    let bump = [token_utils::expect_canonical(
        &a.vote,
        &[seeds::VOTE, audit_key.as_ref(), voter_key.as_ref()],
    )?];
    let vote_seeds: [&[u8]; 4] = [seeds::VOTE, audit_key.as_ref(), voter_key.as_ref(), &bump];
    require!(
        token_utils::is_unallocated(&a.vote),
        GradualError::AlreadyVoted
    );
    token_utils::create_pda_account(
        &a.operator,
        &a.vote,
        &a.system_program,
        &crate::ID,
        Vote::SPACE,
        &vote_seeds,
    )?;
    Vote {
        audit: audit_key,
        voter: voter_key,
        payer: a.operator.key(),
        approve: args.approve,
        weight,
        bump: bump[0],
    }
    .try_serialize(&mut &mut a.vote.try_borrow_mut_data()?[..])?;

    let tally = if args.approve {
        &mut audit.for_stake
    } else {
        &mut audit.against_stake
    };
    *tally = tally
        .checked_add(weight)
        .ok_or(GradualError::MathOverflow)?;
    audit.votes = audit
        .votes
        .checked_add(1)
        .ok_or(GradualError::MathOverflow)?;
    emit!(Voted {
        audit: audit_key,
        voter: voter_key,
        approve: args.approve,
        weight,
        for_stake: audit.for_stake,
        against_stake: audit.against_stake,
    });
    Ok(())
}
