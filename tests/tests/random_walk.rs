//! A seeded random walk over the whole lifecycle on the real .so: joins, stake top-ups,
//! unstakes, withdrawals, honest and forged submissions, audits raised by honest and
//! malicious nodes, votes, honest and skewed lists, every crank, claims, pauses, config
//! updates and closes, across overlapping rounds. After every step the protocol's invariants
//! are checked; a step the program refuses must fail with a named error and change nothing.
//! At the end time runs on until every round has settled and every account can close.
//!
//! Reproduce a run: `GRADUAL_WALK_SEED=<seed> GRADUAL_WALK_STEPS=<n> cargo test -p
//! gradual-tests --test random_walk -- --nocapture` (CI: 300 steps, seed 1; the long run
//! and its figures are in docs/benchmarks.md).
#![allow(deprecated)]

use gradual::{
    bitmap,
    state::{AuditKind, DistributionEntry, DistributionStatus},
};
use gradual_sdk::{ix, node::logic::equal_split, pda};
use gradual_tests::*;
use solana_instruction::{error::InstructionError, Instruction};
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;
use std::collections::{BTreeMap, BTreeSet};

/// Nodes `0..MALICIOUS` forge proofs, vote against the truth and upload skewed lists.
const MALICIOUS: usize = 2;
const FIRST_NODES: usize = 6;

#[derive(Default)]
struct Stats {
    steps: u64,
    ok: BTreeMap<&'static str, u64>,
    refused: BTreeMap<String, u64>,
}

struct Walk {
    t: TestContext,
    rng: Rng,
    /// (round, node position) of forged submissions.
    forged: BTreeSet<(u64, usize)>,
    /// Audits raised: (round, kind as u8, target position).
    audits: BTreeSet<(u64, u8, usize)>,
    /// Lists uploaded: (round, attempt) -> skewed?
    lists: BTreeMap<(u64, u8), bool>,
    stats: Stats,
    /// After the walk: cranks look at every round, not only the last few.
    draining: bool,
    /// Audits not seen resolved yet.
    unresolved: BTreeSet<(u64, u8, usize)>,
    /// Rounds seen settled (skipped by the cranks from then on).
    settled: BTreeSet<u64>,
    /// Skewed lists that were accepted (no eligible honest node accused them in time).
    skewed_accepted: u64,
}

fn program_error_code(outcome: &Outcome) -> Option<u32> {
    match &outcome.result {
        Err(TransactionError::InstructionError(_, InstructionError::Custom(c))) => Some(*c),
        _ => None,
    }
}

impl Walk {
    fn malicious(&self, i: usize) -> bool {
        i < MALICIOUS
    }

    /// Sends `ixs`; a refusal must be a named error (program or Anchor) and change nothing.
    async fn step(
        &mut self,
        what: &'static str,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> bool {
        let keys = self.t.touched();
        let before = self.t.snapshot(&keys).await;
        let out = self.t.send(ixs, signers).await;
        self.record(what, out, before, &keys).await
    }

    async fn record(
        &mut self,
        what: &'static str,
        out: Outcome,
        before: Snapshot,
        keys: &[solana_pubkey::Pubkey],
    ) -> bool {
        if out.result.is_ok() {
            *self.stats.ok.entry(what).or_default() += 1;
            return true;
        }
        let code = program_error_code(&out).unwrap_or_else(|| {
            panic!(
                "{what}: refused without a named error: {:?}\n{}",
                out.result,
                out.logs.join("\n")
            )
        });
        // Program errors are 6000+; Anchor's own account checks are 2000..=4999.
        assert!(
            (2_000..5_000).contains(&code) || code >= 6_000,
            "{what}: unexpected code {code}"
        );
        self.t.snapshot(keys).await.assert_same(&before);
        *self
            .stats
            .refused
            .entry(format!("{what} {code}"))
            .or_default() += 1;
        false
    }

    async fn current_round(&mut self) -> Option<u64> {
        let slot = self.t.slot().await;
        self.t.task().await.round_at(slot)
    }

    fn pick_node(&mut self) -> usize {
        self.rng.below(self.t.nodes.len() as u64) as usize
    }

