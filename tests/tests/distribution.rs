//! select_distributor, begin/append/seal/skip/finalize_distribution, distribution audits,
//! claim_reward, the close cranks and close_task, against the real .so.
#![allow(deprecated)]

use gradual::{
    errors::GradualError,
    events::{
        DistributionAccepted, DistributionFailed, DistributorSelected, RewardClaimed, RewardsPaid,
    },
    state::{AuditKind, DistributionEntry, DistributionStatus},
};
use gradual_sdk::{accounts, chain::RawAccount, ix, pda};
use gradual_tests::*;
use solana_instruction::AccountMeta;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

/// `n` nodes, the first `submitters` submitted round 0; bank at attempt 0's upload start.
async fn ready_to_distribute(n: usize, submitters: usize) -> TestContext {
    let mut t = TestContext::with(Setup {
        nodes: n,
        ..Setup::default()
    })
    .await;
    t.warp_to_submission(0).await;
    for i in 0..submitters {
        t.submit(i, 0, b"proof").await.ok();
    }
    warp_to_attempt(&mut t, 0, 0).await;
    t
}

async fn warp_to_attempt(t: &mut TestContext, round: u64, attempt: u16) {
    let (upload, _) = t.attempt_windows(round, attempt).await;
    // One slot in, so the attempt's first slot hash is in SlotHashes.
    t.warp_to(upload.start).await;
    t.warp_to(upload.start + 1).await;
}

async fn warp_past_list_audit(t: &mut TestContext, round: u64, attempt: u16) {
    let (_, audit) = t.attempt_windows(round, attempt).await;
    t.warp_to(audit.end).await;
}

async fn warp_past_upload(t: &mut TestContext, round: u64, attempt: u16) {
    let (upload, _) = t.attempt_windows(round, attempt).await;
    t.warp_to(upload.end).await;
}

/// Equal split of `budget` over node indexes, remainder to the lowest.
fn equal_split(indexes: &[u16], budget: u64) -> Vec<DistributionEntry> {
    let indexes: Vec<u32> = indexes.iter().map(|&i| u32::from(i)).collect();
    gradual_sdk::node::equal_split(&indexes, budget)
}

/// Node `i`'s unclaimed entry in round 0's first list, decoded as the SDK decodes it.
async fn unclaimed_of(t: &mut TestContext, i: usize) -> Option<accounts::UnclaimedReward> {
    let key = pda::distribution(&t.task, 0, 0).0;
    let account = t.account(&key).await.expect("the list");
    let raw = RawAccount {
        lamports: account.lamports,
        owner: account.owner,
        data: account.data,
    };
    let list = accounts::decode_list(key, &raw).expect("the list decodes");
    let node_key = t.nodes[i].node;
    let node: gradual::state::Node = t.anchor(&node_key).await;
    accounts::unclaimed_entry(&list, &node)
}

