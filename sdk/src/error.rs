//! SDK errors.
use anchor_lang::prelude::Pubkey;

/// Errors of the SDK's decoding helpers.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SdkError {
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
