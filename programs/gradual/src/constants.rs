//! Protocol constants.
use anchor_lang::prelude::*;

/// Largest proof a node may submit (a CID, a hash, a small commitment).
#[constant]
pub const MAX_PROOF_LEN: u16 = 512;

/// Default size of a task's node-index space.
#[constant]
pub const DEFAULT_MAX_NODES: u32 = 4_096;

/// Largest node-index space: list entries carry a u16 node index. The Round account carries
/// three bitmaps of `max_nodes` bits (24.8 KB at 65,536), prepared by `open_round` (10 KiB
/// per instruction) in the submission window; submissions land in its shards.
#[constant]
pub const MAX_NODES_LIMIT: u32 = 65_536;

/// Node indexes per round shard: a submission writes only its shard
/// (`["shard", task, round, index / SHARD_NODES]`), never the Round, so no account is written
/// by more than 1,024 submissions per round (~8.6M CU, under the 12M CU a block allows per
/// written account). `MAX_NODES_LIMIT / SHARD_NODES` = 64 shards fit the Round's
/// `merged_shards` mask (checked at compile time in `state::shard`).
#[constant]
pub const SHARD_NODES: u32 = 1_024;

/// Basis-point denominator.
#[constant]
pub const BPS_DENOMINATOR: u16 = 10_000;

/// Longest unbonding period, in rounds.
#[constant]
pub const MAX_UNBOND_ROUNDS: u64 = 10_000;

/// Sentinel for "never" in round-valued fields.
pub const NO_ROUND: u64 = u64::MAX;

/// Rounds (of the round's own length) after acceptance during which a list's entries can be
/// claimed. After that `close_distribution` returns the unclaimed rest to the bounty, so a
/// node that never claims (or whose reward account cannot receive) cannot keep the list, its
/// round and the reserved rewards alive for ever.
#[constant]
pub const CLAIM_WINDOW_ROUNDS: u64 = 64;

/// Least claim window in slots (~1 day at 400 ms slots), for tasks with short rounds.
#[constant]
pub const CLAIM_WINDOW_MIN_SLOTS: u64 = 216_000;

/// `trust_flags` bit: the creator accepts mints with a freeze authority (e.g. USDC), whose
/// holder can freeze the vaults. Recorded in the Task and emitted in `TaskCreated`.
#[constant]
pub const TRUST_FREEZE_AUTHORITY: u8 = 1;

/// Largest `jury_size` (expected jury seats per audit).
#[constant]
pub const MAX_JURY_SIZE: u16 = 1_024;

/// Largest `audit_sample` (peers each node is assigned to check per round).
#[constant]
pub const MAX_AUDIT_SAMPLE: u16 = 256;

/// Every defined `trust_flags` bit.
pub const TRUST_ALL: u8 = TRUST_FREEZE_AUTHORITY;
