use crate::constants::{MAX_LOGIC_PARAMS_LEN, MAX_LOGIC_URI_LEN};
use anchor_lang::prelude::*;

/// What nodes must run for a task from `effective_round` on: the logic's identifier or URI,
/// the hash of its code (sha256, as the node software computes it) and a small parameter blob.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Debug, PartialEq, Eq)]
pub struct LogicDescriptor {
    /// First round this descriptor governs.
    pub effective_round: u64,
    /// Logic identifier or URI (`builtin:hash-chain`, `https://...`), at most
    /// `MAX_LOGIC_URI_LEN` bytes.
    #[max_len(96)]
    pub uri: String,
    /// sha256 of the logic's code.
    pub hash: [u8; 32],
    /// Parameters every node runs the logic with, at most `MAX_LOGIC_PARAMS_LEN` bytes.
    #[max_len(128)]
    pub params: Vec<u8>,
}

const _: () = assert!(MAX_LOGIC_URI_LEN == 96 && MAX_LOGIC_PARAMS_LEN == 128);

/// A task's logic descriptor, set by the task's authority under the same `current + 2` rule as
/// config updates (any round before the task starts). Seeds: `["logic", task]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct TaskLogic {
    pub task: Pubkey,
    /// The descriptor in force (from its `effective_round`).
    pub current: Option<LogicDescriptor>,
    /// The next descriptor, from its `effective_round`.
    pub pending: Option<LogicDescriptor>,
    /// Bumped by every change.
    pub version: u32,
    pub bump: u8,
}

impl TaskLogic {
    pub const SPACE: usize = Self::DISCRIMINATOR.len() + Self::INIT_SPACE;

    /// The descriptor that governs `round`, if any.
    pub fn for_round(&self, round: u64) -> Option<&LogicDescriptor> {
        match &self.pending {
            Some(p) if round >= p.effective_round => Some(p),
            _ => self.current.as_ref().filter(|c| round >= c.effective_round),
        }
    }
}
