//! The SDK's NodeRunner against the real .so on the test bank: five runners in one process for
//! three overlapping rounds (a forger slashed by votes, a skewed list replaced), restarts in the
//! middle of a phase, and bad input.
#![allow(deprecated)]

use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction, Discriminator};
use async_trait::async_trait;
use gradual::state::{DistributionEntry, DistributionStatus};
use gradual_sdk::{
    accounts,
    bank::BankChain,
    chain::{Chain, ChainError, ChainStats, Filter, RawAccount, TxOutcome},
    error::SdkError,
    node::{
        equal_split,
        hash_chain::{HashChain, LazyForger},
        ExternalLogic, ExternalLogicConfig, NodeConfig, NodeRunner, TaskLogic, Verdict,
        WorkContext,
    },
    pda,
};
use gradual_tests::*;
use solana_keypair::Keypair;
use solana_signer::Signer;
use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicBool, AtomicU32, Ordering},
        Arc, Mutex,
    },
    time::Instant,
};

const WORK: HashChain = HashChain { iterations: 1_500 };

/// Honest work; the first of these nodes to distribute round 1 pays itself extra.
struct Skewer {
    used: Arc<AtomicBool>,
}

#[async_trait]
impl TaskLogic for Skewer {
    async fn work(&self, ctx: &WorkContext) -> Result<Vec<u8>, String> {
        WORK.work(ctx).await
    }
    async fn audit_submission(&self, ctx: &WorkContext, node: u32, proof: &[u8]) -> Verdict {
        WORK.audit_submission(ctx, node, proof).await
    }
    async fn distribution(
        &self,
        round: u64,
        valid: &[u32],
        budget: u64,
    ) -> Result<Vec<DistributionEntry>, String> {
        let mut e = equal_split(valid, budget);
        if round == 1 && e.len() > 1 && !self.used.swap(true, Ordering::SeqCst) {
            let last = e.len() - 1;
            e[0].amount += e[last].amount - 1;
            e[last].amount = 1;
        }
        Ok(e)
    }
    async fn audit_distribution(
        &self,
        _round: u64,
        valid: &[u32],
        budget: u64,
        entries: &[DistributionEntry],
    ) -> Verdict {
        Verdict::from(equal_split(valid, budget) == entries)
    }
}

/// Counts `work` calls.
struct Counting(AtomicU32);

#[async_trait]
impl TaskLogic for Counting {
    async fn work(&self, ctx: &WorkContext) -> Result<Vec<u8>, String> {
        self.0.fetch_add(1, Ordering::SeqCst);
        WORK.work(ctx).await
    }
    async fn audit_submission(&self, ctx: &WorkContext, node: u32, proof: &[u8]) -> Verdict {
        WORK.audit_submission(ctx, node, proof).await
    }
}

/// What a [`Faulty`] chain does with a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// Send it, then report it unconfirmed (a crash between send and confirmation).
    SendThenLose,
    /// Fail before sending (the process dies mid-phase).
    DieBeforeSend,
}

/// A chain that injects one fault on the n-th transaction of a kind, and records every
/// transaction's kind.
struct Faulty {
    inner: Arc<BankChain>,
    rule: Mutex<Option<(&'static [u8], usize, Fault)>>,
    log: Mutex<Vec<(Vec<u8>, Vec<u8>)>>,
}

impl Faulty {
    fn new(inner: Arc<BankChain>, kind: &'static [u8], nth: usize, fault: Fault) -> Self {
        Self {
            inner,
            rule: Mutex::new(Some((kind, nth, fault))),
            log: Mutex::new(vec![]),
        }
    }

    /// Landed transactions of `kind`, with their instruction data.
    fn sent(&self, kind: &[u8]) -> Vec<Vec<u8>> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|(k, _)| k == kind)
            .map(|(_, d)| d.clone())
            .collect()
    }
}

