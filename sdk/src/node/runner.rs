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
}

/// Whether `node`'s stake counts for `round` under that round's minimum.
/// Slots between one ranked node's turn at a permissionless crank and the next node's.
pub const CRANK_BACKOFF_SLOTS: u64 = 2;

/// Ranks past this one all take their turn together (so a run of offline nodes at the head of
/// the order delays a crank by at most `MAX_CRANK_RANK * CRANK_BACKOFF_SLOTS` slots).
pub const MAX_CRANK_RANK: u32 = 4;

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
        })
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

    /// This node's account address.
    pub fn node_address(&self) -> Pubkey {
        self.node
    }

    /// The local store (read-only).
    pub fn store(&self) -> &Store {
        &self.store
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
            Err(e) => tracing::debug!(node = %self.node, what, error = %e, "not sent"),
        }
        out
    }

    /// Runs everything due at the current slot.
    pub async fn tick(&mut self) -> Result<TickReport, SdkError> {
        let slot = self.chain.slot().await?;
        let mut report = TickReport {
            slot,
            ..TickReport::default()
        };
        // One read for the task, this node and every round that can still need this node.
        let task = accounts::fetch_task(self.chain.as_ref(), &self.cfg.task).await?;
        if task.status == TaskStatus::Closed {
            return Err(SdkError::TaskClosed(self.cfg.task));
        }
        let current_guess = task.schedule().round_at(slot).unwrap_or(0);
        let oldest =
            current_guess.saturating_sub(2 + u64::from(task.config.max_distribution_attempts) + 2);
        let mut keys = vec![self.node];
        keys.extend((oldest..current_guess).map(|r| pda::round(&self.cfg.task, r).0));
        let fetched = self.chain.accounts(&keys).await?;
        let node_raw = fetched
            .first()
            .cloned()
            .flatten()
            .ok_or(SdkError::NotFound {
                address: self.node,
                expected: "Node",
            })?;
        let node: Node = accounts::decode(self.node, &node_raw, "Node")?;
        let mut rounds = std::collections::BTreeMap::new();
        let mut partial = vec![];
        for (k, r) in (oldest..current_guess).enumerate() {
            if let Some(raw) = fetched.get(k + 1).cloned().flatten() {
                match accounts::round_bytes_missing(&raw) {
                    0 => {
                        rounds.insert(r, accounts::decode_round(keys[k + 1], &raw)?);
                    }
                    missing => partial.push((r, missing)),
                }
            }
        }
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
            return Ok(report);
        };

        // Each duty runs whatever the others do: a failing `work` or a flaky read in one
        // round's duty never starves the submit, votes, cranks and claims of the others.
        let r = self.work(&task, &node, current).await;
        isolate(&mut report, "work", current, r);
        if let Some(r) = current.checked_sub(1) {
            let out = self.submit(&task, &node, r, slot, &mut report).await;
            isolate(&mut report, "submit", r, out);
            let out = self
                .audit_submissions(&task, &node, r, slot, &mut report)
                .await;
            isolate(&mut report, "audit", r, out);
        }
        // Rounds that can still be resolving, distributing or paying out.
        for (r, state) in rounds {
            let out = self.reclaim(&node, r, &state, slot, &mut report).await;
            isolate(&mut report, "reclaim", r, out);
            let out = self
                .distribute(&task, &node, r, state, slot, &mut report)
                .await;
            isolate(&mut report, "distribute", r, out);
        }
        self.store.prune(oldest.saturating_sub(4))?;
        Ok(report)
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
        match self.send("close_submission", &[ixn], report).await {
            Ok(_) => self.store.update(round, |r| r.reclaimed = true),
            // Done only if the account is gone (another crank closed it); a failure such as an
            // empty fee wallet is tried again next tick.
            Err(ChainError::Failed { .. }) => {
                if self.chain.account(&address).await?.is_none() {
                    self.store.update(round, |r| r.reclaimed = true)?;
                }
                Ok(())
            }
            Err(ChainError::Unconfirmed { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    fn ctx(&self, round: u64, node: &Node) -> WorkContext {
        WorkContext {
            task: self.cfg.task,
            round,
            node_index: node.index,
        }
    }

    async fn work(&mut self, task: &Task, node: &Node, round: u64) -> Result<(), SdkError> {
        let eligible = eligible(task, node, round);
        if !eligible || task.status != TaskStatus::Active || self.store.round(round).proof.is_some()
        {
            return Ok(());
        }
        let proof = self
            .logic
            .work(&self.ctx(round, node))
            .await
            .map_err(SdkError::Logic)?;
        tracing::info!(node = %self.node, round, bytes = proof.len(), "work done");
        self.store.update(round, |r| r.proof = Some(proof))
    }

    async fn submit(
        &mut self,
        task: &Task,
        node: &Node,
        round: u64,
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
        let proof = match local.proof {
            Some(p) => p,
            None => {
                let p = self
                    .logic
                    .work(&self.ctx(round, node))
                    .await
                    .map_err(SdkError::Logic)?;
                self.store.update(round, |r| r.proof = Some(p.clone()))?;
                p
            }
        };
        // The Round must exist before the submit, which only reads it. A runner that finds
        // none opens it in a transaction of its own (a no-op if someone was first), so the
        // submits themselves never write-lock the Round.
        let round_key = pda::round(&self.cfg.task, round).0;
        if self.chain.account(&round_key).await?.is_none() {
            let opens: Vec<Instruction> = (0..ix::opens_needed(task.max_nodes, 0))
                .map(|_| ix::open_round(self.cfg.operator.pubkey(), self.cfg.task, round))
                .collect();
            match self.send("open_round", &opens, report).await {
                Ok(_) | Err(ChainError::Failed { .. }) => {}
                Err(ChainError::Unconfirmed { .. }) => return Ok(()),
                Err(e) => return Err(e.into()),
            }
            if self.chain.account(&round_key).await?.is_none() {
                return Ok(()); // not open yet: next tick
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

    async fn audit_submissions(
        &mut self,
        task: &Task,
        node: &Node,
        round: u64,
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
        let Some(state) = self.round_state(round, report).await? else {
            return Ok(());
        };
        // The submitter set is in the Round once its shards are merged (one ranked node
        // merges; the others wait for it).
        if !state.header.all_shards_merged() {
            let due = t.submission().end;
            if slot
                >= crank_turn(
                    &self.cfg.task,
                    round,
                    "merge",
                    node.index,
                    task.node_count,
                    due,
                )
            {
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
            let subs =
                accounts::scan_submissions(self.chain.as_ref(), &self.cfg.task, round).await?;
            let ctx = self.ctx(round, node);
            let mut verdicts = std::collections::BTreeMap::new();
            let mut targets = std::collections::BTreeMap::new();
            for (_, s) in subs.iter().filter(|(_, s)| {
                s.node != self.node && assigned.as_ref().is_none_or(|a| a.contains(&s.node_index))
            }) {
                let ok = self
                    .logic
                    .audit_submission(&ctx, s.node_index, &s.proof)
                    .await;
                if !ok {
                    tracing::warn!(node = %self.node, round, target = s.node_index, "invalid proof");
                }
                verdicts.insert(s.node_index, ok);
                targets.insert(s.node_index, s.node.to_string());
            }
            tracing::info!(node = %self.node, round, checked = verdicts.len(), "audited peers");
            self.store.update(round, |r| {
                r.verdicts = verdicts;
                r.targets = targets;
                r.judged = true;
            })?;
        }
        let local = self.store.round(round);
        let audits = accounts::scan_audits(self.chain.as_ref(), &self.cfg.task, round).await?;
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
                    let v = self
                        .logic
                        .audit_submission(&self.ctx(round, node), s.node_index, &s.proof)
                        .await;
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
        if local.claimed {
            return Ok(());
        }
        let t = state.header.timeline();
        if slot < t.audit().end {
            return Ok(());
        }
        // Whether it is this node's turn at a crank of this round due at `due`.
        let task_key = self.cfg.task;
        let turn = |kind: String, due: u64| {
            slot >= crank_turn(&task_key, round, &kind, node.index, task.node_count, due)
        };
        let state = if state.header.open_audits > 0
            && self.resolve_due(task, node, round, slot, report).await?
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
        match self.send(what, &[ixn], report).await {
            Ok(_) | Err(ChainError::Failed { .. }) | Err(ChainError::Unconfirmed { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Resolves the round's audits whose window has passed; `true` if it sent any.
    async fn resolve_due(
        &mut self,
        task: &Task,
        node: &Node,
        round: u64,
        slot: u64,
        report: &mut TickReport,
    ) -> Result<bool, SdkError> {
        let one_mint = task.stake_mint == task.reward_mint;
        // Each audit's resolution is one crank event with its own order of nodes.
        let due: Vec<_> = accounts::scan_audits(self.chain.as_ref(), &self.cfg.task, round)
            .await?
            .into_iter()
            .filter(|(address, a)| {
                a.status == AuditStatus::Open
                    && slot
                        >= crank_turn(
                            &self.cfg.task,
                            round,
                            &format!("resolve:{address}"),
                            node.index,
                            task.node_count,
                            a.deadline_slot,
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
        let list =
            accounts::fetch_list(self.chain.as_ref(), &self.cfg.task, round, attempt).await?;
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
                let entries = self.logic.distribution(round, &valid, budget).await;
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
                Err(ChainError::Unconfirmed { .. }) => all_landed = false,
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
        match &self.cfg.fee_payer {
            Some(payer) => self.chain.send(ixs, payer, &[&self.cfg.operator]).await,
            None => self.chain.send(ixs, &self.cfg.operator, &[]).await,
        }
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
            // Node accounts by index (those that joined before the round: a reused index is
            // not the paid node).
            let nodes: std::collections::HashMap<u32, (Pubkey, Pubkey)> =
                accounts::scan_nodes(self.chain.as_ref(), &self.cfg.task)
                    .await?
                    .into_iter()
                    .filter(|(_, n)| n.joined_slot < list.header.round_start_slot)
                    .map(|(a, n)| (n.index, (a, n.reward_account)))
                    .collect();
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
        let Some(list) =
            accounts::fetch_list(self.chain.as_ref(), &self.cfg.task, round, attempt).await?
        else {
            return Ok(());
        };
        let fair = match self.store.round(round).list_verdicts.get(&attempt) {
            Some(v) => *v,
            None => {
                let v = self
                    .logic
                    .audit_distribution(round, &list.candidates, state.header.budget, &list.entries)
                    .await;
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
        let Some(list) =
            accounts::fetch_list(self.chain.as_ref(), &self.cfg.task, round, attempt).await?
        else {
            return Ok(());
        };
        if list.header.distributor == self.node {
            if !self.store.round(round).paid_out {
                self.pay_out(&list, round, attempt, report).await?;
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
        let Some(list) =
            accounts::fetch_list(self.chain.as_ref(), &self.cfg.task, round, attempt).await?
        else {
            return Ok(());
        };
        let Some(k) = list
            .entries
            .iter()
            .position(|e| u32::from(e.node_index) == node.index)
        else {
            // Not paid this round (slashed, or not a submitter).
            return self.store.update(round, |r| r.claimed = true);
        };
        if list.claimed.get(k).copied().unwrap_or(false) {
            return self.store.update(round, |r| r.claimed = true);
        }
        let Some(reward) = self.reward else {
            return Ok(());
        };
        let ixn = ix::claim_reward(self.cfg.task, round, attempt, k as u32, self.node, reward);
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
