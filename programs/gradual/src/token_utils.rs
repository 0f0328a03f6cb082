//! Every token movement and vault creation goes through here (OpenBook's `token_utils`).
use crate::errors::GradualError;
use anchor_lang::{prelude::*, system_program};
use anchor_spl::{
    token_2022::spl_token_2022::{
        extension::{BaseStateWithExtensions, ExtensionType, StateWithExtensions},
        state::Mint as MintState,
    },
    token_interface::{self, InitializeAccount3, TransferChecked},
};

/// Size of a token account for the mints this program accepts (no account extensions needed).
pub const TOKEN_ACCOUNT_LEN: usize = 165;

/// Token-2022 mint extensions that change neither balances nor custody of a vault.
const ALLOWED_MINT_EXTENSIONS: [ExtensionType; 8] = [
    ExtensionType::MintCloseAuthority,
    ExtensionType::InterestBearingConfig,
    ExtensionType::MetadataPointer,
    ExtensionType::TokenMetadata,
    ExtensionType::GroupPointer,
    ExtensionType::TokenGroup,
    ExtensionType::GroupMemberPointer,
    ExtensionType::TokenGroupMember,
];

/// Rejects mints whose extensions would break the vault invariants: transfer fees (vault
/// receives less than accounted), permanent delegates (third party can drain a vault),
/// transfer hooks, default-frozen accounts, pausing, confidential or non-transferable tokens.
pub fn check_mint_extensions(mint: &AccountInfo) -> Result<()> {
    if *mint.owner != anchor_spl::token_2022::ID {
        return Ok(());
    }
    let data = mint.try_borrow_data()?;
    let state = StateWithExtensions::<MintState>::unpack(&data)
        .map_err(|_| error!(GradualError::UnsupportedMintExtension))?;
    let types = state
        .get_extension_types()
        .map_err(|_| error!(GradualError::UnsupportedMintExtension))?;
    require!(
        types.iter().all(|t| ALLOWED_MINT_EXTENSIONS.contains(t)),
        GradualError::UnsupportedMintExtension
    );
    Ok(())
}

/// Requires `token_program` to be the program that owns `mint`.
pub fn check_token_program(mint: &AccountInfo, token_program: &AccountInfo) -> Result<()> {
    require_keys_eq!(
        *mint.owner,
        token_program.key(),
        GradualError::WrongTokenProgram
    );
    Ok(())
}

/// Creates a program-owned or token-owned account at a PDA, also when someone has already sent
/// lamports to the address (the create_account path would fail on a funded address).
pub fn create_pda_account<'info>(
    payer: &AccountInfo<'info>,
    target: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    owner: &Pubkey,
    space: usize,
    signer_seeds: &[&[u8]],
) -> Result<()> {
    let rent = Rent::get()?.minimum_balance(space);
    let signer = &[signer_seeds];
    let current = target.lamports();
    if current == 0 {
        system_program::create_account(
            CpiContext::new_with_signer(
                system_program.key(),
                system_program::CreateAccount {
                    from: payer.clone(),
                    to: target.clone(),
                },
                signer,
            ),
            rent,
            space as u64,
            owner,
        )
    } else {
        let top_up = rent.saturating_sub(current);
        if top_up > 0 {
            system_program::transfer(
                CpiContext::new(
                    system_program.key(),
                    system_program::Transfer {
                        from: payer.clone(),
                        to: target.clone(),
                    },
                ),
                top_up,
            )?;
        }
        system_program::allocate(
            CpiContext::new_with_signer(
                system_program.key(),
                system_program::Allocate {
                    account_to_allocate: target.clone(),
                },
                signer,
            ),
            space as u64,
        )?;
        system_program::assign(
            CpiContext::new_with_signer(
                system_program.key(),
                system_program::Assign {
                    account_to_assign: target.clone(),
                },
                signer,
            ),
            owner,
        )
    }
}

/// Whether `address` is the program address of `seeds` (which end with the bump) under this
/// program. One sha256 (~150 CU) instead of `create_program_address` (1,500 CU): the
/// off-curve half of that check is left to the runtime, which refuses to sign for an on-curve
/// address when the account is created with these seeds.
pub fn is_program_address(address: &Pubkey, seeds: &[&[u8]]) -> bool {
    let mut parts: Vec<&[u8]> = Vec::with_capacity(seeds.len() + 2);
    parts.extend_from_slice(seeds);
    parts.push(crate::ID.as_ref());
    parts.push(b"ProgramDerivedAddress");
    solana_sha256_hasher::hashv(&parts).to_bytes() == address.to_bytes()
}

/// Whether an address is still free for `create_pda_account` (no data, system-owned).
pub fn is_unallocated(account: &AccountInfo) -> bool {
    account.data_is_empty() && *account.owner == system_program::ID
}

/// Creates a vault token account at a PDA of this program, owned by `authority` (the task).
#[allow(clippy::too_many_arguments)]
pub fn create_vault<'info>(
    payer: &AccountInfo<'info>,
    vault: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    authority: &AccountInfo<'info>,
    token_program: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    vault_seeds: &[&[u8]],
) -> Result<()> {
    create_pda_account(
        payer,
        vault,
        system_program,
        token_program.key,
        TOKEN_ACCOUNT_LEN,
        vault_seeds,
    )?;
    token_interface::initialize_account3(CpiContext::new(
        token_program.key(),
        InitializeAccount3 {
            account: vault.clone(),
            mint: mint.clone(),
            authority: authority.clone(),
        },
    ))
}

/// Moves `amount` from a user's token account, signed by the user.
pub fn transfer_from_user<'info>(
    token_program: &AccountInfo<'info>,
    from: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    to: &AccountInfo<'info>,
    owner: &AccountInfo<'info>,
    amount: u64,
    decimals: u8,
) -> Result<()> {
    token_interface::transfer_checked(
        CpiContext::new(
            token_program.key(),
            TransferChecked {
                from: from.clone(),
                mint: mint.clone(),
                to: to.clone(),
                authority: owner.clone(),
            },
        ),
        amount,
        decimals,
    )
}

/// Moves `amount` out of a task vault, signed by the task PDA.
#[allow(clippy::too_many_arguments)]
pub fn transfer_from_vault<'info>(
    token_program: &AccountInfo<'info>,
    vault: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    to: &AccountInfo<'info>,
    task: &AccountInfo<'info>,
    task_seeds: &[&[u8]],
    amount: u64,
    decimals: u8,
) -> Result<()> {
    token_interface::transfer_checked(
        CpiContext::new_with_signer(
            token_program.key(),
            TransferChecked {
                from: vault.clone(),
                mint: mint.clone(),
                to: to.clone(),
                authority: task.clone(),
            },
            &[task_seeds],
        ),
        amount,
        decimals,
    )
}
