//! Every PDA of PROTOCOL.md §3, mirroring the program's `state/seeds.rs`.
use anchor_lang::prelude::Pubkey;
use gradual::{state::seeds, ID};

/// `["task", authority, task_id LE]`
pub fn task(authority: &Pubkey, task_id: u64) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[seeds::TASK, authority.as_ref(), &task_id.to_le_bytes()],
        &ID,
    )
}

/// `["bounty", task]`
pub fn bounty_vault(task: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[seeds::BOUNTY_VAULT, task.as_ref()], &ID)
}

/// `["stake", task]`
pub fn stake_vault(task: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[seeds::STAKE_VAULT, task.as_ref()], &ID)
}

/// `["node", task, authority]`: keyed by the node's cold key, so its hot key can change.
pub fn node(task: &Pubkey, authority: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[seeds::NODE, task.as_ref(), authority.as_ref()], &ID)
}

/// `["indexes", task]`: node indexes freed by `close_node`.
pub fn index_pool(task: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[seeds::INDEX_POOL, task.as_ref()], &ID)
}

/// `["logic", task]`: the task's logic descriptor.
pub fn task_logic(task: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[seeds::TASK_LOGIC, task.as_ref()], &ID)
}

/// `["round", task, round LE]`
pub fn round(task: &Pubkey, round: u64) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[seeds::ROUND, task.as_ref(), &round.to_le_bytes()], &ID)
}

/// `["shard", task, round LE, shard u16 LE]`: the submissions of node indexes
/// `shard * SHARD_NODES ..` for the round (`RoundShard::of(index)` names a node's shard).
pub fn shard(task: &Pubkey, round: u64, shard: u16) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[
            seeds::SHARD,
            task.as_ref(),
            &round.to_le_bytes(),
            &shard.to_le_bytes(),
        ],
        &ID,
    )
}

/// `["submission", task, round LE, node]`
pub fn submission(task: &Pubkey, round: u64, node: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[
            seeds::SUBMISSION,
            task.as_ref(),
            &round.to_le_bytes(),
            node.as_ref(),
        ],
        &ID,
    )
}

/// `["slashed", task]`: slashed stake when the task's two mints differ.
pub fn slash_vault(task: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[seeds::SLASH_VAULT, task.as_ref()], &ID)
}

/// `["audit", task, round LE, kind, target node]`
pub fn audit(
    task: &Pubkey,
    round: u64,
    kind: gradual::state::AuditKind,
    target: &Pubkey,
) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[
            seeds::AUDIT,
            task.as_ref(),
            &round.to_le_bytes(),
            &[kind as u8],
            target.as_ref(),
        ],
        &ID,
    )
}

/// `["vote", audit, voter node]`
pub fn vote(audit: &Pubkey, voter: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[seeds::VOTE, audit.as_ref(), voter.as_ref()], &ID)
}

/// `["distribution", task, round LE, attempt]`
pub fn distribution(task: &Pubkey, round: u64, attempt: u8) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[
            seeds::DISTRIBUTION,
            task.as_ref(),
            &round.to_le_bytes(),
            &[attempt],
        ],
        &ID,
    )
}
