use crate::fixed::Writer;
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

    /// Writes the Submission as `try_serialize` does (discriminator, then borsh's layout) with
    /// one fixed-size copy per field (`crate::fixed`); `None` if `data` is too short.
    pub fn encode(&self, data: &mut [u8]) -> Option<()> {
        // Destructured so that a field added without a line here does not compile.
        let Submission {
            task,
            node,
            payer,
            round,
            slot,
            node_index,
            bump,
            proof,
        } = self;
        let mut w = Writer::new(data);
        w.bytes::<8>(Submission::DISCRIMINATOR.try_into().ok()?)?;
        w.pubkey(task)?;
        w.pubkey(node)?;
        w.pubkey(payer)?;
        w.u64(*round)?;
        w.u64(*slot)?;
        w.u32(*node_index)?;
        w.u8(*bump)?;
        w.u32(u32::try_from(proof.len()).ok()?)?;
        w.slice(proof)
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

    proptest::proptest! {
        /// The fixed-layout writer produces exactly borsh's bytes, and refuses a short buffer.
        #[test]
        fn encode_is_borsh(keys: [[u8; 32]; 3], round: u64, slot: u64, node_index: u32,
                           bump: u8, proof in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            let s = Submission {
                task: Pubkey::new_from_array(keys[0]),
                node: Pubkey::new_from_array(keys[1]),
                payer: Pubkey::new_from_array(keys[2]),
                round, slot, node_index, bump, proof,
            };
            let mut borsh = vec![];
            s.try_serialize(&mut borsh).unwrap();
            let mut fast = vec![0xAA; Submission::space(s.proof.len())];
            s.encode(&mut fast).unwrap();
            proptest::prop_assert_eq!(&fast, &borsh);
            proptest::prop_assert!(s.encode(&mut fast[..borsh.len() - 1]).is_none());
        }
    }
}