#[tokio::test]
async fn selected_node_distributes_and_everyone_claims_once() {
    let mut t = ready_to_distribute(4, 3).await;
    let (out, chosen) = t.select(0).await;
    let ev = out.ok().events_of::<DistributorSelected>();
    assert_eq!((ev[0].attempt, ev[0].candidates), (0, 3));
    let d = chosen.expect("a node is selected");
    assert!(d < 3, "only submitters are candidates");

    let entries = equal_split(&[0, 1, 2], 1_000_000);
    t.upload_list(d, 0, 0, &entries).await;
    assert_eq!(t.task().await.reserved_rewards, 1_000_000);
    t.assert_invariants().await;

    assert_rejected!(t, GradualError::NotFinalized, t.claim(0, 0, 0, 0).await);
    let fin = ix::finalize_distribution(t.task, 0, 0);
    assert_rejected!(
        t,
        GradualError::ListAuditWindowOpen,
        t.send(std::slice::from_ref(&fin), &[]).await
    );
    warp_past_list_audit(&mut t, 0, 0).await;
    let out = t.send(&[fin], &[]).await.ok();
    assert_eq!(out.events_of::<DistributionAccepted>()[0].total, 1_000_000);
    assert_eq!(
        t.round(0).await.unwrap().0.status(),
        DistributionStatus::Accepted
    );

    // What `gradual node status` reports (accounts::unclaimed_entry): each payee's entry until
    // its claim, nothing for a node that is not in the list.
    for (i, entry) in entries.iter().enumerate() {
        let u = unclaimed_of(&mut t, i).await.expect("an unclaimed entry");
        assert_eq!(
            (u.round, u.attempt, u.position, u.amount),
            (0, 0, i as u32, entry.amount)
        );
        assert!(u.claim_deadline_slot > t.slot().await);
    }
    assert_eq!(unclaimed_of(&mut t, 3).await, None);
    // A node that joined after the round started is not paid by index (claim_reward's rule):
    // the entry of the index it would have reused is not reported as its own.
    {
        let key = pda::distribution(&t.task, 0, 0).0;
        let account = t.account(&key).await.expect("the list");
        let raw = RawAccount {
            lamports: account.lamports,
            owner: account.owner,
            data: account.data,
        };
        let list = accounts::decode_list(key, &raw).expect("the list decodes");
        let node_key = t.nodes[0].node;
        let mut late: gradual::state::Node = t.anchor(&node_key).await;
        assert!(accounts::unclaimed_entry(&list, &late).is_some());
        late.joined_slot = list.header.round_start_slot;
        assert_eq!(accounts::unclaimed_entry(&list, &late), None);
    }

    for (i, entry) in entries.iter().enumerate() {
        let out = t.claim(i, 0, 0, i as u32).await.ok();
        assert_eq!(unclaimed_of(&mut t, i).await, None, "claimed entry {i}");
        let ev = out.events_of::<RewardClaimed>();
        assert_eq!(ev[0].amount, entry.amount);
        assert_eq!(
            t.token_balance(&t.nodes[i].reward_account).await,
            entry.amount
        );
        t.assert_invariants().await;
    }
    assert_eq!(t.token_balance(&t.nodes[0].reward_account).await, 333_334);
    assert_rejected!(t, GradualError::AlreadyClaimed, t.claim(0, 0, 0, 0).await);
    assert_rejected!(t, GradualError::NotYourEntry, t.claim(3, 0, 0, 1).await);
    assert_rejected!(t, GradualError::EntryOutOfRange, t.claim(0, 0, 0, 3).await);
    let task = t.task().await;
    assert_eq!((task.reserved_rewards, task.total_claimed), (0, 1_000_000));

    // A claim paying into an account that is not the node's registered one.
    let ix = ix::claim_reward(
        t.task,
        0,
        0,
        1,
        t.nodes[1].node,
        t.reward_accounts(t.nodes[0].reward_account),
    );
    assert_rejected!(
        t,
        GradualError::WrongRewardAccount,
        t.send(&[ix], &[]).await
    );
}

