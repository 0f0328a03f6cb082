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

#[cfg(test)]
mod tests {
    use super::*;

    /// `raise_audit` reads task, node and round from the raw bytes at these offsets.
    #[test]
    fn submission_offsets_are_pinned() {
        let s = Submission {
            task: Pubkey::new_from_array([1; 32]),
            node: Pubkey::new_from_array([2; 32]),
            payer: Pubkey::new_from_array([3; 32]),
            round: 0x0102_0304_0506_0708,
            slot: 9,
            node_index: 10,
            bump: 11,
            proof: vec![12],
        };
        let mut data = vec![];
        s.try_serialize(&mut data).unwrap();
        assert_eq!(&data[8..40], &[1; 32]);
        assert_eq!(&data[40..72], &[2; 32]);
        assert_eq!(&data[104..112], &s.round.to_le_bytes());
        assert_eq!(data.len(), Submission::space(1));
    }
}
