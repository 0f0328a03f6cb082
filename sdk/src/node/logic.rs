//! What a task's author writes: the work, how to check others' work, and how to split the
//! budget. Defaults give the protocol's equal split and its recomputing auditor.
use anchor_lang::prelude::Pubkey;
use async_trait::async_trait;
use gradual::state::DistributionEntry;

/// Who is asking: the task, the round and this node.
#[derive(Clone, Copy, Debug)]
pub struct WorkContext {
    /// Task address.
    pub task: Pubkey,
    /// Round whose work this is.
    pub round: u64,
    /// This node's index.
    pub node_index: u32,
    /// The round's work window, `[work_start, work_end)` in slots: work that reads the chain
    /// reads what is settled before `work_start`, the same for every node.
    pub work_start: u64,
    /// End (exclusive) of the round's work window.
    pub work_end: u64,
}

impl WorkContext {
    /// A context for `node_index`'s work on `round` with no slot window (tests, examples and
    /// logics that do not read the chain).
    pub fn new(task: Pubkey, round: u64, node_index: u32) -> Self {
        Self {
            task,
            round,
            node_index,
            work_start: 0,
            work_end: 0,
        }
    }
}

/// An auditor's answer. `Unknown` (the check could not be made: a timeout, an RPC failure, a
/// crashed logic process) never accuses anyone: the runner neither raises nor votes on it and
/// asks again later in the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The work is right.
    Valid,
    /// The work is wrong: raise an audit, vote guilty.
    Invalid,
    /// No answer now (transient): ask again later, never accuse.
    Unknown,
}

impl From<bool> for Verdict {
    fn from(ok: bool) -> Self {
        if ok {
            Verdict::Valid
        } else {
            Verdict::Invalid
        }
    }
}

impl Verdict {
    /// `Some(valid)` for a definite answer, `None` for `Unknown`.
    pub fn definite(self) -> Option<bool> {
        match self {
            Verdict::Valid => Some(true),
            Verdict::Invalid => Some(false),
            Verdict::Unknown => None,
        }
    }
}

/// A task's off-chain logic.
#[async_trait]
pub trait TaskLogic: Send + Sync {
    /// Does the round's work and returns the proof to submit (1..=512 bytes).
    async fn work(&self, ctx: &WorkContext) -> Result<Vec<u8>, String>;

    /// Whether `proof`, submitted by node `node_index` for `ctx.round`, is valid; `Unknown`
    /// when it cannot tell now (never guess `Invalid`: that accuses an honest peer).
    async fn audit_submission(&self, ctx: &WorkContext, node_index: u32, proof: &[u8]) -> Verdict;

    /// The list to upload when selected: `valid` are the candidate indexes (ascending),
    /// `budget` the most the list may pay. Default: equal split. An error skips the upload
    /// (another node is selected after the window).
    async fn distribution(
        &self,
        round: u64,
        valid: &[u32],
        budget: u64,
    ) -> Result<Vec<DistributionEntry>, String> {
        let _ = round;
        Ok(equal_split(valid, budget))
    }

    /// Whether another distributor's list is the right one. Default: recompute and compare
    /// (`Unknown` if the recomputation fails).
    async fn audit_distribution(
        &self,
        round: u64,
        valid: &[u32],
        budget: u64,
        entries: &[DistributionEntry],
    ) -> Verdict {
        recompute_and_compare(self, round, valid, budget, entries).await
    }
}

/// The default list audit: `logic`'s own list for the round, compared with `entries`
/// (`Unknown` when it cannot compute one now).
pub async fn recompute_and_compare<L: TaskLogic + ?Sized>(
    logic: &L,
    round: u64,
    valid: &[u32],
    budget: u64,
    entries: &[DistributionEntry],
) -> Verdict {
    match logic.distribution(round, valid, budget).await {
        Ok(mine) => Verdict::from(mine == entries),
        Err(_) => Verdict::Unknown,
    }
}

/// The protocol's default split: `budget / n` each, the remainder one unit at a time to the
/// lowest indexes. Empty when there is nobody to pay or nothing to split.
pub fn equal_split(valid: &[u32], budget: u64) -> Vec<DistributionEntry> {
    let n = valid.len() as u64;
    if n == 0 || budget < n {
        return vec![];
    }
    valid
        .iter()
        .enumerate()
        .filter_map(|(k, &i)| {
            Some(DistributionEntry {
                node_index: u16::try_from(i).ok()?,
                amount: budget / n + u64::from((k as u64) < budget % n),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_split_pays_the_whole_budget_remainder_first() {
        let e = equal_split(&[2, 5, 9], 10);
        let amounts: Vec<u64> = e.iter().map(|e| e.amount).collect();
        assert_eq!(amounts, vec![4, 3, 3]);
        assert_eq!(
            e.iter().map(|e| e.node_index).collect::<Vec<_>>(),
            vec![2, 5, 9]
        );
        assert!(equal_split(&[], 10).is_empty());
        assert!(
            equal_split(&[1, 2, 3], 2).is_empty(),
            "an entry of 0 would be refused on chain"
        );
        let big = equal_split(&(0..10_000).collect::<Vec<_>>(), 1_000_001);
        assert_eq!(big.iter().map(|e| e.amount).sum::<u64>(), 1_000_001);
    }
}
