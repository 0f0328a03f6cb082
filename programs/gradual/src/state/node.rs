use crate::{
    constants::NO_ROUND,
    errors::GradualError,
    fixed::{Reader, Writer},
};
use anchor_lang::prelude::*;

/// A node's membership and stake in one task.
/// Seeds: `["node", task, authority]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct Node {
    pub task: Pubkey,
    /// Hot key, online on the node host: submit, raise_audit, vote, list upload.
    pub operator: Pubkey,
    /// Cold key: add_stake, request_unstake, withdraw_stake, set_reward_account,
    /// set_operator, close_node. Fixed at join (it is in the seeds).
    pub authority: Pubkey,
    /// Token account (reward mint) that receives this node's rewards.
    pub reward_account: Pubkey,
    /// Assigned at join, never reused; indexes the round bitmaps.
    pub index: u32,
    /// Stake that counts for rounds `>= pending_activation_round` and all later ones.
    pub active_stake: u64,
    /// Stake added in the current round.
    pub pending_stake: u64,
    pub pending_activation_round: u64,
    /// Stake on its way out; still slashable until released.
    pub unbonding: u64,
    pub unbonding_release_round: u64,
    pub slashed_total: u64,
    /// Last round this node submitted for, `NO_ROUND` if none.
    pub last_submitted_round: u64,
    pub joined_slot: u64,
    pub bump: u8,
    /// The last pending bucket folded into `active_stake` and the round it counts from: for
    /// rounds before `recent_activation_round` it is not counted (stake added in round `c`
    /// counts from `c + 1`, also after the fold).
    pub recent_stake: u64,
    pub recent_activation_round: u64,
    /// Rounds before this one count 0: an older folded bucket was merged without its round,
    /// so the node's stake for them is no longer known exactly and the program counts
    /// nothing rather than too much.
    pub history_from_round: u64,
    /// Open audits against this node (either kind): its stake cannot be withdrawn meanwhile.
    pub open_audits: u32,
    /// End of the whole timeline of the last round this node submitted for (set by `submit`
    /// from the round's own config): until then its proof or its list can still be audited,
    /// so its stake cannot be released and its account cannot close.
    pub in_flight_until_slot: u64,
}

impl Node {
    pub const SPACE: usize = Self::DISCRIMINATOR.len() + Self::INIT_SPACE;

    /// Stake that counts for round `round`: what was active at that round and is still bonded.
    pub fn stake_for_round(&self, round: u64) -> Result<u64> {
        if round < self.history_from_round {
            return Ok(0);
        }
        let mut stake = self.active_stake;
        if round < self.recent_activation_round {
            stake = stake.saturating_sub(self.recent_stake);
        }
        if round >= self.pending_activation_round {
            stake = stake
                .checked_add(self.pending_stake)
                .ok_or_else(|| error!(GradualError::MathOverflow))?;
        }
        Ok(stake)
    }

    /// Active plus pending: what the node has staked and not asked back.
    pub fn bonded(&self) -> Result<u64> {
        self.active_stake
            .checked_add(self.pending_stake)
            .ok_or_else(|| error!(GradualError::MathOverflow))
    }

    /// Folds pending stake into active once its round has come (`current` = round at now).
    pub fn settle_pending_stake(&mut self, current: Option<u64>) -> Result<()> {
        if self.pending_stake > 0 && current.is_some_and(|c| c >= self.pending_activation_round) {
            if self.recent_stake > 0 {
                self.history_from_round = self.history_from_round.max(self.recent_activation_round);
            }
            self.recent_stake = self.pending_stake;
            self.recent_activation_round = self.pending_activation_round;
            self.active_stake = self.bonded()?;
            self.pending_stake = 0;
        }
        Ok(())
    }

    /// Keeps `recent_stake` within `active_stake` after stake left the active bucket (counted
    /// as leaving the older stake first, so no round is ever over-counted).
    /// Returns how much left the recent bucket, so the task's totals can follow.
    pub fn cap_recent(&mut self) -> u64 {
        let before = self.recent_stake;
        self.recent_stake = before.min(self.active_stake);
        before - self.recent_stake
    }

    /// Takes `from_active` and `from_pending` out of the node's buckets (unstake, withdrawal
    /// of a closed task) and returns what the task's totals must drop.
    pub fn remove_bonded(&mut self, from_active: u64, from_pending: u64) -> Result<BondedRemoval> {
        self.active_stake = self
            .active_stake
            .checked_sub(from_active)
            .ok_or(GradualError::MathOverflow)?;
        self.pending_stake = self
            .pending_stake
            .checked_sub(from_pending)
            .ok_or(GradualError::MathOverflow)?;
        Ok(BondedRemoval {
            from_active,
            from_pending,
            from_recent: self.cap_recent(),
            recent_activation_round: self.recent_activation_round,
        })
    }

