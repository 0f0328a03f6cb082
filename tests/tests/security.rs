//! Regression tests for the holes found in the security review (issue 9), one per hole, each
//! against the real .so. Every test shows the attack and the named error that now stops it
//! (or the crank that now always succeeds). docs/threat-model.md maps them to the checks.
#![allow(deprecated)]

use gradual::{
    errors::GradualError,
    events::{StakeSlashed, UnclaimedRewardsReleased, Voted},
    state::{Audit, AuditKind, DistributionEntry, TaskStatus},
};
use gradual_sdk::{ix, pda};
use gradual_tests::*;
use solana_instruction::AccountMeta;
use solana_keypair::Keypair;
use solana_program_pack::Pack;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

const SUB: AuditKind = AuditKind::Submission;

/// A valid program address of `seeds` that is NOT the canonical one (a lower bump).
fn non_canonical(seeds: &[&[u8]]) -> Pubkey {
    let (_, canonical) = Pubkey::find_program_address(seeds, &gradual::ID);
    (0..canonical)
        .rev()
        .find_map(|b| {
            let bump = [b];
            let mut with_bump = seeds.to_vec();
            with_bump.push(&bump);
            Pubkey::create_program_address(&with_bump, &gradual::ID).ok()
        })
        .expect("some lower bump is off-curve")
}

/// `n` nodes with 50,000 each, all submitted round 0; in round 0's submission window.
async fn submitted(n: usize, setup: Setup) -> TestContext {
    let mut t = TestContext::with(Setup { nodes: n, ..setup }).await;
    t.warp_to_submission(0).await;
    for i in 0..n {
        t.submit(i, 0, format!("proof-{i}").as_bytes()).await.ok();
    }
    t
}

async fn audit_end(t: &mut TestContext, round: u64) -> u64 {
    t.task()
        .await
        .schedule()
        .timeline(round)
        .unwrap()
        .audit()
        .end
}

/// A token account of `mint` owned by `owner`, with zero balance, that `owner` can close.
async fn empty_token_account(t: &mut TestContext, mint: TestMint, owner: &Keypair) -> Pubkey {
    t.token_account(mint, &owner.pubkey()).await
}

async fn close_token_account(
    t: &mut TestContext,
    mint: TestMint,
    account: Pubkey,
    owner: &Keypair,
) {
    let ix = spl_token_2022_interface::instruction::close_account(
        &mint.token_program,
        &account,
        &owner.pubkey(),
        &owner.pubkey(),
        &[],
    )
    .expect("close_account");
    t.send(&[ix], &[owner]).await.ok();
    assert!(t.account(&account).await.is_none());
}

// --- holes 1-3: every account the program creates lives at its canonical address ---

/// Hole 1 (double vote): a second Vote at a non-canonical address of the same seeds.
#[tokio::test]
async fn non_canonical_bump_vote_is_refused() {
    let mut t = submitted(4, Setup::default()).await;
    t.raise(0, 0, SUB, 1).await.ok();
    let audit = t.audit_address(0, SUB, 1);
    let voter = t.nodes[2].node;
    let op = t.nodes[2].operator.insecure_clone();
    let fake = non_canonical(&[b"vote", audit.as_ref(), voter.as_ref()]);
    let forged = ix::with_account(
        ix::vote(
            op.pubkey(),
            pda::node(&t.task, &op.pubkey()).0,
            t.task,
            0,
            audit,
            false,
        ),
        4,
        AccountMeta::new(fake, false),
    );
    assert_rejected!(t, GradualError::WrongPda, t.send(&[forged], &[&op]).await);
    let out = t.vote(2, 0, SUB, 1, false).await.ok();
    assert_eq!(out.events_of::<Voted>()[0].against_stake, 50_000);
    // Once voted, neither address takes a second vote.
    assert_rejected!(
        t,
        GradualError::AlreadyVoted,
        t.vote(2, 0, SUB, 1, false).await
    );
    let forged = ix::with_account(
        ix::vote(
            op.pubkey(),
            pda::node(&t.task, &op.pubkey()).0,
            t.task,
            0,
            audit,
            false,
        ),
        4,
        AccountMeta::new(fake, false),
    );
    assert_rejected!(t, GradualError::WrongPda, t.send(&[forged], &[&op]).await);
    let a: Audit = t.anchor(&audit).await;
    assert_eq!((a.against_stake, a.votes), (50_000, 2));
}

