use crate::{
    errors::GradualError,
    events::{DistributionFailed, DistributorSelected},
    state::{DistributionStatus, Round},
};
use anchor_lang::{prelude::*, solana_program::sysvar::SysvarId};

/// Permissionless: picks the current attempt's distributor uniformly among the candidates
/// (`submitted AND NOT slashed AND NOT failed_distributor`).
#[derive(Accounts)]
pub struct SelectDistributor<'info> {
    #[account(mut)]
    pub round: AccountLoader<'info, Round>,
    /// CHECK: must be the SlotHashes sysvar (checked in the handler); read without
    /// deserializing its 20 KB.
    pub slot_hashes: UncheckedAccount<'info>,
}

/// The hash SlotHashes holds for `slot`, if it is still there (entries sorted by slot,
/// newest first: `u64` count, then `(u64 slot, [u8; 32] hash)` pairs).
pub fn slot_hash(data: &[u8], slot: u64) -> Option<[u8; 32]> {
    const ENTRY: usize = 40;
    let count = usize::try_from(u64::from_le_bytes(data.get(..8)?.try_into().ok()?)).ok()?;
    let entries = data.get(8..8 + count.checked_mul(ENTRY)?)?;
    let slot_of = |i: usize| {
        u64::from_le_bytes(
            entries[i * ENTRY..i * ENTRY + 8]
                .try_into()
                .unwrap_or_default(),
        )
    };
    let (mut lo, mut hi) = (0usize, count);
    while lo < hi {
        let mid = (lo + hi) / 2;
        let s = slot_of(mid);
        if s == slot {
            return entries[mid * ENTRY + 8..mid * ENTRY + ENTRY]
                .try_into()
                .ok();
        }
        if s > slot {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    None
}

/// The selection seed of an attempt: from the slot hash of the attempt's first slot when the
/// sysvar still has it, else from task, round and attempt only (PROTOCOL.md §5).
pub fn selection_seed(
    slot_hash: Option<[u8; 32]>,
    task: &Pubkey,
    round: u64,
    attempt: u8,
) -> [u8; 32] {
    let round_le = round.to_le_bytes();
    let attempt = [attempt];
    match slot_hash {
        Some(h) => solana_sha256_hasher::hashv(&[&h, task.as_ref(), &round_le, &attempt]),
        None => solana_sha256_hasher::hashv(&[task.as_ref(), &round_le, &attempt]),
    }
    .to_bytes()
}

pub fn handler(ctx: Context<SelectDistributor>) -> Result<()> {
    let slot = Clock::get()?.slot;
    require_keys_eq!(
        ctx.accounts.slot_hashes.key(),
        SlotHashes::id(),
        GradualError::WrongSysvar
    );
    let round_info = ctx.accounts.round.to_account_info();
    let mut data = round_info.try_borrow_mut_data()?;
    let view = Round::view(&mut data)?;
    let header = &*view.header;
    require!(
        header.status() == DistributionStatus::AwaitingSelection,
        GradualError::WrongDistributionStatus
    );
    require!(header.open_audits == 0, GradualError::AuditsPending);
    let attempt = header.distribution_attempt;
    let (upload, _) = header
        .timeline()
        .distribution(u16::from(attempt))
        .ok_or(GradualError::WrongAttempt)?;
    require!(
        upload.contains(&slot),
        GradualError::OutsideDistributionWindow
    );

    let hash = slot_hash(&ctx.accounts.slot_hashes.try_borrow_data()?, upload.start);
    let seed = selection_seed(hash, &header.task, header.round, attempt);
    let (task, round) = (header.task, header.round);

    let candidates = view.candidate_count();
    if candidates == 0 {
        // Nobody can distribute: the round fails and its budget stays in the vault.
        view.header.distribution_status = DistributionStatus::Failed as u8;
        emit!(DistributionFailed {
            task,
            round,
            attempts: attempt,
        });
        return Ok(());
    }
    let pick = u32::try_from(
        u64::from_le_bytes(seed[..8].try_into().unwrap_or_default()) % u64::from(candidates),
    )
    .map_err(|_| GradualError::MathOverflow)?;

    let node_index = view.nth_candidate(pick).ok_or(GradualError::MathOverflow)?;
    view.header.selected_node = node_index;
    view.header.distribution_status = DistributionStatus::Selected as u8;
    emit!(DistributorSelected {
        task,
        round,
        attempt,
        node_index,
        candidates,
        from_slot_hash: hash.is_some(),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sysvar(slots: &[u64]) -> Vec<u8> {
        let mut d = (slots.len() as u64).to_le_bytes().to_vec();
        for s in slots {
            d.extend_from_slice(&s.to_le_bytes());
            d.extend_from_slice(&[*s as u8; 32]);
        }
        d
    }

    #[test]
    fn finds_slot_hashes_newest_first() {
        let d = sysvar(&[90, 70, 50, 49, 10]);
        for s in [90, 70, 50, 49, 10] {
            assert_eq!(slot_hash(&d, s), Some([s as u8; 32]));
        }
        for s in [91, 60, 11, 9, 0] {
            assert_eq!(slot_hash(&d, s), None);
        }
        assert_eq!(slot_hash(&[], 1), None);
        assert_eq!(slot_hash(&sysvar(&[]), 1), None);
    }

    #[test]
    fn seed_depends_on_every_input() {
        let t = Pubkey::new_from_array([1; 32]);
        let base = selection_seed(Some([2; 32]), &t, 3, 0);
        assert_ne!(base, selection_seed(Some([9; 32]), &t, 3, 0));
        assert_ne!(base, selection_seed(Some([2; 32]), &t, 4, 0));
        assert_ne!(base, selection_seed(Some([2; 32]), &t, 3, 1));
        assert_ne!(base, selection_seed(None, &t, 3, 0));
    }
}