#[async_trait]
impl Chain for Faulty {
    async fn slot(&self) -> Result<u64, ChainError> {
        self.inner.slot().await
    }
    async fn account(&self, a: &Pubkey) -> Result<Option<RawAccount>, ChainError> {
        self.inner.account(a).await
    }
    async fn accounts(&self, a: &[Pubkey]) -> Result<Vec<Option<RawAccount>>, ChainError> {
        self.inner.accounts(a).await
    }
    async fn program_accounts(
        &self,
        f: &[Filter],
    ) -> Result<Vec<(Pubkey, RawAccount)>, ChainError> {
        self.inner.program_accounts(f).await
    }
    async fn send(
        &self,
        ixs: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> Result<TxOutcome, ChainError> {
        // The transaction's main instruction: a submit carries the `open_round`s in front.
        let main = ixs
            .iter()
            .find(|i| i.data[..8] != *gradual::instruction::OpenRound::DISCRIMINATOR)
            .unwrap_or(&ixs[0]);
        let kind = main.data[..8].to_vec();
        let fault = {
            let mut rule = self.rule.lock().unwrap();
            match rule.as_mut() {
                Some((k, n, f)) if *k == kind.as_slice() => {
                    if *n == 0 {
                        let f = *f;
                        *rule = None;
                        Some(f)
                    } else {
                        *n -= 1;
                        None
                    }
                }
                _ => None,
            }
        };
        if fault == Some(Fault::DieBeforeSend) {
            return Err(ChainError::Rpc("injected: process died".into()));
        }
        let out = self.inner.send(ixs, payer, signers).await;
        if out.is_ok() {
            self.log.lock().unwrap().push((kind, main.data.clone()));
        }
        match (fault, out) {
            (Some(Fault::SendThenLose), Ok(o)) => Err(ChainError::Unconfirmed {
                signature: o.signature,
            }),
            (_, out) => out,
        }
    }
    async fn signature_status(&self, s: &str) -> Result<Option<bool>, ChainError> {
        self.inner.signature_status(s).await
    }
    fn stats(&self) -> &ChainStats {
        self.inner.stats()
    }
}

struct Net {
    chain: Arc<BankChain>,
    task: Pubkey,
    start: u64,
    nodes: Vec<TestNode>,
    dir: tempfile::TempDir,
}

async fn network(n: usize) -> Net {
    network_with(Setup {
        nodes: n,
        ..Setup::default()
    })
    .await
}

async fn network_with(setup: Setup) -> Net {
    let t = TestContext::with(setup).await;
    let task = t.task;
    let chain = Arc::new(BankChain::new(t.ctx));
    chain.track([task].into_iter().chain(t.nodes.iter().map(|n| n.node)));
    let start = accounts::fetch_task(chain.as_ref(), &task)
        .await
        .unwrap()
        .start_slot;
    Net {
        chain,
        task,
        start,
        nodes: t.nodes,
        dir: tempfile::tempdir().unwrap(),
    }
}

impl Net {
    fn runner(&self, i: usize, chain: Arc<dyn Chain>, logic: Arc<dyn TaskLogic>) -> NodeRunner {
        NodeRunner::new(
            chain,
            logic,
            NodeConfig {
                task: self.task,
                operator: self.nodes[i].operator.insecure_clone(),
                authority: self.nodes[i].operator.pubkey(),
                fee_payer: None,
                stake_account: self.nodes[i].stake_account,
                store_path: self.dir.path().join(format!("node-{i}.json")),
            },
        )
        .unwrap()
        // The tests read every round's list and Round at the end (the soak checks that they
        // are closed after the default retention).
        .with_retention_slots(u64::MAX)
    }

    async fn end_of(&self, round: u64) -> u64 {
        let task = accounts::fetch_task(self.chain.as_ref(), &self.task)
            .await
            .unwrap();
        task.schedule().timeline(round).unwrap().end()
    }

    /// Advances slot by slot from `from` to `to`, ticking every runner at each slot.
    async fn drive(&self, runners: &mut [NodeRunner], from: u64, to: u64) {
        for slot in from..to {
            self.chain.warp_to(slot).await.unwrap();
            for r in runners.iter_mut() {
                r.tick().await.expect("tick");
                // The work a tick starts runs off the event loop; here it ends within the slot.
                r.finish_work().await.expect("work");
            }
        }
    }

