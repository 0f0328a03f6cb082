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

// ---- For clients (all in the IDL): PDA seed prefixes, zero-copy layouts, sentinels and the
// u8 codes of the status enums the zero-copy accounts store. `state::seeds` re-exports the
// prefixes under their short names.

/// Seed prefix of a Task: `["task", authority, task_id u64 LE]`.
#[constant]
pub const SEED_TASK: &[u8] = b"task";
/// Seed prefix of a task's bounty vault (token account): `["bounty", task]`.
#[constant]
pub const SEED_BOUNTY_VAULT: &[u8] = b"bounty";
/// Seed prefix of a task's stake vault (token account): `["stake", task]`.
#[constant]
pub const SEED_STAKE_VAULT: &[u8] = b"stake";
/// Seed prefix of a task's slash vault (token account, only when the mints differ):
/// `["slashed", task]`.
#[constant]
pub const SEED_SLASH_VAULT: &[u8] = b"slashed";
/// Seed prefix of a Node: `["node", task, authority]` (the cold key, not the operator).
#[constant]
pub const SEED_NODE: &[u8] = b"node";
/// Seed prefix of a task's index pool: `["indexes", task]`.
#[constant]
pub const SEED_INDEX_POOL: &[u8] = b"indexes";
/// Seed prefix of a Round: `["round", task, round u64 LE]`.
#[constant]
pub const SEED_ROUND: &[u8] = b"round";
/// Seed prefix of a RoundShard: `["shard", task, round u64 LE, node_index / SHARD_NODES as
/// u16 LE]`.
#[constant]
pub const SEED_SHARD: &[u8] = b"shard";
/// Seed prefix of a Submission: `["submission", task, round u64 LE, node]` (`node` is the
/// Node account's address).
#[constant]
pub const SEED_SUBMISSION: &[u8] = b"submission";
/// Seed prefix of an Audit: `["audit", task, round u64 LE, kind u8, target]` (`target` is
/// the accused Node account's address).
#[constant]
pub const SEED_AUDIT: &[u8] = b"audit";
/// Seed prefix of a Vote: `["vote", audit, voter]` (`voter` is the voting Node account).
#[constant]
pub const SEED_VOTE: &[u8] = b"vote";
/// Seed prefix of a DistributionList: `["distribution", task, round u64 LE, attempt u8]`.
#[constant]
pub const SEED_DISTRIBUTION: &[u8] = b"distribution";

/// Seed prefix of a task's logic descriptor (what nodes must run): `["logic", task]`.
#[constant]
pub const SEED_TASK_LOGIC: &[u8] = b"logic";
/// Longest logic identifier or URI of a task's logic descriptor (bytes).
#[constant]
pub const MAX_LOGIC_URI_LEN: u32 = 96;
/// Longest parameter blob of a task's logic descriptor (bytes).
#[constant]
pub const MAX_LOGIC_PARAMS_LEN: u32 = 128;

/// Bytes of one DistributionList entry in the account's tail: node index (u16 LE) then
/// amount (u64 LE).
#[constant]
pub const DISTRIBUTION_ENTRY_LEN: u32 = 10;

/// Node index meaning "no node" (e.g. `Round.selected_node` before a selection).
#[constant]
pub const NO_NODE: u32 = u32::MAX;

/// Round number meaning "never" in round-valued fields.
#[constant]
pub const NO_ROUND: u64 = u64::MAX;

/// Bitmap bit order in zero-copy tails: bit `i` is `bytes[i / 8] >> (i % 8) & 1`.
#[constant]
pub const BITMAP_BIT_ORDER: &str = "lsb0";

/// `Round.distribution_status`: the current attempt has no distributor yet.
#[constant]
pub const DISTRIBUTION_STATUS_AWAITING_SELECTION: u8 =
    crate::state::DistributionStatus::AwaitingSelection as u8;
/// `Round.distribution_status`: a distributor is selected and may begin its list.
#[constant]
pub const DISTRIBUTION_STATUS_SELECTED: u8 = crate::state::DistributionStatus::Selected as u8;
/// `Round.distribution_status`: the selected distributor's list is uploading.
#[constant]
pub const DISTRIBUTION_STATUS_UPLOADING: u8 = crate::state::DistributionStatus::Uploading as u8;
/// `Round.distribution_status`: the list is sealed and open to audit.
#[constant]
pub const DISTRIBUTION_STATUS_SEALED: u8 = crate::state::DistributionStatus::Sealed as u8;
/// `Round.distribution_status`: the list is accepted; its entries can be claimed.
#[constant]
pub const DISTRIBUTION_STATUS_ACCEPTED: u8 = crate::state::DistributionStatus::Accepted as u8;
/// `Round.distribution_status`: no list will be accepted for this round.
#[constant]
pub const DISTRIBUTION_STATUS_FAILED: u8 = crate::state::DistributionStatus::Failed as u8;

/// `DistributionList.status`: entries are being appended.
#[constant]
pub const LIST_STATUS_UPLOADING: u8 = crate::state::ListStatus::Uploading as u8;
/// `DistributionList.status`: sealed, open to audit.
#[constant]
pub const LIST_STATUS_SEALED: u8 = crate::state::ListStatus::Sealed as u8;
/// `DistributionList.status`: accepted (finalized); entries can be claimed.
#[constant]
pub const LIST_STATUS_ACCEPTED: u8 = crate::state::ListStatus::Accepted as u8;
/// `DistributionList.status`: rejected by an upheld audit or replaced.
#[constant]
pub const LIST_STATUS_REJECTED: u8 = crate::state::ListStatus::Rejected as u8;
