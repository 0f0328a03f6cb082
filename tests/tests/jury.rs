//! Sampled audits and juries against the real .so: the assignment seed recorded in the Round,
//! a jury drawn from a slot hash after the raise, votes counted in seats, non-jurors and
//! double votes refused, quorum over the jury.
#![allow(deprecated)]

use gradual::{
    errors::GradualError,
    events::{AuditRaised, AuditResolved, Voted},
    instructions::select_distributor::{seed_source, SeedSource},
    sampling,
    state::{Audit, AuditKind, AuditStatus},
};
use gradual_sdk::ix;
use gradual_tests::*;
use solana_signer::Signer;

/// The SlotHashes entry the program would pick for `start`.
async fn slot_hash_from(t: &mut TestContext, start: u64) -> Option<(u64, [u8; 32])> {
    let data = t
        .account(&ix::slot_hashes_sysvar())
        .await
        .expect("SlotHashes")
        .data;
    match seed_source(&data, start) {
        SeedSource::SlotHash { slot, hash } | SeedSource::Evicted { slot, hash } => {
            Some((slot, hash))
        }
        SeedSource::NotYet => None,
    }
}

/// `n` nodes with equal stake, jury of `jury` expected seats, every node submitted round 0;
/// the bank one slot into the audit window.
async fn jury_task(n: usize, jury: u16, sample: u16) -> TestContext {
    let mut t = TestContext::with(Setup {
        nodes: n,
        jury_size: jury,
        audit_sample: sample,
        ..Setup::default()
    })
    .await;
    t.warp_to_submission(0).await;
    for i in 0..n {
        t.submit(i, 0, b"proof").await.ok();
    }
    t
}

async fn audit_window(t: &mut TestContext) -> std::ops::Range<u64> {
    t.task().await.schedule().timeline(0).unwrap().audit()
}

#[tokio::test]
async fn jurors_vote_in_seats_and_nobody_else_votes() {
    let mut t = jury_task(10, 8, 0).await;
    let window = audit_window(&mut t).await;
    t.warp_to(window.start + 1).await;
    let target = 9;
    let out = t.raise(0, 0, AuditKind::Submission, target).await.ok();
    // The raiser's seats are unknown at the raise: nothing is counted yet.
    assert_eq!(out.events_of::<AuditRaised>()[0].weight, 0);
    let address = t.audit_address(0, AuditKind::Submission, target);
    let audit: Audit = t.anchor(&address).await;
    assert_eq!((audit.for_stake, audit.votes, audit.jury_size), (0, 0, 8));
    assert_eq!(audit.jury_seed, [0; 32]);

    // In the raise's own slot its hash does not exist yet: nobody can know the jury.
    assert_rejected!(
        t,
        GradualError::SlotHashNotYetAvailable,
        t.vote(1, 0, AuditKind::Submission, target, true).await
    );

    t.warp_to(audit.jury_from_slot + 2).await;
    let (_, hash) = slot_hash_from(&mut t, audit.jury_from_slot)
        .await
        .expect("a slot hash after the raise");
    let seed = sampling::jury_seed(&hash, &address);
    let round_stake = t.round(0).await.unwrap().0.total_active_stake;
    let seats: Vec<u64> = (0..10)
        .map(|i| {
            if i == target {
                return 0;
            }
            sampling::jury_seats(&seed, i as u32, 50_000, round_stake, 8)
        })
        .collect();
    // Ten equal nodes, J = 8: each holds 0 or 1 seat (0.8 expected).
    assert!(seats.iter().all(|&s| s <= 1));

    let mut tally = 0u64;
    let mut cu = vec![];
    for (i, &seat) in seats.iter().enumerate() {
        if i == target {
            continue;
        }
        let out = t.vote(i, 0, AuditKind::Submission, target, true).await;
        if seat == 0 {
            assert_program_error(&out, GradualError::NotAJuror);
            continue;
        }
        let out = out.ok();
        cu.push(out.cu);
        let ev = out.events_of::<Voted>();
        tally += seat;
        assert_eq!((ev[0].weight, ev[0].for_stake), (seat, tally));
        // One vote per juror.
        assert_rejected!(
            t,
            GradualError::AlreadyVoted,
            t.vote(i, 0, AuditKind::Submission, target, false).await
        );
    }
    let audit: Audit = t.anchor(&address).await;
    assert_eq!(audit.jury_seed, seed, "the first vote recorded the seed");
    // The jurors' votes live in the audit itself, sorted: no Vote accounts.
    let raw = t.account(&address).await.unwrap();
    let jurors: Vec<u32> = (0..10u32).filter(|&i| seats[i as usize] > 0).collect();
    assert_eq!(Audit::voters(&raw.data, audit.votes), jurors);
    assert_eq!(raw.data.len(), Audit::space_with_jury(audit.voter_capacity));
    for i in 0..10 {
        let vote = gradual_sdk::pda::vote(&address, &t.nodes[i].node).0;
        assert!(t.account(&vote).await.is_none());
    }
    if cu.len() >= 2 {
        let report = std::collections::BTreeMap::from([
            (
                "vote (juror, first vote records the jury seed)".to_string(),
                cu[0],
            ),
            ("vote (juror)".to_string(), cu[1]),
        ]);
        print_table(("jury", "CU"), &report);
        assert!(
            cu.iter().all(|&c| c <= 10_000),
            "vote CU {cu:?} (target 10,000)"
        );
        check_documented(&report);
    }
    assert_eq!(audit.for_stake, tally);

    // Quorum is half of the jury's 8 expected seats.
    t.warp_to(audit.deadline_slot).await;
    let out = t.resolve(0, AuditKind::Submission, target).await.ok();
    let ev = out.events_of::<AuditResolved>();
    assert_eq!(ev[0].quorum_stake, 4);
    let upheld = tally >= 4;
    assert_eq!(ev[0].upheld, upheld);
    let audit: Audit = t.anchor(&address).await;
    assert_eq!(
        audit.status,
        if upheld {
            AuditStatus::Upheld
        } else {
            AuditStatus::Rejected
        }
    );
    t.assert_invariants().await;
}