/// Hole 2 (several audits of one target): a second audit at a non-canonical address.
#[tokio::test]
async fn non_canonical_bump_audit_is_refused() {
    let mut t = submitted(4, Setup::default()).await;
    t.raise(0, 0, SUB, 1).await.ok();
    let target = t.nodes[1].node;
    let op = t.nodes[2].operator.insecure_clone();
    let fake = non_canonical(&[
        b"audit",
        t.task.as_ref(),
        &0u64.to_le_bytes(),
        &[SUB as u8],
        target.as_ref(),
    ]);
    let forged = ix::with_account(
        ix::raise_audit(
            op.pubkey(),
            pda::node(&t.task, &op.pubkey()).0,
            t.task,
            0,
            SUB,
            target,
            t.nodes[2].stake_account,
            None,
        ),
        5,
        AccountMeta::new(fake, false),
    );
    assert_rejected!(t, GradualError::WrongPda, t.send(&[forged], &[&op]).await);
    assert_rejected!(
        t,
        GradualError::AuditAlreadyRaised,
        t.raise(2, 0, SUB, 1).await
    );
}

/// Hole 3 (a list nobody can see) and the same rule for submissions.
#[tokio::test]
async fn non_canonical_bump_list_and_submission_are_refused() {
    let mut t = TestContext::with(Setup {
        nodes: 3,
        ..Setup::default()
    })
    .await;
    t.warp_to_submission(0).await;
    // Submission at a non-canonical address.
    let node = t.nodes[0].node;
    let op = t.nodes[0].operator.insecure_clone();
    let fake = non_canonical(&[
        b"submission",
        t.task.as_ref(),
        &0u64.to_le_bytes(),
        node.as_ref(),
    ]);
    let forged = ix::with_account(
        ix::submit(
            op.pubkey(),
            pda::node(&t.task, &op.pubkey()).0,
            0,
            t.task,
            0,
            b"p".to_vec(),
        ),
        5,
        AccountMeta::new(fake, false),
    );
    let open = ix::open_round(op.pubkey(), t.task, 0);
    assert_rejected!(
        t,
        GradualError::WrongPda,
        t.send(&[open.clone(), forged], &[&op]).await
    );
    // A shard at a non-canonical address of its seeds.
    let fake_shard = non_canonical(&[
        b"shard",
        t.task.as_ref(),
        &0u64.to_le_bytes(),
        &0u16.to_le_bytes(),
    ]);
    let forged = ix::with_account(
        ix::submit(op.pubkey(), node, 0, t.task, 0, b"p".to_vec()),
        4,
        AccountMeta::new(fake_shard, false),
    );
    assert_rejected!(
        t,
        GradualError::WrongPda,
        t.send(&[open, forged], &[&op]).await
    );
    for i in 0..3 {
        t.submit(i, 0, b"p").await.ok();
    }
    let (upload, _) = t.attempt_windows(0, 0).await;
    t.warp_to(upload.start).await;
    let (_, chosen) = t.select(0).await;
    let d = chosen.expect("selected");
    let op = t.nodes[d].operator.insecure_clone();
    let fake = non_canonical(&[b"distribution", t.task.as_ref(), &0u64.to_le_bytes(), &[0]]);
    let forged = ix::with_account(
        ix::begin_distribution(
            op.pubkey(),
            pda::node(&t.task, &op.pubkey()).0,
            t.task,
            0,
            0,
            1,
            1_000,
        ),
        4,
        AccountMeta::new(fake, false),
    );
    assert_rejected!(t, GradualError::WrongPda, t.send(&[forged], &[&op]).await);
}

// --- hole 4: no crank depends on an account one party can invalidate ---

/// The raiser closes its payout account before resolution: the crank still resolves and the
/// raiser's share goes to the slash destination. A vault named as payout is refused at raise.
#[tokio::test]
async fn closed_raiser_payout_cannot_block_resolution() {
    let mut t = submitted(5, Setup::default()).await;
    let raiser_op = t.nodes[1].operator.insecure_clone();
    // A task vault as payout: refused when named.
    let (_, stake_vault) = t.vaults();
    let ix = ix::raise_audit(
        raiser_op.pubkey(),
        pda::node(&t.task, &raiser_op.pubkey()).0,
        t.task,
        0,
        SUB,
        t.nodes[4].node,
        stake_vault,
        None,
    );
    assert_rejected!(
        t,
        GradualError::PayoutNotOwnedByAuthority,
        t.send(&[ix], &[&raiser_op]).await
    );
    let stake_mint = t.stake;
    let payout = empty_token_account(&mut t, stake_mint, &raiser_op).await;
    let ix = ix::raise_audit(
        raiser_op.pubkey(),
        pda::node(&t.task, &raiser_op.pubkey()).0,
        t.task,
        0,
        SUB,
        t.nodes[4].node,
        payout,
        None,
    );
    t.send(&[ix], &[&raiser_op]).await.ok();
    for i in [0, 2] {
        t.vote(i, 0, SUB, 4, true).await.ok();
    }
    close_token_account(&mut t, stake_mint, payout, &raiser_op).await;
    let end = audit_end(&mut t, 0).await;
    t.warp_to(end).await;
    let slash_vault = pda::slash_vault(&t.task).0;
    let before = t.token_balance(&slash_vault).await;
    let out = t.resolve(0, SUB, 4).await.ok();
    let ev = out.events_of::<StakeSlashed>();
    assert_eq!((ev[0].amount, ev[0].to_raiser), (35_000, 0));
    assert_eq!(t.token_balance(&slash_vault).await, before + 35_000);
    t.assert_invariants().await;
}

