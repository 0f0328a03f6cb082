//! Issue 13's Anchor 2.0 lever, measured: `probes/anchor-v2` is gradual's `vote` (whole-network
//! path) ported to anchor-lang 2.0.0-rc.2 and built as `gradual_v2_probe.so` at gradual's
//! program id. This runs the same vote, on the same account bytes, once through `gradual.so`
//! (Anchor 1.2.2) and once through the port, and requires the same outcome byte for byte
//! (Audit, Vote, event, lamports) and the same error codes for three refusals; it prints the
//! figures of docs/benchmarks.md ("Anchor 2.0") and fails when the doc's CU rows drift by more
//! than 10%. Only the whole-network path is ported (the jury path is refused by the port).
//!
//! Bank A runs the real lifecycle up to a raised audit. Bank B runs only the port: the
//! accounts the vote reads are copied into it from bank A before the vote.
use gradual::{errors::GradualError, state::AuditKind};
use gradual_sdk::{ix, pda};
use gradual_tests::*;
use solana_instruction::{error::InstructionError, Instruction};
use solana_keypair::Keypair;
use solana_program_test::{ProgramTest, ProgramTestContext};
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

/// Runs `ix` signed by `signer` on a bank of its own (bank B); the fee payer is the bank's.
async fn run(ctx: &mut ProgramTestContext, ix: &Instruction, signer: &Keypair) -> Outcome {
    let blockhash = ctx.get_new_latest_blockhash().await.expect("blockhash");
    let payer = ctx.payer.insecure_clone();
    let tx = Transaction::new_signed_with_payer(
        std::slice::from_ref(ix),
        Some(&payer.pubkey()),
        &[&payer, signer],
        blockhash,
    );
    process_on(ctx, tx).await
}

fn custom_code(outcome: &Outcome) -> Option<u32> {
    match &outcome.result {
        Err(TransactionError::InstructionError(_, InstructionError::Custom(code))) => Some(*code),
        _ => None,
    }
}

fn so_size(name: &str) -> u64 {
    let dir = std::env::var("SBF_OUT_DIR").expect("SBF_OUT_DIR is set by start_bank");
    let path = std::path::Path::new(&dir).join(name);
    std::fs::metadata(&path)
        .unwrap_or_else(|e| panic!("{}: {e}: run scripts/build.sh first", path.display()))
        .len()
}

