use crate::{bitmap, errors::GradualError};
use anchor_lang::{prelude::*, Discriminator};

/// Node indexes freed by `close_node`, for `join_task` to reuse once the task has handed out
/// every fresh index. Created by the task's first `close_node`.
/// Seeds: `["indexes", task]`.
///
/// Zero-copy header, then a bitmap of `max_nodes` bits (bit set = index free).
#[account(zero_copy)]
#[derive(Debug)]
pub struct IndexPool {
    pub task: Pubkey,
    /// Set bits in the bitmap.
    pub free_count: u32,
    pub max_nodes: u32,
}

impl IndexPool {
    /// Header bytes including the discriminator.
    pub const HEADER_SPACE: usize = 8 + core::mem::size_of::<IndexPool>();

    /// Account size for a task with `max_nodes` nodes.
    pub const fn space(max_nodes: u32) -> usize {
        Self::HEADER_SPACE + bitmap::bytes_for(max_nodes)
    }

    /// Splits a pool account's data into its header and bitmap, checking discriminator and task.
    pub fn view<'a>(
        data: &'a mut [u8],
        task: &Pubkey,
    ) -> Result<(&'a mut IndexPool, &'a mut [u8])> {
        require!(
            data.len() >= Self::HEADER_SPACE && data[..8] == *Self::DISCRIMINATOR,
            GradualError::WrongPda
        );
        let (head, bits) = data.split_at_mut(Self::HEADER_SPACE);
        let header: &mut IndexPool = bytemuck::from_bytes_mut(&mut head[8..]);
        require_keys_eq!(header.task, *task, GradualError::WrongTask);
        require!(
            bits.len() >= bitmap::bytes_for(header.max_nodes),
            GradualError::WrongPda
        );
        Ok((header, bits))
    }

    /// Takes the lowest free index (word-wise scan), if any.
    pub fn take(header: &mut IndexPool, bits: &mut [u8]) -> Option<u32> {
        if header.free_count == 0 {
            return None;
        }
        let mut base = 0u32;
        for chunk in bits.chunks_mut(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            let w = u64::from_le_bytes(word);
            if w != 0 {
                let index = base.checked_add(w.trailing_zeros())?;
                bitmap::clear(bits, index);
                header.free_count -= 1;
                return Some(index);
            }
            base = base.checked_add(64)?;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_lowest_free_index() {
        let mut data = vec![0u8; IndexPool::space(200)];
        data[..8].copy_from_slice(IndexPool::DISCRIMINATOR);
        let task = Pubkey::new_from_array([3; 32]);
        {
            let header: &mut IndexPool =
                bytemuck::from_bytes_mut(&mut data[8..IndexPool::HEADER_SPACE]);
            header.task = task;
            header.max_nodes = 200;
        }
        let (header, bits) = IndexPool::view(&mut data, &task).unwrap();
        assert_eq!(IndexPool::take(header, bits), None);
        for i in [199, 70, 130] {
            bitmap::set(bits, i);
            header.free_count += 1;
        }
        assert_eq!(IndexPool::take(header, bits), Some(70));
        assert_eq!(IndexPool::take(header, bits), Some(130));
        assert_eq!(IndexPool::take(header, bits), Some(199));
        assert_eq!(IndexPool::take(header, bits), None);
        assert!(IndexPool::view(&mut data, &Pubkey::default()).is_err());
    }
}
