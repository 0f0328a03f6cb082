//! create_task, fund_task, update_task, set_task_logic, pause_task, resume_task against the
//! real .so.
#![allow(deprecated)]

use gradual::{
    errors::GradualError,
    events::{TaskCreated, TaskFunded, TaskLogicSet, TaskUpdated},
    instructions::CreateTaskArgs,
    state::{TaskConfig, TaskLogic, TaskStatus},
};
use gradual_sdk::{ix, pda};
use gradual_tests::*;
use solana_instruction::AccountMeta;
use solana_program_pack::Pack;
use solana_signer::Signer;

fn args(task_id: u64, start_slot: u64, config: TaskConfig) -> CreateTaskArgs {
    CreateTaskArgs {
        task_id,
        start_slot,
        max_nodes: 64,
        config,
        trust_flags: 0,
        audit_sample: 0,
        jury_size: 0,
    }
}

#[tokio::test]
async fn create_task_sets_up_task_and_vaults() {
    let mut t = TestContext::with(Setup {
        nodes: 0,
        fund: 0,
        ..Setup::default()
    })
    .await;
    let task = t.task().await;
    assert_eq!(task.authority, t.authority.pubkey());
    assert_eq!(task.task_id, t.task_id);
    assert_eq!(task.reward_mint, t.reward.mint);
    assert_eq!(task.stake_mint, t.stake.mint);
    assert_eq!(task.status, TaskStatus::Active);
    assert_eq!(task.config, default_config());
    assert_eq!(task.config_base_slot, task.start_slot);
    assert_eq!(
        (task.node_count, task.total_active_stake, task.total_funded),
        (0, 0, 0)
    );
    let (bounty, stake) = t.vaults();
    assert_eq!((task.bounty_vault, task.stake_vault), (bounty, stake));
    for (vault, mint) in [(bounty, t.reward.mint), (stake, t.stake.mint)] {
        let a = t.account(&vault).await.expect("vault exists");
        assert_eq!(a.owner, TOKEN);
        let v = spl_token_interface::state::Account::unpack(&a.data).expect("token account");
        assert_eq!(v.owner, t.task, "vault authority is the task PDA");
        assert_eq!(v.mint, mint);
        assert_eq!(v.amount, 0);
    }

    // The event carries what an indexer needs.
    let slot = t.slot().await;
    let ix = t.create_task_ix(args(99, slot + 10, default_config()));
    let auth = t.authority.insecure_clone();
    let out = t.send(&[ix], &[&auth]).await.ok();
    let ev = out.events_of::<TaskCreated>();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].task, pda::task(&auth.pubkey(), 99).0);
    assert_eq!(
        (ev[0].task_id, ev[0].start_slot, ev[0].max_nodes),
        (99, slot + 10, 64)
    );
}

#[tokio::test]
async fn token_2022_task_with_one_mint_runs_a_submission() {
    let mut t = TestContext::with(Setup {
        token_2022: true,
        same_mint: true,
        nodes: 2,
        ..Setup::default()
    })
    .await;
    assert_eq!(t.reward.token_program, TOKEN_2022);
    let (bounty, stake) = t.vaults();
    assert_eq!(t.account(&bounty).await.unwrap().owner, TOKEN_2022);
    assert_eq!(t.token_balance(&bounty).await, 10_000_000);
    assert_eq!(t.token_balance(&stake).await, 100_000);
    t.warp_to_submission(0).await;
    t.submit(0, 0, b"cid").await.ok();
    t.assert_invariants().await;
}