    /// Removes `bps` of everything the node has at stake (active, then pending, then
    /// unbonding) and returns the amounts taken from each bucket.
    pub fn slash(&mut self, bps: u16) -> Result<SlashSplit> {
        let at_stake = self
            .bonded()?
            .checked_add(self.unbonding)
            .ok_or(GradualError::MathOverflow)?;
        let total = crate::math::bps_floor(at_stake, bps);
        let from_active = total.min(self.active_stake);
        let from_pending = (total - from_active).min(self.pending_stake);
        let from_unbonding = total - from_active - from_pending;
        self.active_stake -= from_active;
        self.pending_stake -= from_pending;
        let from_recent = self.cap_recent();
        self.unbonding = self
            .unbonding
            .checked_sub(from_unbonding)
            .ok_or(GradualError::MathOverflow)?;
        self.slashed_total = self
            .slashed_total
            .checked_add(total)
            .ok_or(GradualError::MathOverflow)?;
        Ok(SlashSplit {
            total,
            bonded: BondedRemoval {
                from_active,
                from_pending,
                from_recent,
                recent_activation_round: self.recent_activation_round,
            },
            from_unbonding,
        })
    }

    /// Whether the node ever submitted for `round`.
    pub fn submitted_for(&self, round: u64) -> bool {
        self.last_submitted_round != NO_ROUND && self.last_submitted_round == round
    }
}

/// Stake that left a node's active and not-yet-active buckets, so the task's totals follow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BondedRemoval {
    pub from_active: u64,
    pub from_pending: u64,
    /// Part of `from_active` that came out of the node's recent bucket.
    pub from_recent: u64,
    /// The round the node's recent bucket counts from.
    pub recent_activation_round: u64,
}

/// Where a slash came from, so the task's totals follow the node's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SlashSplit {
    pub total: u64,
    pub bonded: BondedRemoval,
    pub from_unbonding: u64,
}

impl Node {
    /// Reads the Node at `info` for an instruction of `task`: an account that is not a Node of
    /// this program (never joined, closed, another program's) is `NotAMember`, a Node of
    /// another task `WrongTask`. Node instructions take their node this way (an unchecked
    /// account) rather than as `Account<Node>`, whose failure is Anchor's anonymous
    /// `AccountNotInitialized`.
    pub fn member(info: &AccountInfo, task: &Pubkey) -> Result<Node> {
        Self::member_inlined(info, task)
    }

    /// [`Node::member`], compiled into its caller: no copy of the 241-byte Node through the
    /// `Result`s of two calls (~170 CU). Used by the instructions every node sends every
    /// round (`submit`, `vote`) through [`Node::operated_by_inlined`]; the others call the
    /// shared copy, which keeps the program smaller.
    #[inline(always)]
    fn member_inlined(info: &AccountInfo, task: &Pubkey) -> Result<Node> {
        if info.owner != &crate::ID {
            return err!(GradualError::NotAMember);
        }
        let node = Node::decode(&info.try_borrow_data()?).ok_or(GradualError::NotAMember)?;
        require_keys_eq!(node.task, *task, GradualError::WrongTask);
        Ok(node)
    }

    /// [`Node::member`] sent by its operator (the hot key): `Unauthorized` otherwise.
    pub fn operated_by(info: &AccountInfo, task: &Pubkey, operator: &Pubkey) -> Result<Node> {
        let node = Node::member(info, task)?;
        require_keys_eq!(node.operator, *operator, GradualError::Unauthorized);
        Ok(node)
    }

    /// [`Node::operated_by`], compiled into its caller (see [`Node::member_inlined`]).
    #[inline(always)]
    pub fn operated_by_inlined(
        info: &AccountInfo,
        task: &Pubkey,
        operator: &Pubkey,
    ) -> Result<Node> {
        let node = Node::member_inlined(info, task)?;
        require_keys_eq!(node.operator, *operator, GradualError::Unauthorized);
        Ok(node)
    }

    /// [`Node::member`] sent by its authority (the cold key): `Unauthorized` otherwise.
    pub fn owned_by(info: &AccountInfo, task: &Pubkey, authority: &Pubkey) -> Result<Node> {
        let node = Node::member(info, task)?;
        require_keys_eq!(node.authority, *authority, GradualError::Unauthorized);
        Ok(node)
    }

    /// Writes a node read by [`Node::member`] back to its account. A handler that changes the
    /// node calls it once, after its last change (Anchor's `exit` does not see this account).
    pub fn store(&self, info: &AccountInfo) -> Result<()> {
        self.encode(&mut info.try_borrow_mut_data()?)
            .ok_or_else(|| error!(ErrorCode::AccountDidNotSerialize))
    }

