//! `NodeRunner`: drives one node through every phase of every round from the chain's clock.
//!
//! Each [`NodeRunner::tick`] reads the slot, the task and this node, then for the rounds in
//! flight does what is due: compute the proof (work window), submit it (submission window),
//! judge the others' submissions and raise or vote (audit window), crank resolve / select /
//! skip / finalize, upload the list when selected, judge lists, and claim. Everything it needs
//! is re-derived from the chain, plus a small [`Store`] for what only it knows (the proof it
//! computed, its verdicts, its upload), so a crash at any point loses nothing and never
//! double-submits or double-votes: before every send it checks the chain for the effect.
use crate::{
    accounts::{self, ListState, RoundState},
    chain::{Chain, ChainError, TxOutcome},
    error::SdkError,
    ix::{self, TokenAccounts},
    node::{
        logic::{TaskLogic, WorkContext},
        store::{Store, UploadLocal},
    },
    pda,
};
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use gradual::{
    errors::GradualError,
    instructions::select_distributor::{seed_source, SeedSource},
    sampling,
    state::{
        Audit, AuditKind, AuditStatus, DistributionEntry, DistributionStatus, ListStatus, Node,
        Submission, Task, TaskStatus, NO_NODE,
    },
};
use solana_keypair::Keypair;
use solana_signer::Signer;
use std::sync::Arc;

/// A node's identity and accounts.
pub struct NodeConfig {
    /// The task.
    pub task: Pubkey,
    /// The node's operator (hot key): signs submissions, audits, votes and lists, and pays
    /// the rent of what they create.
    pub operator: Keypair,
    /// The node's authority (cold key) public key: the node is `pda::node(task, authority)`.
    /// Only its public key is needed here; it stays offline.
    pub authority: Pubkey,
    /// Pays transaction fees when set (otherwise the operator does).
    pub fee_payer: Option<Keypair>,
    /// Stake-mint token account that receives raiser rewards.
    pub stake_account: Pubkey,
    /// Where the local store lives.
    pub store_path: std::path::PathBuf,
}

/// What one tick did (for logs and tests).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TickReport {
    /// Slot the tick ran at.
    pub slot: u64,
    /// Transactions sent and confirmed, by kind.
    pub sent: Vec<String>,
    /// Duties that failed this tick (duty, round, error); the others still ran.
    pub failed: Vec<(String, u64, String)>,
    /// The slot at which something may next be due: sleep until then.
    pub next_wake: u64,
    /// Transactions that were sent but failed or were not confirmed, by kind.
    pub failed_sends: Vec<String>,
}

/// What a runner has done since it started, and what it last read (for metrics and health).
#[derive(Clone, Debug, Default)]
pub struct RunnerStats {
    /// Ticks that completed.
    pub ticks: u64,
    /// The round current at the last tick.
    pub round: Option<u64>,
    /// The slot of the last tick.
    pub slot: u64,
    /// This node as the last tick read it.
    pub node: Option<Node>,
    /// Whether this node's stake counts for the round it submits for at the last tick.
    pub eligible: bool,
    /// Peers' submissions judged (valid or invalid).
    pub audited: u64,
    /// Of those, judged invalid.
    pub invalid_found: u64,
    /// Answers the logic could not give (`Verdict::Unknown`), asked again later.
    pub unknown_verdicts: u64,
    /// Proofs computed.
    pub work_done: u64,
    /// Wall-clock time of the last proof, in milliseconds.
    pub last_work_ms: u64,
}

/// Drives one node; see the module docs.
pub struct NodeRunner {
    chain: Arc<dyn Chain>,
    logic: Arc<dyn TaskLogic>,
    cfg: NodeConfig,
    store: Store,
    node: Pubkey,
    reward: Option<TokenAccounts>,
    chunk: usize,
    claim_grace: Option<u64>,
    directory: Directory,
    /// The task and slot of the last tick (which rounds to read next, and when).
    seen: Option<Seen>,
    /// The earliest crank turn this node waits for (`u64::MAX`: none).
    wake: std::sync::atomic::AtomicU64,
    /// Slots after a round's last window before its list and Round are closed (they stay
    /// readable, e.g. by `gradual round show`, until then).
    retention: u64,
    retention_set: bool,
    /// Lists read at the start of the tick (by round and attempt), dropped after any send.
    lists: std::sync::Mutex<std::collections::BTreeMap<(u64, u8), Option<ListState>>>,
    /// The attempt of each round past selection, as the last tick saw it (which lists to read
    /// with the next tick's batch).
    list_hint: std::collections::BTreeMap<u64, u8>,
    /// First slot at which this node saw each Round closable (the close_round crank's due slot).
    closable_since: std::collections::BTreeMap<u64, u64>,
    /// First slot at which this node was ready to raise an audit of (round, target).
    raise_ready: std::collections::BTreeMap<(u64, u32), u64>,
    /// The proof being computed off the event loop, and its round.
    pending_work: Option<(u64, PendingWork)>,
    /// When the pending work started.
    work_started: Option<std::time::Instant>,
    stats: RunnerStats,
}

/// A proof being computed on a blocking thread.
type PendingWork = tokio::task::JoinHandle<Result<Vec<u8>, String>>;

/// What the last tick read: the task, and the slot with the instant it was read at.
struct Seen {
    task: Task,
    slot: u64,
    at: std::time::Instant,
}

impl Seen {
    /// The slot now, extrapolated at 400 ms a slot (only used to choose what to read).
    fn estimated_slot(&self) -> u64 {
        self.slot + (self.at.elapsed().as_millis() / 400) as u64
    }
}

/// Rounds a settled round's list and Round stay on chain after its last window before the
/// runner closes them.
pub const DEFAULT_RETENTION_ROUNDS: u64 = 2;

/// Close instructions packed in one transaction.
pub const CLOSES_PER_TX: usize = 8;

/// Slots between two looks when no edge or crank turn comes sooner.
pub const IDLE_WAKE_SLOTS: u64 = 50;

/// Longest gap between two looks inside an audit or upload window (the gap grows from 2 slots
/// at the window's start: raises and selections come early).
pub const ACTIVE_POLL_MAX_SLOTS: u64 = 10;

/// Node index -> Node account address, learnt from one program-account scan and scanned again
/// only when an index it does not know shows up (a node joined), at most once per round: in
/// steady state every per-node address (Submission, Audit, Node) is derived, never scanned.
#[derive(Default)]
struct Directory {
    nodes: std::collections::BTreeMap<u32, Pubkey>,
    scanned_in_round: Option<u64>,
}

/// The indexes whose bit is set in a round bitmap, ascending.
pub fn bitmap_ones(bits: &[u8]) -> Vec<u32> {
    (0..(bits.len() * 8) as u32)
        .filter(|i| gradual::bitmap::get(bits, *i))
        .collect()
}

/// Slots between one ranked node's turn at a permissionless crank and the next node's: the
/// first sender's transaction lands a slot later and shows at `confirmed` one or two slots
/// after that, so a shorter gap makes the next node send too.
pub const CRANK_BACKOFF_SLOTS: u64 = 4;

/// Ranks past this one all take their turn together (so a run of offline nodes at the head of
/// the order delays a crank by at most `MAX_CRANK_RANK * CRANK_BACKOFF_SLOTS` slots).
pub const MAX_CRANK_RANK: u32 = 3;

/// Node `index`'s place in the order in which nodes send the crank `kind` of `round`: a
/// rotation of the node indexes (`0..node_count`) from a start drawn from (task, round, kind),
/// so each crank event has one first sender and the duty moves around the network. Rank 0
/// sends as soon as the crank is due; rank `r` only if its effect is still missing
/// `min(r, MAX_CRANK_RANK) * CRANK_BACKOFF_SLOTS` slots later.
pub fn crank_rank(task: &Pubkey, round: u64, kind: &str, index: u32, node_count: u32) -> u32 {
    let n = node_count.max(1);
    let h = solana_sha256_hasher::hashv(&[
        b"gradual:crank",
        task.as_ref(),
        &round.to_le_bytes(),
        kind.as_bytes(),
    ])
    .to_bytes();
    let start = u32::from_le_bytes([h[0], h[1], h[2], h[3]]) % n;
    (index % n + n - start) % n
}

/// First slot at which node `index` sends the crank `kind` of `round`, due at slot `due`.
pub fn crank_turn(
    task: &Pubkey,
    round: u64,
    kind: &str,
    index: u32,
    node_count: u32,
    due: u64,
) -> u64 {
    let rank = crank_rank(task, round, kind, index, node_count).min(MAX_CRANK_RANK);
    due.saturating_add(u64::from(rank) * CRANK_BACKOFF_SLOTS)
}

/// Records a failed duty in the report and the log instead of ending the tick.
fn isolate(report: &mut TickReport, duty: &str, round: u64, out: Result<(), SdkError>) {
    if let Err(e) = out {
        tracing::warn!(duty, round, error = %e, "duty failed; the others ran");
        report.failed.push((duty.to_string(), round, e.to_string()));
    }
}

/// Whether `node`'s stake counts for `round` under that round's minimum.
fn eligible(task: &Task, node: &Node, round: u64) -> bool {
    node.stake_for_round(round).unwrap_or(0) >= task.config_for_round(round).minimum_stake
}

fn is(e: &ChainError, expected: GradualError) -> bool {
    e.program_error()
        .is_some_and(|p| p as u32 == expected as u32)
}

