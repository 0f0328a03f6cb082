use anchor_lang::prelude::*;

/// One node's proof for one round.
/// Seeds: `["submission", task, round u64 LE, node]`. Sized to its proof.
#[account]
#[derive(Debug)]
pub struct Submission {
    pub task: Pubkey,
    pub node: Pubkey,
    /// Paid the rent; receives it back on close.
    pub payer: Pubkey,
    pub round: u64,
    pub slot: u64,
    pub node_index: u32,
    pub bump: u8,
    /// The node's proof of work (a CID, a hash, ...), at most MAX_PROOF_LEN bytes.
    pub proof: Vec<u8>,
}

impl Submission {
    /// Bytes before the proof's contents: discriminator, fixed fields, proof length prefix.
    pub const BASE_SPACE: usize = 8 + 32 * 3 + 8 + 8 + 4 + 1 + 4;

    pub fn space(proof_len: usize) -> usize {
        Self::BASE_SPACE + proof_len
    }
}
