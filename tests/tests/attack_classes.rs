//! One test per Solana attack class against the real .so (docs/threat-model.md). Each sends
//! the attack and checks the named error and that no account changed.
#![allow(deprecated)]

use gradual::{errors::GradualError, state::AuditKind};
use gradual_sdk::{ix, pda};
use gradual_tests::*;
use solana_account::{Account, AccountSharedData};
use solana_instruction::{error::InstructionError, AccountMeta};
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

const SUB: AuditKind = AuditKind::Submission;

/// Anchor's own error codes (anchor_lang::error::ErrorCode).
const ACCOUNT_NOT_SIGNER: u32 = 3010;
const ACCOUNT_OWNED_BY_WRONG_PROGRAM: u32 = 3007;
const ACCOUNT_DISCRIMINATOR_MISMATCH: u32 = 3002;
const INVALID_PROGRAM_ID: u32 = 3008;

fn assert_anchor_error(outcome: &Outcome, code: u32) {
    match &outcome.result {
        Err(TransactionError::InstructionError(_, InstructionError::Custom(c))) if *c == code => {}
        other => panic!(
            "expected Anchor error {code}, got {other:?}\n{}",
            outcome.logs.join("\n")
        ),
    }
}

/// Like `assert_rejected!` for Anchor's own (framework) errors.
macro_rules! assert_refused {
    ($t:expr, $code:expr, $call:expr) => {{
        let keys = $t.touched();
        let before = $t.snapshot(&keys).await;
        let outcome = $call;
        assert_anchor_error(&outcome, $code);
        $t.snapshot(&keys).await.assert_same(&before);
    }};
}

#[tokio::test]
async fn missing_signer() {
    let mut t = TestContext::new().await;
    let victim = t.nodes[0].operator.pubkey();
    let thief = t.nodes[1].operator.insecure_clone();
    // The victim's unstake, with the victim's key marked as not signing: sent by the thief.
    let mut ix = ix::request_unstake(victim, t.task, 50_000);
    ix.accounts[0] = AccountMeta::new_readonly(victim, false);
    assert_refused!(t, ACCOUNT_NOT_SIGNER, t.send(&[ix], &[]).await);
    // The thief signs as itself with the victim's node: has_one refuses.
    let ix = ix::with_account(
        ix::request_unstake(thief.pubkey(), t.task, 50_000),
        2,
        AccountMeta::new(t.nodes[0].node, false),
    );
    assert_rejected!(
        t,
        GradualError::Unauthorized,
        t.send(&[ix], &[&thief]).await
    );
}

#[tokio::test]
async fn missing_owner_check() {
    let mut t = TestContext::new().await;
    // A perfect copy of node 0's data, owned by the system program instead of gradual.
    let real = t.account(&t.nodes[0].node).await.expect("node");
    let fake = Pubkey::new_unique();
    t.ctx.set_account(
        &fake,
        &AccountSharedData::from(Account {
            owner: solana_sdk_ids::system_program::ID,
            ..real
        }),
    );
    let op = t.nodes[0].operator.insecure_clone();
    // Instructions that read their Node by hand (`Node::member`) check the owner themselves.
    let ix = ix::with_account(
        ix::request_unstake(op.pubkey(), t.task, 50_000),
        2,
        AccountMeta::new(fake, false),
    );
    assert_rejected!(t, GradualError::NotAMember, t.send(&[ix], &[&op]).await);
    // Those that keep `Account<Node>` get Anchor's owner check.
    let ix = ix::with_account(
        ix::close_node(op.pubkey(), t.task),
        2,
        AccountMeta::new(fake, false),
    );
    assert_refused!(
        t,
        ACCOUNT_OWNED_BY_WRONG_PROGRAM,
        t.send(&[ix], &[&op]).await
    );
}

