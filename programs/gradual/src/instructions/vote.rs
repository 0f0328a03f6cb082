use crate::{
    errors::GradualError,
    events::Voted,
    instructions::select_distributor::{seed_source, SeedSource},
    sampling,
    state::{seeds, Audit, AuditStatus, Node, Round, Vote},
    token_utils,
};
use anchor_lang::{prelude::*, solana_program::sysvar::SysvarId};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct VoteArgs {
    /// `true` backs the accusation, `false` rejects it.
    pub approve: bool,
}

#[derive(Accounts)]
pub struct CastVote<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    /// The voting Node (`["node", task, authority]`), operated by `operator`, of the audit's
    /// task: read by the handler (`Node::member`), so a key that never joined gets
    /// `NotAMember`.
    /// CHECK: as documented above.
    pub voter: UncheckedAccount<'info>,
    #[account(mut)]
    pub audit: Account<'info, Audit>,
    /// The audited round: eligibility uses its config snapshot.
    pub round: AccountLoader<'info, Round>,
    /// Created by the handler at `["vote", audit, voter]` for a whole-network vote;
    /// unused (never written) when the audit has a jury.
    /// CHECK: as documented above.
    #[account(mut)]
    pub vote: UncheckedAccount<'info>,
    /// Must be the SlotHashes sysvar (checked in the handler): the first vote on a jury
    /// audit records the jury seed from it.
    /// CHECK: as documented above.
    pub slot_hashes: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<CastVote>, args: VoteArgs) -> Result<()> {
    let slot = Clock::get()?.slot;
    let a = ctx.accounts;
    let voter = Node::operated_by_inlined(&a.voter, &a.audit.task, &a.operator.key())?;
    let audit = &mut a.audit;
    let voter_key = a.voter.key();
    require!(
        audit.status == AuditStatus::Open,
        GradualError::AuditAlreadyResolved
    );
    require!(slot < audit.deadline_slot, GradualError::AuditWindowClosed);
    require_keys_neq!(voter_key, audit.target, GradualError::TargetCannotVote);
    if audit.jury_size == 0 {
        // The raiser's stake already counts as the first `for` vote.
        require_keys_neq!(voter_key, audit.raiser, GradualError::AlreadyVoted);
    }
    let (minimum_stake, round_stake) = {
        let round = a.round.load()?;
        require!(
            round.task == audit.task && round.round == audit.round,
            GradualError::WrongRound
        );
        (round.config.minimum_stake, round.total_active_stake)
    };
    let stake = voter.stake_for_round(audit.round)?;
    require!(stake >= minimum_stake, GradualError::NodeNotEligible);
    let weight = if audit.jury_size == 0 {
        stake
    } else {
        // The jury: seeded by the first slot hash at or after the raise, which nobody knew
        // when choosing what to raise; recorded by the first vote, one hash per vote after.
        require_keys_eq!(
            a.slot_hashes.key(),
            SlotHashes::id(),
            GradualError::WrongSysvar
        );
        if audit.jury_seed == [0; 32] {
            let hash = match seed_source(&a.slot_hashes.try_borrow_data()?, audit.jury_from_slot) {
                SeedSource::SlotHash { hash, .. } => hash,
                SeedSource::NotYet => return err!(GradualError::SlotHashNotYetAvailable),
                // Nobody voted within 512 slots: the audit's jury can no longer be drawn
                // fairly (the oldest entry changes every slot), so it gets no votes.
                SeedSource::Evicted { .. } => return err!(GradualError::JurySeedExpired),
            };
            audit.jury_seed = sampling::jury_seed(&hash, &audit.key());
        }
        let seats = sampling::jury_seats(
            &audit.jury_seed,
            voter.index,
            stake,
            round_stake,
            audit.jury_size,
        );
        require!(seats > 0, GradualError::NotAJuror);
        seats
    };

    let audit_key = audit.key();
    if audit.jury_size > 0 {
        // One vote per juror, kept in the audit's sorted voter list: no Vote account.
        let info = audit.to_account_info();
        let mut data = info.try_borrow_mut_data()?;
        require!(
            Audit::insert_voter(&mut data, audit.votes, voter.index)?,
            GradualError::AlreadyVoted
        );
    } else {
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
        .encode(&mut a.vote.try_borrow_mut_data()?)
        .ok_or(ErrorCode::AccountDidNotSerialize)?;
    }

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