impl NodeRunner {
    /// A runner for `cfg.operator`'s node on `cfg.task`, with its store opened.
    pub fn new(
        chain: Arc<dyn Chain>,
        logic: Arc<dyn TaskLogic>,
        cfg: NodeConfig,
    ) -> Result<Self, SdkError> {
        let store = Store::open(&cfg.store_path)?;
        let node = pda::node(&cfg.task, &cfg.authority).0;
        Ok(Self {
            chain,
            logic,
            cfg,
            store,
            node,
            reward: None,
            chunk: ix::ENTRIES_PER_APPEND,
            claim_grace: None,
            directory: Directory::default(),
            seen: None,
            retention: 0,
            retention_set: false,
            lists: std::sync::Mutex::new(std::collections::BTreeMap::new()),
            list_hint: std::collections::BTreeMap::new(),
            closable_since: std::collections::BTreeMap::new(),
            raise_ready: std::collections::BTreeMap::new(),
            wake: std::sync::atomic::AtomicU64::new(u64::MAX),
            pending_work: None,
            work_started: None,
            stats: RunnerStats::default(),
        })
    }

    /// What this runner has done so far and what it last read.
    pub fn stats(&self) -> &RunnerStats {
        &self.stats
    }

    /// Entries per `append_distribution` (default and maximum: [`ix::ENTRIES_PER_APPEND`]).
    pub fn with_append_chunk(mut self, chunk: usize) -> Self {
        self.chunk = chunk.clamp(1, ix::ENTRIES_PER_APPEND);
        self
    }

    /// Slots after a list's acceptance before this node claims its own entry itself, when the
    /// distributor's batch payout has not paid it (default: one round).
    pub fn with_claim_grace(mut self, slots: u64) -> Self {
        self.claim_grace = Some(slots);
        self
    }

    /// Slots after a round's last window before this node closes its list and cranks the
    /// Round's close (default: [`DEFAULT_RETENTION_ROUNDS`] rounds of the task; `u64::MAX`
    /// keeps them).
    pub fn with_retention_slots(mut self, slots: u64) -> Self {
        self.retention = slots;
        self.retention_set = true;
        self
    }

    /// This node's account address.
    pub fn node_address(&self) -> Pubkey {
        self.node
    }

    /// The local store (read-only).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The list of `round`'s `attempt`: as read with this tick's batch, else read now.
    async fn list(&self, round: u64, attempt: u8) -> Result<Option<ListState>, SdkError> {
        if let Some(l) = self
            .lists
            .lock()
            .ok()
            .and_then(|c| c.get(&(round, attempt)).cloned())
        {
            return Ok(l);
        }
        let l = accounts::fetch_list(self.chain.as_ref(), &self.cfg.task, round, attempt).await?;
        if let Ok(mut c) = self.lists.lock() {
            c.insert((round, attempt), l.clone());
        }
        Ok(l)
    }

    /// The slot until which `state`'s round keeps its list and Round on chain.
    fn retained_until(&self, state: &RoundState) -> u64 {
        let retention = if self.retention_set {
            self.retention
        } else {
            DEFAULT_RETENTION_ROUNDS.saturating_mul(state.header.config.round_slots)
        };
        state.header.timeline().end().saturating_add(retention)
    }

    /// The Node account addresses of `indexes` (those that exist), from the directory; one
    /// scan when it misses an index, at most once per round.
    async fn node_addresses(
        &mut self,
        indexes: &[u32],
        round: u64,
    ) -> Result<std::collections::BTreeMap<u32, Pubkey>, SdkError> {
        let missing = indexes
            .iter()
            .any(|i| !self.directory.nodes.contains_key(i));
        if missing && self.directory.scanned_in_round != Some(round) {
            let nodes = accounts::scan_nodes(self.chain.as_ref(), &self.cfg.task).await?;
            self.directory.nodes = nodes.into_iter().map(|(a, n)| (n.index, a)).collect();
            self.directory.scanned_in_round = Some(round);
        }
        Ok(indexes
            .iter()
            .filter_map(|i| self.directory.nodes.get(i).map(|a| (*i, *a)))
            .collect())
    }

    /// The audits of `round` (any status) that exist among: every submitter's submission audit
    /// and every distributor's list audit when the Round counts open audits, and the submission
    /// audits of `also` (targets this node found invalid). Addresses are derived and read in
    /// batches of 100: no scan.
    async fn round_audits(
        &mut self,
        state: &RoundState,
        round: u64,
        also: &[u32],
    ) -> Result<Vec<(Pubkey, Audit)>, SdkError> {
        let mut targets: Vec<(AuditKind, u32)> =
            also.iter().map(|i| (AuditKind::Submission, *i)).collect();
        if state.header.open_audits > 0 {
            targets.extend(
                bitmap_ones(&state.submitted)
                    .into_iter()
                    .map(|i| (AuditKind::Submission, i)),
            );
            let mut distributors = bitmap_ones(&state.failed_distributor);
            if state.header.selected_node != NO_NODE {
                distributors.push(state.header.selected_node);
            }
            targets.extend(
                distributors
                    .into_iter()
                    .map(|i| (AuditKind::Distribution, i)),
            );
        }
        targets.sort_by_key(|(k, i)| (*k as u8, *i));
        targets.dedup();
        if targets.is_empty() {
            return Ok(vec![]);
        }
        let indexes: Vec<u32> = targets.iter().map(|(_, i)| *i).collect();
        let nodes = self.node_addresses(&indexes, round).await?;
        let keys: Vec<Pubkey> = targets
            .iter()
            .filter_map(|(kind, i)| {
                nodes
                    .get(i)
                    .map(|n| pda::audit(&self.cfg.task, round, *kind, n).0)
            })
            .collect();
        let raws = self.chain.accounts(&keys).await?;
        let mut out = vec![];
        for (k, raw) in keys.iter().zip(raws) {
            if let Some(raw) = raw {
                out.push((*k, accounts::decode::<Audit>(*k, &raw, "Audit")?));
            }
        }
        Ok(out)
    }

    async fn send(
        &self,
        what: &str,
        ixs: &[Instruction],
        report: &mut TickReport,
    ) -> Result<TxOutcome, ChainError> {
        let out = self.send_quiet(ixs).await;
        match &out {
            Ok(o) => {
                tracing::info!(node = %self.node, what, signature = %o.signature, "sent");
                report.sent.push(what.to_string());
            }
            Err(e) => {
                tracing::debug!(node = %self.node, what, error = %e, "not sent");
                if matches!(
                    e,
                    ChainError::Failed { .. } | ChainError::Unconfirmed { .. }
                ) {
                    report.failed_sends.push(what.to_string());
                }
            }
        }
        out
    }

    /// Runs everything due at the current slot.
    pub async fn tick(&mut self) -> Result<TickReport, SdkError> {
        // One read for the task, this node and every round that can still need this node, with
        // the slot it was read at. Which rounds: from the task and slot of the previous tick.
        let (hint_task, hint_slot) = match &self.seen {
            Some(seen) => (seen.task.clone(), seen.estimated_slot()),
            None => {
                let t = accounts::fetch_task(self.chain.as_ref(), &self.cfg.task).await?;
                (t, self.chain.slot().await?)
            }
        };
        let current_guess = hint_task.schedule().round_at(hint_slot).unwrap_or(0);
        let oldest = current_guess
            .saturating_sub(2 + u64::from(hint_task.config.max_distribution_attempts) + 2);
        let in_flight: Vec<u64> = (oldest..=current_guess + 1).collect();
        let mut keys = vec![self.cfg.task, self.node];
        keys.extend(in_flight.iter().map(|r| pda::round(&self.cfg.task, *r).0));
        // The lists of rounds past selection, at the attempt the last tick saw.
        let hinted: Vec<(u64, u8)> = self
            .list_hint
            .iter()
            .filter(|(r, _)| in_flight.contains(r))
            .map(|(r, a)| (*r, *a))
            .collect();
        keys.extend(
            hinted
                .iter()
                .map(|(r, a)| pda::distribution(&self.cfg.task, *r, *a).0),
        );
        let (slot, fetched) = self.chain.accounts_with_slot(&keys).await?;
        let lists_at = 2 + in_flight.len();
        let mut lists = std::collections::BTreeMap::new();
        for (k, (r, a)) in hinted.iter().enumerate() {
            let list = match fetched.get(lists_at + k).cloned().flatten() {
                Some(raw) => Some(accounts::decode_list(keys[lists_at + k], &raw)?),
                None => None,
            };
            lists.insert((*r, *a), list);
        }
        if let Ok(mut c) = self.lists.lock() {
            *c = lists;
        }
        let mut report = TickReport {
            slot,
            next_wake: slot + 1,
            ..TickReport::default()
        };
        let fetched_at = |k: usize, expected: &'static str| {
            fetched.get(k).cloned().flatten().ok_or(SdkError::NotFound {
                address: keys[k],
                expected,
            })
        };
        let task: Task = accounts::decode(self.cfg.task, &fetched_at(0, "Task")?, "Task")?;
        self.seen = Some(Seen {
            task: task.clone(),
            slot,
            at: std::time::Instant::now(),
        });
        if task.status == TaskStatus::Closed {
            return Err(SdkError::TaskClosed(self.cfg.task));
        }
        let node: Node = accounts::decode(self.node, &fetched_at(1, "Node")?, "Node")?;
        self.stats.node = Some(node.clone());
        self.stats.slot = slot;
        let mut rounds = std::collections::BTreeMap::new();
        let mut partial = vec![];
        for (k, r) in in_flight.iter().enumerate() {
            if let Some(raw) = fetched.get(k + 2).cloned().flatten() {
                match accounts::round_bytes_missing(&raw) {
                    0 => {
                        rounds.insert(*r, accounts::decode_round(keys[k + 2], &raw)?);
                    }
                    missing => partial.push((*r, missing)),
                }
            }
        }
        self.list_hint = rounds
            .iter()
            .filter(|(_, st)| {
                matches!(
                    st.header.status(),
                    DistributionStatus::Selected
                        | DistributionStatus::Uploading
                        | DistributionStatus::Sealed
                        | DistributionStatus::Accepted
                )
            })
            .map(|(r, st)| (*r, st.header.distribution_attempt))
            .collect();
        // A Round someone left partial is completed before anything reads its bitmaps.
        for (r, missing) in partial {
            let out = self.complete_round(r, missing, &mut report).await;
            isolate(&mut report, "open_round", r, out);
        }
        if self.reward.is_none() {
            let mint = self
                .chain
                .account(&task.reward_mint)
                .await?
                .ok_or(SdkError::NotFound {
                    address: task.reward_mint,
                    expected: "reward mint",
                })?;
            self.reward = Some(TokenAccounts {
                mint: task.reward_mint,
                account: node.reward_account,
                token_program: mint.owner,
            });
        }
        let schedule = task.schedule();
        let Some(current) = schedule.round_at(slot) else {
            report.next_wake = schedule
                .timeline(0)
                .map(|t| t.start_slot)
                .unwrap_or(slot + IDLE_WAKE_SLOTS);
            return Ok(report);
        };

