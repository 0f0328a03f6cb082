use crate::{
    errors::GradualError,
    events::{TaskPaused, TaskResumed},
    state::{Task, TaskStatus},
};
use anchor_lang::prelude::*;

/// Accounts of `pause_task` and `resume_task`: the authority and its task.
#[derive(Accounts)]
pub struct SetTaskStatus<'info> {
    pub authority: Signer<'info>,
    #[account(mut, has_one = authority @ GradualError::Unauthorized)]
    pub task: Account<'info, Task>,
}

/// Stops joins and submissions; rounds already submitted still settle.
pub fn pause(ctx: Context<SetTaskStatus>) -> Result<()> {
    let task = &mut ctx.accounts.task;
    require!(
        task.status == TaskStatus::Active,
        GradualError::TaskNotActive
    );
    let slot = Clock::get()?.slot;
    // The round being worked at the pause may still be submitted (its work began before the
    // pause); close_task waits for the end of its whole timeline, fixed now so that a config
    // update taking effect later cannot move it.
    task.close_after_slot = match task.round_at(slot) {
        Some(working) => task
            .schedule()
            .timeline(working)
            .ok_or(GradualError::MathOverflow)?
            .end(),
        None => 0,
    };
    task.status = TaskStatus::Paused;
    task.paused_at_slot = slot;
    emit!(TaskPaused {
        task: task.key(),
        slot,
    });
    Ok(())
}

/// Lets a paused task run again; its schedule never stopped, so the next open window applies.
pub fn resume(ctx: Context<SetTaskStatus>) -> Result<()> {
    let task = &mut ctx.accounts.task;
    require!(
        task.status == TaskStatus::Paused,
        GradualError::TaskNotPaused
    );
    task.status = TaskStatus::Active;
    task.paused_at_slot = 0;
    task.close_after_slot = 0;
    emit!(TaskResumed {
        task: task.key(),
        slot: Clock::get()?.slot,
    });
    Ok(())
}
