//! submit and close_submission against the real .so.
#![allow(deprecated)]

use anchor_lang::prelude::Pubkey;
use gradual::{
    bitmap,
    errors::GradualError,
    events::{RoundOpened, Submitted},
    instructions::CreateTaskArgs,
    state::{Submission, TaskConfig},
};
use gradual_sdk::{ix, pda};
use gradual_tests::*;
use solana_instruction::AccountMeta;
use solana_signer::Signer;

#[tokio::test]
async fn first_submission_opens_the_round_with_a_stake_snapshot() {
    let mut t = TestContext::new().await;
    t.warp_to_submission(0).await;
    let out = t.submit(1, 0, b"bafy-proof-1").await.ok();
    let opened = out.events_of::<RoundOpened>();
    assert_eq!(opened.len(), 1);
    assert_eq!(
        (opened[0].round, opened[0].total_active_stake),
        (0, 150_000)
    );
    let sub = out.events_of::<Submitted>();
    assert_eq!(
        (sub[0].index, sub[0].proof.as_slice()),
        (1, &b"bafy-proof-1"[..])
    );

    let (round, submitted, slashed, failed) = t.round(0).await.expect("round opened");
    assert_eq!(round.task, t.task);
    assert_eq!(round.round, 0);
    assert_eq!(round.total_active_stake, 150_000);
    assert_eq!(round.submission_count, 1);
    assert_eq!(round.config, default_config());
    assert_eq!(round.start_slot, t.task().await.start_slot);
    assert_eq!(round.selected_node, u32::MAX);
    assert_eq!(submitted.len(), 512);
    assert!(bitmap::get(&submitted, 1) && !bitmap::get(&submitted, 0));
    assert_eq!(bitmap::count(&slashed) + bitmap::count(&failed), 0);

    let address = pda::submission(&t.task, 0, &t.nodes[1].node).0;
    let s: Submission = t.anchor(&address).await;
    assert_eq!(
        (s.round, s.node, s.node_index, s.proof.as_slice()),
        (0, t.nodes[1].node, 1, &b"bafy-proof-1"[..])
    );
    assert_eq!(s.payer, t.nodes[1].operator.pubkey());
    assert_eq!(
        t.account(&address).await.unwrap().data.len(),
        Submission::space(12)
    );

    // Later submissions join the same round without reopening it.
    let out = t.submit(0, 0, b"bafy-proof-0").await.ok();
    assert!(out.events_of::<RoundOpened>().is_empty());
    let (round, submitted, ..) = t.round(0).await.unwrap();
    assert_eq!(round.submission_count, 2);
    assert!(bitmap::get(&submitted, 0) && bitmap::get(&submitted, 1));
    assert_eq!(t.node(0).await.last_submitted_round, 0);
    t.assert_invariants().await;
}

#[tokio::test]
async fn submit_only_inside_the_window_and_only_once() {
    let mut t = TestContext::new().await;
    let timeline = t.task().await.schedule().timeline(1).unwrap();

    // During round 1's own work window: too early.
    t.warp_to_round(1).await;
    assert_rejected!(
        t,
        GradualError::OutsideSubmissionWindow,
        t.submit(0, 1, b"early").await
    );
    // Round 0's window is open now; a proof for a round far in the future is refused.
    assert_rejected!(
        t,
        GradualError::OutsideSubmissionWindow,
        t.submit(0, 5, b"future").await
    );

    t.warp_to(timeline.submission().end - 1).await;
    t.submit(0, 1, b"last slot").await.ok();
    assert_rejected!(
        t,
        GradualError::AlreadySubmitted,
        t.submit(0, 1, b"again").await
    );

    t.warp_to(timeline.submission().end).await;
    assert_rejected!(
        t,
        GradualError::OutsideSubmissionWindow,
        t.submit(1, 1, b"late").await
    );
    let (round, ..) = t.round(1).await.unwrap();
    assert_eq!(round.submission_count, 1);
}

#[tokio::test]
async fn submit_requires_eligible_stake_at_the_round() {
    let mut t = TestContext::new().await;
    let n0 = t.nodes[0].operator.insecure_clone();
    t.warp_to_round(1).await;
    // Node 0 leaves in round 1: its stake stops counting at once, also for round 1's work.
    t.send(&[ix::request_unstake(n0.pubkey(), t.task, 50_000)], &[&n0])
        .await
        .ok();
    // A node that joins during round 1 only counts from round 2.
    let late = t.new_operator().await;
    t.join(&late, 50_000).await.ok();
    t.nodes.push(late);

    t.warp_to_submission(1).await;
    assert_rejected!(
        t,
        GradualError::NodeNotEligible,
        t.submit(0, 1, b"gone").await
    );
    assert_rejected!(
        t,
        GradualError::NodeNotEligible,
        t.submit(3, 1, b"too new").await
    );
    t.submit(1, 1, b"ok").await.ok();
    // The snapshot counts nodes 1 and 2 only.
    assert_eq!(t.round(1).await.unwrap().0.total_active_stake, 100_000);

    // The newcomer is eligible for round 2.
    t.warp_to_submission(2).await;
    t.submit(3, 2, b"now").await.ok();
    assert_eq!(t.round(2).await.unwrap().0.total_active_stake, 150_000);
    t.assert_invariants().await;
}