#[tokio::test]
async fn create_task_rejects_bad_configs_and_changes_nothing() {
    let mut t = TestContext::with(Setup {
        nodes: 0,
        fund: 0,
        ..Setup::default()
    })
    .await;
    let slot = t.slot().await;
    let base = default_config();
    let cases: Vec<(TaskConfig, GradualError)> = vec![
        (
            TaskConfig {
                submission_slots: 0,
                ..base
            },
            GradualError::ZeroLengthWindow,
        ),
        (
            TaskConfig {
                round_slots: 0,
                ..base
            },
            GradualError::ZeroLengthWindow,
        ),
        (
            TaskConfig {
                max_distribution_attempts: 0,
                ..base
            },
            GradualError::ZeroLengthWindow,
        ),
        (
            TaskConfig {
                audit_slots: 81,
                ..base
            },
            GradualError::SubmissionAndAuditExceedRound,
        ),
        (
            TaskConfig {
                distribution_audit_slots: 81,
                ..base
            },
            GradualError::DistributionExceedsRound,
        ),
        (
            TaskConfig {
                round_slots: 20_000_000,
                ..base
            },
            GradualError::WindowTooLong,
        ),
        (
            TaskConfig {
                max_distribution_attempts: 9,
                ..base
            },
            GradualError::WindowTooLong,
        ),
        (
            TaskConfig {
                quorum_bps: 0,
                ..base
            },
            GradualError::InvalidBps,
        ),
        (
            TaskConfig {
                slash_bps: 10_001,
                ..base
            },
            GradualError::InvalidBps,
        ),
        (
            TaskConfig {
                auditor_reward_bps: 10_001,
                ..base
            },
            GradualError::InvalidBps,
        ),
        (
            TaskConfig {
                minimum_stake: 0,
                ..base
            },
            GradualError::ZeroAmountConfig,
        ),
        (
            TaskConfig {
                bounty_per_round: 0,
                ..base
            },
            GradualError::ZeroAmountConfig,
        ),
        (
            TaskConfig {
                unbond_rounds: 10_001,
                ..base
            },
            GradualError::UnbondTooLong,
        ),
    ];
    let auth = t.authority.insecure_clone();
    for (i, (config, expected)) in cases.into_iter().enumerate() {
        let id = 100 + i as u64;
        let ix = t.create_task_ix(args(id, slot + 10, config));
        assert_rejected!(t, expected, t.send(&[ix], &[&auth]).await);
        assert!(t.account(&pda::task(&auth.pubkey(), id).0).await.is_none());
    }
    let mut a = args(200, slot + 10, base);
    a.max_nodes = 0;
    let ix = t.create_task_ix(a.clone());
    assert_rejected!(
        t,
        GradualError::InvalidMaxNodes,
        t.send(&[ix], &[&auth]).await
    );
    a.max_nodes = gradual::constants::MAX_NODES_LIMIT + 1;
    let ix = t.create_task_ix(a);
    assert_rejected!(
        t,
        GradualError::InvalidMaxNodes,
        t.send(&[ix], &[&auth]).await
    );

    t.warp_to(slot + 5).await;
    let ix = t.create_task_ix(args(201, slot + 1, base));
    assert_rejected!(
        t,
        GradualError::StartSlotInPast,
        t.send(&[ix], &[&auth]).await
    );
}

#[tokio::test]
async fn create_task_rejects_duplicates_wrong_pdas_and_wrong_programs() {
    let mut t = TestContext::with(Setup {
        nodes: 0,
        fund: 0,
        ..Setup::default()
    })
    .await;
    let slot = t.slot().await;
    let auth = t.authority.insecure_clone();

    // Same authority and task_id again.
    let ix = t.create_task_ix(args(t.task_id, slot + 10, default_config()));
    assert_rejected!(
        t,
        GradualError::TaskAlreadyExists,
        t.send(&[ix], &[&auth]).await
    );

    // A task address that is not the PDA of (authority, task_id).
    let ix = t.create_task_ix(args(300, slot + 10, default_config()));
    let wrong = ix::with_account(
        ix,
        1,
        AccountMeta::new(pda::task(&auth.pubkey(), 301).0, false),
    );
    assert_rejected!(t, GradualError::WrongPda, t.send(&[wrong], &[&auth]).await);

    // The stake vault address swapped for the bounty vault's.
    let ix = t.create_task_ix(args(302, slot + 10, default_config()));
    let task = pda::task(&auth.pubkey(), 302).0;
    let wrong = ix::with_account(ix, 5, AccountMeta::new(pda::bounty_vault(&task).0, false));
    assert_rejected!(t, GradualError::WrongPda, t.send(&[wrong], &[&auth]).await);

    // Token-2022 passed for an SPL Token mint.
    let ix = ix::create_task(
        auth.pubkey(),
        t.reward.mint,
        TOKEN_2022,
        t.stake.mint,
        TOKEN,
        args(303, slot + 10, default_config()),
    );
    assert_rejected!(
        t,
        GradualError::WrongTokenProgram,
        t.send(&[ix], &[&auth]).await
    );
}

