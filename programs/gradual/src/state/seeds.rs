//! PDA seed prefixes (PROTOCOL.md §3). The SDK's `pda.rs` mirrors these.
pub const TASK: &[u8] = crate::constants::SEED_TASK;
pub const BOUNTY_VAULT: &[u8] = crate::constants::SEED_BOUNTY_VAULT;
pub const STAKE_VAULT: &[u8] = crate::constants::SEED_STAKE_VAULT;
pub const NODE: &[u8] = crate::constants::SEED_NODE;
pub const ROUND: &[u8] = crate::constants::SEED_ROUND;
pub const SHARD: &[u8] = crate::constants::SEED_SHARD;
pub const SUBMISSION: &[u8] = crate::constants::SEED_SUBMISSION;
pub const SLASH_VAULT: &[u8] = crate::constants::SEED_SLASH_VAULT;
pub const AUDIT: &[u8] = crate::constants::SEED_AUDIT;
pub const VOTE: &[u8] = crate::constants::SEED_VOTE;
pub const DISTRIBUTION: &[u8] = crate::constants::SEED_DISTRIBUTION;
pub const INDEX_POOL: &[u8] = crate::constants::SEED_INDEX_POOL;
pub const TASK_LOGIC: &[u8] = crate::constants::SEED_TASK_LOGIC;
