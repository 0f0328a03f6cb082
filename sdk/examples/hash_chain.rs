//! The example task's cost asymmetry, measured: computing a hash-chain proof versus auditing it.
//! `cargo run -p gradual-sdk --example hash_chain --release -- [iterations]`
use anchor_lang::prelude::Pubkey;
use gradual_sdk::node::{hash_chain::HashChain, TaskLogic, WorkContext};
use std::time::Instant;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), String> {
    let iterations: u32 = std::env::args()
        .nth(1)
        .map(|s| s.parse().map_err(|e| format!("iterations: {e}")))
        .transpose()?
        .unwrap_or(1_500_000);
    let logic = HashChain { iterations };
    let ctx = WorkContext::new(Pubkey::new_from_array([7; 32]), 1, 3);
    let t = Instant::now();
    let proof = logic.work(&ctx).await?;
    let work = t.elapsed();
    let auditor = WorkContext {
        node_index: 9,
        ..ctx
    };
    let t = Instant::now();
    let ok = logic.audit_submission(&auditor, 3, &proof).await;
    let audit = t.elapsed();
    println!(
        "iterations {iterations}: proof {} bytes in {work:?}; audit ({ok:?}) in {audit:?}",
        proof.len()
    );
    let mut forged = proof.clone();
    forged[4] ^= 1;
    println!(
        "forged proof: {:?}",
        logic.audit_submission(&auditor, 3, &forged).await
    );
    Ok(())
}
