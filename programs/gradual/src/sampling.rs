//! Sampled audits and juries: pure functions of a seed, shared by the program and the SDK.
//!
//! - **Assignment** (off-chain duty, not enforced): with `audit_sample = k`, auditor `a` checks
//!   the submissions of `k` peers drawn with replacement from the round's other submitters by
//!   `sha256(audit_seed, a, j)`, `j < k`. A given submission escapes every one of `n` honest
//!   auditors with probability `(1 - 1/(N-1))^(k n)`, about `e^-k` when all `N` audit. Anyone
//!   may still raise an audit on any submission.
//! - **Juries** (enforced by `vote`): with `jury_size = J`, a node of stake `s` in a round of
//!   total stake `S` holds `floor(J s / S)` seats plus one more with probability equal to the
//!   fraction, drawn from `sha256(jury_seed, index)`. Seats are linear in stake in expectation,
//!   so splitting stake across sybil nodes gains nothing; the expected jury is `J` seats. One
//!   hash per vote checks membership.
use crate::bitmap;
use anchor_lang::prelude::Pubkey;

/// Domain tags, so no seed of one use equals one of another.
const ASSIGNMENT: &[u8] = b"gradual:audit-sample";
const JURY: &[u8] = b"gradual:jury";

fn first_u64(h: &[u8; 32]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&h[..8]);
    u64::from_le_bytes(b)
}

/// The round's assignment seed, from the first slot hash at or after the audit window start.
pub fn assignment_seed(slot_hash: &[u8; 32], task: &Pubkey, round: u64) -> [u8; 32] {
    solana_sha256_hasher::hashv(&[ASSIGNMENT, slot_hash, task.as_ref(), &round.to_le_bytes()])
        .to_bytes()
}

/// An audit's jury seed, from the first slot hash at or after the slot it was raised in (so
/// the raiser cannot know its jury when choosing what to raise).
pub fn jury_seed(slot_hash: &[u8; 32], audit: &Pubkey) -> [u8; 32] {
    solana_sha256_hasher::hashv(&[JURY, slot_hash, audit.as_ref()]).to_bytes()
}

/// Node indexes whose submissions auditor `auditor` checks: `sample` draws among the other
/// set bits of `submitted`, ascending and deduplicated (fewer than `sample` when draws
/// repeat). `sample == 0` means every other submitter.
pub fn audit_targets(seed: &[u8; 32], auditor: u32, submitted: &[u8], sample: u16) -> Vec<u32> {
    let others: Vec<u32> = (0..(submitted.len() * 8) as u32)
        .filter(|&i| i != auditor && bitmap::get(submitted, i))
        .collect();
    if sample == 0 || others.is_empty() {
        return others;
    }
    let mut picked: Vec<u32> = (0..sample)
        .map(|j| {
            let h = solana_sha256_hasher::hashv(&[
                seed,
                &auditor.to_le_bytes(),
                &u32::from(j).to_le_bytes(),
            ])
            .to_bytes();
            others[(first_u64(&h) % others.len() as u64) as usize]
        })
        .collect();
    picked.sort_unstable();
    picked.dedup();
    picked
}