    async fn act(&mut self) {
        let roll = self.rng.below(100);
        let n = self.pick_node();
        let cur = self.current_round().await;
        match roll {
            0..=17 => {
                // Time passes.
                let now = self.t.slot().await;
                let by = 1 + self.rng.below(25);
                self.t.warp_to(now + by).await;
                *self.stats.ok.entry("warp").or_default() += 1;
            }
            18..=37 => {
                // The submission phase of the previous round: every node submits (forgers
                // forge), as runners do. Outside the window, jump to the next one first.
                let Some(c) = cur else {
                    self.t.warp_to_submission(0).await;
                    return;
                };
                let task = self.t.task().await;
                let slot = self.t.slot().await;
                let in_window = c
                    .checked_sub(1)
                    .and_then(|r| task.schedule().timeline(r))
                    .is_some_and(|tl| tl.submission().contains(&slot));
                let r = if in_window {
                    c - 1
                } else {
                    self.t.warp_to_submission(c).await;
                    c
                };
                for n in 0..self.t.nodes.len() {
                    if self.rng.chance(10) {
                        continue; // a node that misses the round
                    }
                    let forge = self.malicious(n) && self.rng.chance(60);
                    let proof = if forge {
                        b"forged".to_vec()
                    } else {
                        format!("work-{r}").into_bytes()
                    };
                    let op = self.t.nodes[n].operator.insecure_clone();
                    let node = self.t.nodes[n].node;
                    let index = self.t.node(n).await.index;
                    // Usually the first submitter opens the round; sometimes nobody has yet
                    // (the submit is then refused with RoundNotOpen).
                    let mut ixs = if self.rng.chance(90) {
                        self.t.opens_needed(r, &op.pubkey()).await
                    } else {
                        vec![]
                    };
                    ixs.push(ix::submit(op.pubkey(), node, index, self.t.task, r, proof));
                    if self.step("submit", &ixs, &[&op]).await && forge {
                        self.forged.insert((r, n));
                    }
                }
            }
            38..=47 => {
                // Raise a submission audit: honest nodes against forgers, malicious at random.
                let Some(c) = cur else { return };
                let Some(r) = c.checked_sub(1) else { return };
                let target = if self.malicious(n) {
                    self.pick_node()
                } else {
                    match self.forged.iter().find(|(fr, _)| *fr == r) {
                        Some(&(_, f)) => f,
                        None => return,
                    }
                };
                // Usually a runner has merged the shards by the time it raises; sometimes not
                // yet (raising does not need it; a merge inside the submission window is
                // refused with SubmissionWindowOpen).
                if self.rng.chance(80) {
                    let merges = self.t.shards_to_merge(r).await;
                    if !merges.is_empty() {
                        let ix = ix::merge_shards(self.t.task, r, &merges);
                        self.step("merge_shards", &[ix], &[]).await;
                    }
                }
                let ix = ix::raise_audit(
                    self.t.nodes[n].operator.pubkey(),
                    self.t.nodes[n].node,
                    self.t.task,
                    r,
                    AuditKind::Submission,
                    self.t.nodes[target].node,
                    self.t.nodes[n].stake_account,
                    None,
                );
                let op = self.t.nodes[n].operator.insecure_clone();
                if self.step("raise_audit", &[ix], &[&op]).await {
                    self.audits.insert((r, 0, target));
                    self.unresolved.insert((r, 0, target));
                    self.everyone_votes(r, 0, target).await;
                }
            }
            48..=59 => {
                // A (late) vote on a random audit: mostly refused as duplicate or late.
                let Some(&(r, kind, target)) = self
                    .audits
                    .iter()
                    .nth(self.rng.below(self.audits.len() as u64) as usize)
                else {
                    return;
                };
                self.vote(n, r, kind, target).await;
            }
            60..=67 => {
                self.crank_round(cur).await;
            }
            68..=73 => self.distribute(cur).await,
            74..=79 => {
                // A crank claims every entry of a random list (refused unless accepted).
                let Some((&(r, a), _)) = self
                    .lists
                    .iter()
                    .nth(self.rng.below(self.lists.len() as u64) as usize)
                else {
                    return;
                };
                let list = pda::distribution(&self.t.task, r, a).0;
                let Some(acc) = self.t.account(&list).await else {
                    return;
                };
                let header: gradual::state::DistributionList =
                    anchor_lang::__private::bytemuck::pod_read_unaligned(
                        &acc.data[8..gradual::state::DistributionList::HEADER_SPACE],
                    );
                for e in 0..header.written {
                    let entry =
                        gradual::state::DistributionList::entry(&acc.data, &header.layout(), e)
                            .expect("entry");
                    let Some(who) = self.t.position_of_index(u32::from(entry.node_index)).await
                    else {
                        continue;
                    };
                    let keys = self.t.touched();
                    let before = self.t.snapshot(&keys).await;
                    let out = self.t.claim(who, r, a, e).await;
                    self.record("claim_reward", out, before, &keys).await;
                }
            }
            80..=85 => {
                let op = self.t.nodes[n].operator.insecure_clone();
                let acct = self.t.nodes[n].stake_account;
                let amount = 1 + self.rng.below(30_000);
                let ix = ix::add_stake(
                    op.pubkey(),
                    self.t.task,
                    self.t.stake_accounts(acct),
                    amount,
                );
                self.step("add_stake", &[ix], &[&op]).await;
            }
            86..=89 => {
                let op = self.t.nodes[n].operator.insecure_clone();
                let amount = if self.rng.chance(30) {
                    50_000
                } else {
                    1 + self.rng.below(20_000)
                };
                let ix = ix::request_unstake(op.pubkey(), self.t.task, amount);
                self.step("request_unstake", &[ix], &[&op]).await;
            }
            90..=91 => {
                let op = self.t.nodes[n].operator.insecure_clone();
                let acct = self.t.nodes[n].stake_account;
                let ix = ix::withdraw_stake(op.pubkey(), self.t.task, self.t.stake_accounts(acct));
                self.step("withdraw_stake", &[ix], &[&op]).await;
            }
            92..=93 => {
                // Rent reclaimed, as a runner does: submissions of a round whose audit window
                // is over, then its resolved audits' votes. An operator low on SOL is topped up.
                let Some(c) = cur else { return };
                let Some(r) = c.checked_sub(2) else { return };
                for k in 0..self.t.nodes.len() {
                    let node = self.t.nodes[k].node;
                    let payer = self.t.nodes[k].operator.pubkey();
                    if self
                        .t
                        .account(&pda::submission(&self.t.task, r, &node).0)
                        .await
                        .is_some()
                    {
                        let ix = ix::close_submission(payer, self.t.task, r, node);
                        self.step("close_submission", &[ix], &[]).await;
                    }
                    let lamports = self.t.account(&payer).await.map_or(0, |a| a.lamports);
                    if lamports < 200_000_000 {
                        self.t.airdrop(&payer, 1_000_000_000).await;
                    }
                }
            }
            94..=96 => {
                if self.t.nodes.len() < 12 {
                    let newcomer = self.t.new_operator().await;
                    let keys = self.t.touched();
                    let before = self.t.snapshot(&keys).await;
                    let out = self.t.join(&newcomer, 50_000).await;
                    if self.record("join_task", out, before, &keys).await {
                        self.t.nodes.push(newcomer);
                    }
                }
            }
            _ => {
                // The creator pauses, resumes or schedules an update.
                let auth = self.t.authority.insecure_clone();
                let task = self.t.task;
                match self.rng.below(3) {
                    0 => {
                        self.step(
                            "pause_task",
                            &[ix::pause_task(auth.pubkey(), task)],
                            &[&auth],
                        )
                        .await;
                    }
                    1 => {
                        self.step(
                            "resume_task",
                            &[ix::resume_task(auth.pubkey(), task)],
                            &[&auth],
                        )
                        .await;
                    }
                    _ => {
                        let Some(c) = cur else { return };
                        let mut config = default_config();
                        config.minimum_stake = 10_000 + self.rng.below(20_000);
                        config.bounty_per_round = 500_000 + self.rng.below(1_000_000);
                        let ix = ix::update_task(auth.pubkey(), task, c + 2, config);
                        self.step("update_task", &[ix], &[&auth]).await;
                    }
                }
            }
        }
    }

