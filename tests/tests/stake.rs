//! join_task, add_stake, request_unstake, withdraw_stake against the real .so.
#![allow(deprecated)]

use gradual::{
    errors::GradualError,
    events::{NodeJoined, StakeAdded, StakeWithdrawn, UnstakeRequested},
    instructions::CreateTaskArgs,
};
use gradual_sdk::{ix, pda};
use gradual_tests::*;
use solana_instruction::AccountMeta;
use solana_signer::Signer;

#[tokio::test]
async fn join_task_creates_nodes_with_sequential_indexes() {
    let mut t = TestContext::with(Setup {
        nodes: 0,
        ..Setup::default()
    })
    .await;
    let (_, stake_vault) = t.vaults();
    for i in 0..3u32 {
        let n = t.new_operator().await;
        let out = t.join(&n, 40_000 + u64::from(i)).await.ok();
        let ev = out.events_of::<NodeJoined>();
        assert_eq!(ev.len(), 1);
        assert_eq!(
            (ev[0].index, ev[0].stake, ev[0].activation_round),
            (i, 40_000 + u64::from(i), 0)
        );
        assert_eq!(ev[0].reward_account, n.reward_account);
        assert_eq!(
            t.token_balance(&n.stake_account).await,
            WALLET_TOKENS - 40_000 - u64::from(i)
        );
        t.nodes.push(n);
        let node = t.node(i as usize).await;
        assert_eq!(node.index, i);
        assert_eq!(node.operator, t.nodes[i as usize].operator.pubkey());
        assert_eq!(node.task, t.task);
        // Joined before round 0: pending, counting from round 0.
        assert_eq!(
            (node.active_stake, node.pending_stake),
            (0, 40_000 + u64::from(i))
        );
        assert_eq!(node.stake_for_round(0).unwrap(), 40_000 + u64::from(i));
        t.assert_invariants().await;
    }
    assert_eq!(t.token_balance(&stake_vault).await, 120_003);
    let task = t.task().await;
    assert_eq!(task.node_count, 3);
    assert_eq!(task.stake_for_round(0).unwrap(), 120_003);

    // Joining during round 2 counts from round 3 only.
    t.warp_to_round(2).await;
    let late = t.new_operator().await;
    let ev = t.join(&late, 10_000).await.ok().events_of::<NodeJoined>();
    assert_eq!((ev[0].index, ev[0].activation_round), (3, 3));
    t.nodes.push(late);
    let node = t.node(3).await;
    assert_eq!(node.stake_for_round(2).unwrap(), 0);
    assert_eq!(node.stake_for_round(3).unwrap(), 10_000);
    let task = t.task().await;
    assert_eq!(task.stake_for_round(2).unwrap(), 120_003);
    assert_eq!(task.stake_for_round(3).unwrap(), 130_003);
    t.assert_invariants().await;
}

