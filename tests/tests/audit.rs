//! raise_audit, vote, resolve_audit (submission audits) and slashing, against the real .so.
#![allow(deprecated)]

use gradual::{
    bitmap,
    errors::GradualError,
    events::{AuditRaised, AuditResolved, StakeSlashed, Voted},
    state::{Audit, AuditKind, AuditStatus},
};
use gradual_sdk::{ix, pda};
use gradual_tests::*;
use solana_instruction::AccountMeta;
use solana_signer::Signer;

const SUB: AuditKind = AuditKind::Submission;

/// Five nodes with 50,000 each; all submitted round 0; now in round 0's submission window.
async fn five_submitted(setup: Setup) -> TestContext {
    let mut t = TestContext::with(Setup { nodes: 5, ..setup }).await;
    t.warp_to_submission(0).await;
    for i in 0..5 {
        t.submit(i, 0, format!("proof-{i}").as_bytes()).await.ok();
    }
    t
}

async fn audit_end(t: &mut TestContext) -> u64 {
    t.task().await.schedule().timeline(0).unwrap().audit().end
}

#[tokio::test]
async fn upheld_submission_audit_slashes_and_pays_the_raiser() {
    let mut t = five_submitted(Setup::default()).await;
    let raiser_wallet = t.nodes[1].stake_account;
    let before_raiser = t.token_balance(&raiser_wallet).await;

    let out = t.raise(1, 0, SUB, 4).await.ok();
    let ev = out.events_of::<AuditRaised>();
    assert_eq!((ev[0].weight, ev[0].target), (50_000, t.nodes[4].node));
    assert_eq!(t.round(0).await.unwrap().0.open_audits, 1);
    for (i, approve) in [(0, true), (2, true), (3, false)] {
        let out = t.vote(i, 0, SUB, 4, approve).await.ok();
        assert_eq!(out.events_of::<Voted>()[0].weight, 50_000);
    }
    let audit: Audit = t.anchor(&t.audit_address(0, SUB, 4)).await;
    assert_eq!(
        (audit.for_stake, audit.against_stake, audit.votes),
        (150_000, 50_000, 4)
    );
    t.assert_invariants().await;

    let end = audit_end(&mut t).await;
    t.warp_to(end).await;
    let out = t.resolve(0, SUB, 4).await.ok();
    let resolved = out.events_of::<AuditResolved>();
    assert!(resolved[0].upheld);
    assert_eq!(resolved[0].quorum_stake, 125_000);
    let slashed = out.events_of::<StakeSlashed>();
    // 70% of 50,000; 10% of that to the raiser, the rest to the slash vault (two mints).
    assert_eq!(
        (
            slashed[0].amount,
            slashed[0].to_raiser,
            slashed[0].to_destination
        ),
        (35_000, 3_500, 31_500)
    );
    assert_eq!(t.token_balance(&raiser_wallet).await, before_raiser + 3_500);
    assert_eq!(t.token_balance(&pda::slash_vault(&t.task).0).await, 31_500);
    let node = t.node(4).await;
    assert_eq!((node.active_stake, node.slashed_total), (15_000, 35_000));
    let task = t.task().await;
    assert_eq!(
        (task.total_active_stake, task.total_slashed),
        (215_000, 35_000)
    );
    let (round, _, slashed_bits, _) = t.round(0).await.unwrap();
    assert!(bitmap::get(&slashed_bits, 4));
    assert_eq!((round.slashed_count, round.open_audits), (1, 0));
    let audit: Audit = t.anchor(&t.audit_address(0, SUB, 4)).await;
    assert_eq!(
        (audit.status, audit.slashed_amount),
        (AuditStatus::Upheld, 35_000)
    );
    t.assert_invariants().await;

    // Resolving twice is refused; the authority sweeps the slash vault.
    assert_rejected!(
        t,
        GradualError::AuditAlreadyResolved,
        t.resolve(0, SUB, 4).await
    );
    let auth = t.authority.insecure_clone();
    let dest = t.wallet(t.stake, &auth.pubkey()).await;
    let before = t.token_balance(&dest).await;
    t.send(
        &[ix::sweep_slashed(
            auth.pubkey(),
            t.task,
            t.stake_accounts(dest),
        )],
        &[&auth],
    )
    .await
    .ok();
    assert_eq!(t.token_balance(&dest).await, before + 31_500);
    let op = t.nodes[0].operator.insecure_clone();
    let ix = ix::sweep_slashed(op.pubkey(), t.task, t.stake_accounts(dest));
    assert_rejected!(t, GradualError::Unauthorized, t.send(&[ix], &[&op]).await);
}