#[tokio::test]
async fn submit_rejects_bad_input() {
    let mut t = TestContext::new().await;
    t.warp_to_submission(0).await;
    let n0 = t.nodes[0].operator.insecure_clone();
    let n1 = t.nodes[1].operator.insecure_clone();

    assert_rejected!(
        t,
        GradualError::InvalidProofLength,
        t.submit(0, 0, b"").await
    );
    assert_rejected!(
        t,
        GradualError::InvalidProofLength,
        t.submit(0, 0, &[7u8; 513]).await
    );
    t.submit(2, 0, &[7u8; 512]).await.ok();

    // Operator 1 signs with operator 0's node.
    let ix = ix::submit(
        n1.pubkey(),
        pda::node(&t.task, &n1.pubkey()).0,
        t.task,
        0,
        b"x".to_vec(),
    );
    let node0 = t.nodes[0].node;
    let ix = ix::with_account(ix, 2, AccountMeta::new(node0, false));
    assert_rejected!(t, GradualError::Unauthorized, t.send(&[ix], &[&n1]).await);

    // Submission PDA of another node.
    let ix = ix::submit(
        n0.pubkey(),
        pda::node(&t.task, &n0.pubkey()).0,
        t.task,
        0,
        b"x".to_vec(),
    );
    let other = pda::submission(&t.task, 0, &t.nodes[1].node).0;
    let ix = ix::with_account(ix, 4, AccountMeta::new(other, false));
    assert_rejected!(t, GradualError::WrongPda, t.send(&[ix], &[&n0]).await);

    // The submission address is derived on-chain: the instruction carries no bump at all, and
    // a valid but non-canonical address of the same seeds is refused (tests/security.rs).

    // An unopened round address that is not the round PDA.
    let ix = ix::submit(
        n0.pubkey(),
        pda::node(&t.task, &n0.pubkey()).0,
        t.task,
        1,
        b"x".to_vec(),
    );
    let ix = ix::with_account(ix, 3, AccountMeta::new(Pubkey::new_unique(), false));
    t.warp_to_submission(1).await;
    assert_rejected!(t, GradualError::WrongPda, t.send(&[ix], &[&n0]).await);

    // Round 0's account passed for round 1.
    let ix = ix::submit(
        n0.pubkey(),
        pda::node(&t.task, &n0.pubkey()).0,
        t.task,
        1,
        b"x".to_vec(),
    );
    let ix = ix::with_account(ix, 3, AccountMeta::new(pda::round(&t.task, 0).0, false));
    assert_rejected!(t, GradualError::WrongRound, t.send(&[ix], &[&n0]).await);

    // A program-owned account of another type (a node) passed as the round.
    let ix = ix::submit(
        n0.pubkey(),
        pda::node(&t.task, &n0.pubkey()).0,
        t.task,
        1,
        b"x".to_vec(),
    );
    let ix = ix::with_account(ix, 3, AccountMeta::new(t.nodes[2].node, false));
    assert_rejected!(t, GradualError::WrongRound, t.send(&[ix], &[&n0]).await);

    // A node of another task.
    let auth = t.authority.insecure_clone();
    let slot = t.slot().await;
    let other = t.create_task_ix(CreateTaskArgs {
        task_id: 8,
        start_slot: slot + 1,
        max_nodes: 8,
        config: default_config(),
        trust_flags: 0,
        audit_sample: 0,
        jury_size: 0,
    });
    t.send(&[other], &[&auth]).await.ok();
    let main_task = t.task;
    t.task = pda::task(&auth.pubkey(), 8).0;
    let foreign = t.new_operator().await;
    t.join(&foreign, 50_000).await.ok();
    t.task = main_task;
    let ix = ix::submit(
        foreign.operator.pubkey(),
        pda::node(&t.task, &foreign.operator.pubkey()).0,
        t.task,
        1,
        b"x".to_vec(),
    );
    let ix = ix::with_account(ix, 2, AccountMeta::new(foreign.node, false));
    assert_rejected!(
        t,
        GradualError::WrongTask,
        t.send(&[ix], &[&foreign.operator]).await
    );
}

#[tokio::test]
async fn round_snapshot_survives_a_config_update() {
    let mut t = TestContext::new().await;
    let auth = t.authority.insecure_clone();
    t.warp_to_submission(0).await;
    t.submit(0, 0, b"p").await.ok();
    // Now in round 1: the earliest effective round is 3.
    let new = TaskConfig {
        minimum_stake: 60_000,
        ..default_config()
    };
    t.send(&[ix::update_task(auth.pubkey(), t.task, 3, new)], &[&auth])
        .await
        .ok();
    t.submit(1, 0, b"p").await.ok();
    let (round, ..) = t.round(0).await.unwrap();
    assert_eq!(round.config, default_config(), "round 0 keeps its config");
    // Rounds 1 and 2 still accept 50,000 stake; round 3 needs 60,000.
    t.warp_to_submission(2).await;
    t.submit(0, 2, b"p").await.ok();
    t.warp_to_submission(3).await;
    assert_rejected!(t, GradualError::NodeNotEligible, t.submit(0, 3, b"p").await);
}

