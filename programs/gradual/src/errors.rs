//! Named errors: each one is the rule that was broken (PROTOCOL.md §6).
use anchor_lang::prelude::*;

#[error_code]
pub enum GradualError {
    // --- configuration
    #[msg("a window or the round has zero length, or there are zero distribution attempts")]
    ZeroLengthWindow,
    #[msg("submission_slots + audit_slots must not exceed round_slots")]
    SubmissionAndAuditExceedRound,
    #[msg("distribution_slots + distribution_audit_slots must not exceed round_slots")]
    DistributionExceedsRound,
    #[msg("round_slots or max_distribution_attempts above the protocol limit")]
    WindowTooLong,
    #[msg("a basis-point value is above 10,000, or quorum is zero")]
    InvalidBps,
    #[msg("max_nodes must be between 1 and MAX_NODES_LIMIT")]
    InvalidMaxNodes,
    #[msg("minimum_stake and bounty_per_round must be greater than zero")]
    ZeroAmountConfig,
    #[msg("unbond_rounds above MAX_UNBOND_ROUNDS")]
    UnbondTooLong,
    #[msg("start_slot is in the past")]
    StartSlotInPast,
    #[msg("an update must take effect at round current + 2 or later")]
    UpdateAffectsRoundInFlight,
    #[msg("an earlier update is about to take effect; retry after it is in force for a round")]
    UpdateAlreadyPending,
    #[msg("the mint uses a Token-2022 extension that breaks vault accounting or custody")]
    UnsupportedMintExtension,

    // --- accounts
    #[msg("a task with this authority and task_id already exists")]
    TaskAlreadyExists,
    #[msg("this operator has already joined the task")]
    NodeAlreadyJoined,
    #[msg("the account does not belong to this task")]
    WrongTask,
    #[msg("the vault is not this task's vault")]
    WrongVault,
    #[msg("the mint is not the task's mint")]
    WrongMint,
    #[msg("the token program does not own this mint")]
    WrongTokenProgram,
    #[msg("the account is not the PDA the protocol expects")]
    WrongPda,
    #[msg("the rent receiver is not the account that paid the rent")]
    WrongRentReceiver,
    #[msg("the signer is not allowed to do this")]
    Unauthorized,

    // --- task status
    #[msg("the task is paused")]
    TaskPaused,
    #[msg("the task is not paused")]
    TaskNotPaused,
    #[msg("the task is not active")]
    TaskNotActive,
    #[msg("the task has no room for another node")]
    TaskFull,

    // --- amounts
    #[msg("amount must be greater than zero")]
    ZeroAmount,
    #[msg("arithmetic overflow")]
    MathOverflow,
    #[msg("stake would be below the task's minimum_stake")]
    StakeBelowMinimum,
    #[msg("unstake amount exceeds the node's stake")]
    InsufficientStake,
    #[msg("no unbonded stake to withdraw")]
    NothingToWithdraw,
    #[msg("the stake is still unbonding")]
    StakeStillBonding,

    // --- rounds and submissions
    #[msg("the schedule has not started or the round is out of range")]
    RoundOutOfRange,
    #[msg("the slot is outside the round's submission window")]
    OutsideSubmissionWindow,
    #[msg("the node's active stake at the round's snapshot is below minimum_stake")]
    NodeNotEligible,
    #[msg("the node already submitted a proof for this round")]
    AlreadySubmitted,
    #[msg("the proof is empty or longer than MAX_PROOF_LEN bytes")]
    InvalidProofLength,
    #[msg("the submission may still be audited; close it after the round's audit window")]
    SubmissionStillNeeded,
    #[msg("the round account does not match this task and round")]
    WrongRound,

    // --- audits
    #[msg("the slot is outside the audit's raise/vote window")]
    AuditWindowClosed,
    #[msg("the audit window has not ended yet")]
    AuditWindowOpen,
    #[msg("an audit of this target for this round is already raised")]
    AuditAlreadyRaised,
    #[msg("the audit is already resolved")]
    AuditAlreadyResolved,
    #[msg("the audit is still open")]
    AuditStillOpen,
    #[msg("a node cannot audit itself")]
    SelfAudit,
    #[msg("the audited node cannot vote on its own audit")]
    TargetCannotVote,
    #[msg("this node already voted on (or raised) this audit")]
    AlreadyVoted,
    #[msg("the target did not submit a proof for this round")]
    TargetNotSubmitted,
    #[msg("the target is already slashed for this round")]
    AlreadySlashed,
    #[msg("the account is not the audit's target, raiser payout or slash destination")]
    WrongAuditAccount,
    #[msg("audits of this round are still open; resolve them first")]
    AuditsPending,