#[tokio::test]
async fn rejected_audits_move_nothing() {
    let mut t = five_submitted(Setup::default()).await;
    // Tie: 2 for (raiser + one), 2 against.
    t.raise(0, 0, SUB, 1).await.ok();
    t.vote(2, 0, SUB, 1, true).await.ok();
    t.vote(3, 0, SUB, 1, false).await.ok();
    t.vote(4, 0, SUB, 1, false).await.ok();
    // Below quorum: only the raiser (50,000 of 250,000 < 50%).
    t.raise(0, 0, SUB, 2).await.ok();
    let end = audit_end(&mut t).await;
    t.warp_to(end).await;
    for target in [1, 2] {
        // Only the target's open-audit counter changes (no stake, no tokens).
        let target_node = t.nodes[target].node;
        let keys: Vec<_> = t
            .touched()
            .into_iter()
            .filter(|k| *k != target_node)
            .collect();
        let before = t.snapshot(&keys).await;
        let node_before = t.node(target).await;
        let out = t.resolve(0, SUB, target).await.ok();
        assert!(!out.events_of::<AuditResolved>()[0].upheld);
        assert!(out.events_of::<StakeSlashed>().is_empty());
        before.assert_same(&t.snapshot(&keys).await);
        let node_after = t.node(target).await;
        assert_eq!(
            (
                node_after.active_stake,
                node_after.slashed_total,
                node_after.open_audits
            ),
            (node_before.active_stake, node_before.slashed_total, 0)
        );
        let audit: Audit = t.anchor(&t.audit_address(0, SUB, target)).await;
        assert_eq!(audit.status, AuditStatus::Rejected);
    }
    let (round, _, slashed, _) = t.round(0).await.unwrap();
    assert_eq!((bitmap::count(&slashed), round.open_audits), (0, 0));
    t.assert_invariants().await;
}

#[tokio::test]
async fn audit_and_vote_rules() {
    let mut t = five_submitted(Setup {
        nodes: 5,
        ..Setup::default()
    })
    .await;
    // A node that joins now (round 1) is not eligible for round 0.
    let newcomer = t.new_operator().await;
    t.join(&newcomer, 50_000).await.ok();
    t.nodes.push(newcomer);
    // Node 3 leaves: its stake stops counting at once.
    let n3 = t.nodes[3].operator.insecure_clone();
    t.send(&[ix::request_unstake(n3.pubkey(), t.task, 50_000)], &[&n3])
        .await
        .ok();

    assert_rejected!(t, GradualError::SelfAudit, t.raise(0, 0, SUB, 0).await);
    assert_rejected!(
        t,
        GradualError::NodeNotEligible,
        t.raise(5, 0, SUB, 1).await
    );
    assert_rejected!(
        t,
        GradualError::NodeNotEligible,
        t.raise(3, 0, SUB, 1).await
    );
    assert_rejected!(
        t,
        GradualError::TargetNotSubmitted,
        t.raise(0, 0, SUB, 5).await
    );

    t.raise(0, 0, SUB, 1).await.ok();
    assert_rejected!(
        t,
        GradualError::AuditAlreadyRaised,
        t.raise(2, 0, SUB, 1).await
    );
    assert_rejected!(
        t,
        GradualError::AlreadyVoted,
        t.vote(0, 0, SUB, 1, true).await
    );
    assert_rejected!(
        t,
        GradualError::TargetCannotVote,
        t.vote(1, 0, SUB, 1, false).await
    );
    assert_rejected!(
        t,
        GradualError::NodeNotEligible,
        t.vote(5, 0, SUB, 1, true).await
    );
    assert_rejected!(
        t,
        GradualError::NodeNotEligible,
        t.vote(3, 0, SUB, 1, true).await
    );
    t.vote(2, 0, SUB, 1, true).await.ok();
    assert_rejected!(
        t,
        GradualError::AlreadyVoted,
        t.vote(2, 0, SUB, 1, false).await
    );

    // Vote PDA of another voter.
    let op = t.nodes[4].operator.insecure_clone();
    let audit = t.audit_address(0, SUB, 1);
    let ix = ix::vote(
        op.pubkey(),
        pda::node(&t.task, &op.pubkey()).0,
        t.task,
        0,
        audit,
        true,
    );
    let ix = ix::with_account(
        ix,
        4,
        AccountMeta::new(pda::vote(&audit, &t.nodes[2].node).0, false),
    );
    assert_rejected!(t, GradualError::WrongPda, t.send(&[ix], &[&op]).await);

    assert_rejected!(t, GradualError::AuditWindowOpen, t.resolve(0, SUB, 1).await);
    let end = audit_end(&mut t).await;
    t.warp_to(end).await;
    assert_rejected!(
        t,
        GradualError::AuditWindowClosed,
        t.vote(4, 0, SUB, 1, true).await
    );
    assert_rejected!(
        t,
        GradualError::AuditWindowClosed,
        t.raise(0, 0, SUB, 2).await
    );

    // Wrong raiser payout and wrong slash destination at resolution.
    let audit_key = t.audit_address(0, SUB, 1);
    let target = t.nodes[1].node;
    let payout = t.nodes[0].stake_account;
    let dest = ix::slash_destination(&t.task, false);
    let (task, stake) = (t.task, t.stake_accounts(payout));
    let resolve =
        |payout, dest| ix::resolve_audit(task, 0, audit_key, target, stake, payout, dest, None);
    let wrong_payout = resolve(t.nodes[2].stake_account, dest);
    assert_rejected!(
        t,
        GradualError::WrongAuditAccount,
        t.send(&[wrong_payout], &[]).await
    );
    let (bounty, _) = t.vaults();
    let wrong_dest = resolve(payout, bounty);
    assert_rejected!(
        t,
        GradualError::WrongVault,
        t.send(&[wrong_dest], &[]).await
    );
    // A different node passed as the target.
    let wrong_target = ix::with_account(
        resolve(payout, dest),
        3,
        AccountMeta::new(t.nodes[2].node, false),
    );
    assert_rejected!(
        t,
        GradualError::WrongAuditAccount,
        t.send(&[wrong_target], &[]).await
    );
    t.send(&[resolve(payout, dest)], &[]).await.ok();
    t.assert_invariants().await;
}