    /// Node `n` votes on an audit: honest nodes by the truth, malicious ones against it.
    async fn vote(&mut self, n: usize, r: u64, kind: u8, target: usize) {
        let truth = if kind == 0 {
            self.forged.contains(&(r, target))
        } else {
            self.lists
                .iter()
                .any(|(&(lr, _), &skewed)| lr == r && skewed)
        };
        let approve = truth != self.malicious(n);
        let kind = if kind == 0 {
            AuditKind::Submission
        } else {
            AuditKind::Distribution
        };
        let op = self.t.nodes[n].operator.insecure_clone();
        let audit = pda::audit(&self.t.task, r, kind, &self.t.nodes[target].node).0;
        let ix = ix::vote(
            op.pubkey(),
            self.t.nodes[n].node,
            self.t.task,
            r,
            audit,
            approve,
        );
        self.step("vote", &[ix], &[&op]).await;
    }

    /// Every node votes on a fresh audit, as runners do.
    async fn everyone_votes(&mut self, r: u64, kind: u8, target: usize) {
        for n in 0..self.t.nodes.len() {
            self.vote(n, r, kind, target).await;
        }
    }

    /// Resolve due audits, then select / skip / finalize whatever round is distributing.
    /// Returns whether a crank landed.
    async fn crank_round(&mut self, cur: Option<u64>) -> bool {
        let slot = self.t.slot().await;
        let due: Vec<_> = self.unresolved.iter().copied().collect();
        for (r, kind, target) in due {
            let kind_e = if kind == 0 {
                AuditKind::Submission
            } else {
                AuditKind::Distribution
            };
            let audit = pda::audit(&self.t.task, r, kind_e, &self.t.nodes[target].node).0;
            let Some(acc) = self.t.account(&audit).await else {
                continue;
            };
            let a = <gradual::state::Audit as anchor_lang::AccountDeserialize>::try_deserialize(
                &mut acc.data.as_slice(),
            )
            .expect("audit");
            if a.status != gradual::state::AuditStatus::Open {
                self.unresolved.remove(&(r, kind, target));
                continue;
            }
            if slot >= a.deadline_slot {
                let keys = self.t.touched();
                let before = self.t.snapshot(&keys).await;
                let out = self.t.resolve(r, kind_e, target).await;
                return self.record("resolve_audit", out, before, &keys).await;
            }
        }
        let Some(c) = cur else { return false };
        let from = if self.draining {
            0
        } else {
            c.saturating_sub(6)
        };
        for r in from..c {
            if self.settled.contains(&r) {
                continue;
            }
            let Some((header, ..)) = self.t.round(r).await else {
                continue;
            };
            if header.status().is_settled() && header.open_audits == 0 {
                self.settled.insert(r);
                continue;
            }
            let task = self.t.task;
            let attempt = header.distribution_attempt;
            let ix = match header.status() {
                DistributionStatus::AwaitingSelection => {
                    let (upload, _) = self.t.attempt_windows(r, u16::from(attempt)).await;
                    if slot >= upload.end {
                        ix::skip_distribution(task, r)
                    } else if !header.all_shards_merged() {
                        let merges = self.t.shards_to_merge(r).await;
                        ix::merge_shards(task, r, &merges)
                    } else {
                        ix::select_distributor(task, r)
                    }
                }
                DistributionStatus::Selected | DistributionStatus::Uploading => {
                    ix::skip_distribution(task, r)
                }
                DistributionStatus::Sealed => ix::finalize_distribution(task, r, attempt),
                _ => continue,
            };
            let finalizing = header.status() == DistributionStatus::Sealed;
            if self.step("crank", &[ix], &[]).await {
                if finalizing && self.lists.get(&(r, attempt)) == Some(&true) {
                    self.skewed_accepted += 1;
                }
                return true;
            }
        }
        false
    }

