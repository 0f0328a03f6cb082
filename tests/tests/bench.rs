//! Compute units of every instruction, measured from the real .so, plus account sizes and rent.
//! Prints the tables that docs/benchmarks.md carries, checks the issues' CU targets, and fails
//! when a figure in docs/benchmarks.md drifts more than 10% from the measurement.
//! (The 10,000-node figures come from tests/tests/scale.rs.)
#![allow(deprecated)]

use gradual::{
    instructions::CreateTaskArgs,
    state::{
        Audit, AuditKind, DistributionEntry, DistributionList, Node, Round, RoundShard, Submission,
        Task, Vote,
    },
};
use gradual_sdk::{ix, pda};
use gradual_tests::*;
use solana_signer::Signer;
use std::collections::BTreeMap;

#[tokio::test]
async fn compute_units_and_account_sizes() {
    let mut t = TestContext::with(Setup {
        nodes: 5,
        ..Setup::default()
    })
    .await;
    let mut cu: BTreeMap<String, u64> = BTreeMap::new();
    let mut put = |name: &str, out: Outcome| {
        cu.insert(name.to_string(), out.ok().cu);
    };
    let auth = t.authority.insecure_clone();
    let n0 = t.nodes[0].operator.insecure_clone();
    let acct0 = t.stake_accounts(t.nodes[0].stake_account);

    let slot = t.slot().await;
    let create = t.create_task_ix(CreateTaskArgs {
        task_id: 1_000,
        start_slot: slot + 10,
        max_nodes: 4_096,
        config: default_config(),
        trust_flags: 0,
        audit_sample: 0,
        jury_size: 0,
    });
    put("create_task", t.send(&[create], &[&auth]).await);
    let fund = ix::fund_task(
        auth.pubkey(),
        t.task,
        t.reward_accounts(t.authority_reward_account),
        1_000,
    );
    put("fund_task", t.send(&[fund], &[&auth]).await);
    let newcomer = t.new_operator().await;
    put("join_task", t.join(&newcomer, 50_000).await);
    t.nodes.push(newcomer);
    put(
        "add_stake",
        t.send(&[ix::add_stake(n0.pubkey(), t.task, acct0, 1_000)], &[&n0])
            .await,
    );
    put(
        "update_task",
        t.send(
            &[ix::update_task(auth.pubkey(), t.task, 9, default_config())],
            &[&auth],
        )
        .await,
    );
    put(
        "pause_task",
        t.send(&[ix::pause_task(auth.pubkey(), t.task)], &[&auth])
            .await,
    );
    put(
        "resume_task",
        t.send(&[ix::resume_task(auth.pubkey(), t.task)], &[&auth])
            .await,
    );

    // Round 0: submissions, a submission audit that is upheld.
    t.warp_to_submission(0).await;
    put(
        "open_round + submit (creates the shard)",
        t.submit(1, 0, &[1u8; 46]).await,
    );
    put("submit", t.submit(0, 0, &[2u8; 46]).await);
    put("submit (512-byte proof)", t.submit(2, 0, &[3u8; 512]).await);
    t.submit(3, 0, &[4u8; 46]).await.ok();
    t.submit(4, 0, &[5u8; 46]).await.ok();
    put("raise_audit", t.raise(0, 0, AuditKind::Submission, 4).await);
    put("vote", t.vote(1, 0, AuditKind::Submission, 4, true).await);
    t.vote(2, 0, AuditKind::Submission, 4, true).await.ok();
    put(
        "request_unstake",
        t.send(&[ix::request_unstake(n0.pubkey(), t.task, 1_000)], &[&n0])
            .await,
    );
    let audit_end = t.task().await.schedule().timeline(0).unwrap().audit().end;
    t.warp_to(audit_end).await;
    put(
        "resolve_audit (upheld, slash)",
        t.resolve(0, AuditKind::Submission, 4).await,
    );

    // The round's one shard holds the five submissions.
    let mut merges = t.merge(0).await;
    assert_eq!(merges.len(), 1);
    put("merge_shards (4 shards, 1 created)", merges.remove(0));

    // Round 0 distribution among nodes 0..=3.
    let (upload, list_audit) = t.attempt_windows(0, 0).await;
    t.warp_to(upload.start).await;
    t.warp_to(upload.start + 1).await;
    let (out, chosen) = t.select(0).await;
    put("select_distributor (5 nodes)", out);
    let d = chosen.unwrap();
    let op = t.nodes[d].operator.insecure_clone();
    let entries: Vec<DistributionEntry> = (0..4)
        .map(|i| DistributionEntry {
            node_index: i,
            amount: 250_000,
        })
        .collect();
    put(
        "begin_distribution",
        t.send_as(
            &op,
            &[ix::begin_distribution(
                op.pubkey(),
                pda::node(&t.task, &op.pubkey()).0,
                t.task,
                0,
                0,
                4,
                1_000_000,
            )],
        )
        .await,
    );
    put(
        "append_distribution (4 entries)",
        t.send_as(
            &op,
            &[ix::append_distribution(
                op.pubkey(),
                t.task,
                0,
                0,
                0,
                entries,
            )],
        )
        .await,
    );
    put(
        "seal_distribution",
        t.send_as(&op, &[ix::seal_distribution(op.pubkey(), t.task, 0, 0)])
            .await,
    );
    t.warp_to(list_audit.end).await;
    put(
        "finalize_distribution",
        t.send(&[ix::finalize_distribution(t.task, 0, 0)], &[])
            .await,
    );
    put("claim_reward", t.claim(0, 0, 0, 0).await);
    for i in 1..4 {
        t.claim(i, 0, 0, i as u32).await.ok();
    }

    // Cleanup cranks.
    let audit = t.audit_address(0, AuditKind::Submission, 4);
    put(
        "close_vote",
        t.send(
            &[ix::close_vote(
                t.nodes[1].operator.pubkey(),
                audit,
                t.nodes[1].node,
            )],
            &[],
        )
        .await,
    );
    put(
        "close_audit",
        t.send(&[ix::close_audit(n0.pubkey(), audit)], &[]).await,
    );
    put(
        "close_submission",
        t.send(
            &[ix::close_submission(
                n0.pubkey(),
                t.task,
                0,
                t.nodes[0].node,
            )],
            &[],
        )
        .await,
    );
    put(
        "close_distribution",
        t.send(&[ix::close_distribution(op.pubkey(), t.task, 0, 0)], &[])
            .await,
    );

    // Round 3: nobody uploads; the attempt is skipped.
    t.warp_to_submission(3).await;
    t.submit(0, 3, b"p").await.ok();
    let (upload, _) = t.attempt_windows(3, 0).await;
    t.warp_to(upload.end).await;
    put(
        "skip_distribution",
        t.send(&[ix::skip_distribution(t.task, 3)], &[]).await,
    );

    t.warp_to_round(6).await;
    put(
        "withdraw_stake",
        t.send(&[ix::withdraw_stake(n0.pubkey(), t.task, acct0)], &[&n0])
            .await,
    );
    let dest = t.wallet(t.stake, &auth.pubkey()).await;
    put(
        "sweep_slashed",
        t.send(
            &[ix::sweep_slashed(
                auth.pubkey(),
                t.task,
                t.stake_accounts(dest),
            )],
            &[&auth],
        )
        .await,
    );
    t.send(&[ix::pause_task(auth.pubkey(), t.task)], &[&auth])
        .await
        .ok();
    let end = t.task().await.close_after_slot;
    t.warp_to(end).await;
    put(
        "close_task",
        t.send(
            &[ix::close_task(
                auth.pubkey(),
                t.task,
                t.reward_accounts(t.authority_reward_account),
            )],
            &[&auth],
        )
        .await,
    );
    for i in 1..5 {
        let op = t.nodes[i].operator.pubkey();
        t.send(&[ix::close_submission(op, t.task, 0, t.nodes[i].node)], &[])
            .await
            .ok();
    }
    let payer = t.round(0).await.unwrap().0.payer;
    put(
        "close_round",
        t.send(&[ix::close_round(payer, t.task, 0)], &[]).await,
    );
    assert!(t.account(&pda::round(&t.task, 0).0).await.is_none());
    t.assert_invariants().await;

    print_table(("instruction", "compute units"), &cu);
    let rent = t.ctx.banks_client.get_rent().await.unwrap();
    let sizes: Vec<(&str, usize)> = vec![
        ("Task", Task::SPACE),
        ("Node", Node::SPACE),
        ("Round (max_nodes 4,096)", Round::space(4_096)),
        ("Round (max_nodes 16,384)", Round::space(16_384)),
        ("RoundShard (1,024 node indexes)", RoundShard::SPACE),
        ("Submission (46-byte CID)", Submission::space(46)),
        ("Submission (512-byte proof)", Submission::space(512)),
        ("Audit", Audit::SPACE),
        ("Vote", Vote::SPACE),
        (
            "DistributionList (5 entries, 4,096 nodes)",
            DistributionList::full_space(4_096, 5),
        ),
        (
            "DistributionList (10,000 entries, 16,384 nodes)",
            DistributionList::full_space(16_384, 10_000),
        ),
        (
            "bounty / stake / slash vault (token account)",
            gradual::token_utils::TOKEN_ACCOUNT_LEN,
        ),
    ];
    println!("\n| account | bytes | rent-exempt lamports |\n|---|---:|---:|");
    for (name, len) in &sizes {
        println!("| {name} | {len} | {} |", rent.minimum_balance(*len));
    }

    // Targets of the program-core and consensus issues.
    for (name, target) in [
        ("submit", 10_000),
        ("join_task", 25_000),
        ("vote", 10_000),
        ("claim_reward", 20_000),
    ] {
        assert!(
            cu[name] <= target,
            "{name} costs {} CU (target {target})",
            cu[name]
        );
    }
    check_documented(&cu);
}

/// The deployed program's size, against the `| gradual.so (bytes) | N |` row of
/// docs/benchmarks.md: a .so more than 10% larger (or smaller) than documented fails, so a
/// change that grows the program shows up in review with its measured cost.
#[test]
fn program_size_is_documented() {
    let dir = std::env::var("SBF_OUT_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target/deploy").into());
    let so = std::path::Path::new(&dir).join("gradual.so");
    let size = std::fs::metadata(&so)
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/build.sh)", so.display()))
        .len();
    println!("{}: {size} bytes", so.display());
    check_documented(&BTreeMap::from([("gradual.so (bytes)".to_string(), size)]));
}