#[tokio::test]
async fn account_substitution() {
    let mut t = TestContext::with(Setup {
        nodes: 3,
        ..Setup::default()
    })
    .await;
    // A second task by the same creator, with its own vaults.
    let auth = t.authority.insecure_clone();
    let slot = t.slot().await;
    let other = t.create_task_ix(gradual::instructions::CreateTaskArgs {
        task_id: 77,
        start_slot: slot + 10,
        max_nodes: 64,
        config: default_config(),
        trust_flags: 0,
        audit_sample: 0,
        jury_size: 0,
    });
    t.send(&[other], &[&auth]).await.ok();
    let other_task = pda::task(&auth.pubkey(), 77).0;
    // Withdraw from this task into... the other task's stake vault as the source vault.
    let op = t.nodes[0].operator.insecure_clone();
    let acct = t.nodes[0].stake_account;
    let ix = ix::with_account(
        ix::withdraw_stake(op.pubkey(), t.task, t.stake_accounts(acct)),
        5,
        AccountMeta::new(pda::stake_vault(&other_task).0, false),
    );
    assert_rejected!(t, GradualError::WrongVault, t.send(&[ix], &[&op]).await);
    // This task's node acting on the other task.
    let ix = ix::with_account(
        ix::request_unstake(op.pubkey(), t.task, 1),
        1,
        AccountMeta::new(other_task, false),
    );
    assert_rejected!(t, GradualError::WrongTask, t.send(&[ix], &[&op]).await);
    // Another round's account for this round (PDA of the same task, other round number).
    t.warp_to_submission(0).await;
    for i in 0..3 {
        t.submit(i, 0, b"p").await.ok();
    }
    let raiser = t.nodes[1].operator.insecure_clone();
    let ix = ix::with_account(
        ix::raise_audit(
            raiser.pubkey(),
            t.nodes[1].node,
            t.task,
            1,
            SUB,
            t.nodes[2].node,
            t.nodes[1].stake_account,
            None,
        ),
        4,
        AccountMeta::new(pda::round(&t.task, 0).0, false),
    );
    assert_rejected!(t, GradualError::WrongRound, t.send(&[ix], &[&raiser]).await);
}

#[tokio::test]
async fn type_cosplay() {
    let mut t = TestContext::with(Setup {
        nodes: 3,
        ..Setup::default()
    })
    .await;
    t.warp_to_submission(0).await;
    for i in 0..3 {
        t.submit(i, 0, b"p").await.ok();
    }
    t.raise(0, 0, SUB, 1).await.ok();
    // A Node passed where the Audit goes (same owner, other discriminator).
    let op = t.nodes[2].operator.insecure_clone();
    let audit = t.audit_address(0, SUB, 1);
    let ix = ix::with_account(
        ix::vote(op.pubkey(), t.nodes[2].node, t.task, 0, audit, true),
        2,
        AccountMeta::new(t.nodes[1].node, false),
    );
    assert_refused!(
        t,
        ACCOUNT_DISCRIMINATOR_MISMATCH,
        t.send(&[ix], &[&op]).await
    );
    // A Node passed where a zero-copy Round goes.
    let ix = ix::with_account(
        ix::select_distributor(t.task, 0),
        0,
        AccountMeta::new(t.nodes[1].node, false),
    );
    assert_refused!(t, ACCOUNT_DISCRIMINATOR_MISMATCH, t.send(&[ix], &[]).await);
}

