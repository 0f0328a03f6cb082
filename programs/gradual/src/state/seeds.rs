//! PDA seed prefixes (PROTOCOL.md §3). The SDK's `pda.rs` mirrors these.
pub const TASK: &[u8] = b"task";
pub const BOUNTY_VAULT: &[u8] = b"bounty";
pub const STAKE_VAULT: &[u8] = b"stake";
pub const NODE: &[u8] = b"node";
pub const ROUND: &[u8] = b"round";
pub const SHARD: &[u8] = b"shard";
pub const SUBMISSION: &[u8] = b"submission";
pub const SLASH_VAULT: &[u8] = b"slashed";
pub const AUDIT: &[u8] = b"audit";
pub const VOTE: &[u8] = b"vote";
pub const DISTRIBUTION: &[u8] = b"distribution";
pub const INDEX_POOL: &[u8] = b"indexes";
