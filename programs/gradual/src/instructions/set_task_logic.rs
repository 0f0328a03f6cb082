use crate::{
    constants::{MAX_LOGIC_PARAMS_LEN, MAX_LOGIC_URI_LEN, SEED_TASK_LOGIC},
    errors::GradualError,
    events::TaskLogicSet,
    state::{LogicDescriptor, Task, TaskLogic, TaskStatus},
};
use anchor_lang::prelude::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct SetTaskLogicArgs {
    /// First round governed by this descriptor: any round before the task starts, else at
    /// least the current round + 2 (as `update_task`).
    pub effective_round: u64,
    pub uri: String,
    pub hash: [u8; 32],
    pub params: Vec<u8>,
}

#[derive(Accounts)]
pub struct SetTaskLogic<'info> {
    /// The task's authority; pays the descriptor's rent the first time.
    #[account(mut)]
    pub authority: Signer<'info>,
    #[account(has_one = authority @ GradualError::Unauthorized)]
    pub task: Account<'info, Task>,
    /// Created on the first call (canonical bump), updated afterwards.
    #[account(
        init_if_needed,
        payer = authority,
        space = TaskLogic::SPACE,
        seeds = [SEED_TASK_LOGIC, task.key().as_ref()],
        bump
    )]
    pub task_logic: Account<'info, TaskLogic>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<SetTaskLogic>, args: SetTaskLogicArgs) -> Result<()> {
    let task = &ctx.accounts.task;
    require!(
        matches!(task.status, TaskStatus::Active | TaskStatus::Paused),
        GradualError::TaskNotActive
    );
    require!(
        args.uri.len() <= MAX_LOGIC_URI_LEN as usize
            && args.params.len() <= MAX_LOGIC_PARAMS_LEN as usize,
        GradualError::LogicDescriptorTooLong
    );
    let current = task.round_at(Clock::get()?.slot);
    let earliest = Task::earliest_update_round(current)?;
    require!(
        args.effective_round >= earliest,
        GradualError::UpdateAffectsRoundInFlight
    );
    require!(
        task.schedule().round_start(args.effective_round).is_some(),
        GradualError::RoundOutOfRange
    );
    let task_key = task.key();
    let logic = &mut ctx.accounts.task_logic;
    if logic.task == Pubkey::default() {
        logic.task = task_key;
        logic.bump = ctx.bumps.task_logic;
    }
    // A pending descriptor in force becomes the current one; one that starts next round
    // cannot be replaced (nodes may already be working with it).
    if let Some(p) = logic.pending.take() {
        if current.is_some_and(|c| c >= p.effective_round) {
            logic.current = Some(p);
        } else {
            require!(
                p.effective_round >= earliest,
                GradualError::UpdateAlreadyPending
            );
        }
    }
    logic.pending = Some(LogicDescriptor {
        effective_round: args.effective_round,
        uri: args.uri,
        hash: args.hash,
        params: args.params,
    });
    logic.version = logic
        .version
        .checked_add(1)
        .ok_or(GradualError::MathOverflow)?;
    emit!(TaskLogicSet {
        task: task_key,
        effective_round: args.effective_round,
        version: logic.version,
        hash: args.hash,
    });
    Ok(())
}