/// A vault as reward account is refused at join and at set_reward_account; a closed reward
/// account is a named error the node fixes with set_reward_account; unclaimed rewards go back
/// to the bounty after the claim window, and the list then closes.
#[tokio::test]
async fn reward_accounts_cannot_block_claims_or_cleanup() {
    let mut t = TestContext::with(Setup {
        nodes: 2,
        ..Setup::default()
    })
    .await;
    let (bounty_vault, _) = t.vaults();
    let newcomer = t.new_operator().await;
    let ix = ix::join_task(
        newcomer.operator.pubkey(),
        newcomer.operator.pubkey(),
        t.task,
        t.stake_accounts(newcomer.stake_account),
        bounty_vault,
        50_000,
    );
    assert_rejected!(
        t,
        GradualError::DestinationIsTaskVault,
        t.send(&[ix], &[&newcomer.operator]).await
    );

    // Round 0: both submit, node 0 or 1 distributes an equal split.
    t.warp_to_submission(0).await;
    for i in 0..2 {
        t.submit(i, 0, b"p").await.ok();
    }
    let (upload, audit) = t.attempt_windows(0, 0).await;
    t.warp_to(upload.start).await;
    let (_, chosen) = t.select(0).await;
    let d = chosen.expect("selected");
    let mut entries = vec![];
    for i in 0..2 {
        entries.push(DistributionEntry {
            node_index: t.node(i).await.index as u16,
            amount: 500_000,
        });
    }
    entries.sort_by_key(|e| e.node_index);
    t.upload_list(d, 0, 0, &entries).await;
    t.warp_to(audit.end).await;
    t.send(&[ix::finalize_distribution(t.task, 0, 0)], &[])
        .await
        .ok();

    // Node 0 empties and closes its reward account: its claim is a named error.
    let op0 = t.nodes[0].operator.insecure_clone();
    let reward0 = t.nodes[0].reward_account;
    let reward_mint = t.reward;
    close_token_account(&mut t, reward_mint, reward0, &op0).await;
    let index0 = t.node(0).await.index as u16;
    let entry0 = entries.iter().position(|e| e.node_index == index0).unwrap() as u32;
    assert_rejected!(
        t,
        GradualError::RewardAccountUnusable,
        t.claim(0, 0, 0, entry0).await
    );
    // A vault cannot be registered; a fresh account can, and the claim then pays it.
    let ix = ix::set_reward_account(op0.pubkey(), t.task, bounty_vault);
    assert_rejected!(
        t,
        GradualError::DestinationIsTaskVault,
        t.send(&[ix], &[&op0]).await
    );
    let fresh = t.token_account(t.reward, &op0.pubkey()).await;
    t.send(
        &[ix::set_reward_account(op0.pubkey(), t.task, fresh)],
        &[&op0],
    )
    .await
    .ok();
    t.nodes[0].reward_account = fresh;
    t.claim(0, 0, 0, entry0).await.ok();
    assert_eq!(t.token_balance(&fresh).await, 500_000);

    // Node 1 never claims: the list cannot close before the claim window ends, then it
    // closes and its 500,000 are no longer reserved.
    let list = pda::distribution(&t.task, 0, 0).0;
    let payer = t.nodes[d].operator.pubkey();
    let close = ix::close_distribution(payer, t.task, 0, 0);
    assert_rejected!(
        t,
        GradualError::AccountStillNeeded,
        t.send(std::slice::from_ref(&close), &[]).await
    );
    let reserved = t.task().await.reserved_rewards;
    assert_eq!(reserved, 500_000);
    let data = t.account(&list).await.expect("list").data;
    let header: gradual::state::DistributionList =
        anchor_lang::__private::bytemuck::pod_read_unaligned(
            &data[8..gradual::state::DistributionList::HEADER_SPACE],
        );
    t.warp_to(header.claim_deadline_slot).await;
    let index1 = t.node(1).await.index as u16;
    let entry1 = entries.iter().position(|e| e.node_index == index1).unwrap() as u32;
    assert_rejected!(
        t,
        GradualError::ClaimWindowClosed,
        t.claim(1, 0, 0, entry1).await
    );
    let out = t.send(&[close], &[]).await.ok();
    let ev = out.events_of::<UnclaimedRewardsReleased>();
    assert_eq!((ev[0].amount, ev[0].unclaimed_entries), (500_000, 1));
    assert_eq!(t.task().await.reserved_rewards, 0);
    assert!(t.account(&list).await.is_none());
    t.assert_invariants().await;
}