    async fn balance(&self, account: &Pubkey) -> u64 {
        let a = self.chain.account(account).await.unwrap().unwrap();
        gradual_sdk::node::runner::token_amount(&a.data)
    }
}

#[tokio::test]
async fn five_runners_three_rounds_forger_slashed_skewed_list_replaced() {
    let net = network(5).await;
    let used = Arc::new(AtomicBool::new(false));
    let mut runners: Vec<NodeRunner> = (0..5)
        .map(|i| {
            let logic: Arc<dyn TaskLogic> = if i == 4 {
                Arc::new(LazyForger(WORK))
            } else {
                Arc::new(Skewer { used: used.clone() })
            };
            net.runner(i, net.chain.clone(), logic)
        })
        .collect();
    let end = net.end_of(2).await + 1;
    let before = net.chain.stats().snapshot();
    let cpu = Instant::now();
    net.drive(&mut runners, net.start, end).await;
    let elapsed = cpu.elapsed();
    let after = net.chain.stats().snapshot();
    assert!(
        used.load(Ordering::SeqCst),
        "a skewed list was uploaded in round 1"
    );

    let mut expected: BTreeMap<u32, u64> = BTreeMap::new();
    for round in 0..3 {
        // Every runner took its Submission's rent back once the round no longer needed it.
        for (i, r) in runners.iter().enumerate() {
            let sub = pda::submission(&net.task, round, &r.node_address()).0;
            assert!(
                net.chain.account(&sub).await.unwrap().is_none(),
                "node {i}'s submission of round {round} still holds rent"
            );
        }
        let state = accounts::fetch_round(net.chain.as_ref(), &net.task, round)
            .await
            .unwrap()
            .expect("round");
        assert_eq!(
            state.header.status(),
            DistributionStatus::Accepted,
            "round {round} accepted"
        );
        assert!(
            gradual::bitmap::get(&state.slashed, 4) || round == 2,
            "the forger is slashed in round {round}"
        );
        let attempt = state.header.distribution_attempt;
        if round == 1 {
            assert!(attempt >= 1, "round 1's first list was replaced");
            let failed: Vec<u32> = (0..5)
                .filter(|&i| gradual::bitmap::get(&state.failed_distributor, i))
                .collect();
            assert_eq!(failed.len(), 1);
            assert!(
                gradual::bitmap::get(&state.slashed, failed[0]),
                "the skewing distributor is slashed"
            );
        }
        let list = accounts::fetch_list(net.chain.as_ref(), &net.task, round, attempt)
            .await
            .unwrap()
            .unwrap();
        // Exactly the default logic's split of the round's budget among its candidates.
        assert_eq!(
            list.entries,
            equal_split(&list.candidates, state.header.budget),
            "round {round}"
        );
        assert!(!list.candidates.contains(&4));
        assert!(
            list.claimed.iter().all(|c| *c),
            "every entry of round {round} claimed"
        );
        for e in &list.entries {
            *expected.entry(u32::from(e.node_index)).or_default() += e.amount;
        }
    }
    for i in 0..5u32 {
        let paid = net.balance(&net.nodes[i as usize].reward_account).await;
        assert_eq!(paid, expected.get(&i).copied().unwrap_or(0), "node {i}");
    }
    assert_eq!(
        net.balance(&net.nodes[4].reward_account).await,
        0,
        "the forger earned nothing"
    );

    let rounds = 3.0 * 5.0;
    println!(
        "\n| runner cost (5 nodes, per node per round) | figure |\n|---|---:|\n| slot queries | {:.0} |\n| account reads | {:.0} |\n| program-account scans | {:.1} |\n| transactions | {:.1} |\n| wall time per round (5 runners, test bank) | {:.0} ms |",
        (after.3 - before.3) as f64 / rounds,
        (after.0 - before.0) as f64 / rounds,
        (after.1 - before.1) as f64 / rounds,
        (after.2 - before.2) as f64 / rounds,
        elapsed.as_millis() as f64 / 3.0,
    );
}

#[tokio::test]
async fn restart_after_the_proof_is_computed_submits_that_proof_once() {
    let net = network(3).await;
    let counting = Arc::new(Counting(AtomicU32::new(0)));
    let mut first = net.runner(0, net.chain.clone(), counting.clone());
    // A tick in round 0's work window computes and stores the proof, then the process dies.
    net.chain.warp_to(net.start + 5).await.unwrap();
    first.tick().await.unwrap();
    first.finish_work().await.unwrap();
    assert_eq!(counting.0.load(Ordering::SeqCst), 1);
    assert!(first.store().round(0).proof.is_some());
    drop(first);

    let again = Arc::new(Counting(AtomicU32::new(0)));
    let faulty = Arc::new(Faulty::new(
        net.chain.clone(),
        b"none....",
        0,
        Fault::DieBeforeSend,
    ));
    let mut runner = net.runner(0, faulty.clone(), again.clone());
    let t = accounts::fetch_task(net.chain.as_ref(), &net.task)
        .await
        .unwrap()
        .schedule()
        .timeline(0)
        .unwrap();
    net.drive(
        std::slice::from_mut(&mut runner),
        net.start + 6,
        t.submission().end,
    )
    .await;
    assert_eq!(
        again.0.load(Ordering::SeqCst),
        1,
        "only round 1's work is computed again, never round 0's"
    );
    let submits = faulty.sent(gradual::instruction::Submit::DISCRIMINATOR);
    assert_eq!(submits.len(), 1, "exactly one submit for round 0");
    let node = accounts::fetch_node(net.chain.as_ref(), &runner.node_address())
        .await
        .unwrap();
    assert!(node.submitted_for(0));
    let sub = pda::submission(&net.task, 0, &runner.node_address()).0;
    let sub: gradual::state::Submission = accounts::fetch(net.chain.as_ref(), &sub, "Submission")
        .await
        .unwrap();
    assert_eq!(
        Some(sub.proof),
        runner.store().round(0).proof,
        "the stored proof is the one submitted"
    );
}

#[tokio::test]
async fn restart_after_an_unconfirmed_submit_does_not_submit_twice() {
    let net = network(3).await;
    let faulty = Arc::new(Faulty::new(
        net.chain.clone(),
        gradual::instruction::Submit::DISCRIMINATOR,
        0,
        Fault::SendThenLose,
    ));
    let mut runner = net.runner(1, faulty.clone(), Arc::new(WORK));
    let t = accounts::fetch_task(net.chain.as_ref(), &net.task)
        .await
        .unwrap()
        .schedule()
        .timeline(0)
        .unwrap();
    // Alone, the runner opens the round at its crank turn, then submits; the submit's
    // confirmation is lost.
    let mut slot = t.submission().start;
    while runner.store().round(0).submit_signature.is_none() {
        assert!(slot < t.submission().start + 16, "no submit sent");
        net.chain.warp_to(slot).await.unwrap();
        runner.tick().await.unwrap();
        slot += 1;
    }
    assert!(
        !runner.store().round(0).submitted,
        "the runner did not see the confirmation"
    );
    drop(runner);
    let mut runner = net.runner(1, faulty.clone(), Arc::new(WORK));
    net.drive(std::slice::from_mut(&mut runner), slot, t.submission().end)
        .await;
    assert!(runner.store().round(0).submitted);
    assert_eq!(
        faulty
            .sent(gradual::instruction::Submit::DISCRIMINATOR)
            .len(),
        1,
        "no second submit"
    );
}

#[tokio::test]
async fn restart_in_the_middle_of_a_list_upload_resumes_at_the_cursor() {
    let net = network(4).await;
    let append = gradual::instruction::AppendDistribution::DISCRIMINATOR;
    // The second append (of 2-entry chunks) dies before it is sent, in whichever runner uploads.
    let faulty = Arc::new(Faulty::new(
        net.chain.clone(),
        append,
        1,
        Fault::DieBeforeSend,
    ));
    let mut runners: Vec<NodeRunner> = (0..4)
        .map(|i| {
            net.runner(i, faulty.clone(), Arc::new(WORK))
                .with_append_chunk(2)
        })
        .collect();
    let t = accounts::fetch_task(net.chain.as_ref(), &net.task)
        .await
        .unwrap()
        .schedule()
        .timeline(0)
        .unwrap();
    let (upload, _) = t.distribution(0).unwrap();
    net.drive(&mut runners, net.start, upload.start).await;
    let mut crashed = None;
    'outer: for slot in upload.start..upload.end {
        net.chain.warp_to(slot).await.unwrap();
        for (i, r) in runners.iter_mut().enumerate() {
            // The injected failure ends the upload duty (the other duties still ran): the
            // process is then taken as dead.
            let report = r
                .tick()
                .await
                .expect("a failed duty does not fail the tick");
            if let Some((duty, _, e)) = report.failed.first() {
                assert_eq!(duty, "distribute");
                assert!(e.contains("injected"), "{e}");
                crashed = Some((i, slot));
                break 'outer;
            }
        }
    }
    let (i, slot) = crashed.expect("the uploader crashed mid-upload");
    let list = accounts::fetch_list(net.chain.as_ref(), &net.task, 0, 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(list.header.written, 2, "one chunk landed before the crash");
    // Restart the crashed runner from its store; everyone carries on until round 0 is
    // accepted (before round 1's own upload starts).
    // The crashed process is gone (and with it its store lock) before the new one starts.
    drop(runners.remove(i));
    runners.insert(
        i,
        net.runner(i, faulty.clone(), Arc::new(WORK))
            .with_append_chunk(2),
    );
    let (_, list_audit) = t.distribution(0).unwrap();
    net.drive(&mut runners, slot, list_audit.end + 5).await;
    let list = accounts::fetch_list(net.chain.as_ref(), &net.task, 0, 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(list.entries.len(), 4);
    assert_eq!(list.entries, equal_split(&list.candidates, 1_000_000));
    let offsets: Vec<u32> = faulty
        .sent(append)
        .iter()
        .map(|d| u32::from_le_bytes(d[8..12].try_into().unwrap()))
        .collect();
    assert_eq!(offsets, vec![0, 2], "each chunk sent exactly once");
    let state = accounts::fetch_round(net.chain.as_ref(), &net.task, 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(state.header.status(), DistributionStatus::Accepted);
}

#[tokio::test]
async fn bad_input_gives_named_errors() {
    let net = network(1).await;
    // A task address that holds a Node, a missing account, a wrong owner.
    let node = net.nodes[0].node;
    let err = accounts::fetch_task(net.chain.as_ref(), &node)
        .await
        .unwrap_err();
    assert!(matches!(err, SdkError::WrongAccountType { .. }), "{err}");
    let err = accounts::fetch_task(net.chain.as_ref(), &Pubkey::new_unique())
        .await
        .unwrap_err();
    assert!(matches!(err, SdkError::NotFound { .. }), "{err}");
    let mint_owner_check = accounts::fetch_task(net.chain.as_ref(), &net.nodes[0].stake_account)
        .await
        .unwrap_err();
    assert!(
        matches!(mint_owner_check, SdkError::WrongOwner { .. }),
        "{mint_owner_check}"
    );
    // A runner for a task that does not exist fails its tick with NotFound, no panic.
    let mut lost = NodeRunner::new(
        net.chain.clone(),
        Arc::new(WORK),
        NodeConfig {
            task: Pubkey::new_unique(),
            operator: Keypair::new(),
            authority: Pubkey::new_unique(),
            fee_payer: None,
            stake_account: Pubkey::new_unique(),
            store_path: net.dir.path().join("lost.json"),
        },
    )
    .unwrap();
    assert!(matches!(lost.tick().await, Err(SdkError::NotFound { .. })));
    // An RPC endpoint that is down: a named Rpc error.
    let down = gradual_sdk::rpc::RpcChain::new("http://127.0.0.1:9");
    assert!(matches!(down.slot().await, Err(ChainError::Rpc(_))));
}

/// Process CPU time (user + system) so far, from /proc (Linux).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

#[tokio::test]
async fn hundred_runners_cpu_per_round() {
    let net = network(100).await;
    let mut runners: Vec<NodeRunner> = (0..100)
        .map(|i| net.runner(i, net.chain.clone(), Arc::new(WORK)))
        .collect();
    let t = accounts::fetch_task(net.chain.as_ref(), &net.task)
        .await
        .unwrap()
        .schedule()
        .timeline(0)
        .unwrap();
    let end = t.distribution(0).unwrap().1.end + 2;
    let (cpu0, wall0, stats0) = (cpu_seconds(), Instant::now(), net.chain.stats().snapshot());
    // Every runner ticks every 4 slots (a 1.6 s poll on a real cluster).
    let mut slot = net.start;
    while slot < end {
        net.chain.warp_to(slot).await.unwrap();
        for r in runners.iter_mut() {
            r.tick().await.expect("tick");
            r.finish_work().await.expect("work");
        }
        slot += 4;
    }
    let (cpu, wall, stats) = (
        cpu_seconds() - cpu0,
        wall0.elapsed(),
        net.chain.stats().snapshot(),
    );
    let state = accounts::fetch_round(net.chain.as_ref(), &net.task, 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(state.header.submission_count, 100);
    assert_eq!(state.header.status(), DistributionStatus::Accepted);
    let list = accounts::fetch_list(net.chain.as_ref(), &net.task, 0, 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(list.entries.len(), 100);
    println!(
        "\n| 100 nodes, round 0, ticks every 4 slots | figure |\n|---|---:|\n| process CPU for the round (100 runners + the in-process bank) | {cpu:.1} s |\n| per runner per round | {:.0} ms |\n| wall time | {:.1} s |\n| scans per runner per round | {:.1} |\n| transactions per runner per round | {:.2} |",
        cpu * 1000.0 / 100.0,
        wall.as_secs_f64(),
        (stats.1 - stats0.1) as f64 / 100.0,
        (stats.2 - stats0.2) as f64 / 100.0,
    );
}

#[tokio::test]
async fn sampled_audits_and_a_jury_slash_the_forger() {
    // Eight equal nodes: J = 8 gives every node exactly one seat, so the jury is everyone but
    // the target; each node checks 3 drawn peers instead of 7.
    let net = network_with(Setup {
        nodes: 8,
        audit_sample: 3,
        jury_size: 8,
        ..Setup::default()
    })
    .await;
    let mut runners: Vec<NodeRunner> = (0..8)
        .map(|i| {
            let logic: Arc<dyn TaskLogic> = if i == 7 {
                Arc::new(LazyForger(WORK))
            } else {
                Arc::new(WORK)
            };
            net.runner(i, net.chain.clone(), logic)
        })
        .collect();
    let end = net.end_of(0).await + 1;
    net.drive(&mut runners, net.start, end).await;
    let state = accounts::fetch_round(net.chain.as_ref(), &net.task, 0)
        .await
        .unwrap()
        .expect("round 0");
    for (i, r) in runners.iter().enumerate().take(7) {
        let checked = r.store().round(0).verdicts.len();
        // Its sample, plus the forger's proof if it sat on the forger's jury.
        assert!(checked <= 4, "node {i} checked {checked} peers");
    }
    for i in 0..7 {
        assert!(!gradual::bitmap::get(&state.slashed, i), "honest node {i}");
    }
    let slashed = gradual::bitmap::get(&state.slashed, 7);
    if state.header.audit_seed_slot == 0 {
        // Nobody raised anything: then nobody was assigned the forger (probability ~4%).
        assert!(!slashed);
    } else {
        let assigned = (0..7).any(|i| {
            gradual::sampling::audit_targets(&state.header.audit_seed, i, &state.submitted, 3)
                .contains(&7)
        });
        assert_eq!(
            slashed, assigned,
            "slashed exactly when someone was assigned it"
        );
    }
    assert_eq!(state.header.status(), DistributionStatus::Accepted);
}

#[tokio::test]
async fn settled_rounds_give_their_rent_back_submissions_audits_lists_and_the_round() {
    let net = network(4).await;
    let mut runners: Vec<NodeRunner> = (0..4)
        .map(|i| {
            let logic: Arc<dyn TaskLogic> = if i == 3 {
                Arc::new(LazyForger(WORK))
            } else {
                Arc::new(WORK)
            };
            // No retention: round 0 closes as soon as it may.
            net.runner(i, net.chain.clone(), logic)
                .with_retention_slots(0)
        })
        .collect();
    let end = net.end_of(0).await;
    net.drive(&mut runners, net.start, end).await;
    let round = pda::round(&net.task, 0).0;
    let state = accounts::fetch_round(net.chain.as_ref(), &net.task, 0)
        .await
        .unwrap()
        .expect("round 0 is still open at the end of its timeline");
    assert_eq!(state.header.status(), DistributionStatus::Accepted);
    assert_eq!(state.header.slashed_count, 1, "the forger was slashed");
    let attempt = state.header.distribution_attempt;
    let forger = runners[3].node_address();
    let audit = pda::audit(&net.task, 0, gradual::state::AuditKind::Submission, &forger).0;
    assert!(
        net.chain.account(&audit).await.unwrap().is_none(),
        "the raiser closed its audit once resolved"
    );
    net.drive(&mut runners, end, end + 20).await;
    assert!(
        net.chain.account(&round).await.unwrap().is_none(),
        "round 0 closed"
    );
    let list = pda::distribution(&net.task, 0, attempt).0;
    assert!(
        net.chain.account(&list).await.unwrap().is_none(),
        "its list closed"
    );
    for r in &runners {
        let sub = pda::submission(&net.task, 0, &r.node_address()).0;
        assert!(net.chain.account(&sub).await.unwrap().is_none());
    }
    // A sweep after that: whatever it finds that may not close yet (it serves a round in
    // flight) is refused by the program with a named error, never for a malformed close.
    let swept = gradual_sdk::reclaim::reclaim_backlog(
        net.chain.as_ref(),
        &net.task,
        &net.nodes[0].operator,
        &runners[0].node_address(),
    )
    .await
    .unwrap();
    println!("sweep after round 0: {swept:?}");
    for why in swept.still_needed.keys() {
        let reason = why.split(": ").nth(1).unwrap_or_default();
        assert!(
            !reason.is_empty() && reason.chars().all(|c| c.is_ascii_alphanumeric()),
            "refused for a named program reason: {why}"
        );
    }
}

/// An external logic (tests/logic/sha_logic.py, any language over JSON lines) for node `mode`.
async fn external(mode: &str) -> Arc<dyn TaskLogic> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/logic/sha_logic.py");
    let mut cfg = ExternalLogicConfig::new("python3", vec![script.into(), mode.into()]);
    cfg.call_timeout = std::time::Duration::from_millis(500);
    Arc::new(
        ExternalLogic::start(cfg)
            .await
            .expect("python3 runs the test logic"),
    )
}

#[tokio::test]
async fn external_logics_work_audit_and_slash_and_an_unknown_answer_accuses_nobody() {
    // Nodes 0-2 honest; node 3's auditor crashes on every audit (its verdicts are all
    // unknown, transient); node 4 forges its proofs. All five run a Python logic.
    let net = network(5).await;
    let modes = ["honest", "honest", "honest", "crash-audit", "forge"];
    let mut runners = vec![];
    for (i, mode) in modes.iter().enumerate() {
        runners.push(net.runner(i, net.chain.clone(), external(mode).await));
    }
    let end = net.end_of(1).await + 1;
    net.drive(&mut runners, net.start, end).await;
    for round in 0..2 {
        let state = accounts::fetch_round(net.chain.as_ref(), &net.task, round)
            .await
            .unwrap()
            .expect("round");
        assert_eq!(
            state.header.status(),
            DistributionStatus::Accepted,
            "round {round}"
        );
        assert!(
            gradual::bitmap::get(&state.slashed, 4),
            "the forger is slashed in round {round}"
        );
        for i in 0..4 {
            assert!(
                !gradual::bitmap::get(&state.slashed, i),
                "node {i} is not slashed in round {round}"
            );
        }
        let list = accounts::fetch_list(
            net.chain.as_ref(),
            &net.task,
            round,
            state.header.distribution_attempt,
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(
            list.candidates,
            vec![0, 1, 2, 3],
            "round {round}: the honest four are paid"
        );
    }
    // The crashing auditor judged nobody and so accused nobody; the others judged everyone.
    let crashing = runners[3].stats();
    assert_eq!(crashing.audited, 0);
    assert!(crashing.unknown_verdicts > 0);
    assert!(runners[3].store().round(0).verdicts.is_empty());
    for r in &runners[..3] {
        for round in 0..2 {
            let v = r.store().round(round).verdicts;
            assert_eq!(v.len(), 4, "every peer judged in round {round}");
            assert_eq!(
                v.iter()
                    .filter(|(_, ok)| !**ok)
                    .map(|(i, _)| *i)
                    .collect::<Vec<_>>(),
                vec![4]
            );
        }
        assert!(r.stats().audited >= 8 && r.stats().invalid_found >= 2);
        assert!(r.stats().work_done >= 2);
    }
    let node3 = accounts::fetch_node(net.chain.as_ref(), &runners[3].node_address())
        .await
        .unwrap();
    assert_eq!(node3.slashed_total, 0);
    assert!(net.balance(&net.nodes[3].reward_account).await > 0);
}