        // Each duty runs whatever the others do: a failing `work` or a flaky read in one
        // round's duty never starves the submit, votes, cranks and claims of the others.
        let r = self.work(&task, &node, current).await;
        isolate(&mut report, "work", current, r);
        if let Some(r) = current.checked_sub(1) {
            let opened = rounds.contains_key(&r);
            let out = self
                .submit(&task, &node, r, opened, slot, &mut report)
                .await;
            isolate(&mut report, "submit", r, out);
            if let Some(state) = rounds.get(&r).cloned() {
                let out = self
                    .audit_submissions(&task, &node, r, state, slot, &mut report)
                    .await;
                isolate(&mut report, "audit", r, out);
            }
        }
        let statuses: std::collections::BTreeMap<u64, (DistributionStatus, u32, u32)> = rounds
            .iter()
            .map(|(r, st)| {
                (
                    *r,
                    (
                        st.header.status(),
                        st.header.selected_node,
                        st.header.open_audits,
                    ),
                )
            })
            .collect();
        // Rounds that can still be resolving, distributing or paying out.
        for (r, state) in rounds.into_iter().filter(|(r, _)| *r < current) {
            let out = self.reclaim(&node, r, &state, slot, &mut report).await;
            isolate(&mut report, "reclaim", r, out);
            let out = self.reclaim_audits(r, &state, slot, &mut report).await;
            isolate(&mut report, "reclaim_audits", r, out);
            let out = self
                .close_round(&task, &node, r, &state, slot, &mut report)
                .await;
            isolate(&mut report, "close_round", r, out);
            let out = self
                .distribute(&task, &node, r, state, slot, &mut report)
                .await;
            isolate(&mut report, "distribute", r, out);
        }
        self.store.prune(oldest.saturating_sub(4))?;
        self.closable_since.retain(|r, _| *r >= oldest);
        self.raise_ready.retain(|(r, _), _| *r >= oldest);
        report.next_wake = self.next_wake(&task, node.index, slot, &in_flight, &statuses, &report);
        self.stats.round = Some(current);
        self.stats.eligible = current
            .checked_sub(1)
            .is_some_and(|r| eligible(&task, &node, r));
        self.stats.ticks += 1;
        Ok(report)
    }

    /// The slot of the next tick: the next window edge of a round in flight or a crank turn
    /// this node waits for; inside an audit or upload window, a look every few slots (falling
    /// off from the window's start) for audits and selections made by others; one slot after a
    /// tick that sent or failed something.
    fn next_wake(
        &self,
        task: &Task,
        me: u32,
        slot: u64,
        in_flight: &[u64],
        statuses: &std::collections::BTreeMap<u64, (DistributionStatus, u32, u32)>,
        report: &TickReport,
    ) -> u64 {
        if !report.sent.is_empty() {
            return slot + 1;
        }
        // A failed duty is tried again, but not at every slot (an empty fee wallet, a failing
        // task logic): the first edge or turn, or a few slots.
        let mut next = if report.failed.is_empty() {
            slot + IDLE_WAKE_SLOTS
        } else {
            slot + CRANK_BACKOFF_SLOTS
        };
        let mut consider = |s: u64| {
            if s > slot && s < next {
                next = s;
            }
        };
        let active = |w: &std::ops::Range<u64>| {
            w.contains(&slot)
                .then(|| slot + ((slot - w.start) / 2).clamp(2, ACTIVE_POLL_MAX_SLOTS))
        };
        let schedule = task.schedule();
        for r in in_flight {
            let Some(t) = schedule.timeline(*r) else {
                continue;
            };
            for edge in [
                t.start_slot,
                t.submission().start,
                t.submission().end,
                t.audit().end,
            ] {
                consider(edge);
            }
            let (status, selected, open_audits) = statuses.get(r).copied().unwrap_or((
                DistributionStatus::AwaitingSelection,
                NO_NODE,
                0,
            ));
            // An open audit in the window: jurors must see it and vote before the window ends.
            if open_audits > 0 && t.audit().contains(&slot) {
                consider(slot + 2);
            } else if let Some(s) = active(&t.audit()) {
                consider(s);
            }
            for attempt in 0..=task.config.max_distribution_attempts {
                let Some((upload, list_audit)) = t.distribution(attempt) else {
                    break;
                };
                for edge in [upload.start, upload.end, list_audit.end] {
                    consider(edge);
                }
                // Look again soon only while something may happen that this node must answer:
                // a selection (it may be the distributor) or its own upload; a sealed list to
                // judge, and audits of it to vote on.
                let upload_matters = match status {
                    DistributionStatus::AwaitingSelection => true,
                    DistributionStatus::Selected | DistributionStatus::Uploading => selected == me,
                    _ => false,
                };
                if upload_matters {
                    if let Some(s) = active(&upload) {
                        consider(s);
                    }
                }
                if status == DistributionStatus::Sealed {
                    if open_audits > 0 && list_audit.contains(&slot) {
                        consider(slot + 2);
                    } else if let Some(s) = active(&list_audit) {
                        consider(s);
                    }
                }
            }
        }
        consider(
            self.wake
                .swap(u64::MAX, std::sync::atomic::Ordering::Relaxed),
        );
        next
    }

    /// Whether it is this node's turn at the crank `kind` of `round`, due at `due`; when not
    /// yet, the turn is remembered as a wake-up slot.
    #[allow(clippy::too_many_arguments)]
    fn my_turn(
        &self,
        kind: &str,
        round: u64,
        position: u32,
        count: u32,
        due: u64,
        slot: u64,
    ) -> bool {
        let turn = crank_turn(&self.cfg.task, round, kind, position, count, due);
        if slot < turn {
            self.wake
                .fetch_min(turn, std::sync::atomic::Ordering::Relaxed);
        }
        slot >= turn
    }

    /// Returns the rent of this node's Submission once nothing reads it (the round's audit
    /// window is over and its shard merged): ~2.1M lamports for a 46-byte proof against a
    /// 5,000-lamport fee. `close_submission` is permissionless, so another node may have sent
    /// it first: then it is done too.
    async fn reclaim(
        &mut self,
        node: &Node,
        round: u64,
        state: &RoundState,
        slot: u64,
        report: &mut TickReport,
    ) -> Result<(), SdkError> {
        // Decided from the chain, not from the store: a submit reported unconfirmed may have
        // landed, and a store may be lost.
        let local = self.store.round(round);
        if local.reclaimed
            || slot < state.header.timeline().audit().end
            || !state.header.shard_merged(node.index)
        {
            return Ok(());
        }
        let address = pda::submission(&self.cfg.task, round, &self.node).0;
        let Some(raw) = self.chain.account(&address).await? else {
            return self.store.update(round, |r| r.reclaimed = true);
        };
        // The rent goes back to whoever paid it (the operator at the time of the submit).
        let sub: Submission = accounts::decode(address, &raw, "Submission")?;
        let ixn = ix::close_submission(sub.payer, self.cfg.task, round, self.node);
        if self
            .close_own("close_submission", ixn, &address, report)
            .await?
            == Some(true)
        {
            self.store.update(round, |r| r.reclaimed = true)?;
        }
        Ok(())
    }

    /// Sends the close of `address` (permissionless: another node may close it first):
    /// `Some(true)` once the account is gone, `Some(false)` if the close failed and left it open
    /// (an empty fee wallet: tried again on a later tick), `None` if the send is unconfirmed.
    async fn close_own(
        &self,
        what: &str,
        ixn: Instruction,
        address: &Pubkey,
        report: &mut TickReport,
    ) -> Result<Option<bool>, SdkError> {
        match self.send(what, &[ixn], report).await {
            Ok(_) => Ok(Some(true)),
            Err(ChainError::Failed { .. }) => {
                Ok(Some(self.chain.account(address).await?.is_none()))
            }
            Err(ChainError::Unconfirmed { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Once every audit of the round is resolved: closes the audits this node raised (their
    /// rent came from its operator) and its whole-network Vote accounts, in one read and as few
    /// transactions as fit.
    async fn reclaim_audits(
        &mut self,
        round: u64,
        state: &RoundState,
        slot: u64,
        report: &mut TickReport,
    ) -> Result<(), SdkError> {
        let local = self.store.round(round);
        // Once settled: list audits (and their votes) come after the submission audits.
        if local.audits_reclaimed
            || slot < state.header.timeline().audit().end
            || !state.header.status().is_settled()
            || state.header.open_audits > 0
        {
            return Ok(());
        }
        let mut raised: Vec<Pubkey> = local
            .verdicts
            .iter()
            .filter(|(_, ok)| !**ok)
            .filter_map(|(i, _)| local.targets.get(i)?.parse::<Pubkey>().ok())
            .map(|t| pda::audit(&self.cfg.task, round, AuditKind::Submission, &t).0)
            .collect();
        // The list audits it may have raised: of every list it found unfair.
        for (attempt, fair) in &local.list_verdicts {
            if *fair {
                continue;
            }
            if let Some(l) = self.list(round, *attempt).await? {
                raised.push(
                    pda::audit(
                        &self.cfg.task,
                        round,
                        AuditKind::Distribution,
                        &l.header.distributor,
                    )
                    .0,
                );
            }
        }
        let voted: Vec<Pubkey> = local
            .acted_on
            .iter()
            .filter_map(|a| a.parse::<Pubkey>().ok())
            .collect();
        let votes: Vec<Pubkey> = voted.iter().map(|a| pda::vote(a, &self.node).0).collect();
        if raised.is_empty() && votes.is_empty() {
            return self.store.update(round, |r| r.audits_reclaimed = true);
        }
        let mut keys = raised.clone();
        keys.extend(votes.iter().copied());
        keys.extend(voted.iter().copied());
        let raws = self.chain.accounts(&keys).await?;
        let raw_of = |k: &Pubkey| {
            keys.iter()
                .position(|x| x == k)
                .and_then(|p| raws.get(p).cloned().flatten())
        };
        let me = self.cfg.operator.pubkey();
        let mut closes = vec![];
        for a in &raised {
            if let Some(raw) = raw_of(a) {
                let audit: Audit = accounts::decode(*a, &raw, "Audit")?;
                if audit.status != AuditStatus::Open && audit.payer == me {
                    closes.push(ix::close_audit(audit.payer, *a));
                }
            }
        }
        for (audit, vote) in voted.iter().zip(&votes) {
            let Some(raw) = raw_of(vote) else { continue };
            let v: gradual::state::Vote = accounts::decode(*vote, &raw, "Vote")?;
            // Closable once its audit is resolved (or already closed).
            let resolved = match raw_of(audit) {
                Some(raw) => {
                    accounts::decode::<Audit>(*audit, &raw, "Audit")?.status != AuditStatus::Open
                }
                None => true,
            };
            if resolved {
                closes.push(ix::close_vote(v.payer, *audit, self.node));
            }
        }
        let txs: Vec<Vec<Instruction>> = closes.chunks(CLOSES_PER_TX).map(<[_]>::to_vec).collect();
        for tx in &txs {
            match self.send("close_audits", tx, report).await {
                Ok(_) => {}
                // Closed by someone else meanwhile (permissionless): nothing left to return.
                Err(ChainError::Failed { .. }) => {}
                Err(ChainError::Unconfirmed { .. }) => return Ok(()),
                Err(e) => return Err(e.into()),
            }
        }
        self.store.update(round, |r| r.audits_reclaimed = true)
    }

    /// The rotating crank that closes a settled Round after its retention: the first-ranked
    /// node at once, the next ones only if it is still open a few slots after they first saw it
    /// closable. What still reads the Round goes first, in the same batch of transactions: the
    /// Submissions of nodes that never took their rent back, and dead lists (rejected,
    /// abandoned, or accepted and fully paid). Every rent goes back to whoever paid it.
    async fn close_round(
        &mut self,
        task: &Task,
        node: &Node,
        round: u64,
        state: &RoundState,
        slot: u64,
        report: &mut TickReport,
    ) -> Result<(), SdkError> {
        let h = &state.header;
        let settled = h.status().is_settled() && h.open_audits == 0 && h.all_shards_merged();
        if !settled || slot < self.retained_until(state) {
            return Ok(());
        }
        // After the distributor's own close of its list (due at the same retention), so the
        // two do not collide.
        let due = slot.max(self.retained_until(state) + CRANK_BACKOFF_SLOTS);
        let seen = *self.closable_since.entry(round).or_insert(due);
        if !self.my_turn(
            "close_round",
            round,
            node.index,
            task.node_count,
            seen,
            slot,
        ) {
            return Ok(());
        }
        let mut closes = vec![];
        let mut blocked = false;
        if h.live_submissions > 0 {
            let left = self
                .submissions(&bitmap_ones(&state.submitted), round)
                .await?;
            // One the directory cannot find (its node closed, its index reused) keeps the
            // Round open: `gradual node reclaim` by its payer, or a later crank, closes it.
            if (left.len() as u32) < h.live_submissions {
                blocked = true;
            }
            for sub in left {
                closes.push(ix::close_submission(
                    sub.payer,
                    self.cfg.task,
                    round,
                    sub.node,
                ));
            }
        }
        if h.live_lists > 0 {
            let last = h.distribution_attempt;
            for attempt in 0..=last {
                let Some(l) = self.list(round, attempt).await? else {
                    continue;
                };
                let over = attempt < last || h.status() == DistributionStatus::Failed;
                let dead = match l.header.status() {
                    ListStatus::Rejected => true,
                    ListStatus::Uploading => over,
                    ListStatus::Accepted => l.claimed.iter().all(|c| *c),
                    ListStatus::Sealed => false,
                };
                if dead {
                    closes.push(ix::close_distribution(
                        l.header.payer,
                        self.cfg.task,
                        round,
                        attempt,
                    ));
                } else {
                    blocked = true;
                }
            }
        }
        if !blocked {
            closes.push(ix::close_round(h.payer, self.cfg.task, round));
        }
        for tx in closes.chunks(CLOSES_PER_TX) {
            self.crank_all("close_round", tx, report).await?;
        }
        Ok(())
    }

    fn ctx(&self, task: &Task, round: u64, node: &Node) -> WorkContext {
        let work = task
            .schedule()
            .timeline(round)
            .map(|t| t.work())
            .unwrap_or(0..0);
        WorkContext {
            task: self.cfg.task,
            round,
            node_index: node.index,
            work_start: work.start,
            work_end: work.end,
        }
    }

    /// Starts the round's work off the event loop (a blocking thread), so a slow task logic
    /// never holds up the votes, cranks and claims of the ticks meanwhile; a later tick stores
    /// the proof when it is done.
    async fn work(&mut self, task: &Task, node: &Node, round: u64) -> Result<(), SdkError> {
        if self.store.round(round).proof.is_some() {
            return Ok(());
        }
        if let Some((_, handle)) = &self.pending_work {
            // Still computing (this round's or an overrunning earlier one): the tick goes on.
            if !handle.is_finished() {
                return Ok(());
            }
            return self.collect_work().await;
        }
        if !eligible(task, node, round) || task.status != TaskStatus::Active {
            return Ok(());
        }
        let (logic, ctx) = (self.logic.clone(), self.ctx(task, round, node));
        let runtime = tokio::runtime::Handle::current();
        let handle =
            tokio::task::spawn_blocking(move || runtime.block_on(async { logic.work(&ctx).await }));
        self.pending_work = Some((round, handle));
        self.work_started = Some(std::time::Instant::now());
        Ok(())
    }

    /// Waits for the work a tick started off the event loop and stores its proof (a driver
    /// that warps time calls it between ticks; a process calls it before it exits).
    pub async fn finish_work(&mut self) -> Result<(), SdkError> {
        self.collect_work().await
    }

    /// Stores the proof of the work started by [`Self::work`] (waiting for it if needed).
    async fn collect_work(&mut self) -> Result<(), SdkError> {
        let Some((round, handle)) = self.pending_work.take() else {
            return Ok(());
        };
        let proof = handle
            .await
            .map_err(|e| SdkError::Logic(format!("the task logic panicked: {e}")))?
            .map_err(SdkError::Logic)?;
        let ms = self
            .work_started
            .take()
            .map(|t| t.elapsed().as_millis() as u64)
            .unwrap_or(0);
        self.stats.work_done += 1;
        self.stats.last_work_ms = ms;
        tracing::info!(node = %self.node, round, bytes = proof.len(), ms, "work done");
        self.store.update(round, |r| r.proof = Some(proof))
    }

    #[allow(clippy::too_many_arguments)]
    async fn submit(
        &mut self,
        task: &Task,
        node: &Node,
        round: u64,
        opened: bool,
        slot: u64,
        report: &mut TickReport,
    ) -> Result<(), SdkError> {
        let Some(t) = task.schedule().timeline(round) else {
            return Ok(());
        };
        let local = self.store.round(round);
        if local.submitted || !t.submission().contains(&slot) {
            return Ok(());
        }
        // The chain is the truth: a submit sent before a crash may have landed.
        if node.submitted_for(round) {
            return self.store.update(round, |r| r.submitted = true);
        }
        let eligible = eligible(task, node, round);
        if !eligible || task.status != TaskStatus::Active {
            return Ok(());
        }
        // The proof: stored, or being computed (wait for it now), or computed now.
        if self.pending_work.as_ref().is_some_and(|(r, _)| *r == round) {
            self.collect_work().await?;
        }
        let proof = match self.store.round(round).proof {
            Some(p) => p,
            None => {
                let p = self
                    .logic
                    .work(&self.ctx(task, round, node))
                    .await
                    .map_err(SdkError::Logic)?;
                self.store.update(round, |r| r.proof = Some(p.clone()))?;
                p
            }
        };
        // The Round must exist before the submit, which only reads it. It is opened (from the
        // submission window's first slot) by one ranked node in a transaction of its own, the
        // next ones only if it is still missing a few slots later, so neither the submits nor
        // the opens race on it.
        if !opened {
            if !self.my_turn(
                "open",
                round,
                node.index,
                task.node_count,
                t.submission().start,
                slot,
            ) {
                return Ok(());
            }
            let opens: Vec<Instruction> = (0..ix::opens_needed(task.max_nodes, 0))
                .map(|_| ix::open_round(self.cfg.operator.pubkey(), self.cfg.task, round))
                .collect();
            match self.send("open_round", &opens, report).await {
                Ok(_) => {}
                Err(ChainError::Failed { .. }) => {
                    // Someone else's open landed first, or it failed: look again.
                    let round_key = pda::round(&self.cfg.task, round).0;
                    if self.chain.account(&round_key).await?.is_none() {
                        return Ok(());
                    }
                }
                Err(ChainError::Unconfirmed { .. }) => return Ok(()),
                Err(e) => return Err(e.into()),
            }
        }
        let ixs = [ix::submit(
            self.cfg.operator.pubkey(),
            self.node,
            node.index,
            self.cfg.task,
            round,
            proof,
        )];
        match self.send("submit", &ixs, report).await {
            Ok(o) => self.store.update(round, |r| {
                r.submitted = true;
                r.submit_signature = Some(o.signature);
            }),
            Err(e) if is(&e, GradualError::AlreadySubmitted) => {
                self.store.update(round, |r| r.submitted = true)
            }
            Err(ChainError::Unconfirmed { signature }) => self
                .store
                .update(round, |r| r.submit_signature = Some(signature)),
            Err(e) => Err(e.into()),
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn audit_submissions(
        &mut self,
        task: &Task,
        node: &Node,
        round: u64,
        state: RoundState,
        slot: u64,
        report: &mut TickReport,
    ) -> Result<(), SdkError> {
        let Some(t) = task.schedule().timeline(round) else {
            return Ok(());
        };
        // Judge once submissions are closed, act while the audit window is open.
        if slot < t.submission().end || slot >= t.audit().end {
            return Ok(());
        }
        if !eligible(task, node, round) {
            return Ok(());
        }
        // The submitter set is in the Round once its shards are merged (one ranked node
        // merges; the others wait for it).
        if !state.header.all_shards_merged() {
            let due = t.submission().end;
            if self.my_turn("merge", round, node.index, task.node_count, due, slot) {
                self.merge(&state, round, report).await?;
            }
            return Ok(());
        }
        let mut slot_hashes = SlotHashesCache::default();
        if !self.store.round(round).judged {
            // With sampled audits, only the assigned peers (drawn from a seed nobody knew
            // before the audit window).
            let assigned: Option<std::collections::BTreeSet<u32>> = if task.audit_sample == 0 {
                None
            } else {
                let seed = if state.header.audit_seed_slot != 0 {
                    Some(state.header.audit_seed)
                } else {
                    slot_hashes
                        .hash_at_or_after(self.chain.as_ref(), t.submission().end)
                        .await?
                        .map(|hash| sampling::assignment_seed(&hash, &self.cfg.task, round))
                };
                match seed {
                    Some(seed) => Some(
                        sampling::audit_targets(
                            &seed,
                            node.index,
                            &state.submitted,
                            task.audit_sample,
                        )
                        .into_iter()
                        .collect(),
                    ),
                    // Not drawable yet: wait a slot.
                    None if slot <= t.submission().end + 1 => return Ok(()),
                    // Evicted before anyone recorded it: check everyone (the safe default).
                    None => None,
                }
            };
            // The assigned peers' Submissions, derived and read in one batch (no scan).
            let peers: Vec<u32> = match &assigned {
                Some(a) => a.iter().copied().collect(),
                None => bitmap_ones(&state.submitted),
            };
            let peers: Vec<u32> = peers.into_iter().filter(|i| *i != node.index).collect();
            // Peers judged on an earlier look (an `Unknown` answer is asked again).
            let known = self.store.round(round).verdicts;
            let peers: Vec<u32> = peers
                .into_iter()
                .filter(|i| *i != node.index && !known.contains_key(i))
                .collect();
            let subs = self.submissions(&peers, round).await?;
            let ctx = self.ctx(task, round, node);
            let mut verdicts = std::collections::BTreeMap::new();
            let mut targets = std::collections::BTreeMap::new();
            let mut unknown = 0usize;
            for s in subs.iter().filter(|s| s.node != self.node) {
                match self
                    .logic
                    .audit_submission(&ctx, s.node_index, &s.proof)
                    .await
                    .definite()
                {
                    Some(ok) => {
                        if !ok {
                            tracing::warn!(node = %self.node, round, target = s.node_index, "invalid proof");
                        }
                        verdicts.insert(s.node_index, ok);
                        targets.insert(s.node_index, s.node.to_string());
                    }
                    None => unknown += 1,
                }
            }
            let invalid = verdicts.values().filter(|ok| !**ok).count();
            tracing::info!(
                node = %self.node,
                round,
                checked = verdicts.len(),
                invalid,
                unknown,
                "audited peers"
            );
            self.stats.audited += verdicts.len() as u64;
            self.stats.invalid_found += invalid as u64;
            self.stats.unknown_verdicts += unknown as u64;
            self.store.update(round, |r| {
                r.verdicts.extend(verdicts);
                r.targets.extend(targets);
                // Judged once every peer has a definite answer; until then the next look in
                // the audit window asks the logic again about the rest.
                r.judged = unknown == 0;
            })?;
        }
        let local = self.store.round(round);
        let invalid: Vec<u32> = local
            .verdicts
            .iter()
            .filter(|(_, v)| !**v)
            .map(|(i, _)| *i)
            .collect();
        let audits = self.round_audits(&state, round, &invalid).await?;
        // Vote on open audits: on every one (whole-network vote) or where this node sits on
        // the jury. A target outside this node's sample is judged now.
        for (address, audit) in audits
            .iter()
            .filter(|(_, a)| a.kind == AuditKind::Submission)
        {
            let key = address.to_string();
            if audit.status != AuditStatus::Open
                || audit.target == self.node
                || (audit.jury_size == 0 && audit.raiser == self.node)
                || local.acted_on.contains(&key)
            {
                continue;
            }
            let valid = match local.verdicts.get(&audit.target_index) {
                Some(v) => *v,
                None => {
                    let sub = pda::submission(&self.cfg.task, round, &audit.target).0;
                    let Some(raw) = self.chain.account(&sub).await? else {
                        continue;
                    };
                    let s: Submission = accounts::decode(sub, &raw, "Submission")?;
                    let Some(v) = self
                        .logic
                        .audit_submission(&self.ctx(task, round, node), s.node_index, &s.proof)
                        .await
                        .definite()
                    else {
                        // No answer now: no vote now; asked again on the next look.
                        self.stats.unknown_verdicts += 1;
                        continue;
                    };
                    self.store.update(round, |r| {
                        r.verdicts.insert(s.node_index, v);
                        r.targets.insert(s.node_index, s.node.to_string());
                    })?;
                    v
                }
            };
            self.vote(
                (node, &state, &mut slot_hashes),
                *address,
                audit,
                !valid,
                report,
            )
            .await?;
        }
        // Raise audits nobody raised yet.
        let raised: std::collections::BTreeSet<Pubkey> = audits
            .iter()
            .filter(|(_, a)| a.kind == AuditKind::Submission)
            .map(|(_, a)| a.target)
            .collect();
        let subs_by_index: Vec<(u32, bool)> =
            local.verdicts.iter().map(|(i, v)| (*i, *v)).collect();
        for (index, valid) in subs_by_index {
            if valid {
                continue;
            }
            let Some(target) = local
                .targets
                .get(&index)
                .and_then(|t| t.parse::<Pubkey>().ok())
            else {
                continue;
            };
            if raised.contains(&target) {
                continue;
            }
            // One raiser per invalid submission: the auditors that drew it take turns, in a
            // rotation from (task, round, target); the next one only if it is still unraised.
            let auditors = self
                .auditors_of(task, &state, round, index, &mut slot_hashes)
                .await?;
            // A node that judged it outside its sample (as a juror) is ranked after them.
            let position = auditors
                .iter()
                .position(|a| *a == node.index)
                .unwrap_or(auditors.len()) as u32;
            // Counted from when this node was first ready to raise (the merge it waited for
            // shows to every node at about the same time), not from the window's start.
            let ready = *self.raise_ready.entry((round, index)).or_insert(slot);
            if !self.my_turn(
                &format!("raise:{index}"),
                round,
                position,
                auditors.len() as u32 + 1,
                ready,
                slot,
            ) {
                continue;
            }
            let audit = pda::audit(&self.cfg.task, round, AuditKind::Submission, &target).0;
            let ixn = ix::raise_audit(
                self.cfg.operator.pubkey(),
                self.node,
                self.cfg.task,
                round,
                AuditKind::Submission,
                target,
                self.cfg.stake_account,
                None,
            );
            match self.send("raise_audit", &[ixn], report).await {
                // With a jury the raiser votes later, like any juror (next tick).
                Ok(_) if task.jury_size > 0 => {}
                Ok(_) => self.store.update(round, |r| {
                    r.acted_on.insert(audit.to_string());
                })?,
                // Someone else raised it first: the vote loop takes it next tick.
                Err(e) if is(&e, GradualError::AuditAlreadyRaised) => {}
                Err(ChainError::Unconfirmed { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// The Submissions of `indexes` for `round` that exist, from derived addresses.
    async fn submissions(
        &mut self,
        indexes: &[u32],
        round: u64,
    ) -> Result<Vec<Submission>, SdkError> {
        let nodes = self.node_addresses(indexes, round).await?;
        let keys: Vec<Pubkey> = nodes
            .values()
            .map(|n| pda::submission(&self.cfg.task, round, n).0)
            .collect();
        let mut out = vec![];
        for (k, raw) in keys.iter().zip(self.chain.accounts(&keys).await?) {
            if let Some(raw) = raw {
                let s: Submission = accounts::decode(*k, &raw, "Submission")?;
                if s.round == round {
                    out.push(s);
                }
            }
        }
        Ok(out)
    }

    /// The nodes that drew `target` to check in `round` (everyone but the target when audits
    /// are not sampled), ascending.
    async fn auditors_of(
        &self,
        task: &Task,
        state: &RoundState,
        round: u64,
        target: u32,
        slot_hashes: &mut SlotHashesCache,
    ) -> Result<Vec<u32>, SdkError> {
        let submitters = bitmap_ones(&state.submitted);
        if task.audit_sample == 0 {
            return Ok(submitters.into_iter().filter(|i| *i != target).collect());
        }
        let seed = if state.header.audit_seed_slot != 0 {
            state.header.audit_seed
        } else {
            let Some(t) = task.schedule().timeline(round) else {
                return Ok(vec![]);
            };
            match slot_hashes
                .hash_at_or_after(self.chain.as_ref(), t.submission().end)
                .await?
            {
                Some(hash) => sampling::assignment_seed(&hash, &self.cfg.task, round),
                None => return Ok(submitters),
            }
        };
        Ok(submitters
            .into_iter()
            .filter(|i| {
                sampling::audit_targets(&seed, *i, &state.submitted, task.audit_sample)
                    .contains(&target)
            })
            .collect())
    }

    /// This node's seats on `audit`'s jury (its stake for a whole-network vote); `None` while
    /// the jury seed cannot be known yet.
    async fn seats(
        &self,
        (node, state, slot_hashes): (&Node, &RoundState, &mut SlotHashesCache),
        address: &Pubkey,
        audit: &Audit,
    ) -> Result<Option<u64>, SdkError> {
        let stake = node.stake_for_round(audit.round).unwrap_or(0);
        if audit.jury_size == 0 {
            return Ok(Some(stake));
        }
        let seed = if audit.jury_seed != [0; 32] {
            audit.jury_seed
        } else {
            match slot_hashes
                .hash_at_or_after(self.chain.as_ref(), audit.jury_from_slot)
                .await?
            {
                Some(hash) => sampling::jury_seed(&hash, address),
                None => return Ok(None),
            }
        };
        Ok(Some(sampling::jury_seats(
            &seed,
            node.index,
            stake,
            state.header.total_active_stake,
            audit.jury_size,
        )))
    }

    async fn vote(
        &mut self,
        who: (&Node, &RoundState, &mut SlotHashesCache),
        address: Pubkey,
        audit: &Audit,
        approve: bool,
        report: &mut TickReport,
    ) -> Result<(), SdkError> {
        let round = audit.round;
        let who_index = who.0.index;
        match self.seats(who, &address, audit).await? {
            None => return Ok(()),
            Some(0) => {
                // Not on this jury: nothing to do, now or later.
                return self.store.update(round, |r| {
                    r.acted_on.insert(address.to_string());
                });
            }
            Some(_) => {}
        }
        // The chain is the record (the Vote PDA, or the jury's voter list): never vote twice,
        // even after a crash.
        let voted = if audit.jury_size > 0 {
            let node_index = who_index;
            match self.chain.account(&address).await? {
                Some(raw) => {
                    let fresh: Audit = accounts::decode(address, &raw, "Audit")?;
                    Audit::voters(&raw.data, fresh.votes).contains(&node_index)
                }
                None => false,
            }
        } else {
            let vote = pda::vote(&address, &self.node).0;
            self.chain.account(&vote).await?.is_some()
        };
        if !voted {
            let ixn = ix::vote(
                self.cfg.operator.pubkey(),
                self.node,
                self.cfg.task,
                round,
                address,
                approve,
            );
            match self.send("vote", &[ixn], report).await {
                Ok(_) => {}
                Err(e)
                    if is(&e, GradualError::AlreadyVoted)
                        || is(&e, GradualError::AuditWindowClosed)
                        || is(&e, GradualError::AuditAlreadyResolved)
                        || is(&e, GradualError::NotAJuror)
                        || is(&e, GradualError::NodeNotEligible) => {}
                Err(e) if is(&e, GradualError::SlotHashNotYetAvailable) => return Ok(()),
                Err(ChainError::Unconfirmed { .. }) => return Ok(()),
                Err(e) => return Err(e.into()),
            }
        }
        self.store.update(round, |r| {
            r.acted_on.insert(address.to_string());
        })
    }

    async fn distribute(
        &mut self,
        task: &Task,
        node: &Node,
        round: u64,
        state: RoundState,
        slot: u64,
        report: &mut TickReport,
    ) -> Result<(), SdkError> {
        let local = self.store.round(round);
        // Done once claimed, and (as the distributor) once its list is closed too.
        if local.claimed && (!local.paid_out || local.list_reclaimed) {
            return Ok(());
        }
        let t = state.header.timeline();
        if slot < t.audit().end {
            return Ok(());
        }
        let state = if state.header.open_audits > 0
            && self
                .resolve_due(task, node, &state, round, slot, report)
                .await?
        {
            // A resolution changes the round: read it again.
            match self.round_state(round, report).await? {
                Some(s) => s,
                None => return Ok(()),
            }
        } else {
            state
        };
        let attempt = state.header.distribution_attempt;
        let Some((upload, list_audit)) = t.distribution(u16::from(attempt)) else {
            return self.claim(&state, node, round, report).await;
        };
        // Whether it is this node's turn at a crank of this round due at `due`.
        let turn = |kind: String, due: u64| {
            self.my_turn(&kind, round, node.index, task.node_count, due, slot)
        };
        let status = state.header.status();
        if matches!(
            status,
            DistributionStatus::AwaitingSelection
                | DistributionStatus::Selected
                | DistributionStatus::Uploading
        ) && slot >= upload.end
        {
            // The attempt's window passed without a sealed list (the distributor has nothing
            // left to send): the ranked node skips it.
            if turn(format!("skip:{attempt}"), upload.end) {
                self.crank(
                    "skip_distribution",
                    ix::skip_distribution(self.cfg.task, round),
                    report,
                )
                .await?;
            }
            return Ok(());
        }
        match status {
            DistributionStatus::AwaitingSelection => {
                if !state.header.all_shards_merged() {
                    if turn("merge".into(), t.submission().end) {
                        self.merge(&state, round, report).await?;
                    }
                } else if upload.contains(&slot)
                    && state.header.open_audits == 0
                    // Rank 0 from the attempt's first slot (refused with
                    // SlotHashNotYetAvailable until the slot's hash exists, at most a slot),
                    // the others from the slots after: the upload window is short.
                    && turn(format!("select:{attempt}"), upload.start)
                {
                    self.crank(
                        "select_distributor",
                        ix::select_distributor(self.cfg.task, round),
                        report,
                    )
                    .await?;
                }
            }
            DistributionStatus::Selected | DistributionStatus::Uploading => {
                if state.header.selected_node == node.index && state.header.selected_node != NO_NODE
                {
                    self.upload(&state, node, round, attempt, report).await?;
                }
            }
            DistributionStatus::Sealed => {
                if list_audit.contains(&slot) {
                    self.audit_list(&state, node, round, attempt, task.jury_size > 0, report)
                        .await?;
                } else if slot >= list_audit.end
                    && state.header.open_audits == 0
                    && turn(format!("finalize:{attempt}"), list_audit.end)
                {
                    self.crank(
                        "finalize_distribution",
                        ix::finalize_distribution(self.cfg.task, round, attempt),
                        report,
                    )
                    .await?;
                }
            }
            DistributionStatus::Accepted => self.payout(&state, node, round, slot, report).await?,
            DistributionStatus::Failed => {}
        }
        Ok(())
    }

    /// `round`'s Round, decoded; `None` if it does not exist, or if it is partial (then the
    /// missing `open_round`s are sent first, and the next tick reads it).
    async fn round_state(
        &self,
        round: u64,
        report: &mut TickReport,
    ) -> Result<Option<RoundState>, SdkError> {
        let address = pda::round(&self.cfg.task, round).0;
        let Some(raw) = self.chain.account(&address).await? else {
            return Ok(None);
        };
        match accounts::round_bytes_missing(&raw) {
            0 => Ok(Some(accounts::decode_round(address, &raw)?)),
            missing => {
                self.complete_round(round, missing, report).await?;
                Ok(None)
            }
        }
    }

    /// Grows a partial Round (`missing` bytes short) to full size: a permissionless crank.
    async fn complete_round(
        &self,
        round: u64,
        missing: usize,
        report: &mut TickReport,
    ) -> Result<(), SdkError> {
        let grows = missing.div_ceil(gradual::state::MAX_GROWTH_PER_INSTRUCTION);
        let ixs: Vec<Instruction> = (0..grows)
            .map(|_| ix::open_round(self.cfg.operator.pubkey(), self.cfg.task, round))
            .collect();
        match self.send("open_round", &ixs, report).await {
            Ok(_) | Err(ChainError::Failed { .. }) | Err(ChainError::Unconfirmed { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Merges the round's shards not yet merged (a permissionless crank, batched).
    async fn merge(
        &self,
        state: &RoundState,
        round: u64,
        report: &mut TickReport,
    ) -> Result<(), SdkError> {
        let shards =
            accounts::shards_to_merge(self.chain.as_ref(), &self.cfg.task, round, &state.header)
                .await?;
        for batch in shards.chunks(ix::SHARDS_PER_TX) {
            self.crank(
                "merge_shards",
                ix::merge_shards(self.cfg.task, round, batch),
                report,
            )
            .await?;
        }
        Ok(())
    }

    /// Sends a permissionless crank; losing the race to another node is fine.
    async fn crank(
        &self,
        what: &str,
        ixn: Instruction,
        report: &mut TickReport,
    ) -> Result<(), SdkError> {
        self.crank_all(what, &[ixn], report).await
    }

    /// [`Self::crank`] with several instructions in one transaction.
    async fn crank_all(
        &self,
        what: &str,
        ixs: &[Instruction],
        report: &mut TickReport,
    ) -> Result<(), SdkError> {
        match self.send(what, ixs, report).await {
            Ok(_) | Err(ChainError::Failed { .. }) | Err(ChainError::Unconfirmed { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Resolves the round's audits whose window has passed; `true` if it sent any.
    async fn resolve_due(
        &mut self,
        task: &Task,
        node: &Node,
        state: &RoundState,
        round: u64,
        slot: u64,
        report: &mut TickReport,
    ) -> Result<bool, SdkError> {
        let one_mint = task.stake_mint == task.reward_mint;
        // Each audit's resolution is one crank event with its own order of nodes.
        let due: Vec<_> = self
            .round_audits(state, round, &[])
            .await?
            .into_iter()
            .filter(|(address, a)| {
                a.status == AuditStatus::Open
                    && self.my_turn(
                        &format!("resolve:{address}"),
                        round,
                        node.index,
                        task.node_count,
                        a.deadline_slot,
                        slot,
                    )
            })
            .collect();
        if due.is_empty() {
            return Ok(false);
        }
        let stake_program = match self.chain.account(&task.stake_mint).await? {
            Some(a) => a.owner,
            None => return Ok(false),
        };
        for (address, audit) in due {
            let list = (audit.kind == AuditKind::Distribution)
                .then(|| pda::distribution(&self.cfg.task, round, audit.attempt).0);
            let ixn = ix::resolve_audit(
                self.cfg.task,
                round,
                address,
                audit.target,
                TokenAccounts {
                    mint: task.stake_mint,
                    account: Pubkey::default(),
                    token_program: stake_program,
                },
                audit.raiser_payout,
                ix::slash_destination(&self.cfg.task, one_mint),
                list,
            );
            self.crank("resolve_audit", ixn, report).await?;
        }
        Ok(true)
    }

    async fn upload(
        &mut self,
        state: &RoundState,
        node: &Node,
        round: u64,
        attempt: u8,
        report: &mut TickReport,
    ) -> Result<(), SdkError> {
        let op = self.cfg.operator.pubkey();
        let list = self.list(round, attempt).await?;
        // The entries: from the store if this upload started before a crash, else computed.
        let entries: Vec<DistributionEntry> = match self.store.round(round).upload {
            Some(u) if u.attempt == attempt => u
                .entries
                .iter()
                .map(|&(node_index, amount)| DistributionEntry { node_index, amount })
                .collect(),
            _ => {
                let bounty = accounts::fetch_task(self.chain.as_ref(), &self.cfg.task).await?;
                let vault = self
                    .chain
                    .account(&bounty.bounty_vault)
                    .await?
                    .map(|a| token_amount(&a.data))
                    .unwrap_or(0);
                let budget = state
                    .header
                    .config
                    .bounty_per_round
                    .min(vault.saturating_sub(bounty.reserved_rewards));
                let valid = state.candidates();
                let entries = match self.logic.distribution(round, &valid, budget).await {
                    Ok(e) => e,
                    Err(e) => {
                        return Err(SdkError::Logic(format!(
                            "the task logic's distribution for round {round} failed: {e}"
                        )))
                    }
                };
                let stored = entries.iter().map(|e| (e.node_index, e.amount)).collect();
                self.store.update(round, |r| {
                    r.upload = Some(UploadLocal {
                        attempt,
                        entries: stored,
                    })
                })?;
                entries
            }
        };
        if entries.is_empty() {
            return Ok(());
        }
        let total: u64 = entries.iter().map(|e| e.amount).sum();
        let (task, op_node) = (self.cfg.task, self.node);
        let runs = match list {
            None => {
                // A small list goes up whole in one transaction (one confirmation, not three),
                // unless the runner was told to use smaller chunks.
                if let Some(ixs) = (entries.len() <= self.chunk)
                    .then(|| {
                        ix::upload_in_one_tx(
                            op,
                            op_node,
                            task,
                            round,
                            attempt,
                            state.header.max_nodes,
                            &entries,
                        )
                    })
                    .flatten()
                {
                    return match self.send("upload_distribution", &ixs, report).await {
                        Ok(_) => {
                            tracing::info!(node = %self.node, round, attempt, entries = entries.len(), index = node.index, "list sealed");
                            Ok(())
                        }
                        Err(ChainError::Unconfirmed { .. }) => Ok(()),
                        Err(e) => Err(e.into()),
                    };
                }
                let groups = ix::begin_distribution_txs(
                    op,
                    op_node,
                    task,
                    round,
                    attempt,
                    state.header.max_nodes,
                    entries.len() as u32,
                    total,
                );
                match self.send("begin_distribution", &groups[0], report).await {
                    Ok(_) => {}
                    Err(ChainError::Unconfirmed { .. }) => return Ok(()),
                    Err(e) => return Err(e.into()),
                }
                if !self
                    .send_all("grow_distribution", &groups[1..], report)
                    .await?
                {
                    return Ok(());
                }
                vec![(0, entries.len())]
            }
            Some(l) if l.header.status() == ListStatus::Uploading => {
                // Resumed after a crash: finish growing, then send only what is missing.
                let grows = (0..l.grows_missing())
                    .map(|_| vec![ix::grow_distribution(task, round, attempt)])
                    .collect::<Vec<_>>();
                if !self.send_all("grow_distribution", &grows, report).await? {
                    return Ok(());
                }
                l.unfilled_runs()
            }
            Some(_) => return Ok(()),
        };
        // Every missing chunk at once: they land in any order, and a chunk that landed before a
        // crash is not resent (its positions are filled).
        let mut appends = vec![];
        for (run_start, run_end) in runs {
            for start in (run_start..run_end).step_by(self.chunk) {
                let end = (start + self.chunk).min(run_end);
                appends.push(vec![ix::append_distribution(
                    op,
                    task,
                    round,
                    attempt,
                    start as u32,
                    entries[start..end].to_vec(),
                )]);
            }
        }
        if !self
            .send_all("append_distribution", &appends, report)
            .await?
        {
            return Ok(());
        }
        let seal = ix::seal_distribution(op, task, round, attempt);
        match self.send("seal_distribution", &[seal], report).await {
            Ok(_) | Err(ChainError::Unconfirmed { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
        .map(|()| {
            tracing::info!(node = %self.node, round, attempt, entries = entries.len(), index = node.index, "list sealed");
        })
    }

    /// Sends every transaction of `txs` at once. `Ok(false)` if any is unconfirmed (the caller
    /// tries again next tick from what the chain shows); a program error is returned, except
    /// one that says the effect is already there (a position already written, a full list).
    async fn send_all(
        &self,
        what: &str,
        txs: &[Vec<Instruction>],
        report: &mut TickReport,
    ) -> Result<bool, SdkError> {
        let sends = txs.iter().map(|ixs| self.send_quiet(ixs));
        let results = futures::future::join_all(sends).await;
        let mut all_landed = true;
        for out in results {
            match out {
                Ok(o) => {
                    tracing::info!(node = %self.node, what, signature = %o.signature, "sent");
                    report.sent.push(what.to_string());
                }
                Err(ChainError::Unconfirmed { .. }) => {
                    report.failed_sends.push(what.to_string());
                    all_landed = false
                }
                Err(e)
                    if is(&e, GradualError::WrongOffset)
                        || is(&e, GradualError::ListFullyAllocated)
                        || is(&e, GradualError::AlreadyClaimed) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(all_landed)
    }

    async fn send_quiet(&self, ixs: &[Instruction]) -> Result<TxOutcome, ChainError> {
        let out = match &self.cfg.fee_payer {
            Some(payer) => self.chain.send(ixs, payer, &[&self.cfg.operator]).await,
            None => self.chain.send(ixs, &self.cfg.operator, &[]).await,
        };
        if out.is_ok() {
            // What was read at the start of the tick may have changed.
            if let Ok(mut c) = self.lists.lock() {
                c.clear();
            }
        }
        out
    }

    /// As the distributor of an accepted list, pays every unclaimed entry in batches of
    /// [`ix::PAYEES_PER_TX`], all sent at once.
    async fn pay_out(
        &mut self,
        list: &ListState,
        round: u64,
        attempt: u8,
        report: &mut TickReport,
    ) -> Result<(), SdkError> {
        let Some(reward) = self.reward else {
            return Ok(());
        };
        let unpaid: Vec<(u32, u32)> = list
            .entries
            .iter()
            .enumerate()
            .filter(|(k, _)| !list.claimed.get(*k).copied().unwrap_or(true))
            .map(|(k, e)| (k as u32, u32::from(e.node_index)))
            .collect();
        if !unpaid.is_empty() {
            // Node accounts by index, read fresh from derived addresses (those that joined
            // before the round: a reused index is not the paid node).
            let indexes: Vec<u32> = unpaid.iter().map(|(_, i)| *i).collect();
            let addresses = self.node_addresses(&indexes, round).await?;
            let keys: Vec<Pubkey> = addresses.values().copied().collect();
            let mut nodes = std::collections::HashMap::new();
            for (k, raw) in keys.iter().zip(self.chain.accounts(&keys).await?) {
                let Some(raw) = raw else { continue };
                let n: Node = accounts::decode(*k, &raw, "Node")?;
                if n.joined_slot < list.header.round_start_slot {
                    nodes.insert(n.index, (*k, n.reward_account));
                }
            }
            let payees: Vec<ix::Payee> = unpaid
                .iter()
                .filter_map(|&(k, index)| {
                    nodes.get(&index).map(|&(node, reward_account)| ix::Payee {
                        entry_index: k,
                        node,
                        reward_account,
                    })
                })
                .collect();
            let txs: Vec<Vec<Instruction>> = payees
                .chunks(ix::PAYEES_PER_TX)
                .map(|batch| {
                    vec![ix::pay_rewards(
                        self.cfg.task,
                        round,
                        attempt,
                        reward.mint,
                        reward.token_program,
                        batch,
                    )]
                })
                .collect();
            if !self.send_all("pay_rewards", &txs, report).await? {
                return Ok(());
            }
        }
        self.store.update(round, |r| r.paid_out = true)
    }

    #[allow(clippy::too_many_arguments)]
    async fn audit_list(
        &mut self,
        state: &RoundState,
        node: &Node,
        round: u64,
        attempt: u8,
        jury: bool,
        report: &mut TickReport,
    ) -> Result<(), SdkError> {
        if state.header.selected_node == node.index {
            return Ok(());
        }
        if node.stake_for_round(round).unwrap_or(0) < state.header.config.minimum_stake {
            return Ok(());
        }
        let Some(list) = self.list(round, attempt).await? else {
            return Ok(());
        };
        let fair = match self.store.round(round).list_verdicts.get(&attempt) {
            Some(v) => *v,
            None => {
                let Some(v) = self
                    .logic
                    .audit_distribution(round, &list.candidates, state.header.budget, &list.entries)
                    .await
                    .definite()
                else {
                    // No answer now: no vote now; asked again on the next look.
                    self.stats.unknown_verdicts += 1;
                    return Ok(());
                };
                if !v {
                    tracing::warn!(node = %self.node, round, attempt, "unfair list");
                }
                self.store.update(round, |r| {
                    r.list_verdicts.insert(attempt, v);
                })?;
                v
            }
        };
        let audit = pda::audit(
            &self.cfg.task,
            round,
            AuditKind::Distribution,
            &list.header.distributor,
        )
        .0;
        if self
            .store
            .round(round)
            .acted_on
            .contains(&audit.to_string())
        {
            return Ok(());
        }
        match self.chain.account(&audit).await? {
            Some(raw) => {
                let a: Audit = accounts::decode(audit, &raw, "Audit")?;
                if a.status != AuditStatus::Open || (a.jury_size == 0 && a.raiser == self.node) {
                    return Ok(());
                }
                let mut slot_hashes = SlotHashesCache::default();
                self.vote((node, state, &mut slot_hashes), audit, &a, !fair, report)
                    .await
            }
            None if !fair => {
                let ixn = ix::raise_audit(
                    self.cfg.operator.pubkey(),
                    self.node,
                    self.cfg.task,
                    round,
                    AuditKind::Distribution,
                    list.header.distributor,
                    self.cfg.stake_account,
                    Some(pda::distribution(&self.cfg.task, round, attempt).0),
                );
                match self.send("raise_audit", &[ixn], report).await {
                    // With a jury the raiser votes next tick, like any juror.
                    Ok(_) if jury => Ok(()),
                    Ok(_) => self.store.update(round, |r| {
                        r.acted_on.insert(audit.to_string());
                    }),
                    // Raised by someone else meanwhile: voted on next tick.
                    Err(e) if is(&e, GradualError::AuditAlreadyRaised) => Ok(()),
                    Err(ChainError::Unconfirmed { .. }) => Ok(()),
                    Err(e) => Err(e.into()),
                }
            }
            None => Ok(()),
        }
    }

    /// After acceptance: the distributor pays everyone in batches; every other node claims its
    /// own entry itself only when it is still unpaid `claim_grace` slots after acceptance.
    async fn payout(
        &mut self,
        state: &RoundState,
        node: &Node,
        round: u64,
        slot: u64,
        report: &mut TickReport,
    ) -> Result<(), SdkError> {
        let attempt = state.header.distribution_attempt;
        let Some(list) = self.list(round, attempt).await? else {
            return Ok(());
        };
        if list.header.distributor == self.node {
            let local = self.store.round(round);
            if !local.paid_out {
                self.pay_out(&list, round, attempt, report).await?;
            } else if !local.list_reclaimed
                && list.claimed.iter().all(|c| *c)
                && slot >= self.retained_until(state)
            {
                // Every entry paid: the list is dead, its rent goes back to its payer.
                let ixn = ix::close_distribution(list.header.payer, self.cfg.task, round, attempt);
                let address = pda::distribution(&self.cfg.task, round, attempt).0;
                match self
                    .close_own("close_distribution", ixn, &address, report)
                    .await?
                {
                    Some(true) => self.store.update(round, |r| r.list_reclaimed = true)?,
                    Some(false) => {}
                    None => return Ok(()),
                }
            }
        } else {
            let round_slots = state.header.config.round_slots;
            let window = gradual::constants::CLAIM_WINDOW_ROUNDS
                .saturating_mul(round_slots)
                .max(gradual::constants::CLAIM_WINDOW_MIN_SLOTS);
            let accepted_at = list.header.claim_deadline_slot.saturating_sub(window);
            let grace = self.claim_grace.unwrap_or(round_slots);
            if slot < accepted_at.saturating_add(grace) {
                return Ok(());
            }
        }
        self.claim(state, node, round, report).await
    }

    async fn claim(
        &mut self,
        state: &RoundState,
        node: &Node,
        round: u64,
        report: &mut TickReport,
    ) -> Result<(), SdkError> {
        if state.header.status() != DistributionStatus::Accepted {
            return Ok(());
        }
        let attempt = state.header.distribution_attempt;
        let Some(list) = self.list(round, attempt).await? else {
            return Ok(());
        };
        // The entry as `node status` finds it (claim_reward's rules): none if this node was not
        // paid this round (slashed, not a submitter, or its index was someone else's then),
        // or if it is claimed already.
        let Some(entry) = accounts::unclaimed_entry(&list, node) else {
            return self.store.update(round, |r| r.claimed = true);
        };
        let Some(reward) = self.reward else {
            return Ok(());
        };
        let ixn = ix::claim_reward(
            self.cfg.task,
            round,
            attempt,
            entry.position,
            self.node,
            reward,
        );
        match self.send("claim_reward", &[ixn], report).await {
            Ok(_) => self.store.update(round, |r| r.claimed = true),
            Err(e) if is(&e, GradualError::AlreadyClaimed) => {
                self.store.update(round, |r| r.claimed = true)
            }
            Err(ChainError::Unconfirmed { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// The SlotHashes sysvar, read at most once per tick and only when a seed is not on chain yet.
#[derive(Default)]
struct SlotHashesCache(Option<Vec<u8>>);

impl SlotHashesCache {
    /// The hash of the first slot at or after `start` that SlotHashes holds, as the program
    /// picks it; `None` if there is none yet, or if it was evicted.
    async fn hash_at_or_after(
        &mut self,
        chain: &dyn Chain,
        start: u64,
    ) -> Result<Option<[u8; 32]>, SdkError> {
        if self.0.is_none() {
            let data = chain
                .account(&ix::slot_hashes_sysvar())
                .await?
                .map(|a| a.data)
                .unwrap_or_default();
            self.0 = Some(data);
        }
        Ok(
            match seed_source(self.0.as_deref().unwrap_or_default(), start) {
                SeedSource::SlotHash { hash, .. } => Some(hash),
                // Not yet, or evicted: the program refuses an evicted seed as well.
                SeedSource::NotYet | SeedSource::Evicted { .. } => None,
            },
        )
    }
}

/// The `amount` of an SPL token account (Token or Token-2022 base layout).
pub fn token_amount(data: &[u8]) -> u64 {
    data.get(64..72)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_le_bytes)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every crank event has exactly one first sender, the ranks are a rotation of the nodes,
    /// and the first sender changes from event to event.
    #[test]
    fn crank_ranks_are_a_rotation_with_one_first_sender() {
        let task = Pubkey::new_from_array([7; 32]);
        let mut firsts = std::collections::BTreeSet::new();
        for round in 0..20 {
            for kind in ["merge", "select:0", "skip:0", "finalize:0"] {
                let mut ranks: Vec<u32> = (0..50)
                    .map(|i| crank_rank(&task, round, kind, i, 50))
                    .collect();
                let first = ranks.iter().position(|r| *r == 0).unwrap();
                firsts.insert(first);
                ranks.sort_unstable();
                assert_eq!(ranks, (0..50).collect::<Vec<_>>());
            }
        }
        assert!(firsts.len() > 20, "the duty moves around: {firsts:?}");
        // Turns: rank 0 at the due slot, then every CRANK_BACKOFF_SLOTS, capped.
        let turns: std::collections::BTreeSet<u64> = (0..50)
            .map(|i| crank_turn(&task, 3, "merge", i, 50, 100))
            .collect();
        assert_eq!(
            turns.into_iter().collect::<Vec<_>>(),
            (0..=u64::from(MAX_CRANK_RANK))
                .map(|r| 100 + r * CRANK_BACKOFF_SLOTS)
                .collect::<Vec<_>>()
        );
        // A node whose index is past node_count (a stale count) still gets a turn.
        assert!(crank_rank(&task, 0, "merge", 70, 50) < 50);
    }
}