#[tokio::test]
async fn every_juror_counts_its_seats_and_the_target_sits_out() {
    // Three equal nodes, J = 4: each holds 1.33 expected seats, so at least one.
    let mut t = jury_task(3, 4, 0).await;
    let window = audit_window(&mut t).await;
    t.warp_to(window.start + 1).await;
    t.raise(0, 0, AuditKind::Submission, 2).await.ok();
    let address = t.audit_address(0, AuditKind::Submission, 2);
    // Raised while proofs could still come in: the jury is drawn after the window closes.
    let from = t.anchor::<Audit>(&address).await.jury_from_slot;
    assert_eq!(
        from,
        t.task()
            .await
            .schedule()
            .timeline(0)
            .unwrap()
            .submission()
            .end
    );
    t.warp_to(from + 2).await;
    let round_stake = t.round(0).await.unwrap().0.total_active_stake;
    assert_eq!(round_stake, 150_000);
    // 4 * 50,000 / 150,000 = 1.33 seats: one sure seat each, a second with probability 1/3.
    let a = t.vote(0, 0, AuditKind::Submission, 2, true).await.ok();
    let b = t.vote(1, 0, AuditKind::Submission, 2, true).await.ok();
    let w = |o: &Outcome| o.events_of::<Voted>()[0].weight;
    assert!((1..=2).contains(&w(&a)) && (1..=2).contains(&w(&b)));
    // The target cannot sit on its own jury.
    assert_rejected!(
        t,
        GradualError::TargetCannotVote,
        t.vote(2, 0, AuditKind::Submission, 2, false).await
    );
    let deadline = t.anchor::<Audit>(&address).await.deadline_slot;
    t.warp_to(deadline).await;
    let out = t.resolve(0, AuditKind::Submission, 2).await.ok();
    assert!(out.events_of::<AuditResolved>()[0].upheld);
    t.assert_invariants().await;
}

#[tokio::test]
async fn the_assignment_seed_is_the_first_slot_hash_after_the_submission_window() {
    let mut t = jury_task(5, 0, 2).await;
    let sub = t.task().await.schedule().timeline(0).unwrap().submission();
    // While proofs can still be submitted the seed cannot exist: a submitter must not know
    // its auditors. Raises go through; the seed waits.
    t.warp_to(sub.start + 1).await;
    t.raise(0, 0, AuditKind::Submission, 1).await.ok();
    t.warp_to(sub.end).await;
    t.raise(0, 0, AuditKind::Submission, 2).await.ok();
    let round = t.round(0).await.unwrap().0;
    assert_eq!((round.audit_seed_slot, round.audit_seed), (0, [0; 32]));
    // A later raise records it from the first hash at or after the window's end, whichever
    // slot it lands in: a caller cannot pick among hashes by timing.
    t.warp_to(sub.end + 5).await;
    t.raise(0, 0, AuditKind::Submission, 3).await.ok();
    let (slot, hash) = slot_hash_from(&mut t, sub.end).await.unwrap();
    let round = t.round(0).await.unwrap().0;
    assert_eq!(round.audit_seed_slot, slot);
    assert!(slot >= sub.end && slot < sub.end + 5);
    assert_eq!(
        round.audit_seed,
        sampling::assignment_seed(&hash, &t.task, 0)
    );
    t.warp_to(sub.end + 9).await;
    t.raise(1, 0, AuditKind::Submission, 4).await.ok();
    let again = t.round(0).await.unwrap().0;
    assert_eq!(
        (again.audit_seed_slot, again.audit_seed),
        (round.audit_seed_slot, round.audit_seed),
        "recorded once"
    );
    // Each node's assignment follows from it and the merged submitter set alone.
    for out in t.merge(0).await {
        out.ok();
    }
    let submitted = t.round(0).await.unwrap().1;
    assert_eq!(gradual::bitmap::count(&submitted), 5);
    for i in 0..5u32 {
        let targets = sampling::audit_targets(&round.audit_seed, i, &submitted, 2);
        assert!(!targets.is_empty() && targets.len() <= 2 && !targets.contains(&i));
    }
}

#[tokio::test]
async fn audit_policy_limits_are_enforced_at_creation() {
    let mut t = TestContext::new().await;
    let slot = t.slot().await;
    let args =
        |task_id: u64, audit_sample: u16, jury_size: u16| gradual::instructions::CreateTaskArgs {
            task_id,
            start_slot: slot + 100,
            max_nodes: 64,
            config: default_config(),
            trust_flags: 0,
            audit_sample,
            jury_size,
        };
    let auth = t.authority.insecure_clone();
    for (id, sample, jury) in [
        (90, 0, gradual::constants::MAX_JURY_SIZE + 1),
        (91, gradual::constants::MAX_AUDIT_SAMPLE + 1, 0),
    ] {
        let ix = t.create_task_ix(args(id, sample, jury));
        assert_rejected!(
            t,
            GradualError::InvalidAuditPolicy,
            t.send(&[ix], &[&auth]).await
        );
    }
    let ix = t.create_task_ix(args(92, 16, 64));
    t.send(&[ix], &[&auth]).await.ok();
    let task: gradual::state::Task = t
        .anchor(&gradual_sdk::pda::task(&auth.pubkey(), 92).0)
        .await;
    assert_eq!((task.audit_sample, task.jury_size), (16, 64));
}