// --- hole 5: stake added in round r counts from r + 1, also after the fold ---

#[tokio::test]
async fn stake_added_later_never_counts_for_an_earlier_round() {
    let mut t = TestContext::with(Setup {
        nodes: 4,
        ..Setup::default()
    })
    .await;
    t.warp_to_round(0).await;
    // Node 3 adds 40,000 in round 0 (counts from round 1).
    let op3 = t.nodes[3].operator.insecure_clone();
    let acct3 = t.nodes[3].stake_account;
    let ix = ix::add_stake(op3.pubkey(), t.task, t.stake_accounts(acct3), 40_000);
    t.send(&[ix], &[&op3]).await.ok();
    // A newcomer joins during round 0: not eligible for round 0.
    let newcomer = t.new_operator().await;
    t.join(&newcomer, 50_000).await.ok();
    t.nodes.push(newcomer);
    t.warp_to_submission(0).await;
    for i in 0..3 {
        t.submit(i, 0, b"p").await.ok();
    }
    // In round 1 both add 1 more: the fold moves round 0's additions into active stake.
    for i in [3, 4] {
        let op = t.nodes[i].operator.insecure_clone();
        let acct = t.nodes[i].stake_account;
        let ix = ix::add_stake(op.pubkey(), t.task, t.stake_accounts(acct), 1);
        t.send(&[ix], &[&op]).await.ok();
    }
    assert_eq!(t.node(3).await.active_stake, 90_000);
    t.raise(0, 0, SUB, 1).await.ok();
    let out = t.vote(3, 0, SUB, 1, true).await.ok();
    assert_eq!(out.events_of::<Voted>()[0].weight, 50_000);
    assert_rejected!(
        t,
        GradualError::NodeNotEligible,
        t.vote(4, 0, SUB, 1, true).await
    );
    // The round's quorum base is round 0's stake: 4 x 50,000, not the newcomer's.
    assert_eq!(t.round(0).await.unwrap().0.total_active_stake, 200_000);
}

// --- hole 6: mints that let the creator take or freeze the vaults ---

async fn raw_mint(t: &mut TestContext, close_authority: bool, freeze: bool) -> Pubkey {
    use spl_token_2022_interface::extension::ExtensionType;
    let mint = t.keypair();
    let payer = t.ctx.payer.pubkey();
    let exts: Vec<ExtensionType> = if close_authority {
        vec![ExtensionType::MintCloseAuthority]
    } else {
        vec![]
    };
    let len = if exts.is_empty() {
        spl_token_2022_interface::state::Mint::LEN
    } else {
        ExtensionType::try_calculate_account_len::<spl_token_2022_interface::state::Mint>(&exts)
            .unwrap()
    };
    let rent = t.ctx.banks_client.get_rent().await.unwrap();
    let mut ixs = vec![solana_system_interface::instruction::create_account(
        &payer,
        &mint.pubkey(),
        rent.minimum_balance(len),
        len as u64,
        &TOKEN_2022,
    )];
    if close_authority {
        ixs.push(
            spl_token_2022_interface::instruction::initialize_mint_close_authority(
                &TOKEN_2022,
                &mint.pubkey(),
                Some(&payer),
            )
            .unwrap(),
        );
    }
    ixs.push(
        spl_token_2022_interface::instruction::initialize_mint2(
            &TOKEN_2022,
            &mint.pubkey(),
            &payer,
            freeze.then_some(&payer),
            DECIMALS,
        )
        .unwrap(),
    );
    t.send(&ixs, &[&mint]).await.ok();
    mint.pubkey()
}