#[tokio::test]
async fn join_task_rejects_bad_input() {
    let mut t = TestContext::with(Setup {
        nodes: 1,
        ..Setup::default()
    })
    .await;
    let n = t.new_operator().await;

    assert_rejected!(t, GradualError::StakeBelowMinimum, t.join(&n, 9_999).await);

    // Joining twice.
    let first = t.nodes[0].operator.insecure_clone();
    let again = TestNode {
        operator: first,
        node: t.nodes[0].node,
        stake_account: t.nodes[0].stake_account,
        reward_account: t.nodes[0].reward_account,
    };
    assert_rejected!(
        t,
        GradualError::NodeAlreadyJoined,
        t.join(&again, 50_000).await
    );

    // Node PDA of another operator (the signer would create someone else's node).
    let ix = ix::join_task(
        n.operator.pubkey(),
        n.operator.pubkey(),
        t.task,
        t.stake_accounts(n.stake_account),
        n.reward_account,
        50_000,
    );
    let ix = ix::with_account(
        ix,
        2,
        AccountMeta::new(
            pda::node(&t.task, &solana_pubkey::Pubkey::new_unique()).0,
            false,
        ),
    );
    assert_rejected!(
        t,
        GradualError::WrongPda,
        t.send(&[ix], &[&n.operator]).await
    );

    // Stake paid from a reward-mint account.
    let reward_wallet = t.wallet(t.reward, &n.operator.pubkey()).await;
    let ix = ix::join_task(
        n.operator.pubkey(),
        n.operator.pubkey(),
        t.task,
        t.stake_accounts(reward_wallet),
        n.reward_account,
        50_000,
    );
    assert_rejected!(
        t,
        GradualError::WrongMint,
        t.send(&[ix], &[&n.operator]).await
    );

    // Reward account of the stake mint.
    let ix = ix::join_task(
        n.operator.pubkey(),
        n.operator.pubkey(),
        t.task,
        t.stake_accounts(n.stake_account),
        n.stake_account,
        50_000,
    );
    assert_rejected!(
        t,
        GradualError::WrongMint,
        t.send(&[ix], &[&n.operator]).await
    );

    // Wrong mint account passed as the stake mint.
    let mut accounts = t.stake_accounts(n.stake_account);
    accounts.mint = t.reward.mint;
    let ix = ix::join_task(
        n.operator.pubkey(),
        n.operator.pubkey(),
        t.task,
        accounts,
        n.reward_account,
        50_000,
    );
    assert_rejected!(
        t,
        GradualError::WrongMint,
        t.send(&[ix], &[&n.operator]).await
    );

    // Another task's stake vault.
    let auth = t.authority.insecure_clone();
    let slot = t.slot().await;
    let other = t.create_task_ix(CreateTaskArgs {
        task_id: 99,
        start_slot: slot + 10,
        max_nodes: 2,
        config: default_config(),
        trust_flags: 0,
        audit_sample: 0,
        jury_size: 0,
    });
    t.send(&[other], &[&auth]).await.ok();
    let other_task = pda::task(&auth.pubkey(), 99).0;
    let ix = ix::join_task(
        n.operator.pubkey(),
        n.operator.pubkey(),
        t.task,
        t.stake_accounts(n.stake_account),
        n.reward_account,
        50_000,
    );
    let ix = ix::with_account(
        ix,
        5,
        AccountMeta::new(pda::stake_vault(&other_task).0, false),
    );
    assert_rejected!(
        t,
        GradualError::WrongVault,
        t.send(&[ix], &[&n.operator]).await
    );

    // The other task has room for two nodes.
    let main_task = t.task;
    t.task = other_task;
    for _ in 0..2 {
        let m = t.new_operator().await;
        t.join(&m, 50_000).await.ok();
    }
    let third = t.new_operator().await;
    assert_rejected!(t, GradualError::TaskFull, t.join(&third, 50_000).await);
    t.task = main_task;
    t.assert_invariants().await;
}

#[tokio::test]
async fn add_stake_counts_from_the_next_round() {
    let mut t = TestContext::new().await;
    let n0 = t.nodes[0].operator.insecure_clone();
    let acct = t.nodes[0].stake_account;
    t.warp_to_round(1).await;
    let out = t
        .send(
            &[ix::add_stake(
                n0.pubkey(),
                t.task,
                t.stake_accounts(acct),
                5_000,
            )],
            &[&n0],
        )
        .await
        .ok();
    let ev = out.events_of::<StakeAdded>();
    assert_eq!((ev[0].amount, ev[0].activation_round), (5_000, 2));
    let node = t.node(0).await;
    assert_eq!(node.stake_for_round(1).unwrap(), 50_000);
    assert_eq!(node.stake_for_round(2).unwrap(), 55_000);
    let task = t.task().await;
    assert_eq!(task.stake_for_round(1).unwrap(), 150_000);
    assert_eq!(task.stake_for_round(2).unwrap(), 155_000);
    t.assert_invariants().await;

    // In round 2 a second top-up folds the first into active stake.
    t.warp_to_round(2).await;
    t.send(
        &[ix::add_stake(
            n0.pubkey(),
            t.task,
            t.stake_accounts(acct),
            1_000,
        )],
        &[&n0],
    )
    .await
    .ok();
    let node = t.node(0).await;
    assert_eq!(
        (
            node.active_stake,
            node.pending_stake,
            node.pending_activation_round
        ),
        (55_000, 1_000, 3)
    );
    let task = t.task().await;
    assert_eq!(
        (task.total_active_stake, task.pending_stake),
        (155_000, 1_000)
    );
    t.assert_invariants().await;
}