#[tokio::test]
async fn vote_on_anchor_2_matches_anchor_1_byte_for_byte() {
    let mut a = TestContext::with(Setup {
        nodes: 5,
        ..Setup::default()
    })
    .await;
    a.warp_to_submission(0).await;
    for i in 0..5 {
        a.submit(i, 0, &[i as u8 + 1; 46]).await.ok();
    }
    a.raise(0, 0, AuditKind::Submission, 4).await.ok();

    // Bank B: the port at gradual's program id, with the accounts the vote reads.
    let mut pt = ProgramTest::default();
    pt.prefer_bpf(true);
    pt.add_program("gradual_v2_probe", gradual::ID, None);
    let mut b = pt.start_with_context().await;
    let audit = a.audit_address(0, AuditKind::Submission, 4);
    let round = pda::round(&a.task, 0).0;
    let voters: Vec<(Keypair, Pubkey)> = (1..5)
        .map(|i| (a.nodes[i].operator.insecure_clone(), a.nodes[i].node))
        .collect();
    let mut copied = vec![audit, round];
    for (op, node) in &voters {
        copied.push(op.pubkey());
        copied.push(*node);
    }
    for key in &copied {
        let account = a.account(key).await.expect("account to copy");
        b.set_account(key, &account.into());
    }
    let slot_b = {
        // The Clock sysvar starts with its slot (u64 LE).
        let clock = b
            .banks_client
            .get_account(solana_sdk_ids::sysvar::clock::ID)
            .await
            .expect("bank B")
            .expect("clock sysvar");
        u64::from_le_bytes(clock.data[..8].try_into().expect("8 bytes"))
    };
    let audit_state: gradual::state::Audit = a.anchor(&audit).await;
    assert!(
        slot_b < audit_state.deadline_slot,
        "bank B must be inside the audit's window"
    );

    let task = a.task;
    let vote_ix = |i: usize, approve: bool| {
        let (op, node) = &voters[i - 1];
        ix::vote(op.pubkey(), *node, task, 0, audit, approve)
    };

    // 1. The measured vote (node 1 for), then node 2 against: same results on both.
    let mut cu = Vec::new();
    for (i, approve) in [(1usize, true), (2, false)] {
        let ix = vote_ix(i, approve);
        let op = voters[i - 1].0.insecure_clone();
        let on_a = a.send(std::slice::from_ref(&ix), &[&op]).await.ok();
        let on_b = run(&mut b, &ix, &op).await.ok();
        assert_eq!(on_a.events(), on_b.events(), "Voted event differs");
        let vote = pda::vote(&audit, &voters[i - 1].1).0;
        for key in [audit, vote] {
            let x = a.account(&key).await.expect("account on A");
            let y = b
                .banks_client
                .get_account(key)
                .await
                .expect("bank B")
                .expect("account on B");
            assert_eq!(x.data, y.data, "{key} data differs");
            assert_eq!(x.lamports, y.lamports, "{key} lamports differ");
            assert_eq!(x.owner, y.owner, "{key} owner differs");
        }
        cu.push((on_a.cu, on_b.cu));
    }

    // 2. Named errors, the same on both: a second vote, the accused voting, a stranger's key.
    let again = vote_ix(1, true);
    let op1 = voters[0].0.insecure_clone();
    let target = vote_ix(4, true);
    let op4 = voters[3].0.insecure_clone();
    let stranger = Keypair::new();
    let mut forged = vote_ix(3, true);
    forged.accounts[0].pubkey = stranger.pubkey();
    a.airdrop(&stranger.pubkey(), 1_000_000_000).await;
    let stranger_account = a.account(&stranger.pubkey()).await.expect("stranger");
    b.set_account(&stranger.pubkey(), &stranger_account.into());
    for (what, ix, op, expected) in [
        ("second vote", &again, &op1, GradualError::AlreadyVoted),
        (
            "accused votes",
            &target,
            &op4,
            GradualError::TargetCannotVote,
        ),
        (
            "not the operator",
            &forged,
            &stranger,
            GradualError::Unauthorized,
        ),
    ] {
        let on_a = a.send(std::slice::from_ref(ix), &[op]).await;
        let on_b = run(&mut b, ix, op).await;
        assert!(
            is_program_error(&on_a, expected),
            "{what} on 1.2.2: {:?}",
            on_a.result
        );
        assert_eq!(
            custom_code(&on_b),
            Some(error_code(expected)),
            "{what} on 2.0: {:?}\n{}",
            on_b.result,
            on_b.logs.join("\n")
        );
    }

    let (size_1, size_2) = (so_size("gradual.so"), so_size("gradual_v2_probe.so"));
    println!("| vote (whole-network) | Anchor 1.2.2 (gradual.so) | Anchor 2.0.0-rc.2 (port) |");
    println!("|---|---:|---:|");
    println!("| first vote, CU | {} | {} |", cu[0].0, cu[0].1);
    println!("| second vote, CU | {} | {} |", cu[1].0, cu[1].1);
    println!("| .so bytes | {size_1} (31 instructions) | {size_2} (vote only) |");
    assert!(
        cu[0].1 < cu[0].0,
        "the port is expected to be cheaper: {:?}",
        cu[0]
    );
    // docs/benchmarks.md ("Anchor 2.0") must hold these figures within 10%, as bench.rs
    // requires of the main table.
    let docs = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/benchmarks.md"
    ))
    .expect("docs/benchmarks.md");
    for (row, (v1, v2)) in [
        ("| first vote, CU |", cu[0]),
        ("| second vote, CU |", cu[1]),
    ] {
        let line = docs
            .lines()
            .find(|l| l.starts_with(row))
            .unwrap_or_else(|| panic!("docs/benchmarks.md has no row {row}"));
        let documented: Vec<u64> = line
            .split('|')
            .skip(2)
            .take(2)
            .map(|c| {
                let figure = c.split_whitespace().next().unwrap_or("");
                figure
                    .replace(',', "")
                    .parse()
                    .unwrap_or_else(|_| panic!("no figure in {line}"))
            })
            .collect();
        for (doc, measured) in documented.into_iter().zip([v1, v2]) {
            assert!(
                doc.abs_diff(measured) * 10 <= measured,
                "docs/benchmarks.md says {doc} in {row}, measured {measured}: update it"
            );
        }
    }
}
