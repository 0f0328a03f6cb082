//! Malformed instruction data and account lists against the real .so: every instruction of
//! the program, with its data truncated, extended or replaced by random bytes and its accounts
//! swapped for other real accounts of the test (another task's, vaults, rounds, programs,
//! sysvars, strangers) or dropped. The program must answer with a named error (Anchor's or its
//! own custom code), never a panic or a runtime fault, and change nothing. Seeded, so a
//! failure reproduces: `GRADUAL_FUZZ_SEED=<n> GRADUAL_FUZZ_CASES=<n> cargo test -p
//! gradual-tests --test malformed -- --nocapture`.
#![allow(deprecated)]

use gradual::state::AuditKind;
use gradual_sdk::{ix, pda};
use gradual_tests::*;
use solana_instruction::{error::InstructionError, Instruction};
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;
use std::collections::BTreeMap;

/// `rng.below` over a length.
fn pick(rng: &mut Rng, n: usize) -> usize {
    rng.below(n as u64) as usize
}

#[tokio::test]
async fn malformed_instructions_get_named_errors_and_change_nothing() {
    let seed: u64 = env_or("GRADUAL_FUZZ_SEED", 3);
    let cases: usize = env_or("GRADUAL_FUZZ_CASES", 400);
    let mut t = TestContext::with(Setup {
        nodes: 4,
        ..Setup::default()
    })
    .await;
    // Some state worth attacking: a round with submissions and an open audit.
    t.warp_to_submission(0).await;
    for i in 0..4 {
        t.submit(i, 0, b"p").await.ok();
    }
    t.raise(0, 0, AuditKind::Submission, 1).await.ok();
    let task = t.task;
    let auth = t.authority.pubkey();
    let payer = t.ctx.payer.pubkey();
    let (bounty, stake_vault) = t.vaults();
    let n0 = t.nodes[0].operator.pubkey();
    let node0 = t.nodes[0].node;
    let node1 = t.nodes[1].node;
    let audit = t.audit_address(0, AuditKind::Submission, 1);
    let stake = t.stake_accounts(t.nodes[0].stake_account);
    let reward = t.reward_accounts(t.nodes[0].reward_account);

    // One well-formed instruction of every kind.
    let templates: Vec<Instruction> = vec![
        ix::fund_task(auth, task, reward, 10),
        ix::update_task(auth, task, 5, default_config()),
        ix::pause_task(auth, task),
        ix::resume_task(auth, task),
        ix::join_task(n0, n0, task, stake, t.nodes[0].reward_account, 50_000),
        ix::add_stake(n0, task, stake, 10),
        ix::request_unstake(n0, task, 10),
        ix::withdraw_stake(n0, task, stake),
        ix::open_round(n0, task, 0),
        ix::submit(n0, node0, 0, task, 0, b"x".to_vec()),
        ix::merge_shards(
            task,
            0,
            &[ix::ShardToMerge {
                shard: 0,
                payer: Some(n0),
            }],
        ),
        ix::close_submission(n0, task, 0, node0),
        ix::raise_audit(
            n0,
            node0,
            task,
            0,
            AuditKind::Submission,
            node1,
            stake.account,
            None,
        ),
        ix::vote(n0, node0, task, 0, audit, true),
        ix::resolve_audit(
            task,
            0,
            audit,
            node1,
            stake,
            stake.account,
            ix::slash_destination(&task, false),
            None,
        ),
        ix::select_distributor(task, 0),
        ix::begin_distribution(n0, node0, task, 0, 0, 1, 10),
        ix::append_distribution(n0, task, 0, 0, 0, vec![]),
        ix::seal_distribution(n0, task, 0, 0),
        ix::skip_distribution(task, 0),
        ix::finalize_distribution(task, 0, 0),
        ix::claim_reward(task, 0, 0, 0, node0, reward),
        ix::set_reward_account(n0, task, reward.account),
        ix::set_operator(n0, task, n0),
        ix::close_node(n0, task),
        ix::close_vote(n0, audit, node0),
        ix::close_audit(n0, audit),
        ix::close_distribution(n0, task, 0, 0),
        ix::close_round(n0, task, 0),
        ix::close_task(auth, task, reward),
        ix::close_task_accounts(auth, task, reward, stake),
        ix::sweep_slashed(auth, task, stake),
    ];
    // Real accounts to swap in.
    let mut pool: Vec<Pubkey> = vec![
        task,
        bounty,
        stake_vault,
        pda::slash_vault(&task).0,
        pda::round(&task, 0).0,
        pda::round(&task, 1).0,
        audit,
        pda::submission(&task, 0, &node0).0,
        pda::distribution(&task, 0, 0).0,
        t.reward.mint,
        t.stake.mint,
        TOKEN,
        TOKEN_2022,
        gradual::ID,
        solana_sdk_ids::system_program::ID,
        ix::slot_hashes_sysvar(),
        solana_sdk_ids::sysvar::clock::ID,
        Pubkey::new_unique(),
        payer,
    ];
    for n in &t.nodes {
        pool.extend([n.node, n.stake_account, n.reward_account]);
    }
    let watched: Vec<Pubkey> = t
        .touched()
        .into_iter()
        .chain(pool.iter().copied())
        .filter(|k| *k != payer)
        .collect();

    let mut rng = Rng::new(seed);
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    for case in 0..cases {
        let mut ixn = templates[pick(&mut rng, templates.len())].clone();
        match pick(&mut rng, 4) {
            0 => ixn.data.truncate(pick(&mut rng, ixn.data.len() + 1)),
            1 => {
                let extra = pick(&mut rng, 48);
                ixn.data.extend((0..extra).map(|_| rng.next_u64() as u8));
            }
            2 => {
                let keep = 8.min(ixn.data.len());
                let len = pick(&mut rng, 80);
                ixn.data.truncate(keep);
                ixn.data.extend((0..len).map(|_| rng.next_u64() as u8));
            }
            _ => {
                let len = pick(&mut rng, 64);
                ixn.data = (0..len).map(|_| rng.next_u64() as u8).collect();
            }
        }
        for _ in 0..pick(&mut rng, 4) {
            if ixn.accounts.is_empty() {
                break;
            }
            let at = pick(&mut rng, ixn.accounts.len());
            ixn.accounts[at].pubkey = pool[pick(&mut rng, pool.len())];
        }
        if pick(&mut rng, 4) == 0 {
            let keep = pick(&mut rng, ixn.accounts.len() + 1);
            ixn.accounts.truncate(keep);
        }
        // Only the bank payer signs: every other signer flag is dropped.
        for meta in &mut ixn.accounts {
            if meta.pubkey != payer {
                meta.is_signer = false;
            }
        }
        let before = t.snapshot(&watched).await;
        let sent = ixn.clone();
        let out = t.send(&[ixn], &[]).await;
        let key = match &out.result {
            Ok(()) => "ok".to_string(),
            Err(TransactionError::InstructionError(_, InstructionError::Custom(code))) => {
                t.snapshot(&watched).await.assert_same(&before);
                format!("custom {code}")
            }
            // Anchor's token-interface types (Mint, TokenAccount) report a wrong layout as
            // the runtime's InvalidAccountData, naming the account in the log.
            Err(TransactionError::InstructionError(_, InstructionError::InvalidAccountData))
                if out.logs.iter().any(|l| l.contains("caused by account:")) =>
            {
                t.snapshot(&watched).await.assert_same(&before);
                "invalid account data (named account)".to_string()
            }
            Err(other) => panic!(
                "case {case} (seed {seed}): not a named error: {other:?}\n{sent:?}\n{}",
                out.logs.join("\n")
            ),
        };
        *outcomes.entry(key).or_default() += 1;
        t.assert_invariants().await;
    }
    println!("malformed instructions, seed {seed}, {cases} cases: {outcomes:?}");
    assert!(!outcomes.contains_key("ok") || outcomes["ok"] < cases as u64 / 10);
}
