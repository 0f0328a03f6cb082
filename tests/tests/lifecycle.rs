//! The whole production line: 5 nodes, 3 overlapping rounds. A cheating submitter is slashed
//! through a vote in round 0, the first list of round 1 is skewed and replaced by the next
//! selected node's, and every other node is paid exactly the default equal split. The
//! invariants are asserted after every step.
#![allow(deprecated)]

use gradual::state::{AuditKind, DistributionEntry, DistributionStatus};
use gradual_sdk::ix;
use gradual_tests::*;
use std::collections::BTreeMap;

const BUDGET: u64 = 1_000_000;

/// The default distribution logic: equal split among valid submitters, remainder to the
/// lowest indexes.
fn equal_split(valid: &[usize], budget: u64) -> Vec<DistributionEntry> {
    let indexes: Vec<u32> = valid.iter().map(|&i| i as u32).collect();
    gradual_sdk::node::equal_split(&indexes, budget)
}

struct Line {
    t: TestContext,
    /// Expected reward per node position.
    expected: BTreeMap<usize, u64>,
}

impl Line {
    async fn step(&mut self) {
        self.t.assert_invariants().await;
    }

    async fn at(&mut self, slot: u64) {
        self.t.warp_to(slot).await;
        self.step().await;
    }

    async fn submit_all(&mut self, round: u64) {
        for i in 0..5 {
            let proof = if round == 0 && i == 4 {
                "forged".to_string()
            } else {
                format!("work-{round}-{i}")
            };
            self.t.submit(i, round, proof.as_bytes()).await.ok();
            self.step().await;
        }
    }

    /// Selects, uploads `valid`'s equal split, seals; returns the distributor.
    async fn distribute(
        &mut self,
        round: u64,
        attempt: u16,
        entries: Option<Vec<DistributionEntry>>,
        valid: &[usize],
    ) -> usize {
        let (upload, _) = self.t.attempt_windows(round, attempt).await;
        self.at(upload.start).await;
        self.at(upload.start + 1).await;
        let (out, chosen) = self.t.select(round).await;
        out.ok();
        let d = chosen.expect("selected");
        let entries = entries.unwrap_or_else(|| equal_split(valid, BUDGET));
        self.t.upload_list(d, round, attempt as u8, &entries).await;
        self.step().await;
        d
    }

    async fn finalize_and_claim(&mut self, round: u64, attempt: u16, valid: &[usize]) {
        let (_, audit) = self.t.attempt_windows(round, attempt).await;
        self.at(audit.end).await;
        self.t
            .send(
                &[ix::finalize_distribution(self.t.task, round, attempt as u8)],
                &[],
            )
            .await
            .ok();
        self.step().await;
        for (k, e) in equal_split(valid, BUDGET).iter().enumerate() {
            let i = e.node_index as usize;
            self.t.claim(i, round, attempt as u8, k as u32).await.ok();
            *self.expected.entry(i).or_default() += e.amount;
            self.step().await;
        }
    }
}

#[tokio::test]
async fn five_nodes_three_overlapping_rounds() {
    let t = TestContext::with(Setup {
        nodes: 5,
        ..Setup::default()
    })
    .await;
    let mut line = Line {
        t,
        expected: BTreeMap::new(),
    };
    let start = line.t.task().await.start_slot;
    let sub = AuditKind::Submission;

    // Round 1 works while round 0 submits; node 4 forged its proof, node 0 catches it.
    line.at(start + 100).await;
    line.submit_all(0).await;
    line.t.raise(0, 0, sub, 4).await.ok();
    line.step().await;
    for i in 1..4 {
        line.t.vote(i, 0, sub, 4, true).await.ok();
        line.step().await;
    }
    line.at(start + 150).await;
    line.t.resolve(0, sub, 4).await.ok();
    line.step().await;
    assert_eq!(line.t.node(4).await.slashed_total, 35_000);

    // Round 2 works, round 1 submits, round 0 distributes among the four honest nodes.
    line.at(start + 200).await;
    line.submit_all(1).await;
    let round0_valid = [0, 1, 2, 3];
    line.distribute(0, 0, None, &round0_valid).await;
    line.finalize_and_claim(0, 0, &round0_valid).await;

    // Round 3 works, round 2 submits, round 1 distributes: the first list is skewed.
    line.at(start + 300).await;
    line.submit_all(2).await;
    let (upload, _) = line.t.attempt_windows(1, 0).await;
    line.at(upload.start).await;
    line.at(upload.start + 1).await;
    let (_, chosen) = line.t.select(1).await;
    let bad = chosen.unwrap();
    let mut skewed = equal_split(&[0, 1, 2, 3, 4], BUDGET);
    for e in skewed.iter_mut() {
        e.amount = if e.node_index as usize == bad {
            600_000
        } else {
            100_000
        };
    }
    line.t.upload_list(bad, 1, 0, &skewed).await;
    line.step().await;
    let (_, list_audit) = line.t.attempt_windows(1, 0).await;
    line.at(list_audit.start).await;
    let honest: Vec<usize> = (0..5).filter(|&i| i != bad).collect();
    line.t
        .raise(honest[0], 1, AuditKind::Distribution, bad)
        .await
        .ok();
    line.step().await;
    for &i in &honest[1..] {
        line.t
            .vote(i, 1, AuditKind::Distribution, bad, true)
            .await
            .ok();
        line.step().await;
    }
    line.at(list_audit.end).await;
    line.t.resolve(1, AuditKind::Distribution, bad).await.ok();
    line.step().await;
    assert_eq!(line.t.round(1).await.unwrap().0.distribution_attempt, 1);
    // Attempt 1: the next selected node's fair list (the slashed distributor gets nothing).
    let replacement = line.distribute(1, 1, None, &honest).await;
    assert_ne!(replacement, bad);
    line.finalize_and_claim(1, 1, &honest).await;

    // Round 2 distributes among all five.
    let all = [0, 1, 2, 3, 4];
    line.distribute(2, 0, None, &all).await;
    line.finalize_and_claim(2, 0, &all).await;

    for r in 0..3 {
        assert_eq!(
            line.t.round(r).await.unwrap().0.status(),
            DistributionStatus::Accepted
        );
    }
    for i in 0..5 {
        let paid = line.t.token_balance(&line.t.nodes[i].reward_account).await;
        assert_eq!(
            paid,
            line.expected.get(&i).copied().unwrap_or(0),
            "node {i} paid exactly"
        );
    }
    // Node 4 got nothing for round 0, the bad distributor nothing for round 1.
    let round0: u64 = equal_split(&round0_valid, BUDGET)
        .iter()
        .map(|e| e.amount)
        .sum();
    assert_eq!(round0, BUDGET);
    assert!(!round0_valid.contains(&4) && !honest.contains(&bad));
    let task = line.t.task().await;
    assert_eq!(task.total_claimed, 3 * BUDGET);
    assert_eq!(task.reserved_rewards, 0);
    assert_eq!(
        line.t.token_balance(&line.t.vaults().0).await,
        10_000_000 - 3 * BUDGET
    );
    println!(
        "lifecycle: bad distributor = node {bad}, replacement = node {replacement}, payouts = {:?}",
        line.expected
    );
}