#[tokio::test]
async fn add_stake_rejects_bad_input() {
    let mut t = TestContext::new().await;
    let n0 = t.nodes[0].operator.insecure_clone();
    let n1 = t.nodes[1].operator.insecure_clone();
    let acct = t.nodes[0].stake_account;

    let ix = ix::add_stake(n0.pubkey(), t.task, t.stake_accounts(acct), 0);
    assert_rejected!(t, GradualError::ZeroAmount, t.send(&[ix], &[&n0]).await);

    // Stake would overflow u64: refused before any token moves.
    let ix = ix::add_stake(n0.pubkey(), t.task, t.stake_accounts(acct), u64::MAX - 10);
    assert_rejected!(t, GradualError::MathOverflow, t.send(&[ix], &[&n0]).await);

    // Operator 1 signs for operator 0's node.
    let ix = ix::add_stake(
        n1.pubkey(),
        t.task,
        t.stake_accounts(t.nodes[1].stake_account),
        100,
    );
    let ix = ix::with_account(ix, 2, AccountMeta::new(t.nodes[0].node, false));
    assert_rejected!(t, GradualError::Unauthorized, t.send(&[ix], &[&n1]).await);

    // A node of another task.
    let auth = t.authority.insecure_clone();
    let slot = t.slot().await;
    let other = t.create_task_ix(CreateTaskArgs {
        task_id: 5,
        start_slot: slot + 10,
        max_nodes: 8,
        config: default_config(),
        trust_flags: 0,
        audit_sample: 0,
        jury_size: 0,
    });
    t.send(&[other], &[&auth]).await.ok();
    let main_task = t.task;
    t.task = pda::task(&auth.pubkey(), 5).0;
    let foreign = t.new_operator().await;
    t.join(&foreign, 20_000).await.ok();
    t.task = main_task;
    let ix = ix::add_stake(
        foreign.operator.pubkey(),
        t.task,
        t.stake_accounts(foreign.stake_account),
        100,
    );
    let ix = ix::with_account(ix, 2, AccountMeta::new(foreign.node, false));
    assert_rejected!(
        t,
        GradualError::WrongTask,
        t.send(&[ix], &[&foreign.operator]).await
    );
}

#[tokio::test]
async fn unstake_stops_counting_at_once_and_releases_after_unbonding() {
    let mut t = TestContext::new().await;
    let n0 = t.nodes[0].operator.insecure_clone();
    let acct = t.nodes[0].stake_account;
    t.warp_to_round(1).await;

    let ix = ix::request_unstake(n0.pubkey(), t.task, 45_000);
    assert_rejected!(
        t,
        GradualError::StakeBelowMinimum,
        t.send(&[ix], &[&n0]).await
    );
    let ix = ix::request_unstake(n0.pubkey(), t.task, 50_001);
    assert_rejected!(
        t,
        GradualError::InsufficientStake,
        t.send(&[ix], &[&n0]).await
    );
    let ix = ix::request_unstake(n0.pubkey(), t.task, 0);
    assert_rejected!(t, GradualError::ZeroAmount, t.send(&[ix], &[&n0]).await);

    let out = t
        .send(&[ix::request_unstake(n0.pubkey(), t.task, 20_000)], &[&n0])
        .await
        .ok();
    let ev = out.events_of::<UnstakeRequested>();
    assert_eq!((ev[0].amount, ev[0].release_round), (20_000, 3));
    let node = t.node(0).await;
    assert_eq!(
        (
            node.active_stake,
            node.unbonding,
            node.unbonding_release_round
        ),
        (30_000, 20_000, 3)
    );
    assert_eq!(
        node.stake_for_round(1).unwrap(),
        30_000,
        "stops counting at once"
    );
    assert_eq!(t.task().await.stake_for_round(1).unwrap(), 130_000);
    t.assert_invariants().await;

    let withdraw =
        |t: &TestContext| ix::withdraw_stake(n0.pubkey(), t.task, t.stake_accounts(acct));
    let ix = withdraw(&t);
    assert_rejected!(
        t,
        GradualError::StakeStillBonding,
        t.send(&[ix], &[&n0]).await
    );
    t.warp_to_round(2).await;
    let ix = withdraw(&t);
    assert_rejected!(
        t,
        GradualError::StakeStillBonding,
        t.send(&[ix], &[&n0]).await
    );

    t.warp_to_round(3).await;
    let before = t.token_balance(&acct).await;
    let ev = t
        .send(&[withdraw(&t)], &[&n0])
        .await
        .ok()
        .events_of::<StakeWithdrawn>();
    assert_eq!((ev[0].amount, ev[0].destination), (20_000, acct));
    assert_eq!(t.token_balance(&acct).await, before + 20_000);
    assert_eq!(t.node(0).await.unbonding, 0);
    t.assert_invariants().await;

    let ix = withdraw(&t);
    assert_rejected!(
        t,
        GradualError::NothingToWithdraw,
        t.send(&[ix], &[&n0]).await
    );

    // Full exit is allowed; the node keeps its index and can come back later.
    t.send(&[ix::request_unstake(n0.pubkey(), t.task, 30_000)], &[&n0])
        .await
        .ok();
    assert_eq!(t.node(0).await.stake_for_round(3).unwrap(), 0);
    t.assert_invariants().await;
}

