//! submit and close_submission against the real .so.
#![allow(deprecated)]

use anchor_lang::prelude::Pubkey;
use gradual::{
    bitmap,
    errors::GradualError,
    events::{RoundOpened, ShardsMerged, Submitted},
    instructions::CreateTaskArgs,
    state::{AuditKind, Submission, TaskConfig},
};
use gradual_sdk::{ix, pda};
use gradual_tests::*;
use solana_instruction::{AccountMeta, Instruction};
use solana_signer::Signer;

#[tokio::test]
async fn submissions_land_in_shards_and_are_merged_after_the_window() {
    let mut t = TestContext::new().await;
    t.warp_to_submission(0).await;
    // The first submitter opens the round in the same transaction (as the runner does).
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
    assert_eq!(round.config, default_config());
    assert_eq!(round.start_slot, t.task().await.start_slot);
    assert_eq!(round.selected_node, u32::MAX);
    assert_eq!(submitted.len(), 512);
    // The Round is only read by submit: the bit and the count are in the node's shard.
    assert_eq!((round.submission_count, round.merged_shards), (0, 0));
    assert_eq!(bitmap::count(&submitted), 0);
    assert_eq!(bitmap::count(&slashed) + bitmap::count(&failed), 0);
    let shard_key = pda::shard(&t.task, 0, 0).0;
    let shard = t.shard(0, 0).await.expect("shard created");
    assert_eq!(
        (shard.task, shard.round, shard.shard, shard.submission_count),
        (t.task, 0, 0, 1)
    );
    assert_eq!(shard.payer, t.nodes[1].operator.pubkey());
    assert!(bitmap::get(&shard.submitted, 1) && !bitmap::get(&shard.submitted, 0));
    let shard_rent = t.account(&shard_key).await.unwrap().lamports;

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

    // Later submissions join the same round and shard without reopening anything.
    let out = t.submit(0, 0, b"bafy-proof-0").await.ok();
    assert!(out.events_of::<RoundOpened>().is_empty());
    assert_eq!(t.shard(0, 0).await.unwrap().submission_count, 2);
    assert_eq!(t.node(0).await.last_submitted_round, 0);

    // Merged only once no submission can land any more.
    assert!(is_program_error(
        &t.merge(0).await[0],
        GradualError::SubmissionWindowOpen
    ));
    t.warp_past_submission(0).await;
    let payer = t.nodes[1].operator.pubkey();
    let before = t.account(&payer).await.unwrap().lamports;
    let mut outs = t.merge(0).await;
    assert_eq!(outs.len(), 1);
    let merged = outs.remove(0).ok().events_of::<ShardsMerged>();
    assert_eq!(
        (merged[0].shards, merged[0].submissions, merged[0].complete),
        (0b1111, 2, true),
        "4,096 nodes: four shards, three never created"
    );
    let (round, submitted, ..) = t.round(0).await.unwrap();
    assert!(round.all_shards_merged());
    assert_eq!((round.submission_count, round.live_submissions), (2, 2));
    assert!(bitmap::get(&submitted, 0) && bitmap::get(&submitted, 1));
    assert_eq!(bitmap::count(&submitted), 2);
    // The shard is closed, its rent back with its payer.
    assert!(t.account(&shard_key).await.is_none());
    assert_eq!(
        t.account(&payer).await.unwrap().lamports,
        before + shard_rent
    );
    // A second merge has nothing left to do, and changes nothing if sent anyway.
    assert!(t.shards_to_merge(0).await.is_empty());
    let round_key = pda::round(&t.task, 0).0;
    let snap = t.snapshot(&[round_key, shard_key]).await;
    let again = ix::merge_shards(
        t.task,
        0,
        &[ix::ShardToMerge {
            shard: 0,
            payer: None,
        }],
    );
    let out = t.send(&[again], &[]).await.ok();
    assert_eq!(out.events_of::<ShardsMerged>()[0].shards, 0);
    snap.assert_same(&t.snapshot(&[round_key, shard_key]).await);
    t.assert_invariants().await;
}