#[tokio::test]
async fn create_task_rejects_transfer_fee_mints() {
    let mut t = TestContext::with(Setup {
        nodes: 0,
        fund: 0,
        ..Setup::default()
    })
    .await;
    use spl_token_2022_interface::extension::{transfer_fee, ExtensionType};
    let mint = t.keypair();
    let payer = t.ctx.payer.pubkey();
    let len = ExtensionType::try_calculate_account_len::<spl_token_2022_interface::state::Mint>(&[
        ExtensionType::TransferFeeConfig,
    ])
    .unwrap();
    let rent = t.ctx.banks_client.get_rent().await.unwrap();
    let ixs = [
        solana_system_interface::instruction::create_account(
            &payer,
            &mint.pubkey(),
            rent.minimum_balance(len),
            len as u64,
            &TOKEN_2022,
        ),
        transfer_fee::instruction::initialize_transfer_fee_config(
            &TOKEN_2022,
            &mint.pubkey(),
            Some(&payer),
            Some(&payer),
            100,
            1_000,
        )
        .unwrap(),
        spl_token_2022_interface::instruction::initialize_mint2(
            &TOKEN_2022,
            &mint.pubkey(),
            &payer,
            None,
            DECIMALS,
        )
        .unwrap(),
    ];
    t.send(&ixs, &[&mint]).await.ok();
    let slot = t.slot().await;
    let auth = t.authority.insecure_clone();
    let ix = ix::create_task(
        auth.pubkey(),
        mint.pubkey(),
        TOKEN_2022,
        t.stake.mint,
        TOKEN,
        args(400, slot + 10, default_config()),
    );
    assert_rejected!(
        t,
        GradualError::UnsupportedMintExtension,
        t.send(&[ix], &[&auth]).await
    );
    assert!(t.account(&pda::task(&auth.pubkey(), 400).0).await.is_none());
}

#[tokio::test]
async fn fund_task_moves_tokens_and_counts_them() {
    let mut t = TestContext::with(Setup {
        nodes: 1,
        fund: 0,
        ..Setup::default()
    })
    .await;
    let (bounty, _) = t.vaults();
    let auth = t.authority.insecure_clone();
    let source = t.authority_reward_account;
    let out = t
        .send(
            &[ix::fund_task(
                auth.pubkey(),
                t.task,
                t.reward_accounts(source),
                1_234_567,
            )],
            &[&auth],
        )
        .await
        .ok();
    assert_eq!(t.token_balance(&bounty).await, 1_234_567);
    assert_eq!(t.token_balance(&source).await, WALLET_TOKENS - 1_234_567);
    assert_eq!(t.task().await.total_funded, 1_234_567);
    let ev = out.events_of::<TaskFunded>();
    assert_eq!(
        (ev[0].amount, ev[0].total_funded, ev[0].funder),
        (1_234_567, 1_234_567, auth.pubkey())
    );

    // Anyone can fund: a node operator sponsors the bounty.
    let op = t.nodes[0].operator.insecure_clone();
    let op_rewards = t.wallet(t.reward, &op.pubkey()).await;
    t.send(
        &[ix::fund_task(
            op.pubkey(),
            t.task,
            t.reward_accounts(op_rewards),
            10,
        )],
        &[&op],
    )
    .await
    .ok();
    assert_eq!(t.task().await.total_funded, 1_234_577);
    t.assert_invariants().await;
}