#[tokio::test]
async fn lists_are_checked_as_they_arrive() {
    // Five nodes, four submitted: node 4 is not a candidate.
    let mut t = ready_to_distribute(5, 4).await;
    let (_, chosen) = t.select(0).await;
    let d = chosen.unwrap();
    let op = t.nodes[d].operator.insecure_clone();
    let other = (d + 1) % 4;
    let other_op = t.nodes[other].operator.insecure_clone();
    let task = t.task;

    // Only the selected node may begin, with a count of 1..=candidates and a total in budget.
    let begin = |who: &solana_keypair::Keypair, count, total| {
        ix::begin_distribution(
            who.pubkey(),
            pda::node(&task, &who.pubkey()).0,
            task,
            0,
            0,
            count,
            total,
        )
    };
    assert_rejected!(
        t,
        GradualError::NotSelectedDistributor,
        t.send(&[begin(&other_op, 4, 1_000)], &[&other_op]).await
    );
    assert_rejected!(
        t,
        GradualError::InvalidEntryCount,
        t.send(&[begin(&op, 5, 1_000)], &[&op]).await
    );
    assert_rejected!(
        t,
        GradualError::InvalidEntryCount,
        t.send(&[begin(&op, 0, 1_000)], &[&op]).await
    );
    assert_rejected!(
        t,
        GradualError::OverBudget,
        t.send(&[begin(&op, 4, 1_000_001)], &[&op]).await
    );
    let wrong_attempt = ix::begin_distribution(
        op.pubkey(),
        pda::node(&task, &op.pubkey()).0,
        task,
        0,
        1,
        4,
        1_000,
    );
    assert_rejected!(
        t,
        GradualError::WrongAttempt,
        t.send(&[wrong_attempt], &[&op]).await
    );
    t.send(&[begin(&op, 4, 1_000)], &[&op]).await.ok();

    let append = |offset, entries: Vec<(u16, u64)>| {
        let entries = entries
            .into_iter()
            .map(|(node_index, amount)| DistributionEntry { node_index, amount })
            .collect();
        ix::append_distribution(op.pubkey(), task, 0, 0, offset, entries)
    };
    let list_key = pda::distribution(&task, 0, 0).0;
    let mut keys = t.touched();
    keys.push(list_key);
    for (ix, expected) in [
        (
            append(0, vec![(1, 10), (0, 10)]),
            GradualError::UnsortedEntries,
        ),
        (
            append(0, vec![(0, 10), (0, 10)]),
            GradualError::DuplicateEntry,
        ),
        (
            append(0, vec![(0, 10), (4, 10)]),
            GradualError::NotACandidate,
        ),
        (
            append(0, vec![(0, 10), (9, 10)]),
            GradualError::NotACandidate,
        ),
        (append(0, vec![(0, 0)]), GradualError::ZeroAmount),
        (
            append(0, vec![(0, 600), (1, 401)]),
            GradualError::OverBudget,
        ),
        (
            append(0, vec![(0, 1), (1, 1), (2, 1), (3, 1), (4, 1)]),
            GradualError::TooManyEntries,
        ),
    ] {
        let before = t.snapshot(&keys).await;
        let out = t.send(&[ix], &[&op]).await;
        assert_program_error(&out, expected);
        before.assert_same(&t.snapshot(&keys).await);
    }
    // Another signer cannot append to the selected node's list.
    let foreign = ix::append_distribution(
        other_op.pubkey(),
        task,
        0,
        0,
        0,
        vec![DistributionEntry {
            node_index: 0,
            amount: 1,
        }],
    );
    assert_rejected!(
        t,
        GradualError::NotSelectedDistributor,
        t.send(&[foreign], &[&other_op]).await
    );

    // Chunks land in any order: the second half first.
    t.send(&[append(2, vec![(2, 250), (3, 249)])], &[&op])
        .await
        .ok();
    let seal = ix::seal_distribution(op.pubkey(), task, 0, 0);
    assert_rejected!(
        t,
        GradualError::CountMismatch,
        t.send(std::slice::from_ref(&seal), &[&op]).await
    );
    // A retried chunk that already landed, or one overlapping it, is refused whole.
    assert_rejected!(
        t,
        GradualError::WrongOffset,
        t.send(&[append(2, vec![(2, 250), (3, 249)])], &[&op]).await
    );
    assert_rejected!(
        t,
        GradualError::WrongOffset,
        t.send(&[append(1, vec![(1, 1), (2, 1)])], &[&op]).await
    );
    // The running sum counts every chunk landed, whatever the order.
    assert_rejected!(
        t,
        GradualError::OverBudget,
        t.send(&[append(0, vec![(0, 500), (1, 252)])], &[&op]).await
    );
    t.send(&[append(0, vec![(0, 250), (1, 250)])], &[&op])
        .await
        .ok();
    assert_rejected!(
        t,
        GradualError::TotalMismatch,
        t.send(std::slice::from_ref(&seal), &[&op]).await
    );
    let other_seal = ix::seal_distribution(other_op.pubkey(), task, 0, 0);
    assert_rejected!(
        t,
        GradualError::NotSelectedDistributor,
        t.send(&[other_seal], &[&other_op]).await
    );

    // Too late: the upload window closes with the list unsealed.
    warp_past_upload(&mut t, 0, 0).await;
    assert_rejected!(
        t,
        GradualError::OutsideDistributionWindow,
        t.send(&[seal], &[&op]).await
    );
    assert_rejected!(
        t,
        GradualError::OutsideDistributionWindow,
        t.send(&[append(4, vec![(3, 1)])], &[&op]).await
    );
}

#[tokio::test]
async fn slashed_nodes_are_not_candidates() {
    let mut t = TestContext::with(Setup {
        nodes: 4,
        ..Setup::default()
    })
    .await;
    t.warp_to_submission(0).await;
    for i in 0..4 {
        t.submit(i, 0, b"p").await.ok();
    }
    t.raise(0, 0, AuditKind::Submission, 3).await.ok();
    t.vote(1, 0, AuditKind::Submission, 3, true).await.ok();
    t.vote(2, 0, AuditKind::Submission, 3, true).await.ok();
    warp_to_attempt(&mut t, 0, 0).await;
    // The audit's window is over but it is unresolved: selection waits for it.
    let select = ix::select_distributor(t.task, 0);
    assert_rejected!(t, GradualError::AuditsPending, t.send(&[select], &[]).await);
    t.resolve(0, AuditKind::Submission, 3).await.ok();
    let (out, chosen) = t.select(0).await;
    assert_eq!(out.ok().events_of::<DistributorSelected>()[0].candidates, 3);
    let d = chosen.unwrap();
    assert_ne!(d, 3);
    let op = t.nodes[d].operator.insecure_clone();
    t.send(
        &[ix::begin_distribution(
            op.pubkey(),
            pda::node(&t.task, &op.pubkey()).0,
            t.task,
            0,
            0,
            3,
            900,
        )],
        &[&op],
    )
    .await
    .ok();
    let entries = vec![
        DistributionEntry {
            node_index: 0,
            amount: 300,
        },
        DistributionEntry {
            node_index: 3,
            amount: 300,
        },
    ];
    let ix = ix::append_distribution(op.pubkey(), t.task, 0, 0, 0, entries);
    assert_rejected!(t, GradualError::NotACandidate, t.send(&[ix], &[&op]).await);
}