#[tokio::test]
async fn a_submitter_slashed_before_the_merge_is_not_a_candidate() {
    let mut t = TestContext::with(Setup {
        nodes: 3,
        ..Setup::default()
    })
    .await;
    t.warp_to_submission(0).await;
    for i in 0..3 {
        t.submit(i, 0, b"p").await.ok();
    }
    // Raised while submissions still land (the Round does not know them yet): the target's
    // Submission account is the proof that it submitted, and only its own will do.
    let raise = |t: &TestContext, sub| {
        let ix = ix::raise_audit(
            t.nodes[1].operator.pubkey(),
            t.nodes[1].node,
            t.task,
            0,
            AuditKind::Submission,
            t.nodes[0].node,
            t.nodes[1].stake_account,
            None,
        );
        let last = ix.accounts.len() - 1;
        ix::with_account(ix, last, AccountMeta::new_readonly(sub, false))
    };
    let op1 = t.nodes[1].operator.insecure_clone();
    for wrong in [
        pda::submission(&t.task, 0, &t.nodes[2].node).0,
        pda::submission(&t.task, 1, &t.nodes[0].node).0,
        t.nodes[0].node,
    ] {
        let ix = raise(&t, wrong);
        assert_rejected!(
            t,
            GradualError::TargetNotSubmitted,
            t.send(&[ix], &[&op1]).await
        );
    }
    let right = raise(&t, pda::submission(&t.task, 0, &t.nodes[0].node).0);
    t.send(&[right], &[&op1]).await.ok();
    t.vote(2, 0, AuditKind::Submission, 0, true).await.ok();
    let audit_end = t.task().await.schedule().timeline(0).unwrap().audit().end;
    t.warp_to(audit_end).await;
    t.resolve(0, AuditKind::Submission, 0).await.ok();
    let (round, _, slashed, _) = t.round(0).await.unwrap();
    assert!(bitmap::get(&slashed, 0));
    assert_eq!((round.submission_count, round.excluded_count), (0, 0));

    // The merge brings node 0's bit in already excluded: two candidates, counted in O(1).
    for out in t.merge(0).await {
        out.ok();
    }
    let (round, ..) = t.round(0).await.unwrap();
    assert_eq!((round.submission_count, round.excluded_count), (3, 1));
    let (upload, _) = t.attempt_windows(0, 0).await;
    t.warp_to(upload.start + 1).await;
    let (out, chosen) = t.select(0).await;
    let selected = out.ok().events_of::<gradual::events::DistributorSelected>();
    assert_eq!(selected[0].candidates, 2);
    assert!(matches!(chosen, Some(1) | Some(2)));
}

#[tokio::test]
async fn a_round_that_failed_unmerged_closes_only_after_its_merge() {
    let mut t = TestContext::with(Setup {
        nodes: 3,
        ..Setup::default()
    })
    .await;
    t.warp_to_submission(0).await;
    for i in 0..3 {
        t.submit(i, 0, b"p").await.ok();
    }
    // Nobody merges or selects: every attempt is skipped and the round fails.
    for attempt in 0..3 {
        let (upload, _) = t.attempt_windows(0, attempt).await;
        t.warp_to(upload.end).await;
        t.send(&[ix::skip_distribution(t.task, 0)], &[]).await.ok();
    }
    let (round, ..) = t.round(0).await.unwrap();
    assert!(round.status().is_settled());
    assert_eq!((round.live_submissions, round.merged_shards), (0, 0));
    // Closing it now would strand the shard and the submissions (both need the Round).
    let close = ix::close_round(round.payer, t.task, 0);
    assert_rejected!(
        t,
        GradualError::ShardsNotMerged,
        t.send(std::slice::from_ref(&close), &[]).await
    );
    for out in t.merge(0).await {
        out.ok();
    }
    for i in 0..3 {
        let payer = t.nodes[i].operator.pubkey();
        let node = t.nodes[i].node;
        t.send(&[ix::close_submission(payer, t.task, 0, node)], &[])
            .await
            .ok();
    }
    t.send(&[close], &[]).await.ok();
    assert!(t.round(0).await.is_none());
    assert!(t.shard(0, 0).await.is_none());
}

