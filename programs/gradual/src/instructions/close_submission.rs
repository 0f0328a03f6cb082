use crate::{
    errors::GradualError,
    events::SubmissionClosed,
    state::{Round, Submission},
};
use anchor_lang::prelude::*;

/// Permissionless: once the round's audit window has passed, nothing reads the proof on chain
/// any more (the round's bitmaps carry what distribution needs), so its rent goes back.
#[derive(Accounts)]
pub struct CloseSubmission<'info> {
    /// Receives the rent; must be the account that paid it (checked by has_one).
    /// CHECK: as documented above.
    #[account(mut)]
    pub payer: UncheckedAccount<'info>,
    #[account(mut)]
    pub round: AccountLoader<'info, Round>,
    #[account(
        mut,
        close = payer,
        has_one = payer @ GradualError::WrongRentReceiver
    )]
    pub submission: Account<'info, Submission>,
}

pub fn handler(ctx: Context<CloseSubmission>) -> Result<()> {
    let slot = Clock::get()?.slot;
    let submission = &ctx.accounts.submission;
    let mut round = ctx.accounts.round.load_mut()?;
    require!(
        round.task == submission.task && round.round == submission.round,
        GradualError::WrongRound
    );
    require!(
        slot >= round.timeline().audit().end,
        GradualError::SubmissionStillNeeded
    );
    // Counted in `live_submissions` only once its shard is merged.
    require!(
        round.shard_merged(submission.node_index),
        GradualError::ShardsNotMerged
    );
    round.live_submissions = round
        .live_submissions
        .checked_sub(1)
        .ok_or(GradualError::MathOverflow)?;
    emit!(SubmissionClosed {
        task: submission.task,
        round: submission.round,
        node: submission.node,
    });
    Ok(())
}
