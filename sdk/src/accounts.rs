//! Fetching and decoding every gradual account, with owner and discriminator checks, and the
//! program-account scans the node runtime uses (one scan per kind per phase, never one call
//! per peer).
use crate::{
    chain::{Chain, Filter, RawAccount},
    error::{decode_account, SdkError},
};
use anchor_lang::{prelude::Pubkey, AccountDeserialize, Discriminator};
use gradual::state::{
    Audit, DistributionEntry, DistributionList, Node, Round, RoundShard, Submission, Task, Vote,
};

/// Decodes an Anchor (borsh) account after owner and discriminator checks.
pub fn decode<T: AccountDeserialize + Discriminator>(
    address: Pubkey,
    account: &RawAccount,
    type_name: &'static str,
) -> Result<T, SdkError> {
    decode_account(address, &account.owner, &account.data, type_name)
}

/// A Round: its header and its three bitmaps.
#[derive(Clone, Debug)]
pub struct RoundState {
    /// The zero-copy header.
    pub header: Round,
    /// Nodes that submitted.
    pub submitted: Vec<u8>,
    /// Nodes slashed for this round.
    pub slashed: Vec<u8>,
    /// Nodes that failed as distributor.
    pub failed_distributor: Vec<u8>,
}

impl RoundState {
    /// Submitted, not slashed, not a failed distributor: who may be paid and selected.
    pub fn is_candidate(&self, index: u32) -> bool {
        use gradual::bitmap::get;
        get(&self.submitted, index)
            && !get(&self.slashed, index)
            && !get(&self.failed_distributor, index)
    }

    /// Every candidate index, ascending.
    pub fn candidates(&self) -> Vec<u32> {
        (0..self.header.max_nodes)
            .filter(|&i| self.is_candidate(i))
            .collect()
    }
}

fn check_owner_and_kind(
    address: Pubkey,
    account: &RawAccount,
    discriminator: &[u8],
    min_len: usize,
    expected: &'static str,
) -> Result<(), SdkError> {
    if account.owner != gradual::ID {
        return Err(SdkError::WrongOwner {
            address,
            owner: account.owner,
        });
    }
    if !account.data.starts_with(discriminator) || account.data.len() < min_len {
        return Err(SdkError::WrongAccountType { address, expected });
    }
    Ok(())
}

/// Decodes a round shard (`RoundShard`).
pub fn decode_shard(address: Pubkey, account: &RawAccount) -> Result<RoundShard, SdkError> {
    check_owner_and_kind(
        address,
        account,
        RoundShard::DISCRIMINATOR,
        RoundShard::SPACE,
        "RoundShard",
    )?;
    Ok(anchor_lang::__private::bytemuck::pod_read_unaligned(
        &account.data[8..RoundShard::SPACE],
    ))
}

/// The shards of `round` not yet merged into its Round, with the rent payer of those that
/// exist: what `ix::merge_shards` needs (one batched read).
pub async fn shards_to_merge(
    chain: &dyn Chain,
    task: &Pubkey,
    round: u64,
    header: &Round,
) -> Result<Vec<crate::ix::ShardToMerge>, SdkError> {
    let missing: Vec<u16> = (0..RoundShard::count(header.max_nodes))
        .filter(|s| header.merged_shards & (1u64 << s) == 0)
        .filter_map(|s| u16::try_from(s).ok())
        .collect();
    let keys: Vec<Pubkey> = missing
        .iter()
        .map(|s| crate::pda::shard(task, round, *s).0)
        .collect();
    let fetched = chain.accounts(&keys).await?;
    let mut out = Vec::with_capacity(missing.len());
    for ((shard, key), raw) in missing.iter().zip(&keys).zip(fetched) {
        let payer = match raw {
            Some(raw) if raw.owner == gradual::ID => Some(decode_shard(*key, &raw)?.payer),
            _ => None,
        };
        out.push(crate::ix::ShardToMerge {
            shard: *shard,
            payer,
        });
    }
    Ok(out)
}

/// Bytes a Round account still lacks to reach its full size (`open_round` grows it 10 KiB at a
/// time, so a Round of more than ~26,500 nodes can be seen partial); 0 when complete or not a
/// Round.
pub fn round_bytes_missing(account: &RawAccount) -> usize {
    if account.owner != gradual::ID
        || !account.data.starts_with(Round::DISCRIMINATOR)
        || account.data.len() < Round::HEADER_SPACE
    {
        return 0;
    }
    let header: Round =
        anchor_lang::__private::bytemuck::pod_read_unaligned(&account.data[8..Round::HEADER_SPACE]);
    Round::space(header.max_nodes).saturating_sub(account.data.len())
}