/// Sends `ix`, which must fail with `err` and leave `keys` unchanged.
async fn refused(t: &mut TestContext, keys: &[Pubkey], ix: Instruction, err: GradualError) {
    let before = t.snapshot(keys).await;
    let out = t.send(&[ix], &[]).await;
    assert!(is_program_error(&out, err), "{err:?}: {:?}", out.logs);
    before.assert_same(&t.snapshot(keys).await);
}

#[tokio::test]
async fn merge_shards_refuses_forged_or_incomplete_accounts() {
    let mut t = TestContext::with(Setup {
        nodes: 3,
        ..Setup::default()
    })
    .await;
    t.warp_to_submission(0).await;
    t.submit(0, 0, b"p").await.ok();
    t.submit(1, 0, b"p").await.ok();
    t.warp_to_submission(1).await;
    t.submit(0, 1, b"p").await.ok();
    t.warp_past_submission(0).await;
    let task = t.task;
    let payer = t.nodes[0].operator.pubkey();
    let round_key = pda::round(&task, 0).0;
    let shard0 = pda::shard(&task, 0, 0).0;
    let keys = [round_key, shard0];
    let existing = ix::ShardToMerge {
        shard: 0,
        payer: Some(payer),
    };
    let empty = |shard| ix::ShardToMerge { shard, payer: None };

    // A shard number beyond the round's 4 shards.
    refused(
        &mut t,
        &keys,
        ix::merge_shards(task, 0, &[existing, empty(4)]),
        GradualError::WrongShard,
    )
    .await;
    // An existing shard named without its rent payer (a placeholder in its place), or with
    // its second account missing.
    refused(
        &mut t,
        &keys,
        ix::merge_shards(task, 0, &[empty(0), empty(1)]),
        GradualError::WrongRentReceiver,
    )
    .await;
    let mut short = ix::merge_shards(task, 0, &[existing]);
    short.accounts.pop();
    refused(&mut t, &keys, short, GradualError::BatchAccountsMismatch).await;
    // Someone else as the payer.
    let thief = ix::ShardToMerge {
        shard: 0,
        payer: Some(t.nodes[2].operator.pubkey()),
    };
    refused(
        &mut t,
        &keys,
        ix::merge_shards(task, 0, &[thief]),
        GradualError::WrongRentReceiver,
    )
    .await;
    // Round 1's shard 0 passed as round 0's shard 0.
    let ix = ix::merge_shards(task, 0, &[existing]);
    let ix = ix::with_account(ix, 1, AccountMeta::new(pda::shard(&task, 1, 0).0, false));
    refused(&mut t, &keys, ix, GradualError::WrongShard).await;
    // An existing shard passed off as empty at another number's slot is read for what it is.
    let ix = ix::merge_shards(task, 0, &[existing, empty(1)]);
    let ix = ix::with_account(ix, 3, AccountMeta::new(shard0, false));
    let before = t.snapshot(&keys).await;
    assert!(t.send(&[ix], &[]).await.result.is_err());
    before.assert_same(&t.snapshot(&keys).await);
    // A submitted range cannot be passed off as empty: only shard 0's own address is taken
    // for shard 0 (here shard 1's, then any unused address, are refused), so its submitters
    // cannot be dropped from the round.
    for fake in [pda::shard(&task, 0, 1).0, Pubkey::new_unique()] {
        let ix = ix::merge_shards(task, 0, &[empty(0)]);
        let ix = ix::with_account(ix, 1, AccountMeta::new(fake, false));
        refused(&mut t, &keys, ix, GradualError::WrongPda).await;
    }
    // An extra account.
    let mut ix = ix::merge_shards(task, 0, &[existing]);
    ix.accounts
        .push(AccountMeta::new(Pubkey::new_unique(), false));
    refused(&mut t, &keys, ix, GradualError::BatchAccountsMismatch).await;

    // Until merged: no selection, no submission closed.
    let (upload, _) = t.attempt_windows(0, 0).await;
    t.warp_to(upload.start + 1).await;
    assert_rejected!(
        t,
        GradualError::ShardsNotMerged,
        t.send(&[ix::select_distributor(task, 0)], &[]).await
    );
    let close = ix::close_submission(payer, task, 0, t.nodes[0].node);
    assert_rejected!(
        t,
        GradualError::ShardsNotMerged,
        t.send(std::slice::from_ref(&close), &[]).await
    );

    // Merged in two calls: the second merges only what is left; a racing cranker that built
    // the same call before the shard was closed lands too and changes nothing.
    let out = t
        .send(&[ix::merge_shards(task, 0, &[empty(2), empty(3)])], &[])
        .await
        .ok();
    let race = ix::merge_shards(task, 0, &[existing, empty(1)]);
    assert!(!out.events_of::<ShardsMerged>()[0].complete);
    let out = t
        .send(
            &[ix::merge_shards(task, 0, &[existing, empty(1), empty(2)])],
            &[],
        )
        .await
        .ok();
    let merged = &out.events_of::<ShardsMerged>()[0];
    assert_eq!(
        (merged.shards, merged.submissions, merged.complete),
        (0b11, 2, true)
    );
    let (round, ..) = t.round(0).await.unwrap();
    assert_eq!((round.submission_count, round.live_submissions), (2, 2));
    let round_key = pda::round(&task, 0).0;
    let snap = t.snapshot(&[round_key, shard0]).await;
    let out = t.send(&[race], &[]).await.ok();
    assert_eq!(out.events_of::<ShardsMerged>()[0].shards, 0);
    snap.assert_same(&t.snapshot(&[round_key, shard0]).await);
    t.send(&[close], &[]).await.ok();
    t.select(0).await.0.ok();
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
    for out in t.merge(1).await {
        out.ok();
    }
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
        1,
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
        0,
        t.task,
        0,
        b"x".to_vec(),
    );
    let other = pda::submission(&t.task, 0, &t.nodes[1].node).0;
    let ix = ix::with_account(ix, 5, AccountMeta::new(other, false));
    assert_rejected!(t, GradualError::WrongPda, t.send(&[ix], &[&n0]).await);

    // The submission address is derived on-chain: the instruction carries no bump at all, and
    // a valid but non-canonical address of the same seeds is refused (tests/security.rs).

    // The shard: another shard number's address (unallocated), then another round's shard.
    let ix = ix::submit(
        n0.pubkey(),
        pda::node(&t.task, &n0.pubkey()).0,
        0,
        t.task,
        0,
        b"x".to_vec(),
    );
    let ix = ix::with_account(ix, 4, AccountMeta::new(pda::shard(&t.task, 0, 1).0, false));
    assert_rejected!(t, GradualError::WrongPda, t.send(&[ix], &[&n0]).await);
    t.warp_to_submission(1).await;
    let open1 = ix::open_round(n0.pubkey(), t.task, 1);
    t.send(&[open1], &[&n0]).await.ok();
    let ix = ix::submit(
        n0.pubkey(),
        pda::node(&t.task, &n0.pubkey()).0,
        0,
        t.task,
        1,
        b"x".to_vec(),
    );
    let ix = ix::with_account(ix, 4, AccountMeta::new(pda::shard(&t.task, 0, 0).0, false));
    assert_rejected!(t, GradualError::WrongShard, t.send(&[ix], &[&n0]).await);

    // A round nobody opened yet (round 2's own window), or an address that is not a Round.
    t.warp_to_submission(2).await;
    let ix = ix::submit(
        n0.pubkey(),
        pda::node(&t.task, &n0.pubkey()).0,
        0,
        t.task,
        2,
        b"x".to_vec(),
    );
    assert_rejected!(
        t,
        GradualError::RoundNotOpen,
        t.send(std::slice::from_ref(&ix), &[&n0]).await
    );
    let fake = ix::with_account(ix.clone(), 3, AccountMeta::new(Pubkey::new_unique(), false));
    assert_rejected!(t, GradualError::RoundNotOpen, t.send(&[fake], &[&n0]).await);

    // Round 1's account passed for round 2.
    let ix = ix::with_account(
        ix,
        3,
        AccountMeta::new_readonly(pda::round(&t.task, 1).0, false),
    );
    assert_rejected!(
        t,
        GradualError::WrongRound,
        t.send(std::slice::from_ref(&ix), &[&n0]).await
    );

    // A program-owned account of another type (a node) passed as the round.
    let ix = ix::with_account(ix, 3, AccountMeta::new_readonly(t.nodes[2].node, false));
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
        0,
        t.task,
        2,
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

    // Not before the round's shards are merged (its live count would not include it yet).
    let ix = ix::close_submission(op, t.task, 0, node);
    assert_rejected!(t, GradualError::ShardsNotMerged, t.send(&[ix], &[]).await);
    for out in t.merge(0).await {
        out.ok();
    }

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
    // Created only in the submission window (so the stake snapshot is taken when the round's
    // submissions start).
    t.warp_to_round(0).await;
    assert_rejected!(
        t,
        GradualError::OutsideSubmissionWindow,
        t.send(std::slice::from_ref(&open), &[&payer]).await
    );
    t.warp_to_submission(0).await;
    let op0 = t.nodes[0].operator.insecure_clone();
    let submit0 = ix::submit(
        op0.pubkey(),
        t.nodes[0].node,
        0,
        t.task,
        0,
        b"proof".to_vec(),
    );
    assert_rejected!(
        t,
        GradualError::RoundNotOpen,
        t.send(std::slice::from_ref(&submit0), &[&op0]).await
    );
    let full = gradual::state::Round::space(65_536);
    assert_eq!(ix::opens_needed(65_536, 0), 3);
    assert_eq!(ix::opens_needed(4_096, 0), 1);
    assert_eq!(
        ix::opens_needed(4_096, gradual::state::Round::space(4_096)),
        0
    );
    t.send(std::slice::from_ref(&open), &[&payer]).await.ok();
    let round = t.account(&round_key).await.unwrap();
    assert_eq!(round.data.len(), 10_240);
    // The opener prepaid the rent of the full size.
    let rent = t.ctx.banks_client.get_rent().await.unwrap();
    assert_eq!(round.lamports, rent.minimum_balance(full));
    // Submissions only read the Round's header: a partial Round takes them.
    t.send(&[submit0], &[&op0]).await.ok();
    let out = t.send(&[open.clone(), open.clone()], &[&payer]).await.ok();
    assert!(out.cu < 20_000, "two grows cost {} CU", out.cu);
    assert_eq!(t.account(&round_key).await.unwrap().data.len(), full);
    // Opening a full Round changes nothing (nodes race to open it).
    let before = t.snapshot(&[round_key]).await;
    t.send(std::slice::from_ref(&open), &[&payer]).await.ok();
    before.assert_same(&t.snapshot(&[round_key]).await);
    t.submit(1, 0, b"proof").await.ok();
    // 64 shards, merged in batches of SHARDS_PER_TX.
    t.warp_past_submission(0).await;
    let outs = t.merge(0).await;
    assert_eq!(outs.len(), 64usize.div_ceil(ix::SHARDS_PER_TX));
    for out in outs {
        out.ok();
    }
    let (header, submitted, ..) = t.round(0).await.unwrap();
    assert_eq!(
        (header.submission_count, header.max_nodes, header.payer),
        (2, 65_536, payer.pubkey())
    );
    assert!(header.all_shards_merged());
    assert!(gradual::bitmap::get(&submitted, 0) && gradual::bitmap::get(&submitted, 1));
    t.assert_invariants().await;
}
