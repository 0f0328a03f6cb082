use crate::{
    errors::GradualError,
    events::RoundOpened,
    schedule::RoundTimeline,
    state::{seeds, Round, Task, TaskStatus, MAX_GROWTH_PER_INSTRUCTION},
    token_utils,
};
use anchor_lang::{prelude::*, system_program, Discriminator};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct OpenRoundArgs {
    pub round: u64,
}

/// Permissionless: opens a round. The first call creates the Round (in the round's submission
/// window, not for work that began after a pause; the config and stake snapshots are taken
/// then), paying the rent of its full size; each call grows it by 10 KiB (a Round of more than
/// ~26,500 nodes takes two or three calls), at any time, and a call on a full Round changes
/// nothing (nodes race to open it, so that is not an error). `submit` requires the Round to
/// exist but only reads it, and `merge_shards` requires it at full size.
#[derive(Accounts)]
pub struct OpenRound<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    pub task: Account<'info, Task>,
    /// The round PDA `["round", task, round]`, created or grown by the handler.
    /// CHECK: as documented above.
    #[account(mut)]
    pub round: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

/// Creates the Round PDA of `round` at `min(full size, 10 KiB)` and writes its header (config
/// and stake snapshots); `payer` pays the rent of the full size.
#[allow(clippy::too_many_arguments)]
fn create_round<'info>(
    payer: &Signer<'info>,
    round_account: &UncheckedAccount<'info>,
    system: &Program<'info, System>,
    task: &Account<'info, Task>,
    round: u64,
    timeline: &RoundTimeline,
) -> Result<()> {
    let task_key = task.key();
    let round_le = round.to_le_bytes();
    let bump = token_utils::expect_canonical(
        round_account,
        &[seeds::ROUND, task_key.as_ref(), &round_le],
    )?;
    let full = Round::space(task.max_nodes);
    token_utils::create_pda_account(
        payer,
        round_account,
        system,
        &crate::ID,
        full.min(MAX_GROWTH_PER_INSTRUCTION),
        &[seeds::ROUND, task_key.as_ref(), &round_le, &[bump]],
    )?;
    let top_up = Rent::get()?
        .minimum_balance(full)
        .saturating_sub(round_account.lamports());
    if top_up > 0 {
        system_program::transfer(
            CpiContext::new(
                system.key(),
                system_program::Transfer {
                    from: payer.to_account_info(),
                    to: round_account.to_account_info(),
                },
            ),
            top_up,
        )?;
    }
    let total_active_stake = task.stake_for_round(round)?;
    let mut data = round_account.try_borrow_mut_data()?;
    data[..8].copy_from_slice(Round::DISCRIMINATOR);
    let header: &mut Round = bytemuck::from_bytes_mut(&mut data[8..Round::HEADER_SPACE]);
    header.task = task_key;
    header.payer = payer.key();
    header.round = round;
    header.start_slot = timeline.start_slot;
    header.config = *task.config_for_round(round);
    header.total_active_stake = total_active_stake;
    header.selected_node = crate::state::NO_NODE;
    header.max_nodes = task.max_nodes;
    header.bump = bump;
    emit!(RoundOpened {
        task: task_key,
        round,
        start_slot: timeline.start_slot,
        total_active_stake,
    });
    Ok(())
}

pub fn handler(ctx: Context<OpenRound>, args: OpenRoundArgs) -> Result<()> {
    let slot = Clock::get()?.slot;
    let a = ctx.accounts;
    let task = &a.task;
    require!(
        matches!(task.status, TaskStatus::Active | TaskStatus::Paused),
        GradualError::TaskNotActive
    );
    let timeline = task
        .schedule()
        .timeline(args.round)
        .ok_or(GradualError::RoundOutOfRange)?;
    if token_utils::is_unallocated(&a.round) {
        // Created only while its submissions can land.
        require!(
            task.status == TaskStatus::Active || timeline.start_slot < task.paused_at_slot,
            GradualError::TaskPaused
        );
        require!(
            timeline.submission().contains(&slot),
            GradualError::OutsideSubmissionWindow
        );
        return create_round(
            &a.payer,
            &a.round,
            &a.system_program,
            task,
            args.round,
            &timeline,
        );
    }
    require_keys_eq!(*a.round.owner, crate::ID, GradualError::WrongRound);
    Round::header_of(&a.round.try_borrow_data()?, &task.key(), args.round)?;
    let full = Round::space(task.max_nodes);
    let len = a.round.data_len();
    if len < full {
        a.round
            .to_account_info()
            .resize(full.min(len + MAX_GROWTH_PER_INSTRUCTION))?;
    }
    Ok(())
}