    // --- distribution
    #[msg("the SlotHashes account is not the sysvar")]
    WrongSysvar,
    #[msg("the round's distribution is not in the state this call needs")]
    WrongDistributionStatus,
    #[msg("the attempt is not the round's current distribution attempt")]
    WrongAttempt,
    #[msg("the slot is outside the attempt's upload window")]
    OutsideDistributionWindow,
    #[msg("the upload window of the current attempt has not passed yet")]
    DistributionWindowOpen,
    #[msg("only the selected distributor may do this")]
    NotSelectedDistributor,
    #[msg("the list would pay more than the round's budget")]
    OverBudget,
    #[msg("list entries must be strictly increasing by node index")]
    UnsortedEntries,
    #[msg("the node index appears twice in the list")]
    DuplicateEntry,
    #[msg("the node is not a candidate: it did not submit, was slashed, or failed as distributor")]
    NotACandidate,
    #[msg("more entries than declared")]
    TooManyEntries,
    #[msg("the chunk overlaps entry positions already written")]
    WrongOffset,
    #[msg("the number of entries written differs from the declared count")]
    CountMismatch,
    #[msg("the sum of entries differs from the declared total")]
    TotalMismatch,
    #[msg("entry_count must be between 1 and the number of candidates")]
    InvalidEntryCount,
    #[msg("the list's audit window has not ended yet")]
    ListAuditWindowOpen,
    #[msg("the account is not this round's distribution list")]
    WrongList,

    // --- rewards and cleanup
    #[msg("the list is not accepted yet")]
    NotFinalized,
    #[msg("this entry was already claimed")]
    AlreadyClaimed,
    #[msg("the entry index is beyond the list")]
    EntryOutOfRange,
    #[msg("the entry does not pay this node")]
    NotYourEntry,
    #[msg("the destination is not the node's registered reward account")]
    WrongRewardAccount,
    #[msg("the account may still be needed")]
    AccountStillNeeded,
    #[msg("rounds of this task are not settled yet")]
    RoundsNotSettled,

    // --- added by the security review (codes above are stable)
    #[msg("a task vault cannot be named as a payout, reward or withdrawal account")]
    DestinationIsTaskVault,
    #[msg("a mint with a freeze authority needs the task's explicit trust setting")]
    MintHasFreezeAuthority,
    #[msg("an audit against this node is open; withdraw after it is resolved")]
    OpenAuditAgainstNode,
    #[msg("SlotHashes holds no slot of this attempt yet; select from the attempt's next slot")]
    SlotHashNotYetAvailable,
    #[msg("the reward account cannot receive tokens (closed, frozen, wrong mint or memo-only); set a new one")]
    RewardAccountUnusable,
    #[msg("the claim window of this list has ended; unclaimed rewards went back to the bounty")]
    ClaimWindowClosed,
    #[msg("the node still has stake or rounds in flight that may refer to it")]
    NodeStillNeeded,
    #[msg("the task still holds tokens or is not closed")]
    TaskStillNeeded,
    #[msg("trust_flags has an undefined bit set")]
    InvalidTrustFlags,
    #[msg("the raiser payout account must be owned by the raising node's authority")]
    PayoutNotOwnedByAuthority,

    // --- added for network scale (codes above are stable)
    #[msg("the list is not at full size yet: send grow_distribution first")]
    ListNotFullyAllocated,
    #[msg("the list is already at full size")]
    ListFullyAllocated,
    #[msg("remaining accounts must be one (node, reward account) pair per entry")]
    BatchAccountsMismatch,
    #[msg("jury_size or audit_sample is above its limit")]
    InvalidAuditPolicy,
    #[msg("this node holds no seat on the audit's jury")]
    NotAJuror,
    #[msg("the jury's vote list is full")]
    JuryFull,
    #[msg("the slot hash that draws this audit's jury left SlotHashes before any vote")]
    JurySeedExpired,
    #[msg("the round is not open: send open_round first (in its submission window)")]
    RoundNotOpen,
    #[msg("the Round is not at full size yet: send open_round until it is")]
    RoundNotFullyAllocated,
    #[msg("not this round's shard for that node index")]
    WrongShard,
    #[msg("the round's submissions are not all merged: send merge_shards first")]
    ShardsNotMerged,
    #[msg("the submission window is still open")]
    SubmissionWindowOpen,
    #[msg("not a member of this task: no Node at that address (join_task first)")]
    NotAMember,
    #[msg("the logic descriptor's uri (96 bytes) or params (128 bytes) is too long")]
    LogicDescriptorTooLong,
}
