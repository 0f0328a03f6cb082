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
/// `MintCloseAuthority` is not among them: a mint with zero supply could be closed and
/// re-created at the same address with a permanent delegate after the task was created.
const ALLOWED_MINT_EXTENSIONS: [ExtensionType; 7] = [
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

/// The canonical program address of `seeds` (without bump) under this program, and its bump:
/// the highest bump whose address is off the ed25519 curve, as `find_program_address` defines
/// it. On-chain each try is one `sol_sha256` plus one `sol_curve_validate_point` (~250 CU)
/// instead of a `create_program_address` (1,500 CU); the canonical bump is 255 half of the
/// time, so the expected cost is ~500 CU. Deriving it here, never taking a bump from the
/// caller, is what makes every account the program creates unique per seeds (a caller-chosen
/// bump admits ~128 valid addresses for the same seeds).
pub fn canonical_pda(seeds: &[&[u8]]) -> Result<(Pubkey, u8)> {
    #[cfg(target_os = "solana")]
    {
        const MAX_PARTS: usize = 16;
        let n = seeds.len();
        require!(n + 3 <= MAX_PARTS, GradualError::WrongPda);
        let mut b = u8::MAX;
        loop {
            let bump = [b];
            let mut parts: [&[u8]; MAX_PARTS] = [&[]; MAX_PARTS];
            parts[..n].copy_from_slice(seeds);
            parts[n] = &bump;
            parts[n + 1] = crate::ID.as_ref();
            parts[n + 2] = b"ProgramDerivedAddress";
            let hash = solana_sha256_hasher::hashv(&parts[..n + 3]).to_bytes();
            if !is_on_curve(&hash) {
                return Ok((Pubkey::new_from_array(hash), b));
            }
            b = b.checked_sub(1).ok_or(GradualError::WrongPda)?;
        }
    }
    #[cfg(not(target_os = "solana"))]
    {
        Ok(Pubkey::find_program_address(seeds, &crate::ID))
    }
}

/// Whether 32 bytes are a point of the ed25519 curve (the `sol_curve_validate_point` syscall,
/// the same test `create_program_address` applies).
#[cfg(target_os = "solana")]
fn is_on_curve(bytes: &[u8; 32]) -> bool {
    /// `CURVE25519_EDWARDS` in the curve syscalls.
    const EDWARDS: u64 = 0;
    let mut result = 0u8;
    // SAFETY: the syscall reads 32 bytes at `bytes` and writes at most one byte at `result`.
    unsafe {
        solana_define_syscall::definitions::sol_curve_validate_point(
            EDWARDS,
            bytes.as_ptr(),
            &mut result,
        ) == 0
    }
}

/// Requires `account` to be the canonical PDA of `seeds` and returns its bump.
pub fn expect_canonical(account: &AccountInfo, seeds: &[&[u8]]) -> Result<u8> {
    let (expected, bump) = canonical_pda(seeds)?;
    require_keys_eq!(account.key(), expected, GradualError::WrongPda);
    Ok(bump)
}

/// Refuses a destination or source that is one of the task's own vaults: paying a vault from
/// itself or from another vault would break the vault identities, and a crank that trips on
/// it later could never succeed.
pub fn require_not_vault(task: &crate::state::Task, account: &Pubkey) -> Result<()> {
    require!(
        *account != task.bounty_vault
            && *account != task.stake_vault
            && (task.slash_vault == Pubkey::default() || *account != task.slash_vault),
        GradualError::DestinationIsTaskVault
    );
    Ok(())
}

/// Whether `account` can receive a `transfer_checked` of `mint` right now: owned by
/// `token_program`, an initialized (not frozen) token account of that mint. Read from the raw
/// bytes so that a closed, frozen or foreign account is an answer, not an error.
pub fn can_receive(account: &AccountInfo, mint: &Pubkey, token_program: &Pubkey) -> bool {
    /// Offset of `state` in an SPL token account (1 = initialized, 2 = frozen).
    const STATE: usize = 108;
    if account.owner != token_program {
        return false;
    }
    let Ok(data) = account.try_borrow_data() else {
        return false;
    };
    /// `AccountType::Account` in a Token-2022 account with extensions.
    const ACCOUNT_TYPE: u8 = 2;
    (data.len() == TOKEN_ACCOUNT_LEN
        || (data.len() > TOKEN_ACCOUNT_LEN && data[TOKEN_ACCOUNT_LEN] == ACCOUNT_TYPE))
        && data[..32] == mint.to_bytes()
        && data[STATE] == 1
        && !requires_incoming_memo(&data)
}

/// Whether a Token-2022 account has turned on `MemoTransfer` (required memos on incoming
/// transfers): a `transfer_checked` without a memo into it fails, so it cannot take payouts.
/// Walks the account's TLV extensions (after the 165-byte base and the account-type byte).
fn requires_incoming_memo(data: &[u8]) -> bool {
    /// `ExtensionType::MemoTransfer`.
    const MEMO_TRANSFER: u16 = 8;
    let mut at = TOKEN_ACCOUNT_LEN + 1;
    while let Some(head) = data.get(at..at + 4) {
        let kind = u16::from_le_bytes([head[0], head[1]]);
        let len = usize::from(u16::from_le_bytes([head[2], head[3]]));
        if kind == MEMO_TRANSFER {
            return data.get(at + 4).is_some_and(|enabled| *enabled != 0);
        }
        at += 4 + len;
    }
    false
}

/// Closes an account this program owns into `receiver`: every lamport moves, the data is
/// emptied and the owner goes back to the system program, so the address is reusable and
/// reads as unallocated within the same transaction.
pub fn close_program_account(account: &AccountInfo, receiver: &AccountInfo) -> Result<()> {
    let lamports = account.lamports();
    **receiver.try_borrow_mut_lamports()? = receiver
        .lamports()
        .checked_add(lamports)
        .ok_or(GradualError::MathOverflow)?;
    **account.try_borrow_mut_lamports()? = 0;
    account.assign(&system_program::ID);
    account.resize(0)?;
    Ok(())
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