/// Decodes a Round account.
pub fn decode_round(address: Pubkey, account: &RawAccount) -> Result<RoundState, SdkError> {
    check_owner_and_kind(
        address,
        account,
        Round::DISCRIMINATOR,
        Round::HEADER_SPACE,
        "Round",
    )?;
    let header: Round =
        anchor_lang::__private::bytemuck::pod_read_unaligned(&account.data[8..Round::HEADER_SPACE]);
    let bitmap = |which| {
        Round::bitmap(&account.data, header.max_nodes, which)
            .map(<[u8]>::to_vec)
            .map_err(|_| SdkError::WrongAccountType {
                address,
                expected: "Round",
            })
    };
    use gradual::state::RoundBitmap::*;
    Ok(RoundState {
        header,
        submitted: bitmap(Submitted)?,
        slashed: bitmap(Slashed)?,
        failed_distributor: bitmap(FailedDistributor)?,
    })
}

/// A distribution list: header, claimed flags and the entries written so far.
#[derive(Clone, Debug)]
pub struct ListState {
    /// The zero-copy header.
    pub header: DistributionList,
    /// Entries written so far, in position order (position `i` is `entries[i]` once the list is
    /// complete; chunks may land in any order, see `filled`).
    pub entries: Vec<DistributionEntry>,
    /// Whether position `i` is written (`declared_count` flags).
    pub filled: Vec<bool>,
    /// Whether entry `i` was claimed (`declared_count` flags).
    pub claimed: Vec<bool>,
    /// The candidate indexes the list was checked against (ascending).
    pub candidates: Vec<u32>,
    /// The account's current data length (below `header.layout().end` until
    /// `grow_distribution` has brought it to full size).
    pub data_len: usize,
}

impl ListState {
    /// `grow_distribution` instructions still needed to reach full size.
    pub fn grows_missing(&self) -> u32 {
        let missing = self.header.layout().end.saturating_sub(self.data_len);
        missing.div_ceil(gradual::state::MAX_GROWTH_PER_INSTRUCTION) as u32
    }