#[tokio::test]
async fn select_rejects_a_fake_slot_hashes_account_and_wrong_windows() {
    let mut t = TestContext::with(Setup {
        nodes: 3,
        ..Setup::default()
    })
    .await;
    t.warp_to_submission(0).await;
    t.submit(0, 0, b"p").await.ok();
    let select = ix::select_distributor(t.task, 0);
    assert_rejected!(
        t,
        GradualError::OutsideDistributionWindow,
        t.send(std::slice::from_ref(&select), &[]).await
    );
    warp_to_attempt(&mut t, 0, 0).await;
    t.ensure_merged(0).await;
    let fake = ix::with_account(select.clone(), 1, AccountMeta::new_readonly(t.task, false));
    assert_rejected!(t, GradualError::WrongSysvar, t.send(&[fake], &[]).await);
    let (out, chosen) = t.select(0).await;
    let ev = out.ok().events_of::<DistributorSelected>();
    assert_eq!(chosen, Some(0), "the only candidate");
    assert!(
        ev[0].from_slot_hash,
        "the attempt's first slot hash is in SlotHashes"
    );
    assert_rejected!(
        t,
        GradualError::WrongDistributionStatus,
        t.send(&[select], &[]).await
    );
}

#[tokio::test]
async fn missed_uploads_are_skipped_and_the_round_fails_after_the_last_attempt() {
    let mut t = ready_to_distribute(3, 3).await;
    let mut failed = vec![];
    let skip = ix::skip_distribution(t.task, 0);
    for attempt in 0..3u16 {
        if attempt > 0 {
            warp_to_attempt(&mut t, 0, attempt).await;
        }
        assert_rejected!(
            t,
            GradualError::DistributionWindowOpen,
            t.send(std::slice::from_ref(&skip), &[]).await
        );
        let (_, chosen) = t.select(0).await;
        let d = chosen.unwrap();
        assert!(
            !failed.contains(&d),
            "a failed distributor is never selected again"
        );
        failed.push(d);
        warp_past_upload(&mut t, 0, attempt).await;
        let out = t.send(std::slice::from_ref(&skip), &[]).await.ok();
        let (round, _, _, failed_bits) = t.round(0).await.unwrap();
        assert!(gradual::bitmap::get(&failed_bits, t.node(d).await.index));
        if attempt < 2 {
            assert_eq!(round.status(), DistributionStatus::AwaitingSelection);
            assert_eq!(round.distribution_attempt, attempt as u8 + 1);
        } else {
            assert_eq!(round.status(), DistributionStatus::Failed);
            assert_eq!(out.events_of::<DistributionFailed>()[0].attempts, 3);
        }
    }
    // The budget stayed in the vault, unreserved; no distributor was slashed.
    let task = t.task().await;
    assert_eq!(task.reserved_rewards, 0);
    assert_eq!(t.token_balance(&t.vaults().0).await, 10_000_000);
    assert_eq!(task.total_slashed, 0);
    assert_rejected!(
        t,
        GradualError::WrongDistributionStatus,
        t.send(&[skip], &[]).await
    );
    t.assert_invariants().await;
}

