//! The `Chain` trait: everything the SDK needs from a cluster, with two implementations —
//! [`crate::rpc::RpcChain`] for real clusters and local validators, and (feature `bank`)
//! [`crate::bank::BankChain`] over solana-program-test for tests and the embedded demo.
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use async_trait::async_trait;
use solana_keypair::Keypair;
use std::sync::atomic::{AtomicU64, Ordering};

/// An account as the chain returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawAccount {
    /// Balance in lamports.
    pub lamports: u64,
    /// Owning program.
    pub owner: Pubkey,
    /// Account data.
    pub data: Vec<u8>,
}

/// A program-account scan filter (the RPC `getProgramAccounts` filters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filter {
    /// Data at `offset` equals `bytes`.
    Memcmp {
        /// Byte offset into the account data.
        offset: usize,
        /// Bytes to compare.
        bytes: Vec<u8>,
    },
    /// Data length equals the value.
    DataSize(u64),
}

impl Filter {
    /// Whether `data` passes this filter.
    pub fn matches(&self, data: &[u8]) -> bool {
        match self {
            Filter::Memcmp { offset, bytes } => data
                .get(*offset..offset.saturating_add(bytes.len()))
                .is_some_and(|d| d == bytes.as_slice()),
            Filter::DataSize(n) => data.len() as u64 == *n,
        }
    }
}

/// A confirmed transaction.
#[derive(Clone, Debug, Default)]
pub struct TxOutcome {
    /// Base-58 signature.
    pub signature: String,
    /// Program logs (events are parsed from them).
    pub logs: Vec<String>,
    /// Compute units consumed, when the chain reports them.
    pub compute_units: Option<u64>,
}

/// Errors of a [`Chain`].
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The endpoint failed (network, node, decoding).
    #[error("rpc error: {0}")]
    Rpc(String),
    /// The transaction was executed and failed; nothing it did was applied.
    #[error("transaction failed: {}", describe_failure(message, *code))]
    Failed {
        /// The runtime's error.
        message: String,
        /// The program's custom error code, if the program returned one.
        code: Option<u32>,
        /// Program logs.
        logs: Vec<String>,
    },
    /// The transaction was sent but its confirmation was not seen; it may or may not land.
    #[error("transaction {signature} sent but not confirmed")]
    Unconfirmed {
        /// Signature to look up later.
        signature: String,
    },
}

/// `StakeBelowMinimum (6027): stake would be below ...` when the code is the program's,
/// else the runtime's message.
fn describe_failure(message: &str, code: Option<u32>) -> String {
    let named = code
        .and_then(|c| c.checked_sub(anchor_lang::error::ERROR_CODE_OFFSET))
        .and_then(crate::error::gradual_error_from_index);
    match (named, code) {
        (Some(e), Some(c)) => format!("{e:?} ({c}): {e}"),
        _ => message.to_string(),
    }
}

impl ChainError {
    /// The gradual program error, if that is why the transaction failed.
    pub fn program_error(&self) -> Option<gradual::errors::GradualError> {
        let ChainError::Failed {
            code: Some(code), ..
        } = self
        else {
            return None;
        };
        let offset = anchor_lang::error::ERROR_CODE_OFFSET;
        let index = code.checked_sub(offset)?;
        crate::error::gradual_error_from_index(index)
    }
}

/// Calls made through a [`Chain`], for the per-round cost figures.
#[derive(Debug, Default)]
pub struct ChainStats {
    /// Single-account and multi-account reads.
    pub reads: AtomicU64,
    /// Program-account scans.
    pub scans: AtomicU64,
    /// Transactions sent.
    pub sends: AtomicU64,
    /// Slot queries.
    pub slots: AtomicU64,
    /// Requests by RPC method (what an RPC provider bills and rate-limits).
    methods: std::sync::Mutex<std::collections::BTreeMap<&'static str, u64>>,
}