#[tokio::test]
async fn fund_task_rejects_bad_input() {
    let mut t = TestContext::with(Setup {
        nodes: 1,
        fund: 1_000,
        ..Setup::default()
    })
    .await;
    let auth = t.authority.insecure_clone();
    let source = t.authority_reward_account;
    let (_, stake_vault) = t.vaults();

    let ix = ix::fund_task(auth.pubkey(), t.task, t.reward_accounts(source), 0);
    assert_rejected!(t, GradualError::ZeroAmount, t.send(&[ix], &[&auth]).await);

    // total_funded + amount overflows: refused before any token moves.
    let ix = ix::fund_task(
        auth.pubkey(),
        t.task,
        t.reward_accounts(source),
        u64::MAX - 500,
    );
    assert_rejected!(t, GradualError::MathOverflow, t.send(&[ix], &[&auth]).await);

    // Source account of the stake mint.
    let stake_src = t.wallet(t.stake, &auth.pubkey()).await;
    let ix = ix::fund_task(auth.pubkey(), t.task, t.reward_accounts(stake_src), 10);
    assert_rejected!(t, GradualError::WrongMint, t.send(&[ix], &[&auth]).await);

    // Mint argument is the stake mint.
    let mut accounts = t.reward_accounts(source);
    accounts.mint = t.stake.mint;
    let ix = ix::fund_task(auth.pubkey(), t.task, accounts, 10);
    assert_rejected!(t, GradualError::WrongMint, t.send(&[ix], &[&auth]).await);

    // The stake vault substituted for the bounty vault.
    let ix = ix::fund_task(auth.pubkey(), t.task, t.reward_accounts(source), 10);
    let ix = ix::with_account(ix, 4, AccountMeta::new(stake_vault, false));
    assert_rejected!(t, GradualError::WrongVault, t.send(&[ix], &[&auth]).await);

    // Another task's bounty vault substituted.
    let slot = t.slot().await;
    let other = t.create_task_ix(args(77, slot + 10, default_config()));
    t.send(&[other], &[&auth]).await.ok();
    let other_vault = pda::bounty_vault(&pda::task(&auth.pubkey(), 77).0).0;
    let ix = ix::fund_task(auth.pubkey(), t.task, t.reward_accounts(source), 10);
    let ix = ix::with_account(ix, 4, AccountMeta::new(other_vault, false));
    assert_rejected!(t, GradualError::WrongVault, t.send(&[ix], &[&auth]).await);
}

#[tokio::test]
async fn update_task_takes_effect_two_rounds_later_and_never_moves_a_round_in_flight() {
    let mut t = TestContext::new().await;
    let auth = t.authority.insecure_clone();
    t.warp_to_round(1).await;
    let new = TaskConfig {
        round_slots: 60,
        submission_slots: 10,
        audit_slots: 10,
        distribution_slots: 10,
        distribution_audit_slots: 10,
        minimum_stake: 20_000,
        ..default_config()
    };

    // Round 1 is being worked, round 0 submits: effective round 2 would change round 1's
    // submission window.
    let ix = ix::update_task(auth.pubkey(), t.task, 2, new);
    assert_rejected!(
        t,
        GradualError::UpdateAffectsRoundInFlight,
        t.send(&[ix], &[&auth]).await
    );

    let before = t.task().await.schedule();
    let out = t
        .send(&[ix::update_task(auth.pubkey(), t.task, 3, new)], &[&auth])
        .await
        .ok();
    let ev = out.events_of::<TaskUpdated>();
    assert_eq!((ev[0].effective_round, ev[0].config_version), (3, 1));
    let task = t.task().await;
    let after = task.schedule();
    for r in 0..3 {
        assert_eq!(before.timeline(r), after.timeline(r), "round {r} unchanged");
    }
    assert_eq!(after.windows_for(3).round_slots, 60);
    assert_eq!(
        after.round_start(4),
        Some(after.round_start(3).unwrap() + 60)
    );
    assert_eq!(task.config_for_round(3).minimum_stake, 20_000);
    assert_eq!(task.config_for_round(2).minimum_stake, 10_000);

    // Replacing it is fine while round 3 is still two rounds away.
    t.send(&[ix::update_task(auth.pubkey(), t.task, 3, new)], &[&auth])
        .await
        .ok();
    assert_eq!(t.task().await.config_version, 2);

    // In round 2 the pending update is next: it can be neither replaced nor joined by a third.
    t.warp_to_round(2).await;
    let ix = ix::update_task(auth.pubkey(), t.task, 5, default_config());
    assert_rejected!(
        t,
        GradualError::UpdateAlreadyPending,
        t.send(&[ix], &[&auth]).await
    );

    // Once round 4 runs, the update is folded into the base config and a new one is accepted.
    t.warp_to_round(4).await;
    t.send(
        &[ix::update_task(auth.pubkey(), t.task, 6, default_config())],
        &[&auth],
    )
    .await
    .ok();
    let task = t.task().await;
    assert_eq!(task.config, new);
    assert_eq!(task.config_base_round, 3);
    assert_eq!(task.pending_config.unwrap().effective_round, 6);
    assert_eq!(task.schedule().round_start(3), after.round_start(3));
    assert_eq!(task.schedule().round_start(5), after.round_start(5));
}