#[tokio::test]
async fn reinitialization() {
    let mut t = TestContext::with(Setup {
        nodes: 3,
        ..Setup::default()
    })
    .await;
    let auth = t.authority.insecure_clone();
    let start_slot = t.slot().await + 10;
    let again = t.create_task_ix(gradual::instructions::CreateTaskArgs {
        task_id: t.task_id,
        start_slot,
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
    let existing = TestNode {
        operator: t.nodes[0].operator.insecure_clone(),
        node: t.nodes[0].node,
        stake_account: t.nodes[0].stake_account,
        reward_account: t.nodes[0].reward_account,
    };
    assert_rejected!(
        t,
        GradualError::NodeAlreadyJoined,
        t.join(&existing, 50_000).await
    );
    t.warp_to_submission(0).await;
    for i in 0..3 {
        t.submit(i, 0, b"p").await.ok();
    }
    assert_rejected!(
        t,
        GradualError::AlreadySubmitted,
        t.submit(0, 0, b"p").await
    );
    t.raise(0, 0, SUB, 1).await.ok();
    assert_rejected!(
        t,
        GradualError::AuditAlreadyRaised,
        t.raise(2, 0, SUB, 1).await
    );
    t.vote(2, 0, SUB, 1, true).await.ok();
    assert_rejected!(
        t,
        GradualError::AlreadyVoted,
        t.vote(2, 0, SUB, 1, true).await
    );
}

#[tokio::test]
async fn arbitrary_cpi() {
    let mut t = TestContext::new().await;
    let op = t.nodes[0].operator.insecure_clone();
    let acct = t.nodes[0].stake_account;
    // A program that is not a token program where the token program goes.
    let mut stake = t.stake_accounts(acct);
    stake.token_program = gradual::ID;
    let ix = ix::add_stake(op.pubkey(), t.task, stake, 1_000);
    assert_refused!(t, INVALID_PROGRAM_ID, t.send(&[ix], &[&op]).await);
    // The other token program (Token-2022 for a Token mint): the CPI would go to a program
    // that does not own the mint.
    let mut stake = t.stake_accounts(acct);
    stake.token_program = TOKEN_2022;
    let ix = ix::add_stake(op.pubkey(), t.task, stake, 1_000);
    assert_rejected!(
        t,
        GradualError::WrongTokenProgram,
        t.send(&[ix], &[&op]).await
    );
}

#[tokio::test]
async fn closed_account_revival() {
    let mut t = TestContext::with(Setup {
        nodes: 4,
        ..Setup::default()
    })
    .await;
    t.warp_to_submission(0).await;
    for i in 0..4 {
        t.submit(i, 0, b"p").await.ok();
    }
    t.raise(0, 0, SUB, 1).await.ok();
    t.vote(2, 0, SUB, 1, false).await.ok();
    let end = t.task().await.schedule().timeline(0).unwrap().audit().end;
    t.warp_to(end).await;
    t.resolve(0, SUB, 1).await.ok();
    let audit = t.audit_address(0, SUB, 1);
    let voter = t.nodes[2].node;
    let payer = t.nodes[2].operator.pubkey();
    t.send(&[ix::close_vote(payer, audit, voter)], &[])
        .await
        .ok();
    let vote = pda::vote(&audit, &voter).0;
    assert!(t.account(&vote).await.is_none());
    // Revive the vote address with lamports: voting again is refused by the audit's state.
    t.airdrop(&vote, 10_000_000).await;
    assert_rejected!(
        t,
        GradualError::AuditAlreadyResolved,
        t.vote(2, 0, SUB, 1, true).await
    );
    // Close the audit, revive its address: a second audit of the same target and round is
    // refused by the window (and by the round's slashed bit had it been upheld).
    let audit_payer = t.nodes[0].operator.pubkey();
    t.send(&[ix::close_audit(audit_payer, audit)], &[])
        .await
        .ok();
    t.airdrop(&audit, 10_000_000).await;
    assert_rejected!(
        t,
        GradualError::AuditWindowClosed,
        t.raise(3, 0, SUB, 1).await
    );
}

#[tokio::test]
async fn sysvar_spoofing() {
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
    t.warp_to(upload.start + 1).await;
    // An account holding attacker-chosen "slot hashes" instead of the sysvar.
    let fake = Pubkey::new_unique();
    let mut data = 1u64.to_le_bytes().to_vec();
    data.extend_from_slice(&(upload.start + 1).to_le_bytes());
    data.extend_from_slice(&[0u8; 32]);
    t.ctx.set_account(
        &fake,
        &AccountSharedData::from(Account {
            lamports: 1_000_000,
            data,
            owner: solana_sdk_ids::sysvar::ID,
            executable: false,
            rent_epoch: 0,
        }),
    );
    let ix = ix::with_account(
        ix::select_distributor(t.task, 0),
        1,
        AccountMeta::new_readonly(fake, false),
    );
    assert_rejected!(t, GradualError::WrongSysvar, t.send(&[ix], &[]).await);
}