#[tokio::test]
async fn unstake_takes_pending_stake_first() {
    let mut t = TestContext::new().await;
    let n0 = t.nodes[0].operator.insecure_clone();
    let acct = t.nodes[0].stake_account;
    t.warp_to_round(1).await;
    t.send(
        &[ix::add_stake(
            n0.pubkey(),
            t.task,
            t.stake_accounts(acct),
            7_000,
        )],
        &[&n0],
    )
    .await
    .ok();
    t.send(&[ix::request_unstake(n0.pubkey(), t.task, 10_000)], &[&n0])
        .await
        .ok();
    let node = t.node(0).await;
    assert_eq!(
        (node.active_stake, node.pending_stake, node.unbonding),
        (47_000, 0, 10_000)
    );
    let task = t.task().await;
    assert_eq!(
        (
            task.total_active_stake,
            task.pending_stake,
            task.total_unbonding
        ),
        (147_000, 0, 10_000)
    );
    t.assert_invariants().await;
}

#[tokio::test]
async fn withdraw_stake_rejects_bad_input() {
    let mut t = TestContext::new().await;
    let n0 = t.nodes[0].operator.insecure_clone();
    let n1 = t.nodes[1].operator.insecure_clone();
    t.send(&[ix::request_unstake(n0.pubkey(), t.task, 10_000)], &[&n0])
        .await
        .ok();
    t.warp_to_round(2).await;

    // Someone else signs for node 0 and names their own destination.
    let ix = ix::withdraw_stake(
        n1.pubkey(),
        t.task,
        t.stake_accounts(t.nodes[1].stake_account),
    );
    let ix = ix::with_account(ix, 2, AccountMeta::new(t.nodes[0].node, false));
    assert_rejected!(t, GradualError::Unauthorized, t.send(&[ix], &[&n1]).await);

    // Destination of the reward mint.
    let ix = ix::withdraw_stake(
        n0.pubkey(),
        t.task,
        t.stake_accounts(t.nodes[0].reward_account),
    );
    assert_rejected!(t, GradualError::WrongMint, t.send(&[ix], &[&n0]).await);

    // The bounty vault passed as the stake vault.
    let (bounty, _) = t.vaults();
    let ix = ix::withdraw_stake(
        n0.pubkey(),
        t.task,
        t.stake_accounts(t.nodes[0].stake_account),
    );
    let ix = ix::with_account(ix, 5, AccountMeta::new(bounty, false));
    assert_rejected!(t, GradualError::WrongVault, t.send(&[ix], &[&n0]).await);

    t.send(
        &[ix::withdraw_stake(
            n0.pubkey(),
            t.task,
            t.stake_accounts(t.nodes[0].stake_account),
        )],
        &[&n0],
    )
    .await
    .ok();
    t.assert_invariants().await;
}