impl ChainStats {
    /// (reads, scans, sends, slot queries) so far.
    pub fn snapshot(&self) -> (u64, u64, u64, u64) {
        (
            self.reads.load(Ordering::Relaxed),
            self.scans.load(Ordering::Relaxed),
            self.sends.load(Ordering::Relaxed),
            self.slots.load(Ordering::Relaxed),
        )
    }

    /// Counts one request of `method`.
    pub fn count(&self, method: &'static str) {
        if let Ok(mut m) = self.methods.lock() {
            *m.entry(method).or_default() += 1;
        }
    }

    /// Requests so far, by RPC method.
    pub fn by_method(&self) -> std::collections::BTreeMap<&'static str, u64> {
        self.methods.lock().map(|m| m.clone()).unwrap_or_default()
    }

    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// What the SDK needs from a cluster. Implementations count their calls in [`ChainStats`].
#[async_trait]
pub trait Chain: Send + Sync {
    /// The slot transactions are currently processed at.
    async fn slot(&self) -> Result<u64, ChainError>;
    /// One account, `None` if it does not exist.
    async fn account(&self, address: &Pubkey) -> Result<Option<RawAccount>, ChainError>;
    /// Several accounts in one call.
    async fn accounts(&self, addresses: &[Pubkey]) -> Result<Vec<Option<RawAccount>>, ChainError>;
    /// Several accounts in one call, with the slot they were read at (one request where the
    /// endpoint reports the slot of its answer; a slot query and a read otherwise).
    async fn accounts_with_slot(
        &self,
        addresses: &[Pubkey],
    ) -> Result<(u64, Vec<Option<RawAccount>>), ChainError> {
        let slot = self.slot().await?;
        Ok((slot, self.accounts(addresses).await?))
    }
    /// The gradual program's accounts that pass every filter.
    async fn program_accounts(
        &self,
        filters: &[Filter],
    ) -> Result<Vec<(Pubkey, RawAccount)>, ChainError>;
    /// Signs with `payer` (fee payer) and `signers`, sends and waits for confirmation.
    async fn send(
        &self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> Result<TxOutcome, ChainError>;
    /// Whether a previously sent transaction landed successfully (`None`: unknown yet).
    async fn signature_status(&self, signature: &str) -> Result<Option<bool>, ChainError>;
    /// Call counters.
    fn stats(&self) -> &ChainStats;
}

/// The chain-agnostic view of an account.
pub(crate) fn raw_account(a: solana_account::Account) -> RawAccount {
    RawAccount {
        lamports: a.lamports,
        owner: Pubkey::new_from_array(a.owner.to_bytes()),
        data: a.data,
    }
}

/// A transaction signed by `payer` (fee payer) and every other distinct signer.
pub(crate) fn signed_transaction(
    instructions: &[Instruction],
    payer: &Keypair,
    signers: &[&Keypair],
    blockhash: solana_transaction::Hash,
) -> solana_transaction::Transaction {
    use solana_signer::Signer;
    let mut all: Vec<&Keypair> = vec![payer];
    all.extend(
        signers
            .iter()
            .copied()
            .filter(|k| k.pubkey() != payer.pubkey()),
    );
    solana_transaction::Transaction::new_signed_with_payer(
        instructions,
        Some(&payer.pubkey()),
        &all,
        blockhash,
    )
}

/// The packet limit a transaction's wire size must fit.
pub const PACKET_LIMIT: usize = 1_232;

/// Bytes of a compact-u16 length prefix.
pub fn short_vec_len(n: usize) -> usize {
    match n {
        0..0x80 => 1,
        0x80..0x4000 => 2,
        _ => 3,
    }
}

/// What legacy and v0 messages share: header, account keys, blockhash and instructions given
/// as (account count, data length) pairs.
pub fn message_body_len(keys: usize, instructions: impl Iterator<Item = (usize, usize)>) -> usize {
    let (count, ixs) = instructions.fold((0, 0), |(n, len), (accounts, data)| {
        (
            n + 1,
            len + 1 + short_vec_len(accounts) + accounts + short_vec_len(data) + data,
        )
    });
    3 + short_vec_len(keys) + 32 * keys + 32 + short_vec_len(count) + ixs
}

/// Wire size of a legacy transaction (signatures + message), as the packet limit counts it.
pub fn wire_size(tx: &solana_transaction::Transaction) -> usize {
    let m = &tx.message;
    short_vec_len(tx.signatures.len())
        + 64 * tx.signatures.len()
        + message_body_len(
            m.account_keys.len(),
            m.instructions
                .iter()
                .map(|i| (i.accounts.len(), i.data.len())),
        )
}

/// Extracts the custom program error code from a runtime error's debug text
/// (`InstructionError(i, Custom(n))`).
pub(crate) fn custom_code(message: &str) -> Option<u32> {
    let start = message.find("Custom(")? + "Custom(".len();
    let end = message[start..].find(')')? + start;
    message[start..end].parse().ok()
}

/// A [`Chain`] that forwards to another and keeps the logs of every transaction that landed,
/// so a driver (the demo, a dashboard) can narrate what every node did.
pub struct Journal<C: ?Sized> {
    inner: std::sync::Arc<C>,
    logs: std::sync::Mutex<Vec<Vec<String>>>,
}

impl<C: Chain + ?Sized> Journal<C> {
    /// Wraps `inner`.
    pub fn new(inner: std::sync::Arc<C>) -> Self {
        Self {
            inner,
            logs: std::sync::Mutex::new(vec![]),
        }
    }