    /// Maximal runs `(start, end)` of positions not written yet.
    pub fn unfilled_runs(&self) -> Vec<(usize, usize)> {
        let mut runs = vec![];
        let mut start = None;
        for (i, &f) in self.filled.iter().enumerate() {
            match (f, start) {
                (false, None) => start = Some(i),
                (true, Some(s)) => {
                    runs.push((s, i));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            runs.push((s, self.filled.len()));
        }
        runs
    }
}

/// Decodes a DistributionList account.
pub fn decode_list(address: Pubkey, account: &RawAccount) -> Result<ListState, SdkError> {
    check_owner_and_kind(
        address,
        account,
        DistributionList::DISCRIMINATOR,
        DistributionList::HEADER_SPACE,
        "DistributionList",
    )?;
    let header: DistributionList = anchor_lang::__private::bytemuck::pod_read_unaligned(
        &account.data[8..DistributionList::HEADER_SPACE],
    );
    let wrong = || SdkError::WrongAccountType {
        address,
        expected: "DistributionList",
    };
    let layout = header.layout();
    let (max, count) = (header.max_nodes, header.declared_count);
    let data = &account.data;
    // Before grow_distribution brings the list to full size, nothing is written or claimed.
    let full = data.len() >= layout.end;
    let bits = |region: Result<&[u8], _>| -> Result<Vec<bool>, SdkError> {
        if !full {
            return Ok(vec![false; count as usize]);
        }
        let region = region.map_err(|_| wrong())?;
        Ok((0..count)
            .map(|i| gradual::bitmap::get(region, i))
            .collect())
    };
    let filled = bits(DistributionList::filled(data, &layout))?;
    let claimed = bits(DistributionList::claimed(data, &layout))?;
    let entries = (0..count)
        .filter(|&i| filled[i as usize])
        .map(|i| DistributionList::entry(data, &layout, i).map_err(|_| wrong()))
        .collect::<Result<Vec<_>, _>>()?;
    let candidate_bits = DistributionList::candidates(data, &layout).map_err(|_| wrong())?;
    let candidates = (0..max)
        .filter(|&i| gradual::bitmap::get(candidate_bits, i))
        .collect();
    Ok(ListState {
        header,
        entries,
        filled,
        claimed,
        candidates,
        data_len: data.len(),
    })
}

/// Fetches and decodes an Anchor account; `NotFound` if it does not exist.
pub async fn fetch<T: AccountDeserialize + Discriminator>(
    chain: &dyn Chain,
    address: &Pubkey,
    type_name: &'static str,
) -> Result<T, SdkError> {
    let account = chain.account(address).await?.ok_or(SdkError::NotFound {
        address: *address,
        expected: type_name,
    })?;
    decode(*address, &account, type_name)
}

/// The task at `address`.
pub async fn fetch_task(chain: &dyn Chain, address: &Pubkey) -> Result<Task, SdkError> {
    fetch(chain, address, "Task").await
}

/// The task's logic descriptor, if its authority set one.
pub async fn fetch_task_logic(
    chain: &dyn Chain,
    task: &Pubkey,
) -> Result<Option<gradual::state::TaskLogic>, SdkError> {
    let address = crate::pda::task_logic(task).0;
    match chain.account(&address).await? {
        Some(raw) => Ok(Some(decode(address, &raw, "TaskLogic")?)),
        None => Ok(None),
    }
}

/// The node at `address`.
pub async fn fetch_node(chain: &dyn Chain, address: &Pubkey) -> Result<Node, SdkError> {
    fetch(chain, address, "Node").await
}

/// Round `round` of `task`, if opened.
pub async fn fetch_round(
    chain: &dyn Chain,
    task: &Pubkey,
    round: u64,
) -> Result<Option<RoundState>, SdkError> {
    let address = crate::pda::round(task, round).0;
    match chain.account(&address).await? {
        Some(a) => decode_round(address, &a).map(Some),
        None => Ok(None),
    }
}

/// The list of `round`/`attempt`, if begun.
pub async fn fetch_list(
    chain: &dyn Chain,
    task: &Pubkey,
    round: u64,
    attempt: u8,
) -> Result<Option<ListState>, SdkError> {
    let address = crate::pda::distribution(task, round, attempt).0;
    match chain.account(&address).await? {
        Some(a) => decode_list(address, &a).map(Some),
        None => Ok(None),
    }
}

/// A node's entry in an accepted distribution list that is not claimed yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct UnclaimedReward {
    /// The round whose list holds the entry.
    pub round: u64,
    /// The accepted attempt (its list is `pda::distribution(task, round, attempt)`).
    pub attempt: u8,
    /// The entry's position in the list (`claim_reward`'s `entry_index`).
    pub position: u32,
    /// Reward-mint base units.
    pub amount: u64,
    /// From this slot the entry can no longer be claimed (`close_distribution` returns it).
    pub claim_deadline_slot: u64,
}

/// `node`'s entry in `list`, if the list is accepted and the entry not claimed. As
/// `claim_reward` pays it: the entry names the node's index and the node joined before the
/// list's round started (an index freed by `close_node` and reused by a later joiner never
/// collects old entries). Lists hold one entry per node, so at most one matches.
pub fn unclaimed_entry(list: &ListState, node: &Node) -> Option<UnclaimedReward> {
    if list.header.claim_deadline_slot == 0 || node.joined_slot >= list.header.round_start_slot {
        return None; // not accepted, or the index was someone else's then
    }
    let mut entries = list.entries.iter();
    for (position, &filled) in list.filled.iter().enumerate() {
        if !filled {
            continue;
        }
        let entry = entries.next()?;
        if u32::from(entry.node_index) == node.index {
            return (!list.claimed.get(position).copied().unwrap_or(true)).then_some(
                UnclaimedReward {
                    round: list.header.round,
                    attempt: list.header.attempt,
                    position: position as u32,
                    amount: entry.amount,
                    claim_deadline_slot: list.header.claim_deadline_slot,
                },
            );
        }
    }
    None
}

/// `node`'s unclaimed entries in the accepted lists of `task`, by round, whether their claim
/// deadline has passed or not (compare `claim_deadline_slot` with the current slot). One
/// program-account scan of the task's lists: a list stays until it is closed after its claim
/// deadline, so nothing older can be missed (`gradual node status` and `gradual node claim`).
pub async fn unclaimed_rewards(
    chain: &dyn Chain,
    task: &Pubkey,
    node: &Node,
) -> Result<Vec<UnclaimedReward>, SdkError> {
    let lists = chain
        .program_accounts(&[by_type::<DistributionList>(), at(8, task.as_ref())])
        .await?;
    let mut out = vec![];
    for (address, account) in lists {
        if let Some(u) = unclaimed_entry(&decode_list(address, &account)?, node) {
            out.push(u);
        }
    }
    out.sort_by_key(|u| u.round);
    Ok(out)
}

/// Every Task of the program (one program-account scan: `gradual task list`).
pub async fn scan_tasks(chain: &dyn Chain) -> Result<Vec<(Pubkey, Task)>, SdkError> {
    decode_all(chain.program_accounts(&[by_type::<Task>()]).await?, "Task")
}

fn by_type<T: Discriminator>() -> Filter {
    Filter::Memcmp {
        offset: 0,
        bytes: T::DISCRIMINATOR.to_vec(),
    }
}

fn at(offset: usize, bytes: &[u8]) -> Filter {
    Filter::Memcmp {
        offset,
        bytes: bytes.to_vec(),
    }
}

fn decode_all<T: AccountDeserialize + Discriminator>(
    list: Vec<(Pubkey, RawAccount)>,
    type_name: &'static str,
) -> Result<Vec<(Pubkey, T)>, SdkError> {
    list.into_iter()
        .map(|(k, a)| decode(k, &a, type_name).map(|v| (k, v)))
        .collect()
}

/// Every node of `task` (one scan).
pub async fn scan_nodes(chain: &dyn Chain, task: &Pubkey) -> Result<Vec<(Pubkey, Node)>, SdkError> {
    let list = chain
        .program_accounts(&[by_type::<Node>(), at(8, task.as_ref())])
        .await?;
    decode_all(list, "Node")
}

/// Every live submission of `task` for `round` (one scan). Layout: task at 8, round at 104.
pub async fn scan_submissions(
    chain: &dyn Chain,
    task: &Pubkey,
    round: u64,
) -> Result<Vec<(Pubkey, Submission)>, SdkError> {
    let list = chain
        .program_accounts(&[
            by_type::<Submission>(),
            at(8, task.as_ref()),
            at(104, &round.to_le_bytes()),
        ])
        .await?;
    decode_all(list, "Submission")
}

/// Every audit of `task` for `round` (one scan). Layout: task at 8, round at 40.
pub async fn scan_audits(
    chain: &dyn Chain,
    task: &Pubkey,
    round: u64,
) -> Result<Vec<(Pubkey, Audit)>, SdkError> {
    let list = chain
        .program_accounts(&[
            by_type::<Audit>(),
            at(8, task.as_ref()),
            at(40, &round.to_le_bytes()),
        ])
        .await?;
    decode_all(list, "Audit")
}

/// Every vote on `audit` (one scan). Layout: audit at 8.
pub async fn scan_votes(
    chain: &dyn Chain,
    audit: &Pubkey,
) -> Result<Vec<(Pubkey, Vote)>, SdkError> {
    let list = chain
        .program_accounts(&[by_type::<Vote>(), at(8, audit.as_ref())])
        .await?;
    decode_all(list, "Vote")
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::AccountSerialize;

    #[test]
    fn scan_offsets_match_the_layouts() {
        let task = Pubkey::new_unique();
        let s = Submission {
            task,
            node: Pubkey::new_unique(),
            payer: Pubkey::new_unique(),
            round: 0x0102_0304,
            slot: 9,
            node_index: 3,
            bump: 1,
            proof: vec![1, 2],
        };
        let mut data = vec![];
        s.try_serialize(&mut data).unwrap();
        assert_eq!(&data[8..40], task.as_ref());
        assert_eq!(&data[104..112], &0x0102_0304u64.to_le_bytes());
        let a = Audit {
            task,
            round: 77,
            kind: gradual::state::AuditKind::Submission,
            target: Pubkey::new_unique(),
            target_index: 0,
            attempt: 0,
            raiser: Pubkey::new_unique(),
            raiser_payout: Pubkey::new_unique(),
            payer: Pubkey::new_unique(),
            for_stake: 0,
            against_stake: 0,
            votes: 0,
            deadline_slot: 0,
            status: gradual::state::AuditStatus::Open,
            slashed_amount: 0,
            bump: 0,
            jury_size: 0,
            jury_from_slot: 0,
            jury_seed: [0; 32],
            voter_capacity: 0,
        };
        let mut data = vec![];
        a.try_serialize(&mut data).unwrap();
        assert_eq!(&data[40..48], &77u64.to_le_bytes());
    }

    #[test]
    fn wrong_owner_and_wrong_type_are_named_errors() {
        let address = Pubkey::new_unique();
        let foreign = RawAccount {
            lamports: 1,
            owner: Pubkey::new_unique(),
            data: vec![0; 300],
        };
        assert!(matches!(
            decode::<Task>(address, &foreign, "Task"),
            Err(SdkError::WrongOwner { .. })
        ));
        let mut data = vec![];
        Node {
            task: Pubkey::new_unique(),
            operator: Pubkey::new_unique(),
            authority: Pubkey::new_unique(),
            reward_account: Pubkey::new_unique(),
            index: 0,
            active_stake: 0,
            pending_stake: 0,
            pending_activation_round: 0,
            unbonding: 0,
            unbonding_release_round: 0,
            slashed_total: 0,
            last_submitted_round: 0,
            joined_slot: 0,
            bump: 0,
            recent_stake: 0,
            recent_activation_round: 0,
            history_from_round: 0,
            open_audits: 0,
            in_flight_until_slot: 0,
        }
        .try_serialize(&mut data)
        .unwrap();
        let node = RawAccount {
            lamports: 1,
            owner: gradual::ID,
            data,
        };
        assert!(matches!(
            decode::<Task>(address, &node, "Task"),
            Err(SdkError::WrongAccountType { .. })
        ));
        assert!(matches!(
            decode_round(address, &node),
            Err(SdkError::WrongAccountType { .. })
        ));
        assert!(decode::<Node>(address, &node, "Node").is_ok());
    }
}