/// Jury seats of the node at `index` with `stake` out of the round's `total` stake, for a jury
/// of `jury_size` expected seats: `floor(J s / S)`, plus one with probability `(J s mod S) / S`.
pub fn jury_seats(seed: &[u8; 32], index: u32, stake: u64, total: u64, jury_size: u16) -> u64 {
    if total == 0 || stake == 0 || jury_size == 0 {
        return 0;
    }
    // u64 division when J * stake fits (always below 2^54 of stake); u128 is ~10x the CU.
    let (whole, rest) = match u64::from(jury_size).checked_mul(stake) {
        Some(scaled) => (scaled / total, scaled % total),
        None => {
            let scaled = u128::from(jury_size) * u128::from(stake);
            let total = u128::from(total);
            (
                u64::try_from(scaled / total).unwrap_or(u64::MAX),
                // < total, so it fits.
                u64::try_from(scaled % total).unwrap_or(u64::MAX),
            )
        }
    };
    if rest == 0 {
        return whole;
    }
    let h = solana_sha256_hasher::hashv(&[seed, &index.to_le_bytes()]).to_bytes();
    // Draw u in [0, 1) as h / 2^64: one more seat iff u < rest / total, i.e.
    // h * total < rest * 2^64 (a 128-bit product, no division).
    let extra = (u128::from(first_u64(&h)) * u128::from(total)) < (u128::from(rest) << 64);
    whole.saturating_add(u64::from(extra))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seats_follow_stake_and_splitting_gains_nothing() {
        let total = 1_000_000u64;
        let mut one = 0u64;
        let mut split = 0u64;
        let trials = 4_000u32;
        for t in 0..trials {
            let seed = solana_sha256_hasher::hash(&t.to_le_bytes()).to_bytes();
            // One node with 10% of the stake, against two nodes with 5% each.
            one += jury_seats(&seed, 1, 100_000, total, 64);
            split +=
                jury_seats(&seed, 2, 50_000, total, 64) + jury_seats(&seed, 3, 50_000, total, 64);
        }
        let expected = 6.4 * f64::from(trials);
        for got in [one, split] {
            assert!(
                (got as f64 - expected).abs() < expected * 0.02,
                "{got} vs {expected}"
            );
        }
        // A whole-stake holder fills the jury; nobody without stake sits.
        assert_eq!(jury_seats(&[7; 32], 0, total, total, 64), 64);
        assert_eq!(jury_seats(&[7; 32], 0, 0, total, 64), 0);
    }

    #[test]
    fn expected_jury_is_j_seats() {
        // 1,000 equal nodes, J = 64: every node has a 6.4% chance of one seat.
        let mut sum = 0u64;
        for t in 0..200u32 {
            let seed = solana_sha256_hasher::hash(&t.to_le_bytes()).to_bytes();
            sum += (0..1_000)
                .map(|i| jury_seats(&seed, i, 1, 1_000, 64))
                .sum::<u64>();
        }
        let mean = sum as f64 / 200.0;
        assert!((mean - 64.0).abs() < 2.0, "mean jury {mean}");
    }

    /// How often an audit of a cheater misses quorum because too few honest seats were drawn
    /// (every honest juror voting `for` in time), over 5,000 juries: the drawn jury varies
    /// around J, and quorum is `quorum_bps` of J, so a small J misses it measurably. This is
    /// the soak's "cheater escaped" (16 nodes, J = 8: 1.5-2% per audit, a few audits per
    /// soak); docs/protocol.md §7 gives the table and the CLI's default J is 32.
    fn miss_rate(nodes: u32, honest: u32, jury: u16, quorum_bps: u64) -> f64 {
        let quorum = (u64::from(jury) * quorum_bps).div_ceil(10_000);
        let trials = 5_000u32;
        let misses = (0..trials)
            .filter(|t| {
                let seed = solana_sha256_hasher::hash(&t.to_le_bytes()).to_bytes();
                // Node 0 is the target; nodes 1..=honest vote for.
                let seats: u64 = (1..=honest)
                    .map(|i| jury_seats(&seed, i, 1, u64::from(nodes), jury))
                    .sum();
                seats < quorum
            })
            .count();
        misses as f64 / f64::from(trials)
    }

    #[test]
    fn small_juries_miss_quorum_measurably_and_j_32_does_not() {
        let j8 = miss_rate(16, 15, 8, 5_000);
        eprintln!("miss rate, 16 nodes, J=8: {j8}");
        assert!((0.008..0.03).contains(&j8), "16 nodes, J = 8: {j8}");
        assert_eq!(miss_rate(16, 15, 32, 5_000), 0.0);
        let j8 = miss_rate(100, 90, 8, 5_000);
        let j32 = miss_rate(100, 90, 32, 5_000);
        let j64 = miss_rate(100, 90, 64, 5_000);
        eprintln!("miss rates, 100 nodes: J=8 {j8}, J=32 {j32}, J=64 {j64}");
        assert!(j8 > 0.03 && j32 < 0.003 && j64 < 0.0005, "{j8} {j32} {j64}");
    }

    #[test]
    fn sampled_audits_cover_about_one_minus_e_to_the_minus_k() {
        let n = 1_000u32;
        let submitted = vec![0xffu8; (n / 8) as usize];
        let k = 4u16;
        let seed = [3u8; 32];
        let mut audited = vec![0u32; n as usize];
        for a in 0..n {
            let targets = audit_targets(&seed, a, &submitted, k);
            assert!(targets.len() <= usize::from(k) && !targets.contains(&a));
            for t in targets {
                audited[t as usize] += 1;
            }
        }
        let missed = audited.iter().filter(|&&c| c == 0).count() as f64 / f64::from(n);
        // e^-4 = 1.8%.
        assert!((missed - (-4f64).exp()).abs() < 0.012, "missed {missed}");
        // sample 0: everyone else.
        assert_eq!(
            audit_targets(&seed, 5, &submitted[..1], 0),
            vec![0, 1, 2, 3, 4, 6, 7]
        );
    }
}
