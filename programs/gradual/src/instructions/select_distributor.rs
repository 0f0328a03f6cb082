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
    /// Must be the SlotHashes sysvar (checked in the handler); read without
    /// deserializing its 20 KB.
    /// CHECK: as documented above.
    pub slot_hashes: UncheckedAccount<'info>,
}

/// Entries the SlotHashes sysvar keeps (`MAX_ENTRIES`).
pub const SLOT_HASHES_MAX: usize = 512;

/// What SlotHashes says about the slots from `start` on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeedSource {
    /// The hash of the first slot at or after `start` that the sysvar holds (the oldest such
    /// entry, while older entries since `start` may not have been evicted).
    SlotHash { slot: u64, hash: [u8; 32] },
    /// No slot at or after `start` has a hash yet (the call is in `start`'s own slot, or
    /// every slot since was skipped): selection must wait.
    NotYet,
    /// The sysvar is full and its oldest entry is after `start`: the first hash after `start`
    /// has been evicted. Fall back to the oldest entry it still has.
    Evicted { slot: u64, hash: [u8; 32] },
}

/// Reads SlotHashes (newest first: `u64` count, then `(u64 slot, [u8; 32] hash)` pairs) for
/// the first entry at or after `start`, by binary search, without deserializing its 20 KB.
pub fn seed_source(data: &[u8], start: u64) -> SeedSource {
    const ENTRY: usize = 40;
    let count = data
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_le_bytes)
        .and_then(|c| usize::try_from(c).ok())
        .unwrap_or(0);
    let Some(entries) = count
        .checked_mul(ENTRY)
        .and_then(|len| data.get(8..8 + len))
    else {
        return SeedSource::NotYet;
    };
    let slot_of = |i: usize| {
        u64::from_le_bytes(
            entries[i * ENTRY..i * ENTRY + 8]
                .try_into()
                .unwrap_or_default(),
        )
    };
    let hash_of = |i: usize| -> [u8; 32] {
        entries[i * ENTRY + 8..i * ENTRY + ENTRY]
            .try_into()
            .unwrap_or_default()
    };
    // Entries with slot >= start form a prefix; find its length.
    let (mut lo, mut hi) = (0usize, count);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if slot_of(mid) >= start {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let Some(first) = lo.checked_sub(1) else {
        return SeedSource::NotYet;
    };
    let (slot, hash) = (slot_of(first), hash_of(first));
    if first + 1 == count && count >= SLOT_HASHES_MAX && slot > start {
        SeedSource::Evicted { slot, hash }
    } else {
        SeedSource::SlotHash { slot, hash }
    }
}

/// The selection seed of an attempt: sha256 of the chosen slot hash with task, round and
/// attempt (PROTOCOL.md §5).
pub fn selection_seed(slot_hash: &[u8; 32], task: &Pubkey, round: u64, attempt: u8) -> [u8; 32] {
    let round_le = round.to_le_bytes();
    let attempt = [attempt];
    solana_sha256_hasher::hashv(&[slot_hash, task.as_ref(), &round_le, &attempt]).to_bytes()
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
    require!(header.all_shards_merged(), GradualError::ShardsNotMerged);

    // The seed comes from a slot hash produced after the attempt began, so nobody knew it
    // when the round's candidates were fixed, and the cranker cannot choose between seeds by
    // timing its call: every call within the window sees the same first entry.
    let source = seed_source(&ctx.accounts.slot_hashes.try_borrow_data()?, upload.start);
    let (seed_slot, hash, from_slot_hash) = match source {
        SeedSource::SlotHash { slot, hash } => (slot, hash, true),
        SeedSource::Evicted { slot, hash } => (slot, hash, false),
        SeedSource::NotYet => return err!(GradualError::SlotHashNotYetAvailable),
    };
    let seed = selection_seed(&hash, &header.task, header.round, attempt);
    let (task, round) = (header.task, header.round);

    // O(1) from the counters; the scan below walks only up to the pick.
    let candidates = view.counted_candidates();
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
        from_slot_hash,
        seed_slot,
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
    fn first_entry_at_or_after_start() {
        let d = sysvar(&[90, 70, 50, 49, 10]);
        let at = |slot: u64| SeedSource::SlotHash {
            slot,
            hash: [slot as u8; 32],
        };
        assert_eq!(seed_source(&d, 50), at(50));
        assert_eq!(seed_source(&d, 51), at(70));
        assert_eq!(seed_source(&d, 11), at(49));
        assert_eq!(seed_source(&d, 0), at(10));
        assert_eq!(seed_source(&d, 90), at(90));
        assert_eq!(seed_source(&d, 91), SeedSource::NotYet);
        assert_eq!(seed_source(&[], 1), SeedSource::NotYet);
        assert_eq!(seed_source(&sysvar(&[]), 1), SeedSource::NotYet);
    }

    #[test]
    fn full_sysvar_past_start_falls_back_to_oldest() {
        let slots: Vec<u64> = (0..SLOT_HASHES_MAX as u64).map(|i| 2_000 - i).collect();
        let d = sysvar(&slots);
        let oldest = *slots.last().unwrap();
        assert_eq!(
            seed_source(&d, oldest - 1),
            SeedSource::Evicted {
                slot: oldest,
                hash: [oldest as u8; 32]
            }
        );
        assert!(matches!(
            seed_source(&d, oldest),
            SeedSource::SlotHash { .. }
        ));
    }

    #[test]
    fn seed_depends_on_every_input() {
        let t = Pubkey::new_from_array([1; 32]);
        let base = selection_seed(&[2; 32], &t, 3, 0);
        assert_ne!(base, selection_seed(&[9; 32], &t, 3, 0));
        assert_ne!(
            base,
            selection_seed(&[2; 32], &Pubkey::new_from_array([5; 32]), 3, 0)
        );
        assert_ne!(base, selection_seed(&[2; 32], &t, 4, 0));
        assert_ne!(base, selection_seed(&[2; 32], &t, 3, 1));
    }
}
