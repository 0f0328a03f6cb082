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
    /// Expected jury seats (the task's `jury_size`; 0: whole-network vote, tallies in stake).
    /// With a jury, `for_stake` / `against_stake` count seats.
    pub jury_size: u16,
    /// The jury comes from the first slot hash at or after this slot: the raise's slot, or the
    /// end of the submission window for a submission audit raised before it.
    pub jury_from_slot: u64,
    /// `sampling::jury_seed`, recorded by the first vote (zero until then).
    pub jury_seed: [u8; 32],
    /// With a jury: room for this many jurors' votes in the account's tail (0 otherwise).
    pub voter_capacity: u16,
}

impl Audit {
    /// Size without a jury tail.
    pub const SPACE: usize = Self::DISCRIMINATOR.len() + Self::INIT_SPACE;

    /// Jurors an audit makes room for: twice the expected jury plus 16 (a jury of `J`
    /// expected seats has more than `2J + 16` members with negligible probability), at most
    /// the task's node count limit.
    pub fn voter_capacity(jury_size: u16, max_nodes: u32) -> u16 {
        let cap = u32::from(jury_size) * 2 + 16;
        cap.min(max_nodes).min(u32::from(u16::MAX)) as u16
    }

    /// Size with a jury tail: after the fields, `voter_capacity` u32 LE node indexes of the
    /// jurors who voted, ascending (the first `votes` are used). One vote per juror is
    /// enforced by this list, without a Vote account per vote.
    pub fn space_with_jury(voter_capacity: u16) -> usize {
        Self::SPACE + 4 * usize::from(voter_capacity)
    }

    /// Records juror `index` in the sorted voter list of an audit account's data; `false` if it
    /// already voted; `JuryFull` when a new juror finds no room.
    pub fn insert_voter(data: &mut [u8], votes: u32, index: u32) -> Result<bool> {
        let tail = data
            .get_mut(Self::SPACE..)
            .ok_or_else(|| error!(crate::errors::GradualError::WrongAuditAccount))?;
        let used = votes as usize * 4;
        require!(
            tail.len() >= used,
            crate::errors::GradualError::WrongAuditAccount
        );
        let at = |t: &[u8], i: usize| {
            u32::from_le_bytes([t[4 * i], t[4 * i + 1], t[4 * i + 2], t[4 * i + 3]])
        };
        let (mut lo, mut hi) = (0usize, votes as usize);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match at(tail, mid).cmp(&index) {
                core::cmp::Ordering::Less => lo = mid + 1,
                core::cmp::Ordering::Greater => hi = mid,
                core::cmp::Ordering::Equal => return Ok(false),
            }
        }
        // A repeat is answered above even when the list is full.
        require!(
            tail.len() >= used + 4,
            crate::errors::GradualError::JuryFull
        );
        tail.copy_within(4 * lo..used, 4 * lo + 4);
        tail[4 * lo..4 * lo + 4].copy_from_slice(&index.to_le_bytes());
        Ok(true)
    }

    /// The jurors who voted, from an audit account's data (its first `votes` tail entries).
    pub fn voters(data: &[u8], votes: u32) -> Vec<u32> {
        let end = Self::SPACE
            .saturating_add(4 * votes as usize)
            .min(data.len());
        data.get(Self::SPACE..end)
            .map(|t| {
                t.chunks_exact(4)
                    .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect()
            })
            .unwrap_or_default()
    }
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

    /// Writes the Vote as `try_serialize` does (discriminator, then borsh's layout) with one
    /// fixed-size copy per field (`crate::fixed`); `None` if `data` is too short.
    pub fn encode(&self, data: &mut [u8]) -> Option<()> {
        // Destructured so that a field added without a line here does not compile.
        let Vote {
            audit,
            voter,
            payer,
            approve,
            weight,
            bump,
        } = self;
        let mut w = crate::fixed::Writer::new(data.get_mut(..Self::SPACE)?);
        w.bytes::<8>(Vote::DISCRIMINATOR.try_into().ok()?)?;
        w.pubkey(audit)?;
        w.pubkey(voter)?;
        w.pubkey(payer)?;
        w.u8(u8::from(*approve))?;
        w.u64(*weight)?;
        w.u8(*bump)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voter_list_stays_sorted_and_refuses_repeats_and_overflow() {
        let mut data = vec![0u8; Audit::space_with_jury(4)];
        let mut votes = 0;
        for index in [7u32, 2, 9, 5] {
            assert!(Audit::insert_voter(&mut data, votes, index).unwrap());
            votes += 1;
        }
        assert_eq!(Audit::voters(&data, votes), vec![2, 5, 7, 9]);
        assert!(!Audit::insert_voter(&mut data, votes, 5).unwrap());
        assert!(!Audit::insert_voter(&mut data, votes, 9).unwrap());
        // Full: a fifth juror is refused, the list unchanged.
        assert!(Audit::insert_voter(&mut data, votes, 1).is_err());
        assert_eq!(Audit::voters(&data, votes), vec![2, 5, 7, 9]);
        assert_eq!(Audit::voter_capacity(64, 4_096), 144);
        assert_eq!(Audit::voter_capacity(64, 10), 10);
    }

    proptest::proptest! {
        /// The fixed-layout writer produces exactly borsh's bytes, and refuses a short buffer.
        #[test]
        fn vote_encode_is_borsh(keys: [[u8; 32]; 3], approve: bool, weight: u64, bump: u8) {
            let vote = Vote {
                audit: Pubkey::new_from_array(keys[0]),
                voter: Pubkey::new_from_array(keys[1]),
                payer: Pubkey::new_from_array(keys[2]),
                approve, weight, bump,
            };
            let mut borsh = vec![];
            vote.try_serialize(&mut borsh).unwrap();
            let mut fast = vec![0xAA; Vote::SPACE];
            vote.encode(&mut fast).unwrap();
            proptest::prop_assert_eq!(&fast, &borsh);
            proptest::prop_assert!(vote.encode(&mut fast[..Vote::SPACE - 1]).is_none());
        }
    }
}