#[tokio::test]
async fn close_submission_returns_rent_after_the_audit_window() {
    let mut t = TestContext::new().await;
    t.warp_to_submission(0).await;
    t.submit(0, 0, b"p").await.ok();
    let op = t.nodes[0].operator.pubkey();
    let node = t.nodes[0].node;
    let address = pda::submission(&t.task, 0, &node).0;
    let rent = t.account(&address).await.unwrap().lamports;

    let ix = ix::close_submission(op, t.task, 0, node);
    assert_rejected!(
        t,
        GradualError::SubmissionStillNeeded,
        t.send(&[ix], &[]).await
    );

    let audit_end = t.task().await.schedule().timeline(0).unwrap().audit().end;
    t.warp_to(audit_end).await;
    let ix = ix::close_submission(t.nodes[1].operator.pubkey(), t.task, 0, node);
    assert_rejected!(t, GradualError::WrongRentReceiver, t.send(&[ix], &[]).await);

    // Round 1's account does not match round 0's submission.
    t.warp_to_submission(1).await;
    t.submit(1, 1, b"p").await.ok();
    let ix = ix::close_submission(op, t.task, 0, node);
    let ix = ix::with_account(ix, 1, AccountMeta::new(pda::round(&t.task, 1).0, false));
    assert_rejected!(t, GradualError::WrongRound, t.send(&[ix], &[]).await);

    // Anyone may crank it; the rent goes to the payer.
    let before = t.account(&op).await.unwrap().lamports;
    t.send(&[ix::close_submission(op, t.task, 0, node)], &[])
        .await
        .ok();
    assert!(t.account(&address).await.is_none());
    assert_eq!(t.account(&op).await.unwrap().lamports, before + rent);
    // The round keeps the record that node 0 submitted, so it cannot submit again.
    let (round, submitted, ..) = t.round(0).await.unwrap();
    assert!(bitmap::get(&submitted, 0));
    assert_eq!(round.submission_count, 1);
}

#[tokio::test]
async fn a_large_round_is_opened_in_steps_before_its_first_submission() {
    // 65,536 nodes: a 24.8 KB Round, more than one instruction may allocate.
    let mut t = TestContext::with(Setup {
        nodes: 2,
        max_nodes: 65_536,
        ..Setup::default()
    })
    .await;
    let round_key = pda::round(&t.task, 0).0;
    let payer = t.nodes[1].operator.insecure_clone();
    let open = ix::open_round(payer.pubkey(), t.task, 0);
    // Created only when a first submit could create it: in the submission window (so the
    // stake snapshot is taken when a submit would take it).
    t.warp_to_round(0).await;
    assert_rejected!(
        t,
        GradualError::OutsideSubmissionWindow,
        t.send(std::slice::from_ref(&open), &[&payer]).await
    );
    t.warp_to_submission(0).await;
    assert_rejected!(
        t,
        GradualError::RoundNotOpen,
        t.submit(0, 0, b"proof").await
    );
    let full = gradual::state::Round::space(65_536);
    assert_eq!(ix::opens_needed(65_536, 0), 3);
    t.send(std::slice::from_ref(&open), &[&payer]).await.ok();
    let round = t.account(&round_key).await.unwrap();
    assert_eq!(round.data.len(), 10_240);
    // The opener prepaid the rent of the full size.
    let rent = t.ctx.banks_client.get_rent().await.unwrap();
    assert_eq!(round.lamports, rent.minimum_balance(full));
    assert_rejected!(
        t,
        GradualError::RoundNotFullyAllocated,
        t.submit(0, 0, b"proof").await
    );
    let out = t.send(&[open.clone(), open.clone()], &[&payer]).await.ok();
    assert!(out.cu < 20_000, "two grows cost {} CU", out.cu);
    assert_eq!(t.account(&round_key).await.unwrap().data.len(), full);
    // Opening a full Round changes nothing (nodes race to open it).
    let before = t.snapshot(&[round_key]).await;
    t.send(std::slice::from_ref(&open), &[&payer]).await.ok();
    before.assert_same(&t.snapshot(&[round_key]).await);
    t.submit(0, 0, b"proof").await.ok();
    t.submit(1, 0, b"proof").await.ok();
    let (header, submitted, ..) = t.round(0).await.unwrap();
    assert_eq!(
        (header.submission_count, header.max_nodes, header.payer),
        (2, 65_536, payer.pubkey())
    );
    assert!(gradual::bitmap::get(&submitted, 0) && gradual::bitmap::get(&submitted, 1));
    t.assert_invariants().await;
}