#[tokio::test]
async fn mints_that_can_be_recreated_or_frozen_are_refused_unless_trusted() {
    let mut t = TestContext::with(Setup {
        nodes: 0,
        fund: 0,
        ..Setup::default()
    })
    .await;
    let auth = t.authority.insecure_clone();
    let slot = t.slot().await;
    let args = |task_id: u64, trust_flags: u8| gradual::instructions::CreateTaskArgs {
        task_id,
        start_slot: slot + 100,
        max_nodes: 64,
        config: default_config(),
        trust_flags,
        audit_sample: 0,
        jury_size: 0,
    };
    // The stake mint `mint` with `trust_flags`, as task `task_id`.
    let reward = t.reward;
    let create = |mint: Pubkey, task_id: u64, trust_flags: u8| {
        ix::create_task(
            auth.pubkey(),
            reward.mint,
            reward.token_program,
            mint,
            TOKEN_2022,
            args(task_id, trust_flags),
        )
    };
    // A close authority would let the creator re-create the stake mint with a permanent
    // delegate once its supply is zero.
    let closable = raw_mint(&mut t, true, false).await;
    let refused = [
        (
            create(closable, 500, 0),
            GradualError::UnsupportedMintExtension,
        ),
        // A freeze authority can freeze the vaults: refused without the trust flag.
        (
            create(Pubkey::default(), 501, 0),
            GradualError::MintHasFreezeAuthority,
        ),
        (
            create(Pubkey::default(), 502, 0x80),
            GradualError::InvalidTrustFlags,
        ),
    ];
    let freezable = raw_mint(&mut t, false, true).await;
    for (mut ix, error) in refused {
        if ix.accounts[3].pubkey == Pubkey::default() {
            ix.accounts[3].pubkey = freezable;
        }
        assert_rejected!(t, error, t.send(&[ix], &[&auth]).await);
    }
    let trusted = create(freezable, 503, gradual::constants::TRUST_FREEZE_AUTHORITY);
    t.send(&[trusted], &[&auth]).await.ok();
    let task: gradual::state::Task = t.anchor(&pda::task(&auth.pubkey(), 503).0).await;
    assert_eq!(task.trust_flags, gradual::constants::TRUST_FREEZE_AUTHORITY);
}

// --- hole 7: the target of an open audit cannot take its stake out ---

#[tokio::test]
async fn target_of_an_open_audit_cannot_withdraw() {
    let mut config = default_config();
    config.unbond_rounds = 0;
    let mut t = submitted(
        5,
        Setup {
            config,
            ..Setup::default()
        },
    )
    .await;
    t.raise(1, 0, SUB, 4).await.ok();
    for i in [0, 2] {
        t.vote(i, 0, SUB, 4, true).await.ok();
    }
    let op4 = t.nodes[4].operator.insecure_clone();
    let acct4 = t.nodes[4].stake_account;
    t.send(
        &[ix::request_unstake(op4.pubkey(), t.task, 50_000)],
        &[&op4],
    )
    .await
    .ok();
    // Release waits for round 0's whole timeline, whatever unbond_rounds says.
    let release = t.node(4).await.unbonding_release_round;
    assert!(release >= 3, "release round {release}");
    let withdraw = ix::withdraw_stake(op4.pubkey(), t.task, t.stake_accounts(acct4));
    assert_rejected!(
        t,
        GradualError::OpenAuditAgainstNode,
        t.send(std::slice::from_ref(&withdraw), &[&op4]).await
    );
    let end = audit_end(&mut t, 0).await;
    t.warp_to(end).await;
    let out = t.resolve(0, SUB, 4).await.ok();
    assert_eq!(out.events_of::<StakeSlashed>()[0].amount, 35_000);
    assert_rejected!(
        t,
        GradualError::StakeStillBonding,
        t.send(std::slice::from_ref(&withdraw), &[&op4]).await
    );
    t.warp_to_round(release).await;
    let before = t.token_balance(&acct4).await;
    t.send(&[withdraw], &[&op4]).await.ok();
    assert_eq!(t.token_balance(&acct4).await, before + 15_000);
    t.assert_invariants().await;
}

// --- holes 9 and 10: pause keeps paid work and close_task's wait is fixed at the pause ---

#[tokio::test]
async fn pause_keeps_the_worked_round_and_close_waits_for_it() {
    let mut t = TestContext::with(Setup {
        nodes: 3,
        ..Setup::default()
    })
    .await;
    let auth = t.authority.insecure_clone();
    // Pause in the middle of round 1's work.
    t.warp_to_round(1).await;
    let now = t.slot().await;
    t.warp_to(now + 10).await;
    t.send(&[ix::pause_task(auth.pubkey(), t.task)], &[&auth])
        .await
        .ok();
    let task = t.task().await;
    let timeline1 = task.schedule().timeline(1).unwrap();
    assert_eq!(task.close_after_slot, timeline1.end());
    // Round 1's work began before the pause: it may be submitted.
    t.warp_to_submission(1).await;
    t.submit(0, 1, b"p").await.ok();
    // Round 2's did not.
    t.warp_to_submission(2).await;
    assert_rejected!(t, GradualError::TaskPaused, t.submit(0, 2, b"p").await);
    // close_task waits for round 1's whole timeline, even if an update that took effect
    // after the pause moved the schedule.
    let close = ix::close_task(
        auth.pubkey(),
        t.task,
        t.reward_accounts(t.authority_reward_account),
    );
    assert_rejected!(
        t,
        GradualError::RoundsNotSettled,
        t.send(std::slice::from_ref(&close), &[&auth]).await
    );
    t.warp_to(timeline1.end()).await;
    t.send(&[close], &[&auth]).await.ok();
    assert_eq!(t.task().await.status, TaskStatus::Closed);
}

