//! Events: one per state change, so an indexer can rebuild the history from logs (PROTOCOL.md §6).
use crate::state::TaskConfig;
use anchor_lang::prelude::*;

#[event]
pub struct TaskCreated {
    pub task: Pubkey,
    pub authority: Pubkey,
    pub task_id: u64,
    pub reward_mint: Pubkey,
    pub stake_mint: Pubkey,
    pub start_slot: u64,
    pub max_nodes: u32,
    pub config: TaskConfig,
}

#[event]
pub struct TaskFunded {
    pub task: Pubkey,
    pub funder: Pubkey,
    pub amount: u64,
    pub total_funded: u64,
}

#[event]
pub struct TaskUpdated {
    pub task: Pubkey,
    pub effective_round: u64,
    pub config_version: u32,
    pub config: TaskConfig,
}

#[event]
pub struct TaskPaused {
    pub task: Pubkey,
    pub slot: u64,
}

#[event]
pub struct TaskResumed {
    pub task: Pubkey,
    pub slot: u64,
}

#[event]
pub struct NodeJoined {
    pub task: Pubkey,
    pub node: Pubkey,
    pub operator: Pubkey,
    pub index: u32,
    pub stake: u64,
    pub activation_round: u64,
    pub reward_account: Pubkey,
}

#[event]
pub struct StakeAdded {
    pub task: Pubkey,
    pub node: Pubkey,
    pub amount: u64,
    pub activation_round: u64,
}

#[event]
pub struct UnstakeRequested {
    pub task: Pubkey,
    pub node: Pubkey,
    pub amount: u64,
    pub release_round: u64,
}

#[event]
pub struct StakeWithdrawn {
    pub task: Pubkey,
    pub node: Pubkey,
    pub amount: u64,
    pub destination: Pubkey,
}

#[event]
pub struct RoundOpened {
    pub task: Pubkey,
    pub round: u64,
    pub start_slot: u64,
    pub total_active_stake: u64,
}

#[event]
pub struct Submitted {
    pub task: Pubkey,
    pub round: u64,
    pub node: Pubkey,
    pub index: u32,
    pub proof: Vec<u8>,
    pub slot: u64,
}

#[event]
pub struct SubmissionClosed {
    pub task: Pubkey,
    pub round: u64,
    pub node: Pubkey,
}
