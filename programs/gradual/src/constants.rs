//! Protocol constants.
use anchor_lang::prelude::*;

/// Largest proof a node may submit (a CID, a hash, a small commitment).
#[constant]
pub const MAX_PROOF_LEN: u16 = 512;

/// Default size of a task's node-index space.
#[constant]
pub const DEFAULT_MAX_NODES: u32 = 4_096;

/// Largest node-index space in this version. The Round account carries three bitmaps of
/// `max_nodes` bits and is created inside `submit`, where one instruction can allocate at most
/// 10 KiB; 16,384 nodes keeps it at 6 KiB (see docs/decisions.md).
#[constant]
pub const MAX_NODES_LIMIT: u32 = 16_384;

/// Basis-point denominator.
#[constant]
pub const BPS_DENOMINATOR: u16 = 10_000;

/// Longest unbonding period, in rounds.
#[constant]
pub const MAX_UNBOND_ROUNDS: u64 = 10_000;

/// Sentinel for "never" in round-valued fields.
pub const NO_ROUND: u64 = u64::MAX;