// --- hot and cold keys ---

/// A node whose authority (cold) and operator (hot) differ: the hot key works the rounds but
/// cannot touch the stake; the authority replaces a stolen hot key.
#[tokio::test]
async fn hot_key_cannot_move_stake_and_can_be_replaced() {
    let mut t = TestContext::with(Setup {
        nodes: 1,
        ..Setup::default()
    })
    .await;
    let cold = t.new_operator().await;
    let hot = t.keypair();
    t.airdrop(&hot.pubkey(), 1_000_000_000).await;
    let ix = ix::join_task(
        cold.operator.pubkey(),
        hot.pubkey(),
        t.task,
        t.stake_accounts(cold.stake_account),
        cold.reward_account,
        50_000,
    );
    t.send(&[ix], &[&cold.operator]).await.ok();
    let node = pda::node(&t.task, &cold.operator.pubkey()).0;
    let state: gradual::state::Node = t.anchor(&node).await;
    assert_eq!(
        (state.authority, state.operator),
        (cold.operator.pubkey(), hot.pubkey())
    );

    // The hot key submits.
    t.warp_to_submission(0).await;
    let index = state.index;
    let submit = |who: &Keypair| ix::submit(who.pubkey(), node, index, t.task, 0, b"p".to_vec());
    let open = ix::open_round(hot.pubkey(), t.task, 0);
    t.send(&[open, submit(&hot)], &[&hot]).await.ok();

    // The hot key cannot unstake, withdraw, redirect rewards or change the operator.
    let swap_node = |ix: solana_instruction::Instruction, at: usize| {
        ix::with_account(ix, at, AccountMeta::new(node, false))
    };
    let hot_acct = t.token_account(t.stake, &hot.pubkey()).await;
    let attempts = [
        swap_node(ix::request_unstake(hot.pubkey(), t.task, 50_000), 2),
        swap_node(
            ix::withdraw_stake(hot.pubkey(), t.task, t.stake_accounts(hot_acct)),
            2,
        ),
        swap_node(ix::set_reward_account(hot.pubkey(), t.task, hot_acct), 2),
        swap_node(ix::set_operator(hot.pubkey(), t.task, hot.pubkey()), 2),
    ];
    for ix in attempts {
        assert_rejected!(t, GradualError::Unauthorized, t.send(&[ix], &[&hot]).await);
    }
    // The cold key cannot submit for the node (it is not the operator).
    t.warp_to_submission(1).await;
    let ix = ix::submit(
        cold.operator.pubkey(),
        node,
        index,
        t.task,
        1,
        b"p".to_vec(),
    );
    assert_rejected!(
        t,
        GradualError::Unauthorized,
        t.send(&[ix], &[&cold.operator]).await
    );
    // The authority rotates the hot key: the old one is locked out, the new one works.
    let fresh = t.keypair();
    t.airdrop(&fresh.pubkey(), 1_000_000_000).await;
    t.send(
        &[ix::set_operator(
            cold.operator.pubkey(),
            t.task,
            fresh.pubkey(),
        )],
        &[&cold.operator],
    )
    .await
    .ok();
    let ix = ix::submit(hot.pubkey(), node, index, t.task, 1, b"p".to_vec());
    assert_rejected!(t, GradualError::Unauthorized, t.send(&[ix], &[&hot]).await);
    let ix = ix::submit(fresh.pubkey(), node, index, t.task, 1, b"p".to_vec());
    let open = ix::open_round(fresh.pubkey(), t.task, 1);
    t.send(&[open, ix], &[&fresh]).await.ok();
}

// --- holes 11 and 13: indexes come back, nodes and tasks close ---

