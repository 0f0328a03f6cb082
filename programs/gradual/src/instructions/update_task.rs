use crate::{
    errors::GradualError,
    events::TaskUpdated,
    state::{PendingConfig, Task, TaskConfig, TaskStatus},
};
use anchor_lang::prelude::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct UpdateTaskArgs {
    /// First round governed by the new config: at least the current round + 2, so no round
    /// being worked, submitted or distributed changes.
    pub effective_round: u64,
    pub config: TaskConfig,
}

#[derive(Accounts)]
pub struct UpdateTask<'info> {
    pub authority: Signer<'info>,
    #[account(mut, has_one = authority @ GradualError::Unauthorized)]
    pub task: Account<'info, Task>,
}

pub fn handler(ctx: Context<UpdateTask>, args: UpdateTaskArgs) -> Result<()> {
    let slot = Clock::get()?.slot;
    let task = &mut ctx.accounts.task;
    require!(
        matches!(task.status, TaskStatus::Active | TaskStatus::Paused),
        GradualError::TaskNotActive
    );
    args.config.validate()?;
    task.fold_config(slot)?;

    let earliest = Task::earliest_update_round(task.round_at(slot))?;
    // A pending update that is already in force (or starts next round) cannot be replaced,
    // and a third config cannot be kept beside it.
    if let Some(pending) = task.pending_config {
        require!(
            pending.effective_round >= earliest,
            GradualError::UpdateAlreadyPending
        );
    }
    require!(
        args.effective_round >= earliest,
        GradualError::UpdateAffectsRoundInFlight
    );
    require!(
        args.effective_round >= task.config_base_round
            && task.schedule().round_start(args.effective_round).is_some(),
        GradualError::RoundOutOfRange
    );

    task.pending_config = Some(PendingConfig {
        effective_round: args.effective_round,
        config: args.config,
    });
    task.config_version = task
        .config_version
        .checked_add(1)
        .ok_or(GradualError::MathOverflow)?;
    emit!(TaskUpdated {
        task: task.key(),
        effective_round: args.effective_round,
        config_version: task.config_version,
        config: args.config,
    });
    Ok(())
}
