//! SDK errors.
use anchor_lang::prelude::Pubkey;

/// Errors of the SDK.
#[derive(Debug, thiserror::Error)]
pub enum SdkError {
    /// The chain call failed.
    #[error(transparent)]
    Chain(#[from] crate::chain::ChainError),
    /// The account does not exist.
    #[error("account {address} ({expected}) does not exist")]
    NotFound {
        /// Account address.
        address: Pubkey,
        /// Expected type name.
        expected: &'static str,
    },
    /// The task is closed: nothing more can be done on it.
    #[error("task {0} is closed")]
    TaskClosed(Pubkey),
    /// The node's task logic failed.
    #[error("task logic failed: {0}")]
    Logic(String),
    /// The local store could not be read or written.
    #[error("local store {path}: {reason}")]
    Store {
        /// Store file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The account is not owned by the gradual program.
    #[error("account {address} is owned by {owner}, not the gradual program")]
    WrongOwner {
        /// Account address.
        address: Pubkey,
        /// Its owner.
        owner: Pubkey,
    },
    /// The account's discriminator is not the expected type's.
    #[error("account {address} is not a {expected}")]
    WrongAccountType {
        /// Account address.
        address: Pubkey,
        /// Expected type name.
        expected: &'static str,
    },
    /// The data could not be decoded.
    #[error("account {address} could not be decoded: {reason}")]
    Decode {
        /// Account address.
        address: Pubkey,
        /// Decoder message.
        reason: String,
    },
}

/// Decodes an Anchor account of type `T` after checking owner and discriminator.
pub fn decode_account<T: anchor_lang::AccountDeserialize + anchor_lang::Discriminator>(
    address: Pubkey,
    owner: &Pubkey,
    data: &[u8],
    type_name: &'static str,
) -> Result<T, SdkError> {
    if *owner != gradual::ID {
        return Err(SdkError::WrongOwner {
            address,
            owner: *owner,
        });
    }
    if !data.starts_with(T::DISCRIMINATOR) {
        return Err(SdkError::WrongAccountType {
            address,
            expected: type_name,
        });
    }
    T::try_deserialize(&mut &data[..]).map_err(|e| SdkError::Decode {
        address,
        reason: e.to_string(),
    })
}

use gradual::errors::GradualError;

/// Every program error, in declaration order (Anchor code = 6000 + index).
pub const ALL_PROGRAM_ERRORS: [GradualError; 98] = [
    GradualError::ZeroLengthWindow,
    GradualError::SubmissionAndAuditExceedRound,
    GradualError::DistributionExceedsRound,
    GradualError::WindowTooLong,
    GradualError::InvalidBps,
    GradualError::InvalidMaxNodes,
    GradualError::ZeroAmountConfig,
    GradualError::UnbondTooLong,
    GradualError::StartSlotInPast,
    GradualError::UpdateAffectsRoundInFlight,
    GradualError::UpdateAlreadyPending,
    GradualError::UnsupportedMintExtension,
    GradualError::TaskAlreadyExists,
    GradualError::NodeAlreadyJoined,
    GradualError::WrongTask,
    GradualError::WrongVault,
    GradualError::WrongMint,
    GradualError::WrongTokenProgram,
    GradualError::WrongPda,
    GradualError::WrongRentReceiver,
    GradualError::Unauthorized,
    GradualError::TaskPaused,
    GradualError::TaskNotPaused,
    GradualError::TaskNotActive,
    GradualError::TaskFull,
    GradualError::ZeroAmount,
    GradualError::MathOverflow,
    GradualError::StakeBelowMinimum,
    GradualError::InsufficientStake,
    GradualError::NothingToWithdraw,
    GradualError::StakeStillBonding,
    GradualError::RoundOutOfRange,
    GradualError::OutsideSubmissionWindow,
    GradualError::NodeNotEligible,
    GradualError::AlreadySubmitted,
    GradualError::InvalidProofLength,
    GradualError::SubmissionStillNeeded,
    GradualError::WrongRound,
    GradualError::AuditWindowClosed,
    GradualError::AuditWindowOpen,
    GradualError::AuditAlreadyRaised,
    GradualError::AuditAlreadyResolved,
    GradualError::AuditStillOpen,
    GradualError::SelfAudit,
    GradualError::TargetCannotVote,
    GradualError::AlreadyVoted,
    GradualError::TargetNotSubmitted,
    GradualError::AlreadySlashed,
    GradualError::WrongAuditAccount,
    GradualError::AuditsPending,
    GradualError::WrongSysvar,
    GradualError::WrongDistributionStatus,
    GradualError::WrongAttempt,
    GradualError::OutsideDistributionWindow,
    GradualError::DistributionWindowOpen,
    GradualError::NotSelectedDistributor,
    GradualError::OverBudget,
    GradualError::UnsortedEntries,
    GradualError::DuplicateEntry,
    GradualError::NotACandidate,
    GradualError::TooManyEntries,
    GradualError::WrongOffset,
    GradualError::CountMismatch,
    GradualError::TotalMismatch,
    GradualError::InvalidEntryCount,
    GradualError::ListAuditWindowOpen,
    GradualError::WrongList,
    GradualError::NotFinalized,
    GradualError::AlreadyClaimed,
    GradualError::EntryOutOfRange,
    GradualError::NotYourEntry,
    GradualError::WrongRewardAccount,
    GradualError::AccountStillNeeded,
    GradualError::RoundsNotSettled,
    GradualError::DestinationIsTaskVault,
    GradualError::MintHasFreezeAuthority,
    GradualError::OpenAuditAgainstNode,
    GradualError::SlotHashNotYetAvailable,
    GradualError::RewardAccountUnusable,
    GradualError::ClaimWindowClosed,
    GradualError::NodeStillNeeded,
    GradualError::TaskStillNeeded,
    GradualError::InvalidTrustFlags,
    GradualError::PayoutNotOwnedByAuthority,
    GradualError::ListNotFullyAllocated,
    GradualError::ListFullyAllocated,
    GradualError::BatchAccountsMismatch,
    GradualError::InvalidAuditPolicy,
    GradualError::NotAJuror,
    GradualError::JuryFull,
    GradualError::JurySeedExpired,
    GradualError::RoundNotOpen,
    GradualError::RoundNotFullyAllocated,
    GradualError::WrongShard,
    GradualError::ShardsNotMerged,
    GradualError::SubmissionWindowOpen,
    GradualError::NotAMember,
    GradualError::LogicDescriptorTooLong,
];

/// The program error with Anchor index `index` (code - 6000).
pub fn gradual_error_from_index(index: u32) -> Option<GradualError> {
    ALL_PROGRAM_ERRORS.get(index as usize).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_table_matches_the_program_and_the_idl() {
        for (i, e) in ALL_PROGRAM_ERRORS.iter().enumerate() {
            assert_eq!(*e as usize, i);
        }
        let idl: serde_json::Value =
            serde_json::from_str(include_str!("../../idl/gradual.json")).expect("idl");
        assert_eq!(
            idl["errors"].as_array().expect("errors").len(),
            ALL_PROGRAM_ERRORS.len()
        );
    }
}
