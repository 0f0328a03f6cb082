use anchor_lang::prelude::*;

/// What an audit accuses.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum AuditKind {
    /// A node's proof for the round is wrong.
    Submission,
    /// The current attempt's distribution list is unfair under the task's logic.
    Distribution,
}

/// Outcome of an audit.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditStatus {
    /// Votes are being collected (or the window passed and nobody resolved it yet).
    Open,
    /// `for > against` with quorum: the target was slashed.
    Upheld,
    /// Nothing moved.
    Rejected,
}

/// An accusation against one node for one round, and its stake-weighted tally.
/// Seeds: `["audit", task, round u64 LE, kind u8, target node]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct Audit {
    pub task: Pubkey,
    pub round: u64,
    pub kind: AuditKind,
    /// The accused node (account) and its index.
    pub target: Pubkey,
    pub target_index: u32,
    /// Distribution attempt audited (0 for submission audits).
    pub attempt: u8,
    /// The raising node; its stake counts as the first `for` vote.
    pub raiser: Pubkey,
    /// Stake-mint token account that receives the raiser's share of a slash.
    pub raiser_payout: Pubkey,
    /// Paid the rent; receives it back on close.
    pub payer: Pubkey,
    pub for_stake: u64,
    pub against_stake: u64,
    pub votes: u32,
    /// First slot at which the audit can be resolved (end of its window).
    pub deadline_slot: u64,
    pub status: AuditStatus,
    /// Stake removed from the target when upheld.
    pub slashed_amount: u64,
    pub bump: u8,
}

impl Audit {
    pub const SPACE: usize = Self::DISCRIMINATOR.len() + Self::INIT_SPACE;
}

/// One node's vote on one audit; its existence forbids a second vote.
/// Seeds: `["vote", audit, voter node]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct Vote {
    pub audit: Pubkey,
    pub voter: Pubkey,
    pub payer: Pubkey,
    pub approve: bool,
    pub weight: u64,
    pub bump: u8,
}

impl Vote {
    pub const SPACE: usize = Self::DISCRIMINATOR.len() + Self::INIT_SPACE;
}