    /// The selected distributor uploads an honest list (or a skewed one if malicious).
    async fn distribute(&mut self, cur: Option<u64>) {
        let Some(c) = cur else { return };
        let from = if self.draining {
            0
        } else {
            c.saturating_sub(6)
        };
        for r in from..c {
            if self.settled.contains(&r) {
                continue;
            }
            let Some((mut header, ..)) = self.t.round(r).await else {
                continue;
            };
            if header.status() == DistributionStatus::AwaitingSelection && header.open_audits == 0 {
                // Move into the attempt's upload window if it is ahead, then select.
                let (upload, _) = self
                    .t
                    .attempt_windows(r, u16::from(header.distribution_attempt))
                    .await;
                let slot = self.t.slot().await;
                if slot < upload.start {
                    self.t.warp_to(upload.start + 1).await;
                }
                // A runner merges the round's shards first (a refund to their payers).
                self.t.ensure_merged(r).await;
                let keys = self.t.touched();
                let before = self.t.snapshot(&keys).await;
                let (out, _) = self.t.select(r).await;
                self.record("crank", out, before, &keys).await;
                header = self.t.round(r).await.expect("round").0;
            }
            if header.status() != DistributionStatus::Selected {
                continue;
            }
            let (_, submitted, slashed, failed) = self.t.round(r).await.expect("round");
            let Some(d) = self.t.position_of_index(header.selected_node).await else {
                return;
            };
            let candidates: Vec<u32> = (0..header.max_nodes)
                .filter(|&i| {
                    bitmap::get(&submitted, i)
                        && !bitmap::get(&slashed, i)
                        && !bitmap::get(&failed, i)
                })
                .collect();
            let task = self.t.task();
            let task = task.await;
            let vault = self.t.token_balance(&self.t.vaults().0).await;
            let budget = header
                .config
                .bounty_per_round
                .min(vault.saturating_sub(task.reserved_rewards));
            let skewed = self.malicious(d);
            let entries: Vec<DistributionEntry> = if skewed {
                vec![DistributionEntry {
                    node_index: header.selected_node as u16,
                    amount: budget,
                }]
            } else {
                equal_split(&candidates, budget)
            };
            if entries.is_empty() {
                return;
            }
            let attempt = header.distribution_attempt;
            let op = self.t.nodes[d].operator.insecure_clone();
            let node = self.t.nodes[d].node;
            let total = entries.iter().map(|e| e.amount).sum();
            let ixs = [
                ix::begin_distribution(
                    op.pubkey(),
                    node,
                    self.t.task,
                    r,
                    attempt,
                    entries.len() as u32,
                    total,
                ),
                ix::append_distribution(op.pubkey(), self.t.task, r, attempt, 0, entries),
                ix::seal_distribution(op.pubkey(), self.t.task, r, attempt),
            ];
            if self.step("upload_list", &ixs, &[&op]).await {
                self.lists.insert((r, attempt), skewed);
                if skewed {
                    // An honest node accuses the list.
                    // Honest nodes accuse the list; the first whose raise lands wins.
                    let (_, audit_window) = self.t.attempt_windows(r, u16::from(attempt)).await;
                    self.t.warp_to(audit_window.start).await;
                    let list = pda::distribution(&self.t.task, r, attempt).0;
                    for h in (MALICIOUS..self.t.nodes.len()).filter(|&h| h != d) {
                        let hop = self.t.nodes[h].operator.insecure_clone();
                        let ix = ix::raise_audit(
                            hop.pubkey(),
                            self.t.nodes[h].node,
                            self.t.task,
                            r,
                            AuditKind::Distribution,
                            node,
                            self.t.nodes[h].stake_account,
                            Some(list),
                        );
                        if self.step("raise_list_audit", &[ix], &[&hop]).await {
                            self.audits.insert((r, 1, d));
                            self.unresolved.insert((r, 1, d));
                            self.everyone_votes(r, 1, d).await;
                            break;
                        }
                    }
                }
            }
            return;
        }
    }
}