#[tokio::test]
async fn closed_node_frees_its_index_for_reuse() {
    let mut t = TestContext::with(Setup {
        nodes: 3,
        max_nodes: 3,
        ..Setup::default()
    })
    .await;
    let late = t.new_operator().await;
    assert_rejected!(t, GradualError::TaskFull, t.join(&late, 50_000).await);
    // Round 0: everyone submits; an equal list is accepted; node 2 never claims.
    t.warp_to_submission(0).await;
    for i in 0..3 {
        t.submit(i, 0, b"p").await.ok();
    }
    let op2 = t.nodes[2].operator.insecure_clone();
    t.send(
        &[ix::request_unstake(op2.pubkey(), t.task, 50_000)],
        &[&op2],
    )
    .await
    .ok();
    let (upload, audit) = t.attempt_windows(0, 0).await;
    t.warp_to(upload.start).await;
    let (_, chosen) = t.select(0).await;
    let entries = gradual_sdk::node::logic::equal_split(&[0, 1, 2], 900_000);
    t.upload_list(chosen.expect("selected"), 0, 0, &entries)
        .await;
    t.warp_to(audit.end).await;
    t.send(&[ix::finalize_distribution(t.task, 0, 0)], &[])
        .await
        .ok();
    // Stake still bonded: the node cannot close.
    assert_rejected!(
        t,
        GradualError::NodeStillNeeded,
        t.send(&[ix::close_node(op2.pubkey(), t.task)], &[&op2])
            .await
    );
    let release = t.node(2).await.unbonding_release_round;
    t.warp_to_round(release).await;
    let acct = t.nodes[2].stake_account;
    let ix = ix::withdraw_stake(op2.pubkey(), t.task, t.stake_accounts(acct));
    t.send(&[ix], &[&op2]).await.ok();
    let node2 = t.nodes[2].node;
    let out = t
        .send(&[ix::close_node(op2.pubkey(), t.task)], &[&op2])
        .await
        .ok();
    assert_eq!(out.events_of::<gradual::events::NodeClosed>()[0].index, 2);
    assert!(t.account(&node2).await.is_none());
    assert_eq!(t.task().await.live_nodes, 2);
    // The freed index goes to the next joiner; after that the task is full again.
    t.join(&late, 50_000).await.ok();
    let late_node: gradual::state::Node = t.anchor(&late.node).await;
    assert_eq!(late_node.index, 2);
    let later = t.new_operator().await;
    assert_rejected!(t, GradualError::TaskFull, t.join(&later, 50_000).await);
    // The new holder of index 2 cannot collect the old holder's unclaimed entry of round 0.
    let claim = ix::claim_reward(
        t.task,
        0,
        0,
        2,
        late.node,
        t.reward_accounts(late.reward_account),
    );
    assert_rejected!(t, GradualError::NotYourEntry, t.send(&[claim], &[]).await);
    t.nodes.push(late);
    t.assert_invariants().await;
}

#[tokio::test]
async fn closed_task_closes_its_vaults_and_account() {
    let mut t = TestContext::with(Setup {
        nodes: 1,
        ..Setup::default()
    })
    .await;
    let auth = t.authority.insecure_clone();
    t.send(&[ix::pause_task(auth.pubkey(), t.task)], &[&auth])
        .await
        .ok();
    let close_after = t.task().await.close_after_slot;
    t.warp_to(close_after).await;
    let reward = t.reward_accounts(t.authority_reward_account);
    t.send(&[ix::close_task(auth.pubkey(), t.task, reward)], &[&auth])
        .await
        .ok();
    let auth_stake = t.wallet(t.stake, &auth.pubkey()).await;
    let close_all =
        ix::close_task_accounts(auth.pubkey(), t.task, reward, t.stake_accounts(auth_stake));
    // A node still holds its account (and its stake): the task stays.
    assert_rejected!(
        t,
        GradualError::TaskStillNeeded,
        t.send(std::slice::from_ref(&close_all), &[&auth]).await
    );
    let op = t.nodes[0].operator.insecure_clone();
    let acct = t.nodes[0].stake_account;
    t.send(
        &[ix::withdraw_stake(
            op.pubkey(),
            t.task,
            t.stake_accounts(acct),
        )],
        &[&op],
    )
    .await
    .ok();
    t.send(&[ix::close_node(op.pubkey(), t.task)], &[&op])
        .await
        .ok();
    // A stray transfer into the bounty vault cannot keep the task open: it is swept.
    let (bounty_vault, stake_vault) = t.vaults();
    t.mint_to(t.reward, &bounty_vault, 7).await;
    let before = t.token_balance(&t.authority_reward_account).await;
    let out = t.send(&[close_all], &[&auth]).await.ok();
    let ev = out.events_of::<gradual::events::TaskAccountsClosed>();
    assert_eq!((ev[0].swept_reward, ev[0].swept_stake), (7, 0));
    assert_eq!(
        t.token_balance(&t.authority_reward_account).await,
        before + 7
    );
    for gone in [
        bounty_vault,
        stake_vault,
        pda::slash_vault(&t.task).0,
        pda::index_pool(&t.task).0,
    ] {
        assert!(t.account(&gone).await.is_none(), "{gone} still open");
    }
    // The Task stays as a Closed tombstone: its address cannot be re-created with the old
    // task's rounds and lists still at their seeds.
    assert_eq!(t.task().await.status, TaskStatus::Closed);
    let slot = t.slot().await;
    let again = t.create_task_ix(gradual::instructions::CreateTaskArgs {
        task_id: t.task_id,
        start_slot: slot + 10,
        max_nodes: 64,
        config: default_config(),
        trust_flags: 0,
        audit_sample: 0,
        jury_size: 0,
    });
    assert_rejected!(
        t,
        GradualError::TaskAlreadyExists,
        t.send(&[again], &[&auth]).await
    );
}