#[tokio::test]
async fn an_upheld_list_audit_replaces_the_list() {
    let mut t = ready_to_distribute(4, 4).await;
    let (_, chosen) = t.select(0).await;
    let bad = chosen.unwrap();
    // A skewed list: the distributor pays itself most of the budget.
    let indexes: Vec<u16> = (0..4).collect();
    let mut skewed = equal_split(&indexes, 1_000_000);
    for e in skewed.iter_mut() {
        e.amount = if e.node_index as usize == bad {
            700_000
        } else {
            100_000
        };
    }
    t.upload_list(bad, 0, 0, &skewed).await;
    assert_eq!(t.task().await.reserved_rewards, 1_000_000);
    let honest: Vec<usize> = (0..4).filter(|&i| i != bad).collect();

    // Raising is only possible in the list-audit window.
    assert_rejected!(
        t,
        GradualError::AuditWindowClosed,
        t.raise(honest[0], 0, AuditKind::Distribution, bad).await
    );
    let (_, audit_window) = t.attempt_windows(0, 0).await;
    t.warp_to(audit_window.start).await;
    t.raise(honest[0], 0, AuditKind::Distribution, bad)
        .await
        .ok();
    t.vote(honest[1], 0, AuditKind::Distribution, bad, true)
        .await
        .ok();
    t.vote(honest[2], 0, AuditKind::Distribution, bad, true)
        .await
        .ok();
    assert_rejected!(
        t,
        GradualError::TargetCannotVote,
        t.vote(bad, 0, AuditKind::Distribution, bad, false).await
    );
    warp_past_list_audit(&mut t, 0, 0).await;
    // The list cannot be finalized while its audit is unresolved.
    let fin = ix::finalize_distribution(t.task, 0, 0);
    assert_rejected!(t, GradualError::AuditsPending, t.send(&[fin], &[]).await);
    t.resolve(0, AuditKind::Distribution, bad).await.ok();
    let (round, _, slashed, failed) = t.round(0).await.unwrap();
    let bad_index = t.node(bad).await.index;
    assert!(gradual::bitmap::get(&slashed, bad_index) && gradual::bitmap::get(&failed, bad_index));
    assert_eq!(
        (round.distribution_attempt, round.status()),
        (1, DistributionStatus::AwaitingSelection)
    );
    assert_eq!(t.task().await.reserved_rewards, 0);
    assert_eq!(t.node(bad).await.slashed_total, 35_000);
    t.assert_invariants().await;

    // Attempt 1: a different node distributes fairly among the three honest nodes.
    warp_to_attempt(&mut t, 0, 1).await;
    let (_, chosen) = t.select(0).await;
    let good = chosen.unwrap();
    assert_ne!(good, bad);
    let fair_indexes: Vec<u16> = honest.iter().map(|&i| i as u16).collect();
    let fair = equal_split(&fair_indexes, 1_000_000);
    t.upload_list(good, 0, 1, &fair).await;
    warp_past_list_audit(&mut t, 0, 1).await;
    t.send(&[ix::finalize_distribution(t.task, 0, 1)], &[])
        .await
        .ok();
    for (k, &i) in honest.iter().enumerate() {
        t.claim(i, 0, 1, k as u32).await.ok();
        assert_eq!(
            t.token_balance(&t.nodes[i].reward_account).await,
            fair[k].amount
        );
    }
    // The rejected list pays nothing.
    assert_rejected!(
        t,
        GradualError::NotFinalized,
        t.claim(bad, 0, 0, bad as u32).await
    );
    t.assert_invariants().await;

    // Cleanup: audits, votes, lists, submissions, then the round.
    let audit = t.audit_address(0, AuditKind::Distribution, bad);
    let raiser_op = t.nodes[honest[0]].operator.pubkey();
    let round_payer = t.round(0).await.unwrap().0.payer;
    let close_round = ix::close_round(round_payer, t.task, 0);
    assert_rejected!(
        t,
        GradualError::AccountStillNeeded,
        t.send(std::slice::from_ref(&close_round), &[]).await
    );
    let voter_op = t.nodes[honest[1]].operator.pubkey();
    t.send(
        &[ix::close_vote(voter_op, audit, t.nodes[honest[1]].node)],
        &[],
    )
    .await
    .ok();
    t.send(&[ix::close_audit(raiser_op, audit)], &[]).await.ok();
    // Votes can still be closed after their audit is gone.
    let voter_op = t.nodes[honest[2]].operator.pubkey();
    t.send(
        &[ix::close_vote(voter_op, audit, t.nodes[honest[2]].node)],
        &[],
    )
    .await
    .ok();
    let bad_op = t.nodes[bad].operator.pubkey();
    let good_op = t.nodes[good].operator.pubkey();
    t.send(&[ix::close_distribution(bad_op, t.task, 0, 0)], &[])
        .await
        .ok();
    t.send(&[ix::close_distribution(good_op, t.task, 0, 1)], &[])
        .await
        .ok();
    for i in 0..4 {
        let op = t.nodes[i].operator.pubkey();
        t.send(&[ix::close_submission(op, t.task, 0, t.nodes[i].node)], &[])
            .await
            .ok();
    }
    let before = t.account(&round_payer).await.unwrap().lamports;
    let rent = t.account(&pda::round(&t.task, 0).0).await.unwrap().lamports;
    t.send(&[close_round], &[]).await.ok();
    assert_eq!(
        t.account(&round_payer).await.unwrap().lamports,
        before + rent
    );
    assert!(t.account(&pda::round(&t.task, 0).0).await.is_none());
}

