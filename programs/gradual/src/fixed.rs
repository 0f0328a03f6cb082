//! A codec for the hot accounts (Node, Submission): the same bytes as borsh (little-endian
//! integers, packed, in declaration order, `u32` length before a `Vec`), read and written with
//! one constant-size copy per fixed-size field.
//!
//! Why: Anchor's `try_serialize` / `try_deserialize` go through borsh's `io::Write` /
//! `io::Read` on a slice, which on SBF costs about 40 CU per field (a dynamic-length copy and
//! an `io::Result` per call). `submit` spent 1,014 CU writing its Node back and 549 CU reading
//! it (measured with `sol_log_compute_units`, docs/benchmarks.md); a copy of a known size is a
//! few instructions. Each codec is proven equal to borsh by a property test next to it.

/// Reads fields from the front of a byte slice.
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    /// The next `N` bytes, `None` when fewer are left.
    #[inline(always)]
    pub fn bytes<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.data.split_first_chunk::<N>()?;
        self.data = rest;
        Some(*head)
    }

    #[inline(always)]
    pub fn u8(&mut self) -> Option<u8> {
        self.bytes::<1>().map(|[b]| b)
    }

    #[inline(always)]
    pub fn u16(&mut self) -> Option<u16> {
        self.bytes().map(u16::from_le_bytes)
    }

    #[inline(always)]
    pub fn u32(&mut self) -> Option<u32> {
        self.bytes().map(u32::from_le_bytes)
    }

    #[inline(always)]
    pub fn u64(&mut self) -> Option<u64> {
        self.bytes().map(u64::from_le_bytes)
    }

    #[inline(always)]
    pub fn pubkey(&mut self) -> Option<anchor_lang::prelude::Pubkey> {
        self.bytes()
            .map(anchor_lang::prelude::Pubkey::new_from_array)
    }
}

/// Writes fields to the front of a byte slice.
pub struct Writer<'a> {
    data: &'a mut [u8],
}

impl<'a> Writer<'a> {
    pub fn new(data: &'a mut [u8]) -> Self {
        Self { data }
    }

    /// Bytes not written yet.
    pub fn remaining(&self) -> usize {
        self.data.len()
    }

    /// Writes `value`; `None` when fewer than `N` bytes are left.
    #[inline(always)]
    pub fn bytes<const N: usize>(&mut self, value: [u8; N]) -> Option<()> {
        let data = core::mem::take(&mut self.data);
        let (head, rest) = data.split_first_chunk_mut::<N>()?;
        *head = value;
        self.data = rest;
        Some(())
    }

    /// Writes `value` (a length known only at run time); `None` when it does not fit.
    #[inline(always)]
    pub fn slice(&mut self, value: &[u8]) -> Option<()> {
        let data = core::mem::take(&mut self.data);
        if value.len() > data.len() {
            return None;
        }
        let (head, rest) = data.split_at_mut(value.len());
        head.copy_from_slice(value);
        self.data = rest;
        Some(())
    }

    #[inline(always)]
    pub fn u8(&mut self, value: u8) -> Option<()> {
        self.bytes([value])
    }

    #[inline(always)]
    pub fn u32(&mut self, value: u32) -> Option<()> {
        self.bytes(value.to_le_bytes())
    }

    #[inline(always)]
    pub fn u64(&mut self, value: u64) -> Option<()> {
        self.bytes(value.to_le_bytes())
    }

    #[inline(always)]
    pub fn pubkey(&mut self, value: &anchor_lang::prelude::Pubkey) -> Option<()> {
        self.bytes(value.to_bytes())
    }
}