    /// The logs recorded since the last call, oldest first.
    pub fn drain(&self) -> Vec<Vec<String>> {
        self.logs
            .lock()
            .map(|mut l| std::mem::take(&mut *l))
            .unwrap_or_default()
    }
}

#[async_trait]
impl<C: Chain + ?Sized> Chain for Journal<C> {
    async fn slot(&self) -> Result<u64, ChainError> {
        self.inner.slot().await
    }
    async fn account(&self, address: &Pubkey) -> Result<Option<RawAccount>, ChainError> {
        self.inner.account(address).await
    }
    async fn accounts(&self, addresses: &[Pubkey]) -> Result<Vec<Option<RawAccount>>, ChainError> {
        self.inner.accounts(addresses).await
    }
    async fn accounts_with_slot(
        &self,
        addresses: &[Pubkey],
    ) -> Result<(u64, Vec<Option<RawAccount>>), ChainError> {
        self.inner.accounts_with_slot(addresses).await
    }
    async fn program_accounts(
        &self,
        filters: &[Filter],
    ) -> Result<Vec<(Pubkey, RawAccount)>, ChainError> {
        self.inner.program_accounts(filters).await
    }
    async fn send(
        &self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> Result<TxOutcome, ChainError> {
        let out = self.inner.send(instructions, payer, signers).await?;
        if let Ok(mut logs) = self.logs.lock() {
            logs.push(out.logs.clone());
        }
        Ok(out)
    }
    async fn signature_status(&self, signature: &str) -> Result<Option<bool>, ChainError> {
        self.inner.signature_status(signature).await
    }
    fn stats(&self) -> &ChainStats {
        self.inner.stats()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_match_like_the_rpc() {
        let data = [1u8, 2, 3, 4];
        assert!(Filter::Memcmp {
            offset: 1,
            bytes: vec![2, 3]
        }
        .matches(&data));
        assert!(!Filter::Memcmp {
            offset: 3,
            bytes: vec![4, 5]
        }
        .matches(&data));
        assert!(!Filter::Memcmp {
            offset: 9,
            bytes: vec![]
        }
        .matches(&data));
        assert!(Filter::DataSize(4).matches(&data));
        assert!(!Filter::DataSize(5).matches(&data));
    }

    #[test]
    fn custom_codes_are_extracted() {
        assert_eq!(custom_code("InstructionError(0, Custom(6041))"), Some(6041));
        assert_eq!(custom_code("InsufficientFundsForFee"), None);
        let e = ChainError::Failed {
            message: String::new(),
            code: Some(6000 + 34),
            logs: vec![],
        };
        assert!(matches!(
            e.program_error(),
            Some(gradual::errors::GradualError::AlreadySubmitted)
        ));
    }
}