#[tokio::test]
async fn close_cranks_wait_until_nothing_needs_the_account() {
    let mut t = ready_to_distribute(3, 3).await;
    let (_, chosen) = t.select(0).await;
    let d = chosen.unwrap();
    let entries = equal_split(&[0, 1, 2], 900);
    t.upload_list(d, 0, 0, &entries).await;
    let op = t.nodes[d].operator.pubkey();
    let close_list = ix::close_distribution(op, t.task, 0, 0);
    assert_rejected!(
        t,
        GradualError::AccountStillNeeded,
        t.send(std::slice::from_ref(&close_list), &[]).await
    );
    let wrong_payer = ix::close_distribution(t.nodes[(d + 1) % 3].operator.pubkey(), t.task, 0, 0);
    assert_rejected!(
        t,
        GradualError::WrongRentReceiver,
        t.send(&[wrong_payer], &[]).await
    );
    warp_past_list_audit(&mut t, 0, 0).await;
    t.send(&[ix::finalize_distribution(t.task, 0, 0)], &[])
        .await
        .ok();
    t.claim(0, 0, 0, 0).await.ok();
    // Two entries are unclaimed: the list is still needed.
    assert_rejected!(
        t,
        GradualError::AccountStillNeeded,
        t.send(std::slice::from_ref(&close_list), &[]).await
    );
    t.claim(1, 0, 0, 1).await.ok();
    t.claim(2, 0, 0, 2).await.ok();
    t.send(&[close_list], &[]).await.ok();
    t.assert_invariants().await;
}

#[tokio::test]
async fn close_task_returns_the_unreserved_bounty_and_frees_stake() {
    let mut t = ready_to_distribute(3, 3).await;
    let auth = t.authority.insecure_clone();
    let dest = t.reward_accounts(t.authority_reward_account);
    let close = ix::close_task(auth.pubkey(), t.task, dest);
    assert_rejected!(
        t,
        GradualError::TaskNotPaused,
        t.send(std::slice::from_ref(&close), &[&auth]).await
    );
    t.send(&[ix::pause_task(auth.pubkey(), t.task)], &[&auth])
        .await
        .ok();
    // Paused in round 2 (attempt 0 of round 0): round 2's work began before the pause, so it
    // may still be submitted; close waits for its whole timeline.
    assert_rejected!(
        t,
        GradualError::RoundsNotSettled,
        t.send(std::slice::from_ref(&close), &[&auth]).await
    );

    // Round 0 settles while paused: selection, list, acceptance.
    let (_, chosen) = t.select(0).await;
    let entries = equal_split(&[0, 1, 2], 600_000);
    t.upload_list(chosen.unwrap(), 0, 0, &entries).await;
    warp_past_list_audit(&mut t, 0, 0).await;
    t.send(&[ix::finalize_distribution(t.task, 0, 0)], &[])
        .await
        .ok();
    t.claim(0, 0, 0, 0).await.ok();

    let end = t.task().await.schedule().timeline(2).unwrap().end();
    assert_eq!(t.task().await.close_after_slot, end);
    t.warp_to(end).await;
    let before = t.token_balance(&t.authority_reward_account).await;
    t.send(&[close], &[&auth]).await.ok();
    // 10,000,000 funded, 600,000 reserved by round 0's list (200,000 claimed already).
    assert_eq!(
        t.token_balance(&t.authority_reward_account).await,
        before + 9_400_000
    );
    assert_eq!(t.token_balance(&t.vaults().0).await, 400_000);
    let op = t.nodes[0].operator.insecure_clone();
    let ix = ix::close_task(
        op.pubkey(),
        t.task,
        t.reward_accounts(t.nodes[0].reward_account),
    );
    assert_rejected!(t, GradualError::Unauthorized, t.send(&[ix], &[&op]).await);

    // Claims of the accepted list still work; stake comes back without unbonding.
    t.claim(1, 0, 0, 1).await.ok();
    let n2 = t.nodes[2].operator.insecure_clone();
    let acct = t.nodes[2].stake_account;
    let before = t.token_balance(&acct).await;
    t.send(
        &[ix::withdraw_stake(
            n2.pubkey(),
            t.task,
            t.stake_accounts(acct),
        )],
        &[&n2],
    )
    .await
    .ok();
    assert_eq!(t.token_balance(&acct).await, before + 50_000);
    t.assert_invariants().await;
    // No more joins or submissions.
    let late = t.new_operator().await;
    assert_rejected!(t, GradualError::TaskNotActive, t.join(&late, 50_000).await);
}