    /// A Node from its account bytes (discriminator, then borsh's layout), as
    /// `try_deserialize` reads it but with one fixed-size copy per field (`crate::fixed`);
    /// `None` if the discriminator is not Node's or the data is too short.
    #[inline(always)]
    pub fn decode(data: &[u8]) -> Option<Node> {
        // One length check up front: every field read below is then at a known offset.
        let mut r = Reader::new(data.get(..Node::SPACE)?);
        if r.bytes::<8>()?.as_slice() != Node::DISCRIMINATOR {
            return None;
        }
        Some(Node {
            task: r.pubkey()?,
            operator: r.pubkey()?,
            authority: r.pubkey()?,
            reward_account: r.pubkey()?,
            index: r.u32()?,
            active_stake: r.u64()?,
            pending_stake: r.u64()?,
            pending_activation_round: r.u64()?,
            unbonding: r.u64()?,
            unbonding_release_round: r.u64()?,
            slashed_total: r.u64()?,
            last_submitted_round: r.u64()?,
            joined_slot: r.u64()?,
            bump: r.u8()?,
            recent_stake: r.u64()?,
            recent_activation_round: r.u64()?,
            history_from_round: r.u64()?,
            open_audits: r.u32()?,
            in_flight_until_slot: r.u64()?,
        })
    }

    /// Writes the Node as `try_serialize` does (discriminator, then borsh's layout) with one
    /// fixed-size copy per field; `None` if `data` is too short.
    pub fn encode(&self, data: &mut [u8]) -> Option<()> {
        // Destructured so that a field added to Node without a line here does not compile.
        let Node {
            task,
            operator,
            authority,
            reward_account,
            index,
            active_stake,
            pending_stake,
            pending_activation_round,
            unbonding,
            unbonding_release_round,
            slashed_total,
            last_submitted_round,
            joined_slot,
            bump,
            recent_stake,
            recent_activation_round,
            history_from_round,
            open_audits,
            in_flight_until_slot,
        } = self;
        let mut w = Writer::new(data.get_mut(..Node::SPACE)?);
        w.bytes::<8>(Node::DISCRIMINATOR.try_into().ok()?)?;
        w.pubkey(task)?;
        w.pubkey(operator)?;
        w.pubkey(authority)?;
        w.pubkey(reward_account)?;
        w.u32(*index)?;
        w.u64(*active_stake)?;
        w.u64(*pending_stake)?;
        w.u64(*pending_activation_round)?;
        w.u64(*unbonding)?;
        w.u64(*unbonding_release_round)?;
        w.u64(*slashed_total)?;
        w.u64(*last_submitted_round)?;
        w.u64(*joined_slot)?;
        w.u8(*bump)?;
        w.u64(*recent_stake)?;
        w.u64(*recent_activation_round)?;
        w.u64(*history_from_round)?;
        w.u32(*open_audits)?;
        w.u64(*in_flight_until_slot)
    }
}

#[cfg(test)]
mod codec_tests {
    use super::*;
    use proptest::prelude::*;

    fn key() -> impl Strategy<Value = Pubkey> {
        any::<[u8; 32]>().prop_map(Pubkey::new_from_array)
    }

    prop_compose! {
        fn node()(keys in proptest::array::uniform4(key()), index: u32,
                  n in proptest::array::uniform12(any::<u64>()), bump: u8, open_audits: u32)
                  -> Node {
            Node {
                task: keys[0], operator: keys[1], authority: keys[2], reward_account: keys[3],
                index, active_stake: n[0], pending_stake: n[1], pending_activation_round: n[2],
                unbonding: n[3], unbonding_release_round: n[4], slashed_total: n[5],
                last_submitted_round: n[6], joined_slot: n[7], bump, recent_stake: n[8],
                recent_activation_round: n[9], history_from_round: n[10], open_audits,
                in_flight_until_slot: n[11],
            }
        }
    }

    proptest! {
        /// The fixed-layout codec writes and reads exactly borsh's bytes.
        #[test]
        fn codec_is_borsh(node in node(), extra in 0usize..16) {
            let mut borsh = Vec::new();
            node.try_serialize(&mut borsh).unwrap();
            prop_assert_eq!(borsh.len(), Node::SPACE);
            let mut fast = vec![0xAA; Node::SPACE + extra];
            node.encode(&mut fast).unwrap();
            prop_assert_eq!(&fast[..Node::SPACE], &borsh[..]);
            prop_assert!(fast[Node::SPACE..].iter().all(|&b| b == 0xAA), "wrote past the Node");
            // Trailing bytes are ignored on read, as borsh's reader does.
            let back = Node::decode(&fast).unwrap();
            let mut again = Vec::new();
            back.try_serialize(&mut again).unwrap();
            prop_assert_eq!(again, borsh);
        }

        /// Short data, or another account's discriminator, is refused.
        #[test]
        fn codec_refuses_short_or_foreign_data(node in node(), cut in 0usize..Node::SPACE,
                                               flip in 0usize..8, bit in 0u8..8) {
            let mut bytes = vec![0; Node::SPACE];
            node.encode(&mut bytes).unwrap();
            prop_assert!(Node::decode(&bytes[..cut]).is_none());
            prop_assert!(node.encode(&mut vec![0; cut]).is_none());
            let mut foreign = bytes.clone();
            foreign[flip] ^= 1 << bit;
            prop_assert!(Node::decode(&foreign).is_none());
            // Another account's discriminator on Node-sized data.
            bytes[..8].copy_from_slice(crate::state::Audit::DISCRIMINATOR);
            prop_assert!(Node::decode(&bytes).is_none());
        }
    }
}
