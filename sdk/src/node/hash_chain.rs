//! Example task: a sha256 hash chain seeded by (task, round, node). Costly to compute
//! (`iterations` hashes), cheap to check: the proof carries 14 evenly spaced checkpoints plus
//! the final hash, and an auditor recomputes only one segment (1/15 of the work), chosen from
//! its own index so different auditors check different segments.
use super::logic::{TaskLogic, Verdict, WorkContext};
use async_trait::async_trait;

/// Segments (checkpoints + final hash) in a proof: 15 × 32 = 480 bytes + 4-byte header.
pub const SEGMENTS: usize = 15;

/// The hash-chain task with `iterations` hashes per round (a multiple of SEGMENTS).
#[derive(Clone, Copy, Debug)]
pub struct HashChain {
    /// Hashes per proof.
    pub iterations: u32,
}

mod sha {
    pub fn hash(parts: &[&[u8]]) -> [u8; 32] {
        solana_sha256_hasher::hashv(parts).to_bytes()
    }
}

impl HashChain {
    fn seed(ctx: &WorkContext, node_index: u32) -> [u8; 32] {
        sha::hash(&[
            b"gradual-hash-chain",
            ctx.task.as_ref(),
            &ctx.round.to_le_bytes(),
            &node_index.to_le_bytes(),
        ])
    }

    fn step(mut h: [u8; 32], n: u32) -> [u8; 32] {
        for _ in 0..n {
            h = sha::hash(&[&h]);
        }
        h
    }

    fn segment_len(&self) -> u32 {
        (self.iterations / SEGMENTS as u32).max(1)
    }

    /// The proof of node `node_index`: iterations (u32 LE) then SEGMENTS hashes.
    pub fn prove(&self, ctx: &WorkContext, node_index: u32) -> Vec<u8> {
        let mut out = self.iterations.to_le_bytes().to_vec();
        let mut h = Self::seed(ctx, node_index);
        for _ in 0..SEGMENTS {
            h = Self::step(h, self.segment_len());
            out.extend_from_slice(&h);
        }
        out
    }

    /// Checks segment `segment` of `proof` by recomputing it.
    pub fn check(&self, ctx: &WorkContext, node_index: u32, proof: &[u8], segment: usize) -> bool {
        if proof.len() != 4 + 32 * SEGMENTS || proof[..4] != self.iterations.to_le_bytes() {
            return false;
        }
        let cp = |i: usize| -> [u8; 32] {
            let mut h = [0u8; 32];
            h.copy_from_slice(&proof[4 + 32 * i..4 + 32 * (i + 1)]);
            h
        };
        let segment = segment % SEGMENTS;
        let start = if segment == 0 {
            Self::seed(ctx, node_index)
        } else {
            cp(segment - 1)
        };
        Self::step(start, self.segment_len()) == cp(segment)
    }
}

#[async_trait]
impl TaskLogic for HashChain {
    async fn work(&self, ctx: &WorkContext) -> Result<Vec<u8>, String> {
        let this = *self;
        let ctx = *ctx;
        tokio::task::spawn_blocking(move || this.prove(&ctx, ctx.node_index))
            .await
            .map_err(|e| e.to_string())
    }

    async fn audit_submission(&self, ctx: &WorkContext, node_index: u32, proof: &[u8]) -> Verdict {
        // Segment 0 ties the chain to the seed; one more segment picked by the auditor.
        let extra = (ctx.node_index as usize + node_index as usize) % SEGMENTS;
        Verdict::from(
            self.check(ctx, node_index, proof, 0) && self.check(ctx, node_index, proof, extra),
        )
    }
}

/// A lazy cheater for demos and tests: skips the work and submits made-up checkpoints of the
/// right shape. Every honest [`HashChain`] auditor rejects its proofs (segment 0 never matches).
#[derive(Clone, Copy, Debug)]
pub struct LazyForger(pub HashChain);

#[async_trait]
impl TaskLogic for LazyForger {
    async fn work(&self, ctx: &WorkContext) -> Result<Vec<u8>, String> {
        let mut p = self.0.iterations.to_le_bytes().to_vec();
        for i in 0..SEGMENTS {
            p.extend_from_slice(&[ctx.round as u8 ^ i as u8; 32]);
        }
        Ok(p)
    }

    async fn audit_submission(&self, ctx: &WorkContext, node_index: u32, proof: &[u8]) -> Verdict {
        self.0.audit_submission(ctx, node_index, proof).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::prelude::Pubkey;

    #[test]
    fn honest_proofs_pass_and_forgeries_fail_every_segment() {
        let chain = HashChain { iterations: 150 };
        let ctx = WorkContext::new(Pubkey::new_unique(), 3, 1);
        let proof = chain.prove(&ctx, 4);
        assert_eq!(proof.len(), 484);
        for s in 0..SEGMENTS {
            assert!(chain.check(&ctx, 4, &proof, s));
        }
        // Another node's proof, or a proof for another round, does not pass.
        assert!(!chain.check(&ctx, 5, &proof, 0));
        let later = WorkContext { round: 4, ..ctx };
        assert!(!chain.check(&later, 4, &proof, 0));
        for s in 0..SEGMENTS {
            let mut forged = proof.clone();
            forged[4 + 32 * s] ^= 1;
            assert!(
                !chain.check(&ctx, 4, &forged, s),
                "segment {s} detects its own tampering"
            );
        }
        assert!(!chain.check(&ctx, 4, &proof[..100], 0));
    }
}