#[tokio::test]
async fn update_task_rejects_bad_input() {
    let mut t = TestContext::new().await;
    let auth = t.authority.insecure_clone();
    let op = t.nodes[0].operator.insecure_clone();

    let ix = ix::update_task(op.pubkey(), t.task, 5, default_config());
    assert_rejected!(t, GradualError::Unauthorized, t.send(&[ix], &[&op]).await);

    let bad = TaskConfig {
        audit_slots: 90,
        ..default_config()
    };
    let ix = ix::update_task(auth.pubkey(), t.task, 5, bad);
    assert_rejected!(
        t,
        GradualError::SubmissionAndAuditExceedRound,
        t.send(&[ix], &[&auth]).await
    );

    let ix = ix::update_task(auth.pubkey(), t.task, u64::MAX, default_config());
    assert_rejected!(
        t,
        GradualError::RoundOutOfRange,
        t.send(&[ix], &[&auth]).await
    );
}

#[tokio::test]
async fn pause_and_resume() {
    let mut t = TestContext::new().await;
    let auth = t.authority.insecure_clone();
    let op = t.nodes[0].operator.insecure_clone();

    let ix = ix::pause_task(op.pubkey(), t.task);
    assert_rejected!(t, GradualError::Unauthorized, t.send(&[ix], &[&op]).await);
    let ix = ix::resume_task(auth.pubkey(), t.task);
    assert_rejected!(
        t,
        GradualError::TaskNotPaused,
        t.send(&[ix], &[&auth]).await
    );

    t.send(&[ix::pause_task(auth.pubkey(), t.task)], &[&auth])
        .await
        .ok();
    assert_eq!(t.task().await.status, TaskStatus::Paused);
    let ix = ix::pause_task(auth.pubkey(), t.task);
    assert_rejected!(
        t,
        GradualError::TaskNotActive,
        t.send(&[ix], &[&auth]).await
    );

    // Paused: no joins, no submissions.
    let newcomer = t.new_operator().await;
    assert_rejected!(t, GradualError::TaskPaused, t.join(&newcomer, 50_000).await);
    t.warp_to_submission(0).await;
    assert_rejected!(t, GradualError::TaskPaused, t.submit(0, 0, b"proof").await);

    let ix = ix::resume_task(op.pubkey(), t.task);
    assert_rejected!(t, GradualError::Unauthorized, t.send(&[ix], &[&op]).await);
    t.send(&[ix::resume_task(auth.pubkey(), t.task)], &[&auth])
        .await
        .ok();
    assert_eq!(t.task().await.status, TaskStatus::Active);
    t.submit(0, 0, b"proof").await.ok();
    t.join(&newcomer, 50_000).await.ok();
}

fn set_logic(
    t: &TestContext,
    effective_round: u64,
    uri: &str,
    hash: u8,
) -> solana_instruction::Instruction {
    ix::set_task_logic(
        t.authority.pubkey(),
        t.task,
        effective_round,
        uri.into(),
        [hash; 32],
        vec![hash; 4],
    )
}

