use crate::{
    errors::GradualError,
    events::ShardsMerged,
    state::{seeds, Round, RoundShard, RoundView},
    token_utils,
};
use anchor_lang::prelude::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct MergeShardsArgs {
    /// Bit `s` names shard `s`; the remaining accounts follow in ascending shard order.
    pub shards: u64,
}

/// Permissionless, once the round's submission window is over (no submission can land any
/// more): folds shards into the Round. For each shard named in `args.shards`, the remaining
/// accounts hold two accounts: the shard's address and the account that paid its rent (any
/// account, e.g. the system program, when the shard was never created). An existing shard's bits are ORed into `submitted` and its count added to
/// `submission_count` and `live_submissions`, then it is closed (rent back to its payer); a
/// shard address that was never created (nobody in that index range submitted) is checked to
/// be the canonical PDA and merged as empty. A shard already merged is skipped (its address
/// reads as unallocated again), so racing crankers do not fail.
/// `select_distributor` (every shard) and `close_submission` (its shard) require the merge.
#[derive(Accounts)]
pub struct MergeShards<'info> {
    /// The Round, at full size (checked by `Round::view` in the handler).
    /// CHECK: as documented above.
    #[account(mut)]
    pub round: UncheckedAccount<'info>,
}

/// ORs a shard's bits into the Round's `submitted` from byte `start` (bits past `max_nodes`
/// are dropped); returns the new submitters and how many of them are already slashed or
/// failed distributors. Word-wise when the Round's bitmaps are 8-byte aligned (every
/// `max_nodes` a multiple of 64), a byte at a time otherwise.
fn fold_shard(view: &mut RoundView, start: usize, bits: &[u8; 128]) -> (u32, u32) {
    let end = (start + bits.len()).min(view.submitted.len());
    if start >= end {
        return (0, 0);
    }
    let (mut added, mut excluded) = (0u32, 0u32);
    let out = &mut view.submitted[start..end];
    let (slashed, failed) = (
        &view.slashed[start..end],
        &view.failed_distributor[start..end],
    );
    if let (Ok(out), Ok(slashed), Ok(failed)) = (
        bytemuck::try_cast_slice_mut::<u8, u64>(out),
        bytemuck::try_cast_slice::<u8, u64>(slashed),
        bytemuck::try_cast_slice::<u8, u64>(failed),
    ) {
        for (i, (word, src)) in out.iter_mut().zip(bits.chunks_exact(8)).enumerate() {
            let src = u64::from_le_bytes(src.try_into().unwrap_or_default());
            let new = src & !*word;
            added += new.count_ones();
            excluded += (new & (slashed[i] | failed[i])).count_ones();
            *word |= new;
        }
        return (added, excluded);
    }
    for (i, (byte, src)) in out.iter_mut().zip(bits.iter()).enumerate() {
        let new = *src & !*byte;
        added += new.count_ones();
        excluded += (new & (slashed[i] | failed[i])).count_ones();
        *byte |= new;
    }
    (added, excluded)
}

pub fn handler<'info>(
    ctx: Context<'info, MergeShards<'info>>,
    args: MergeShardsArgs,
) -> Result<()> {
    let slot = Clock::get()?.slot;
    require_keys_eq!(
        *ctx.accounts.round.owner,
        crate::ID,
        GradualError::WrongRound
    );
    let round_info = ctx.accounts.round.to_account_info();
    let mut data = round_info.try_borrow_mut_data()?;
    let mut view = Round::view(&mut data)?;
    require!(
        slot >= view.header.timeline().submission().end,
        GradualError::SubmissionWindowOpen
    );
    require!(
        args.shards & !Round::shard_mask(view.header.max_nodes) == 0,
        GradualError::WrongShard
    );
    let (task, round) = (view.header.task, view.header.round);
    let round_le = round.to_le_bytes();
    let mut accounts = ctx.remaining_accounts.iter();
    let mut merged = 0u64;
    let mut submissions = 0u32;
    let mut excluded = 0u32;
    let mut next = || accounts.next().ok_or(GradualError::BatchAccountsMismatch);
    for number in (0..64u16).filter(|s| args.shards & (1u64 << s) != 0) {
        // Always two accounts per shard, so a shard another cranker merged (and closed) a
        // moment earlier does not shift the accounts that follow.
        let shard_info = next()?;
        let payer = next()?;
        let already = view.header.merged_shards & (1u64 << number) != 0;
        if *shard_info.owner == crate::ID {
            // Only this program creates accounts at its PDAs: the data says which shard it is.
            let (bits, paid_by) = {
                let mut shard_data = shard_info.try_borrow_mut_data()?;
                let shard = RoundShard::load(&mut shard_data, &task, round, number)?;
                (shard.submitted, shard.payer)
            };
            require_keys_eq!(payer.key(), paid_by, GradualError::WrongRentReceiver);
            // A live shard is never merged (the merge closes it); kept as a guard.
            require!(!already, GradualError::WrongShard);
            // Counted from the bits the Round keeps, so the count always matches the bitmap. A
            // submitter already slashed (an audit raised and resolved before this merge) is
            // counted as excluded here, as `RoundView::exclude` would have counted it.
            let start = usize::from(number) * bits.len();
            let (added, newly_excluded) = fold_shard(&mut view, start, &bits);
            excluded = excluded
                .checked_add(newly_excluded)
                .ok_or(GradualError::MathOverflow)?;
            submissions = submissions
                .checked_add(added)
                .ok_or(GradualError::MathOverflow)?;
            token_utils::close_program_account(shard_info, payer)?;
        } else {
            // Never created, or closed by an earlier merge: it must be the real shard address,
            // or a submitted range could be passed off as empty.
            token_utils::expect_canonical(
                shard_info,
                &[
                    seeds::SHARD,
                    task.as_ref(),
                    &round_le,
                    &number.to_le_bytes(),
                ],
            )?;
            if already {
                continue;
            }
        }
        merged |= 1u64 << number;
    }
    require!(
        accounts.next().is_none(),
        GradualError::BatchAccountsMismatch
    );
    view.header.merged_shards |= merged;
    view.header.submission_count = view
        .header
        .submission_count
        .checked_add(submissions)
        .ok_or(GradualError::MathOverflow)?;
    view.header.live_submissions = view
        .header
        .live_submissions
        .checked_add(submissions)
        .ok_or(GradualError::MathOverflow)?;
    view.header.excluded_count = view
        .header
        .excluded_count
        .checked_add(excluded)
        .ok_or(GradualError::MathOverflow)?;
    emit!(ShardsMerged {
        task,
        round,
        shards: merged,
        submissions,
        complete: view.header.all_shards_merged(),
    });
    Ok(())
}
