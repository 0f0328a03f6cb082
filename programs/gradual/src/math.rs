//! Basis-point arithmetic on u64 without u128: the SBF build has no 128-bit libcalls
//! (`__multi3`, `__udivti3`), and `amount * bps` alone can overflow u64.

use crate::constants::BPS_DENOMINATOR;

/// `floor(amount * bps / 10_000)`, exact for every `amount` and `bps <= 10_000`.
pub fn bps_floor(amount: u64, bps: u16) -> u64 {
    let d = u64::from(BPS_DENOMINATOR);
    let bps = u64::from(bps.min(BPS_DENOMINATOR));
    // amount = q * d + r, so amount * bps / d = q * bps + r * bps / d (q * bps is exact).
    (amount / d) * bps + (amount % d) * bps / d
}

/// `ceil(amount * bps / 10_000)`, exact for every `amount` and `bps <= 10_000`.
pub fn bps_ceil(amount: u64, bps: u16) -> u64 {
    let d = u64::from(BPS_DENOMINATOR);
    let bps = u64::from(bps.min(BPS_DENOMINATOR));
    (amount / d) * bps + ((amount % d) * bps).div_ceil(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn matches_u128_reference(amount in any::<u64>(), bps in 0u16..=10_000) {
            let exact = u128::from(amount) * u128::from(bps);
            prop_assert_eq!(u128::from(bps_floor(amount, bps)), exact / 10_000);
            prop_assert_eq!(u128::from(bps_ceil(amount, bps)), exact.div_ceil(10_000));
        }
    }

    #[test]
    fn edges() {
        assert_eq!(bps_floor(u64::MAX, 10_000), u64::MAX);
        assert_eq!(bps_ceil(u64::MAX, 10_000), u64::MAX);
        assert_eq!(bps_floor(50_000, 7_000), 35_000);
        assert_eq!(bps_floor(35_000, 1_000), 3_500);
        assert_eq!(bps_ceil(250_000, 5_000), 125_000);
        assert_eq!(bps_ceil(1, 5_000), 1);
        assert_eq!(bps_floor(1, 5_000), 0);
    }
}