/// Hole 8 (predictable distributor): the seed must come from a slot hash produced after the
/// attempt began. At the attempt's first slot SlotHashes holds only earlier slots, so the
/// program refuses instead of falling back to a seed known since the task was created; from
/// the next slot on it uses the first entry at or after the start, the same for every caller.
#[tokio::test]
async fn selection_waits_for_a_slot_hash_after_the_attempt_start() {
    let mut t = TestContext::with(Setup {
        nodes: 3,
        ..Setup::default()
    })
    .await;
    t.warp_to_submission(0).await;
    for i in 0..3 {
        t.submit(i, 0, b"p").await.ok();
    }
    let (upload, _) = t.attempt_windows(0, 0).await;
    // The attempt's first slot: the bank's SlotHashes holds only slots before the start.
    t.warp_to(upload.start).await;
    t.ensure_merged(0).await;
    assert_rejected!(
        t,
        GradualError::SlotHashNotYetAvailable,
        t.send(&[ix::select_distributor(t.task, 0)], &[]).await
    );
    // Some slots later the sysvar holds slots from the start on: the first of them seeds
    // the pick, whoever calls and whenever within the window.
    t.warp_to(upload.start + 6).await;
    let sysvar = t.account(&ix::slot_hashes_sysvar()).await.expect("sysvar");
    let source = gradual::instructions::seed_source(&sysvar.data, upload.start);
    let gradual::instructions::SeedSource::SlotHash { slot, hash } = source else {
        panic!("expected a slot hash, got {source:?}");
    };
    assert!(slot >= upload.start);
    let out = t.send(&[ix::select_distributor(t.task, 0)], &[]).await.ok();
    let ev = out.events_of::<DistributorSelected>();
    assert!(ev[0].from_slot_hash);
    assert_eq!(ev[0].seed_slot, slot);
    let seed = gradual::instructions::selection_seed(&hash, &t.task, 0, 0);
    let pick = u64::from_le_bytes(seed[..8].try_into().unwrap()) % 3;
    let (header, ..) = t.round(0).await.expect("round");
    assert_eq!(
        t.position_of_index(header.selected_node).await,
        Some(pick as usize)
    );
}

/// Begins a 4-entry list of 1,000 on round 0 and lands `first` at position 0 and `second` at
/// position 2, second chunk first; returns the seal's outcome and whether it changed nothing.
async fn seal_with_chunks(first: [(u16, u64); 2], second: [(u16, u64); 2]) -> (Outcome, bool) {
    let mut t = ready_to_distribute(5, 4).await;
    let (_, chosen) = t.select(0).await;
    let op = t.nodes[chosen.unwrap()].operator.insecure_clone();
    let task = t.task;
    t.send(
        &[ix::begin_distribution(
            op.pubkey(),
            pda::node(&task, &op.pubkey()).0,
            task,
            0,
            0,
            4,
            1_000,
        )],
        &[&op],
    )
    .await
    .ok();
    let chunk = |offset, pairs: [(u16, u64); 2]| {
        let entries = pairs
            .into_iter()
            .map(|(node_index, amount)| DistributionEntry { node_index, amount })
            .collect();
        ix::append_distribution(op.pubkey(), task, 0, 0, offset, entries)
    };
    t.send(&[chunk(2, second)], &[&op]).await.ok();
    t.send(&[chunk(0, first)], &[&op]).await.ok();
    let mut keys = t.touched();
    keys.push(pda::distribution(&task, 0, 0).0);
    let before = t.snapshot(&keys).await;
    let out = t
        .send(&[ix::seal_distribution(op.pubkey(), task, 0, 0)], &[&op])
        .await;
    let unchanged = before == t.snapshot(&keys).await;
    (out, unchanged)
}

#[tokio::test]
async fn seal_checks_order_across_chunk_borders() {
    // Each chunk is sorted and every amount is in budget: only the border is wrong.
    let (out, unchanged) = seal_with_chunks([(0, 250), (2, 250)], [(1, 250), (3, 250)]).await;
    assert_program_error(&out, GradualError::UnsortedEntries);
    assert!(unchanged, "a refused seal changes nothing");
    let (out, unchanged) = seal_with_chunks([(0, 250), (1, 250)], [(1, 250), (3, 250)]).await;
    assert_program_error(&out, GradualError::DuplicateEntry);
    assert!(unchanged, "a refused seal changes nothing");
    // The same chunks in a valid order seal, landed in reverse.
    let (out, _) = seal_with_chunks([(0, 250), (1, 250)], [(2, 250), (3, 250)]).await;
    out.ok();
}

/// Node `i`'s batch-payout pair for entry `k`.
fn payee(t: &TestContext, k: u32, i: usize) -> ix::Payee {
    ix::Payee {
        entry_index: k,
        node: t.nodes[i].node,
        reward_account: t.nodes[i].reward_account,
    }
}