#[tokio::test]
async fn raising_after_the_audit_window_is_refused() {
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
    // Round 0's audit window has passed.
    assert_rejected!(
        t,
        GradualError::AuditWindowClosed,
        t.raise(1, 0, SUB, 0).await
    );
}

#[tokio::test]
async fn slashing_an_unbonding_node_takes_active_stake_then_unbonding() {
    let mut t = five_submitted(Setup::default()).await;
    let n4 = t.nodes[4].operator.insecure_clone();
    // Node 4 keeps 20,000 active and puts 30,000 in unbonding after submitting.
    t.send(&[ix::request_unstake(n4.pubkey(), t.task, 30_000)], &[&n4])
        .await
        .ok();
    t.raise(0, 0, SUB, 4).await.ok();
    for i in 1..4 {
        t.vote(i, 0, SUB, 4, true).await.ok();
    }
    let end = audit_end(&mut t).await;
    t.warp_to(end).await;
    let out = t.resolve(0, SUB, 4).await.ok();
    // 70% of everything at stake (50,000) = 35,000: 20,000 active, then 15,000 unbonding.
    assert_eq!(out.events_of::<StakeSlashed>()[0].amount, 35_000);
    let node = t.node(4).await;
    assert_eq!((node.active_stake, node.unbonding), (0, 15_000));
    let task = t.task().await;
    assert_eq!(
        (task.total_active_stake, task.total_unbonding),
        (200_000, 15_000)
    );
    t.assert_invariants().await;
    // What is left still unbonds and can be withdrawn when released: not before round 0's
    // whole timeline is over, whatever unbond_rounds says.
    let release = t.node(4).await.unbonding_release_round;
    let end0 = t.task().await.schedule().timeline(0).unwrap().end();
    assert!(t.task().await.schedule().round_start(release).unwrap() >= end0);
    t.warp_to_round(release).await;
    let acct = t.stake_accounts(t.nodes[4].stake_account);
    let before = t.token_balance(&t.nodes[4].stake_account).await;
    t.send(&[ix::withdraw_stake(n4.pubkey(), t.task, acct)], &[&n4])
        .await
        .ok();
    assert_eq!(
        t.token_balance(&t.nodes[4].stake_account).await,
        before + 15_000
    );
    t.assert_invariants().await;
}

#[tokio::test]
async fn one_mint_tasks_send_slashes_to_the_bounty_vault() {
    let mut t = five_submitted(Setup {
        same_mint: true,
        ..Setup::default()
    })
    .await;
    let (bounty, _) = t.vaults();
    let before = t.token_balance(&bounty).await;
    t.raise(0, 0, SUB, 4).await.ok();
    t.vote(1, 0, SUB, 4, true).await.ok();
    t.vote(2, 0, SUB, 4, true).await.ok();
    let end = audit_end(&mut t).await;
    t.warp_to(end).await;
    t.resolve(0, SUB, 4).await.ok();
    assert_eq!(t.token_balance(&bounty).await, before + 31_500);
    assert!(t.task().await.slash_vault == Default::default());
    t.assert_invariants().await;
}
