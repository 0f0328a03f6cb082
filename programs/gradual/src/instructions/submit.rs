use crate::{
    constants::MAX_PROOF_LEN,
    errors::GradualError,
    events::Submitted,
    state::{seeds, Node, Round, RoundShard, Submission, Task, TaskStatus},
    token_utils,
};
use anchor_lang::{prelude::*, Discriminator};

/// A proof as instruction data: a `u32` length then the bytes, like borsh's `Vec<u8>`, but
/// read with a bounded allocation. borsh allocates up to 1 MiB for a `Vec<u8>` whose length
/// prefix is large, which aborts the program on its 32 KiB heap instead of failing with an
/// error (found by tests/tests/malformed.rs): a length above `PROOF_READ_LIMIT` is refused
/// as undeserializable data before anything is allocated.
#[derive(AnchorSerialize, Clone, Debug, PartialEq, Eq)]
pub struct Proof(pub Vec<u8>);

/// Longest proof the instruction decoder reads (the handler then enforces MAX_PROOF_LEN with
/// its own named error).
pub const PROOF_READ_LIMIT: usize = 1_024;

impl AnchorDeserialize for Proof {
    fn deserialize_reader<R: std::io::Read>(reader: &mut R) -> std::io::Result<Self> {
        let len = u32::deserialize_reader(reader)? as usize;
        if len > PROOF_READ_LIMIT {
            return Err(std::io::Error::from(std::io::ErrorKind::InvalidData));
        }
        let mut bytes = vec![0u8; len];
        reader.read_exact(&mut bytes)?;
        Ok(Proof(bytes))
    }
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct SubmitArgs {
    /// The round whose work this proves; submitted in the first submission_slots of round + 1.
    pub round: u64,
    /// 1..=MAX_PROOF_LEN bytes (a CID, a hash, a commitment).
    pub proof: Proof,
}

#[derive(Accounts)]
pub struct Submit<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    pub task: Account<'info, Task>,
    /// The submitting Node (`["node", task, authority]`), operated by `operator`: read and
    /// written by the handler (`Node::member`), so a key that never joined gets `NotAMember`.
    /// CHECK: as documented above.
    #[account(mut)]
    pub node: UncheckedAccount<'info>,
    /// The round PDA `["round", task, round]`, opened by `open_round`; only read
    /// (owner, discriminator, task and round number checked in the handler), so submissions
    /// never contend for it.
    /// CHECK: as documented above.
    pub round: UncheckedAccount<'info>,
    /// The node's shard PDA `["shard", task, round, node.index / SHARD_NODES]`: created
    /// by the range's first submission (at its canonical address), otherwise checked by owner,
    /// discriminator, task, round and shard number in the handler.
    /// CHECK: as documented above.
    #[account(mut)]
    pub shard: UncheckedAccount<'info>,
    /// Created by the handler at the submission PDA, checked there.
    /// CHECK: as documented above.
    #[account(mut)]
    pub submission: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Submit>, args: SubmitArgs) -> Result<()> {
    let slot = Clock::get()?.slot;
    let a = ctx.accounts;
    let task = &a.task;
    let mut node = Node::operated_by_inlined(&a.node, &task.key(), &a.operator.key())?;
    require!(
        matches!(task.status, TaskStatus::Active | TaskStatus::Paused),
        GradualError::TaskNotActive
    );
    require!(
        !args.proof.0.is_empty() && args.proof.0.len() <= usize::from(MAX_PROOF_LEN),
        GradualError::InvalidProofLength
    );
    let timeline = task
        .schedule()
        .timeline(args.round)
        .ok_or(GradualError::RoundOutOfRange)?;
    // A pause stops new work, not work already done: a round whose work began before the
    // pause may still be submitted (and settles normally).
    require!(
        task.status == TaskStatus::Active || timeline.start_slot < task.paused_at_slot,
        GradualError::TaskPaused
    );
    require!(
        timeline.submission().contains(&slot),
        GradualError::OutsideSubmissionWindow
    );
    require!(
        !node.submitted_for(args.round),
        GradualError::AlreadySubmitted
    );
    let config = *task.config_for_round(args.round);
    require!(
        node.stake_for_round(args.round)? >= config.minimum_stake,
        GradualError::NodeNotEligible
    );

    let task_key = task.key();
    let node_key = a.node.key();
    let round_le = args.round.to_le_bytes();

    // The Round must be open (it holds the config and stake snapshots); it is only read.
    require_keys_eq!(*a.round.owner, crate::ID, GradualError::RoundNotOpen);
    let round_nodes =
        Round::header_of(&a.round.try_borrow_data()?, &task_key, args.round)?.max_nodes;
    require!(node.index < round_nodes, GradualError::WrongRound);

    // The shard: created by the range's first submission, then this node's bit.
    let shard_number = RoundShard::of(node.index);
    let shard_le = shard_number.to_le_bytes();
    if token_utils::is_unallocated(&a.shard) {
        let bump = token_utils::expect_canonical(
            &a.shard,
            &[seeds::SHARD, task_key.as_ref(), &round_le, &shard_le],
        )?;
        token_utils::create_pda_account(
            &a.operator,
            &a.shard,
            &a.system_program,
            &crate::ID,
            RoundShard::SPACE,
            &[
                seeds::SHARD,
                task_key.as_ref(),
                &round_le,
                &shard_le,
                &[bump],
            ],
        )?;
        let mut data = a.shard.try_borrow_mut_data()?;
        data[..8].copy_from_slice(RoundShard::DISCRIMINATOR);
        let shard: &mut RoundShard = bytemuck::from_bytes_mut(&mut data[8..]);
        shard.task = task_key;
        shard.payer = a.operator.key();
        shard.round = args.round;
        shard.shard = u32::from(shard_number);
        shard.bump = bump;
    } else {
        require_keys_eq!(*a.shard.owner, crate::ID, GradualError::WrongShard);
    }
    {
        let mut data = a.shard.try_borrow_mut_data()?;
        let shard = RoundShard::load(&mut data, &task_key, args.round, shard_number)?;
        require!(shard.record(node.index), GradualError::AlreadySubmitted);
        shard.submission_count = shard
            .submission_count
            .checked_add(1)
            .ok_or(GradualError::MathOverflow)?;
    }

    // Submission: one PDA per (round, node) at its canonical address, sized to the proof.
    let bump = [token_utils::expect_canonical(
        &a.submission,
        &[
            seeds::SUBMISSION,
            task_key.as_ref(),
            &round_le,
            node_key.as_ref(),
        ],
    )?];
    let submission_seeds: [&[u8]; 5] = [
        seeds::SUBMISSION,
        task_key.as_ref(),
        &round_le,
        node_key.as_ref(),
        &bump,
    ];
    require!(
        token_utils::is_unallocated(&a.submission),
        GradualError::AlreadySubmitted
    );
    token_utils::create_pda_account(
        &a.operator,
        &a.submission,
        &a.system_program,
        &crate::ID,
        Submission::space(args.proof.0.len()),
        &submission_seeds,
    )?;
    let submission = Submission {
        task: task_key,
        node: node_key,
        payer: a.operator.key(),
        round: args.round,
        slot,
        node_index: node.index,
        bump: bump[0],
        proof: args.proof.0,
    };
    submission
        .encode(&mut a.submission.try_borrow_mut_data()?)
        .ok_or(ErrorCode::AccountDidNotSerialize)?;
    node.last_submitted_round = args.round;
    node.in_flight_until_slot = node.in_flight_until_slot.max(timeline.end());
    node.store(&a.node)?;

    Submitted {
        task: task_key,
        round: args.round,
        node: node_key,
        index: node.index,
        proof: submission.proof,
        slot,
    }
    .log()?;
    Ok(())
}