#[tokio::test]
async fn batch_payouts_pay_every_entry_once() {
    let mut t = ready_to_distribute(5, 4).await;
    let (_, chosen) = t.select(0).await;
    let entries = equal_split(&[0, 1, 2, 3], 1_000);
    t.upload_list(chosen.unwrap(), 0, 0, &entries).await;
    let (mint, program) = {
        let r = t.reward_accounts(Pubkey::default());
        (r.mint, r.token_program)
    };
    let task = t.task;
    let pay = |payees: &[ix::Payee]| ix::pay_rewards(task, 0, 0, mint, program, payees);

    // Not before acceptance.
    let early = pay(&[payee(&t, 0, 0)]);
    assert_rejected!(t, GradualError::NotFinalized, t.send(&[early], &[]).await);
    warp_past_list_audit(&mut t, 0, 0).await;
    t.send(&[ix::finalize_distribution(t.task, 0, 0)], &[])
        .await
        .ok();

    // Bad batches fail whole and change nothing.
    let mut no_pair = pay(&[payee(&t, 0, 0)]);
    no_pair.accounts.pop();
    let mut wrong_account = pay(&[payee(&t, 1, 1)]);
    let last = wrong_account.accounts.len() - 1;
    wrong_account.accounts[last].pubkey = t.nodes[0].reward_account;
    for (ixn, expected) in [
        (no_pair, GradualError::BatchAccountsMismatch),
        (pay(&[]), GradualError::BatchAccountsMismatch),
        (pay(&[payee(&t, 9, 0)]), GradualError::EntryOutOfRange),
        (
            pay(&[payee(&t, 0, 0), payee(&t, 1, 0)]),
            GradualError::NotYourEntry,
        ),
        (pay(&[payee(&t, 3, 4)]), GradualError::NotYourEntry),
    ] {
        assert_rejected!(t, expected, t.send(&[ixn], &[]).await);
    }
    // An account that is not the node's registered one is skipped, not paid (and does not
    // fail the batch: a node changing its account cannot block everyone's payout).
    let keys = [t.nodes[0].reward_account, t.nodes[1].reward_account];
    let before = t.snapshot(&keys).await;
    let out = t.send(&[wrong_account], &[]).await.ok();
    let ev = out.events_of::<RewardsPaid>();
    assert_eq!((ev[0].paid, ev[0].skipped), (0, 1));
    assert!(ev[0].paid_entries.is_empty());
    before.assert_same(&t.snapshot(&keys).await);

    // Entries 0 and 1, then 1 again with 2 and 3: entry 1 is skipped, not paid twice.
    let out = t
        .send(&[pay(&[payee(&t, 0, 0), payee(&t, 1, 1)])], &[])
        .await
        .ok();
    let ev = out.events_of::<RewardsPaid>();
    assert_eq!((ev[0].paid, ev[0].amount, ev[0].skipped), (2, 500, 0));
    assert_eq!(ev[0].paid_entries, vec![0, 1]);
    let out = t
        .send(
            &[pay(&[payee(&t, 1, 1), payee(&t, 2, 2), payee(&t, 3, 3)])],
            &[],
        )
        .await
        .ok();
    let ev = out.events_of::<RewardsPaid>();
    assert_eq!((ev[0].paid, ev[0].amount, ev[0].skipped), (2, 500, 1));
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(t.token_balance(&t.nodes[i].reward_account).await, e.amount);
    }
    // The per-node claim sees the batch's payment.
    assert_rejected!(t, GradualError::AlreadyClaimed, t.claim(2, 0, 0, 2).await);
    let task = t.task().await;
    assert_eq!((task.reserved_rewards, task.total_claimed), (0, 1_000));
    t.assert_invariants().await;
}

/// The one-transaction upload of a small list (begin, append, seal) stays within the packet
/// limit at its largest size, with a fee payer apart from the operator and two compute-budget
/// instructions in front (the fixture refuses any transaction over 1,232 bytes).
#[tokio::test]
async fn a_small_list_fits_one_upload_transaction() {
    let mut t = TestContext::new().await;
    let op = t.nodes[0].operator.insecure_clone();
    let entries: Vec<DistributionEntry> = (0..ix::ENTRIES_IN_ONE_UPLOAD_TX as u16)
        .map(|i| DistributionEntry {
            node_index: i * 100,
            amount: u64::MAX / 64,
        })
        .collect();
    let node = pda::node(&t.task, &op.pubkey()).0;
    let upload = ix::upload_in_one_tx(op.pubkey(), node, t.task, 0, 0, 65_536, &entries)
        .expect("fits one transaction");
    assert_eq!(upload.len(), 3);
    let mut ixs = ix::compute_budget(200_000, 1).to_vec();
    ixs.extend(upload);
    // Refused on chain (nobody is selected), but only after the size check.
    let out = t.send(&ixs, &[&op]).await;
    assert!(out.result.is_err());
    // One entry more, or a list that needs grows, takes the staged route.
    let mut more = entries.clone();
    more.push(DistributionEntry {
        node_index: 65_000,
        amount: 1,
    });
    assert!(ix::upload_in_one_tx(op.pubkey(), node, t.task, 0, 0, 65_536, &more).is_none());
}