/// Found in review: the release round was recomputed from the last submitted round's
/// timeline under today's schedule, which has no answer for rounds before the config base
/// once two updates were folded: the node could never unstake. The end slot is stored at
/// submit now.
#[tokio::test]
async fn unstake_works_after_config_updates_fold_past_the_last_submitted_round() {
    let mut t = TestContext::with(Setup {
        nodes: 2,
        ..Setup::default()
    })
    .await;
    let auth = t.authority.insecure_clone();
    t.warp_to_submission(0).await;
    t.submit(0, 0, b"p").await.ok();
    let mut config = default_config();
    config.round_slots = 120;
    t.send(
        &[ix::update_task(auth.pubkey(), t.task, 3, config)],
        &[&auth],
    )
    .await
    .ok();
    t.warp_to_round(4).await;
    config.round_slots = 100;
    t.send(
        &[ix::update_task(auth.pubkey(), t.task, 6, config)],
        &[&auth],
    )
    .await
    .ok();
    let task = t.task().await;
    assert_eq!(task.config_base_round, 3, "the first update was folded");
    assert!(task.schedule().timeline(0).is_none());
    let op = t.nodes[0].operator.insecure_clone();
    t.send(&[ix::request_unstake(op.pubkey(), t.task, 50_000)], &[&op])
        .await
        .ok();
    let node = t.node(0).await;
    assert_eq!(node.unbonding, 50_000);
    t.warp_to_round(node.unbonding_release_round).await;
    let acct = t.nodes[0].stake_account;
    let ix = ix::withdraw_stake(op.pubkey(), t.task, t.stake_accounts(acct));
    t.send(&[ix], &[&op]).await.ok();
    t.assert_invariants().await;
}

/// A key that never joined gets the named `NotAMember` from the node instructions (submit,
/// raise_audit, vote, and the authority's stake and settings instructions), not Anchor's
/// anonymous `AccountNotInitialized` (issue 12), and nothing changes.
#[tokio::test]
async fn a_key_that_never_joined_is_not_a_member() {
    let mut t = submitted(3, Setup::default()).await;
    t.raise(1, 0, SUB, 0).await.ok();
    let stranger = t.new_operator().await;
    let op = stranger.operator.insecure_clone();
    let before = t.account(&t.task).await.expect("task").data;
    let round = t
        .account(&pda::round(&t.task, 0).0)
        .await
        .expect("round")
        .data;

    let submit = ix::submit(op.pubkey(), stranger.node, 0, t.task, 0, b"x".to_vec());
    let raise = ix::raise_audit(
        op.pubkey(),
        stranger.node,
        t.task,
        0,
        SUB,
        t.nodes[2].node,
        stranger.stake_account,
        None,
    );
    let audit = t.audit_address(0, SUB, 0);
    let vote = ix::vote(op.pubkey(), stranger.node, t.task, 0, audit, true);
    // The authority's instructions derive the Node from the signer: the same error.
    let stake = t.stake_accounts(stranger.stake_account);
    let by_authority = [
        (
            "add_stake",
            ix::add_stake(op.pubkey(), t.task, stake, 1_000),
        ),
        (
            "withdraw_stake",
            ix::withdraw_stake(op.pubkey(), t.task, stake),
        ),
        (
            "request_unstake",
            ix::request_unstake(op.pubkey(), t.task, 1_000),
        ),
        (
            "set_operator",
            ix::set_operator(op.pubkey(), t.task, op.pubkey()),
        ),
        (
            "set_reward_account",
            ix::set_reward_account(op.pubkey(), t.task, stranger.reward_account),
        ),
    ];
    for (what, ixn) in [("submit", submit), ("raise_audit", raise), ("vote", vote)]
        .into_iter()
        .chain(by_authority)
    {
        let out = t.send(&[ixn], &[&op]).await;
        assert!(
            is_program_error(&out, GradualError::NotAMember),
            "{what}: {out:?}"
        );
    }
    assert_eq!(t.account(&t.task).await.expect("task").data, before);
    assert_eq!(
        t.account(&pda::round(&t.task, 0).0)
            .await
            .expect("round")
            .data,
        round
    );
    assert!(t.account(&stranger.node).await.is_none());
    // A member's own reward account must still be of the reward mint (checked after the
    // authority): a stake-mint account is WrongMint.
    let op0 = t.nodes[0].operator.insecure_clone();
    let wrong_mint = ix::set_reward_account(op0.pubkey(), t.task, t.nodes[0].stake_account);
    assert_rejected!(
        t,
        GradualError::WrongMint,
        t.send(&[wrong_mint], &[&op0]).await
    );
}
