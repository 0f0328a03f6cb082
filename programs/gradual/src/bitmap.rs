//! Bit sets over node indexes, stored little-endian by bit inside each byte (bit `i` is
//! `bytes[i / 8] >> (i % 8) & 1`). Pure and allocation-free; shared with the SDK.

/// Number of bytes needed for a bitmap over `bits` indexes.
pub const fn bytes_for(bits: u32) -> usize {
    (bits as usize).div_ceil(8)
}

/// Whether bit `index` is set; indexes past the end read as unset.
pub fn get(bits: &[u8], index: u32) -> bool {
    let byte = (index / 8) as usize;
    bits.get(byte)
        .is_some_and(|b| b & (1u8 << (index % 8)) != 0)
}

/// Sets bit `index`; returns `false` (and changes nothing) when it is out of range.
pub fn set(bits: &mut [u8], index: u32) -> bool {
    match bits.get_mut((index / 8) as usize) {
        Some(b) => {
            *b |= 1u8 << (index % 8);
            true
        }
        None => false,
    }
}

/// Clears bit `index`; returns `false` (and changes nothing) when it is out of range.
pub fn clear(bits: &mut [u8], index: u32) -> bool {
    match bits.get_mut((index / 8) as usize) {
        Some(b) => {
            *b &= !(1u8 << (index % 8));
            true
        }
        None => false,
    }
}

/// Number of set bits.
pub fn count(bits: &[u8]) -> u32 {
    bits.iter().map(|b| b.count_ones()).sum()
}

/// Index of the `n`-th set bit (from 0), if there are more than `n` set bits.
pub fn nth_set(bits: &[u8], mut n: u32) -> Option<u32> {
    for (i, &b) in bits.iter().enumerate() {
        let ones = b.count_ones();
        if n < ones {
            let mut b = b;
            for _ in 0..n {
                b &= b - 1; // drop the lowest set bit
            }
            return u32::try_from(i * 8).ok()?.checked_add(b.trailing_zeros());
        }
        n -= ones;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    proptest! {
        /// A bitmap behaves like the set of indexes written to it.
        #[test]
        fn behaves_like_a_set(size in 1u32..2_000, ops in proptest::collection::vec((any::<bool>(), 0u32..2_100), 0..200)) {
            let mut bits = vec![0u8; bytes_for(size)];
            let mut model = BTreeSet::new();
            let cap = (bytes_for(size) * 8) as u32;
            for (insert, i) in ops {
                let in_range = i < cap;
                if insert {
                    prop_assert_eq!(set(&mut bits, i), in_range);
                    if in_range { model.insert(i); }
                } else {
                    prop_assert_eq!(clear(&mut bits, i), in_range);
                    model.remove(&i);
                }
            }
            prop_assert_eq!(count(&bits) as usize, model.len());
            for i in 0..cap + 16 {
                prop_assert_eq!(get(&bits, i), model.contains(&i));
            }
            for (n, want) in model.iter().enumerate() {
                prop_assert_eq!(nth_set(&bits, n as u32), Some(*want));
            }
            prop_assert_eq!(nth_set(&bits, model.len() as u32), None);
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(bytes_for(0), 0);
        assert_eq!(bytes_for(1), 1);
        assert_eq!(bytes_for(8), 1);
        assert_eq!(bytes_for(9), 2);
        assert_eq!(bytes_for(4_096), 512);
    }
}