#[tokio::test]
async fn task_logic_is_set_before_the_start_and_changes_only_two_rounds_ahead() {
    let mut t = TestContext::new().await;
    let auth = t.authority.insecure_clone();
    let address = pda::task_logic(&t.task).0;
    // Before round 0: from round 0 (what `gradual task create` sends with the task).
    let out = t
        .send(&[set_logic(&t, 0, "builtin:hash-chain", 1)], &[&auth])
        .await
        .ok();
    let ev = out.events_of::<TaskLogicSet>();
    assert_eq!(
        (ev[0].effective_round, ev[0].version, ev[0].hash),
        (0, 1, [1; 32])
    );
    let logic: TaskLogic = t.anchor(&address).await;
    assert_eq!(logic.task, t.task);
    assert_eq!(logic.bump, pda::task_logic(&t.task).1, "canonical bump");
    assert_eq!(
        logic.for_round(0).map(|d| d.uri.as_str()),
        Some("builtin:hash-chain")
    );
    assert_eq!(logic.for_round(0).unwrap().params, vec![1; 4]);

    // Round 1 runs: round 2 is in flight, round 3 is the earliest.
    t.warp_to_round(1).await;
    let ix = set_logic(&t, 2, "https://example.org/v2", 2);
    assert_rejected!(
        t,
        GradualError::UpdateAffectsRoundInFlight,
        t.send(&[ix], &[&auth]).await
    );
    t.send(&[set_logic(&t, 3, "https://example.org/v2", 2)], &[&auth])
        .await
        .ok();
    let logic: TaskLogic = t.anchor(&address).await;
    assert_eq!(logic.version, 2);
    assert_eq!(
        logic.for_round(2).unwrap().hash,
        [1; 32],
        "round 2 keeps the first"
    );
    assert_eq!(logic.for_round(3).unwrap().hash, [2; 32]);
    assert_eq!(
        logic.current.as_ref().unwrap().effective_round,
        0,
        "the first is folded"
    );

    // In round 2 the pending change is next: it cannot be replaced.
    t.warp_to_round(2).await;
    let ix = set_logic(&t, 5, "https://example.org/v3", 3);
    assert_rejected!(
        t,
        GradualError::UpdateAlreadyPending,
        t.send(&[ix], &[&auth]).await
    );
    // Once it is in force, a new one is accepted and the old one becomes current.
    t.warp_to_round(3).await;
    t.send(&[set_logic(&t, 5, "https://example.org/v3", 3)], &[&auth])
        .await
        .ok();
    let logic: TaskLogic = t.anchor(&address).await;
    assert_eq!(logic.for_round(4).unwrap().hash, [2; 32]);
    assert_eq!(logic.for_round(5).unwrap().hash, [3; 32]);
}

#[tokio::test]
async fn set_task_logic_rejects_strangers_long_blobs_and_other_addresses() {
    let mut t = TestContext::new().await;
    let auth = t.authority.insecure_clone();
    let op = t.nodes[0].operator.insecure_clone();
    // Not the task's authority (the descriptor is not even created).
    let ix = ix::set_task_logic(op.pubkey(), t.task, 0, "x".into(), [0; 32], vec![]);
    assert_rejected!(t, GradualError::Unauthorized, t.send(&[ix], &[&op]).await);
    assert!(t.account(&pda::task_logic(&t.task).0).await.is_none());
    // Too long: 97-byte uri, 129-byte params.
    let ix = set_logic(&t, 0, &"u".repeat(97), 1);
    assert_rejected!(
        t,
        GradualError::LogicDescriptorTooLong,
        t.send(&[ix], &[&auth]).await
    );
    let ix = ix::set_task_logic(auth.pubkey(), t.task, 0, "x".into(), [0; 32], vec![0; 129]);
    assert_rejected!(
        t,
        GradualError::LogicDescriptorTooLong,
        t.send(&[ix], &[&auth]).await
    );
    // The longest blobs fit the account.
    let ix = ix::set_task_logic(
        auth.pubkey(),
        t.task,
        0,
        "u".repeat(96),
        [0; 32],
        vec![7; 128],
    );
    t.send(&[ix], &[&auth]).await.ok();
    // A descriptor at another address (another task's seeds): refused by the seeds check.
    let other = pda::task_logic(&pda::task(&auth.pubkey(), 999).0).0;
    let ix = ix::with_account(set_logic(&t, 0, "x", 1), 2, AccountMeta::new(other, false));
    let out = t.send(&[ix], &[&auth]).await;
    assert!(
        out.result.is_err(),
        "a descriptor at another address is refused"
    );
    assert!(t.account(&other).await.is_none());
    // Out of the schedule's range.
    let ix = set_logic(&t, u64::MAX, "x", 1);
    assert_rejected!(
        t,
        GradualError::RoundOutOfRange,
        t.send(&[ix], &[&auth]).await
    );
}