#[tokio::test]
async fn random_walk_keeps_every_invariant() {
    let seed: u64 = env_or("GRADUAL_WALK_SEED", 1);
    let steps: u64 = env_or("GRADUAL_WALK_STEPS", 300);
    let t = TestContext::with(Setup {
        nodes: FIRST_NODES,
        max_nodes: 16,
        fund: 1_000_000_000,
        ..Setup::default()
    })
    .await;
    let mut w = Walk {
        t,
        rng: Rng::new(seed),
        forged: BTreeSet::new(),
        audits: BTreeSet::new(),
        lists: BTreeMap::new(),
        stats: Stats::default(),
        draining: false,
        settled: BTreeSet::new(),
        unresolved: BTreeSet::new(),
        skewed_accepted: 0,
    };
    let started = std::time::Instant::now();
    for _ in 0..steps {
        w.act().await;
        w.stats.steps += 1;
        w.t.assert_invariants().await;
    }

    // Drain: time runs on with cranks until every round that opened has settled.
    let last = w.current_round().await.unwrap_or(0);
    w.draining = true;
    // Each pass cranks until nothing more lands at this slot (rounds the walk left behind
    // need several cranks each: resolve, select or skip per attempt, finalize).
    for _ in 0..400 {
        let cur = w.current_round().await;
        while w.crank_round(cur).await {}
        w.distribute(cur).await;
        let now = w.t.slot().await;
        w.t.warp_to(now + 5).await;
        w.t.assert_invariants().await;
    }
    let mut settled = 0;
    for r in 0..=last {
        if let Some((header, ..)) = w.t.round(r).await {
            assert!(
                header.status().is_settled(),
                "round {r} never settled: {:?}",
                header.status()
            );
            assert_eq!(header.open_audits, 0, "round {r} has open audits");
            settled += 1;
        }
    }
    // Every account eventually closes: past every claim deadline, close submissions, votes,
    // audits, lists and rounds (each close is a permissionless crank).
    let window = (100 * gradual::constants::CLAIM_WINDOW_ROUNDS)
        .max(gradual::constants::CLAIM_WINDOW_MIN_SLOTS);
    let end = w.t.slot().await + window + 1_200;
    w.t.warp_to(end).await;
    let audits: Vec<_> = w.audits.iter().copied().collect();
    for (r, kind, target) in audits {
        let kind = if kind == 0 {
            AuditKind::Submission
        } else {
            AuditKind::Distribution
        };
        let audit = pda::audit(&w.t.task, r, kind, &w.t.nodes[target].node).0;
        for n in 0..w.t.nodes.len() {
            let voter = w.t.nodes[n].node;
            let payer = w.t.nodes[n].operator.pubkey();
            if w.t.account(&pda::vote(&audit, &voter).0).await.is_some() {
                w.step("close_vote", &[ix::close_vote(payer, audit, voter)], &[])
                    .await;
            }
        }
        if let Some(acc) = w.t.account(&audit).await {
            let a = <gradual::state::Audit as anchor_lang::AccountDeserialize>::try_deserialize(
                &mut acc.data.as_slice(),
            )
            .expect("audit");
            w.step("close_audit", &[ix::close_audit(a.payer, audit)], &[])
                .await;
        }
    }
    let mut closed_rounds = 0;
    for r in 0..=last {
        // A round that failed before anyone merged it still has shards holding rent.
        for out in w.t.merge(r).await {
            out.ok();
        }
        let Some((header, ..)) = w.t.round(r).await else {
            continue;
        };
        for n in 0..w.t.nodes.len() {
            let node = w.t.nodes[n].node;
            let payer = w.t.nodes[n].operator.pubkey();
            if w.t
                .account(&pda::submission(&w.t.task, r, &node).0)
                .await
                .is_some()
            {
                w.step(
                    "close_submission",
                    &[ix::close_submission(payer, w.t.task, r, node)],
                    &[],
                )
                .await;
            }
        }
        for a in 0..=header.distribution_attempt {
            let list = pda::distribution(&w.t.task, r, a).0;
            if let Some(acc) = w.t.account(&list).await {
                let l: gradual::state::DistributionList =
                    anchor_lang::__private::bytemuck::pod_read_unaligned(
                        &acc.data[8..gradual::state::DistributionList::HEADER_SPACE],
                    );
                w.step(
                    "close_distribution",
                    &[ix::close_distribution(l.payer, w.t.task, r, a)],
                    &[],
                )
                .await;
            }
        }
        w.step(
            "close_round",
            &[ix::close_round(header.payer, w.t.task, r)],
            &[],
        )
        .await;
        assert!(
            w.t.round(r).await.is_none(),
            "round {r} could not close: {:?}",
            w.t.round(r)
                .await
                .map(|h| (h.0.live_submissions, h.0.live_lists, h.0.open_audits))
        );
        closed_rounds += 1;
        w.t.assert_invariants().await;
    }
    assert_eq!(
        w.t.task().await.reserved_rewards,
        0,
        "every reserved reward claimed or expired"
    );

    println!(
        "random walk: seed {seed}, {} steps + drain in {:.1} s, {settled} rounds settled and {closed_rounds} closed, {} forged proofs, {} audits, {} lists",
        w.stats.steps,
        started.elapsed().as_secs_f64(),
        w.forged.len(),
        w.audits.len(),
        w.lists.len()
    );
    println!(
        "skewed lists accepted: {} of {}",
        w.skewed_accepted,
        w.lists.values().filter(|s| **s).count()
    );
    println!("accepted: {:?}", w.stats.ok);
    println!("refused (named, nothing changed): {:?}", w.stats.refused);
}
