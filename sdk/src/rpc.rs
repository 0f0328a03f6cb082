//! [`Chain`] over JSON-RPC (solana-rpc-client, nonblocking): real clusters and local validators.
use crate::chain::{
    custom_code, raw_account as raw, Chain, ChainError, ChainStats, Filter, RawAccount, TxOutcome,
};
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use async_trait::async_trait;
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_types::{
    config::{
        RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSendTransactionConfig,
        RpcSimulateTransactionConfig, RpcTransactionConfig,
    },
    filter::{Memcmp, RpcFilterType},
};
use solana_signature::Signature;
use solana_transaction::Hash;
use solana_transaction_status_client_types::{
    option_serializer::OptionSerializer, UiTransactionEncoding,
};
use std::{
    str::FromStr,
    time::{Duration, Instant},
};
use tokio::sync::Mutex;

/// How [`RpcChain::send`] prices and lands a transaction.
#[derive(Clone, Debug)]
pub struct SendConfig {
    /// The highest compute-unit price paid, in micro-lamports per compute unit (0: never pay a
    /// priority fee, and never ask the endpoint for recent fees).
    pub max_priority_fee: u64,
    /// Percentile (0-100) of the recent prioritization fees of the transaction's writable
    /// accounts that is offered, up to `max_priority_fee`.
    pub fee_percentile: u8,
    /// Compute-unit limit: the simulated units plus this share (percent) and [`CU_HEADROOM`].
    pub cu_margin_percent: u64,
    /// Fetch the landed transaction's logs and consumed units (one more request per send;
    /// events are parsed from the logs). A node runner does not need them.
    pub fetch_logs: bool,
    /// How often a sent transaction is broadcast again until it lands or its blockhash expires.
    pub rebroadcast_every: Duration,
    /// How often its status is polled.
    pub poll_every: Duration,
}

impl Default for SendConfig {
    fn default() -> Self {
        Self {
            max_priority_fee: DEFAULT_MAX_PRIORITY_FEE,
            fee_percentile: 75,
            cu_margin_percent: 10,
            fetch_logs: true,
            rebroadcast_every: Duration::from_secs(2),
            poll_every: Duration::from_millis(400),
        }
    }
}

/// Default cap on the compute-unit price: 50,000 micro-lamports per CU, which is 1,000 lamports
/// on a 20,000-CU transaction (a fifth of the 5,000-lamport signature fee).
pub const DEFAULT_MAX_PRIORITY_FEE: u64 = 50_000;

/// Compute units added to the simulated figure on top of the percentage margin (the account
/// state may change between the simulation and the execution).
pub const CU_HEADROOM: u64 = 2_000;

/// How long a fetched blockhash is reused (a blockhash stays valid for 150 blocks, ~60 s).
const BLOCKHASH_REUSE: Duration = Duration::from_secs(20);
/// How long a recent-fee percentile is reused.
const FEE_REUSE: Duration = Duration::from_secs(30);

/// A [`Chain`] backed by an RPC endpoint, reading at `confirmed`.
pub struct RpcChain {
    client: RpcClient,
    stats: ChainStats,
    /// Attempts for reads that fail with a transport error.
    retries: u32,
    send: SendConfig,
    blockhash: Mutex<Option<(Hash, u64, Instant)>>,
    fee: Mutex<Option<(u64, Instant)>>,
    sends_made: std::sync::atomic::AtomicU64,
}

impl RpcChain {
    /// Connects to `url` (e.g. `http://127.0.0.1:8899`).
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            client: RpcClient::new_with_commitment(url.into(), CommitmentConfig::confirmed()),
            stats: ChainStats::default(),
            retries: 3,
            send: SendConfig::default(),
            blockhash: Mutex::new(None),
            fee: Mutex::new(None),
            sends_made: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// With these send settings.
    pub fn with_send_config(mut self, send: SendConfig) -> Self {
        self.send = send;
        self
    }

    /// A recent blockhash and its last valid block height (reused for [`BLOCKHASH_REUSE`]).
    async fn blockhash(&self, fresh: bool) -> Result<(Hash, u64), ChainError> {
        if !fresh {
            if let Some((h, last, at)) = *self.blockhash.lock().await {
                if at.elapsed() < BLOCKHASH_REUSE {
                    return Ok((h, last));
                }
            }
        }
        self.stats.count("getLatestBlockhash");
        let (h, last) = self
            .retry(|| {
                self.client
                    .get_latest_blockhash_with_commitment(CommitmentConfig::confirmed())
            })
            .await?;
        *self.blockhash.lock().await = Some((h, last, Instant::now()));
        Ok((h, last))
    }

    /// The compute-unit price to offer: a percentile of the recent prioritization fees paid
    /// for the transaction's writable accounts, capped by the operator (0 when the cap is 0).
    async fn priority_fee(&self, instructions: &[Instruction]) -> u64 {
        let cap = self.send.max_priority_fee;
        if cap == 0 {
            return 0;
        }
        if let Some((fee, at)) = *self.fee.lock().await {
            if at.elapsed() < FEE_REUSE {
                return fee.min(cap);
            }
        }
        let mut writable: Vec<Pubkey> = instructions
            .iter()
            .flat_map(|i| i.accounts.iter())
            .filter(|m| m.is_writable && !m.is_signer)
            .map(|m| m.pubkey)
            .collect();
        writable.sort();
        writable.dedup();
        writable.truncate(128);
        self.stats.count("getRecentPrioritizationFees");
        let fee = match self.client.get_recent_prioritization_fees(&writable).await {
            Ok(fees) => {
                let mut v: Vec<u64> = fees.iter().map(|f| f.prioritization_fee).collect();
                percentile(&mut v, self.send.fee_percentile)
            }
            Err(e) => {
                tracing::debug!(error = %e, "no recent prioritization fees; offering none");
                0
            }
        };
        *self.fee.lock().await = Some((fee, Instant::now()));
        fee.min(cap)
    }

    /// The underlying client.
    pub fn client(&self) -> &RpcClient {
        &self.client
    }

    async fn retry<T, F, Fut>(&self, mut call: F) -> Result<T, ChainError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, solana_rpc_client_api::client_error::Error>>,
    {
        let mut last = String::new();
        for attempt in 0..self.retries {
            match call().await {
                Ok(v) => return Ok(v),
                Err(e) => {
                    last = e.to_string();
                    tracing::debug!(attempt, error = %last, "rpc call failed, retrying");
                    tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
                }
            }
        }
        Err(ChainError::Rpc(last))
    }
}

#[async_trait]
impl Chain for RpcChain {
    async fn slot(&self) -> Result<u64, ChainError> {
        ChainStats::bump(&self.stats.slots);
        self.stats.count("getSlot");
        self.retry(|| self.client.get_slot()).await
    }

    async fn account(&self, address: &Pubkey) -> Result<Option<RawAccount>, ChainError> {
        ChainStats::bump(&self.stats.reads);
        self.stats.count("getAccountInfo");
        let r = self
            .retry(|| {
                self.client
                    .get_account_with_commitment(address, CommitmentConfig::confirmed())
            })
            .await?;
        Ok(r.value.map(raw))
    }

    async fn accounts(&self, addresses: &[Pubkey]) -> Result<Vec<Option<RawAccount>>, ChainError> {
        let mut out = Vec::with_capacity(addresses.len());
        for chunk in addresses.chunks(100) {
            ChainStats::bump(&self.stats.reads);
            self.stats.count("getMultipleAccounts");
            let r = self
                .retry(|| self.client.get_multiple_accounts(chunk))
                .await?;
            out.extend(r.into_iter().map(|a| a.map(raw)));
        }
        Ok(out)
    }

    async fn accounts_with_slot(
        &self,
        addresses: &[Pubkey],
    ) -> Result<(u64, Vec<Option<RawAccount>>), ChainError> {
        let mut out = Vec::with_capacity(addresses.len());
        let mut slot = u64::MAX;
        for chunk in addresses.chunks(100) {
            ChainStats::bump(&self.stats.reads);
            self.stats.count("getMultipleAccounts");
            let r = self
                .retry(|| {
                    self.client
                        .get_multiple_accounts_with_commitment(chunk, CommitmentConfig::confirmed())
                })
                .await?;
            slot = slot.min(r.context.slot);
            out.extend(r.value.into_iter().map(|a| a.map(raw)));
        }
        if slot == u64::MAX {
            slot = self.slot().await?;
        }
        Ok((slot, out))
    }

    async fn program_accounts(
        &self,
        filters: &[Filter],
    ) -> Result<Vec<(Pubkey, RawAccount)>, ChainError> {
        ChainStats::bump(&self.stats.scans);
        self.stats.count("getProgramAccounts");
        let filters: Vec<RpcFilterType> = filters
            .iter()
            .map(|f| match f {
                Filter::Memcmp { offset, bytes } => {
                    RpcFilterType::Memcmp(Memcmp::new_raw_bytes(*offset, bytes.clone()))
                }
                Filter::DataSize(n) => RpcFilterType::DataSize(*n),
            })
            .collect();
        let config = RpcProgramAccountsConfig {
            filters: Some(filters),
            account_config: RpcAccountInfoConfig {
                encoding: Some(UiAccountEncoding::Base64),
                commitment: Some(CommitmentConfig::confirmed()),
                ..RpcAccountInfoConfig::default()
            },
            ..RpcProgramAccountsConfig::default()
        };
        let list = self
            .retry(|| {
                self.client
                    .get_program_ui_accounts_with_config(&gradual::ID, config.clone())
            })
            .await?;
        Ok(list
            .into_iter()
            .filter_map(|(k, ui)| ui.to_account().map(|a| (k, raw(a))))
            .collect())
    }

    /// Prices, signs once and lands `instructions`: a simulation gives the compute units (and
    /// turns a transaction that would fail into [`ChainError::Failed`] without paying a fee),
    /// the limit is set from it with a margin, the price from recent fees up to the cap; the
    /// signed transaction is then broadcast again every `rebroadcast_every` and its status
    /// polled until it is confirmed or its blockhash's last valid block height has passed.
    async fn send(
        &self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> Result<TxOutcome, ChainError> {
        ChainStats::bump(&self.stats.sends);
        let instructions: Vec<Instruction> = instructions
            .iter()
            .filter(|i| i.program_id != crate::ix::COMPUTE_BUDGET_PROGRAM)
            .cloned()
            .collect();
        let price = self.priority_fee(&instructions).await;
        let with_budget = |units: u32| {
            let mut all = crate::ix::compute_budget(units, price).to_vec();
            if price == 0 {
                all.truncate(1);
            }
            all.extend(instructions.iter().cloned());
            all
        };
        // Simulated at the largest limit (the same bytes as the final transaction).
        let (blockhash, _) = self.blockhash(false).await?;
        let probe = crate::chain::signed_transaction(
            &with_budget(MAX_COMPUTE_UNITS),
            payer,
            signers,
            blockhash,
        );
        self.stats.count("simulateTransaction");
        let sim = self
            .retry(|| {
                self.client.simulate_transaction_with_config(
                    &probe,
                    RpcSimulateTransactionConfig {
                        sig_verify: false,
                        replace_recent_blockhash: true,
                        commitment: Some(CommitmentConfig::confirmed()),
                        ..RpcSimulateTransactionConfig::default()
                    },
                )
            })
            .await?
            .value;
        if let Some(err) = sim.err {
            let message = format!("{err:?}");
            return Err(ChainError::Failed {
                code: custom_code(&message),
                message,
                logs: sim.logs.unwrap_or_default(),
            });
        }
        let used = sim.units_consumed.unwrap_or(u64::from(MAX_COMPUTE_UNITS));
        // Plus a few units from a counter: two sends of the same instructions under the same
        // (reused) blockhash must not be the same transaction, or only one of them can land
        // and the other would report its status.
        let nonce = self
            .sends_made
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            % 512;
        let limit = (used + used * self.send.cu_margin_percent / 100 + CU_HEADROOM + nonce)
            .min(u64::from(MAX_COMPUTE_UNITS)) as u32;
        let mut expired_once = false;
        loop {
            let (blockhash, last_valid) = self.blockhash(expired_once).await?;
            let tx =
                crate::chain::signed_transaction(&with_budget(limit), payer, signers, blockhash);
            let signature = tx.signatures[0];
            match self.land(&tx, last_valid).await? {
                Landed::Ok => return Ok(self.outcome(signature, used).await),
                Landed::Failed(message) => {
                    return Err(ChainError::Failed {
                        code: custom_code(&message),
                        message,
                        logs: vec![],
                    })
                }
                // A cached blockhash that was already close to expiry: one fresh try.
                Landed::Expired if !expired_once => expired_once = true,
                Landed::Expired | Landed::Unknown => {
                    return Err(ChainError::Unconfirmed {
                        signature: signature.to_string(),
                    })
                }
            }
        }
    }

    async fn signature_status(&self, signature: &str) -> Result<Option<bool>, ChainError> {
        ChainStats::bump(&self.stats.reads);
        self.stats.count("getSignatureStatuses");
        let sig = Signature::from_str(signature).map_err(|e| ChainError::Rpc(e.to_string()))?;
        let r = self
            .retry(|| self.client.get_signature_status(&sig))
            .await?;
        Ok(r.map(|res| res.is_ok()))
    }

    fn stats(&self) -> &ChainStats {
        &self.stats
    }
}

/// How a broadcast transaction ended.
enum Landed {
    Ok,
    Failed(String),
    /// Its blockhash expired and it was not seen: it can never land now.
    Expired,
    /// Neither seen nor known to be expired (the endpoint did not answer).
    Unknown,
}

/// The largest compute-unit limit a transaction may ask for.
const MAX_COMPUTE_UNITS: u32 = 1_400_000;

/// The `p`-th percentile of `values` (0 when empty).
fn percentile(values: &mut [u64], p: u8) -> u64 {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    let k = (values.len() - 1) * usize::from(p.min(100)) / 100;
    values[k]
}

impl RpcChain {
    /// Broadcasts `tx` (again every `rebroadcast_every`) and polls its status until it is
    /// confirmed, or its blockhash has expired without it.
    async fn land(
        &self,
        tx: &solana_transaction::Transaction,
        last_valid: u64,
    ) -> Result<Landed, ChainError> {
        let signature = tx.signatures[0];
        let config = RpcSendTransactionConfig {
            skip_preflight: true,
            max_retries: Some(0),
            ..RpcSendTransactionConfig::default()
        };
        let started = Instant::now();
        let mut broadcast_at: Option<Instant> = None;
        let mut height_at = Instant::now();
        let mut expired = false;
        loop {
            if !expired && broadcast_at.is_none_or(|t| t.elapsed() >= self.send.rebroadcast_every) {
                self.stats.count("sendTransaction");
                if let Err(e) = self.client.send_transaction_with_config(tx, config).await {
                    tracing::debug!(%signature, error = %e, "broadcast failed");
                }
                broadcast_at = Some(Instant::now());
            }
            tokio::time::sleep(self.send.poll_every).await;
            self.stats.count("getSignatureStatuses");
            match self.client.get_signature_statuses(&[signature]).await {
                Ok(r) => {
                    if let Some(Some(st)) = r.value.first() {
                        if st.satisfies_commitment(CommitmentConfig::confirmed()) {
                            return Ok(match &st.err {
                                None => Landed::Ok,
                                Some(e) => Landed::Failed(format!("{e:?}")),
                            });
                        }
                    }
                }
                Err(e) => tracing::debug!(%signature, error = %e, "status unavailable"),
            }
            if expired {
                return Ok(Landed::Expired);
            }
            // Expiry: checked every 10 s; one more status look after it is seen.
            if height_at.elapsed() >= Duration::from_secs(10) {
                height_at = Instant::now();
                self.stats.count("getBlockHeight");
                if let Ok(h) = self.client.get_block_height().await {
                    expired = h > last_valid;
                }
            }
            if started.elapsed() > Duration::from_secs(150) {
                return Ok(Landed::Unknown);
            }
        }
    }

    /// The outcome of a landed transaction: its logs and units when `fetch_logs` is set.
    async fn outcome(&self, signature: Signature, simulated_units: u64) -> TxOutcome {
        if !self.send.fetch_logs {
            return TxOutcome {
                signature: signature.to_string(),
                logs: vec![],
                compute_units: Some(simulated_units),
            };
        }
        ChainStats::bump(&self.stats.reads);
        self.stats.count("getTransaction");
        let config = RpcTransactionConfig {
            encoding: Some(UiTransactionEncoding::Json),
            commitment: Some(CommitmentConfig::confirmed()),
            max_supported_transaction_version: Some(0),
        };
        let (logs, compute_units) = match self
            .client
            .get_transaction_with_config(&signature, config)
            .await
        {
            Ok(tx) => match tx.transaction.meta {
                Some(meta) => (
                    match meta.log_messages {
                        OptionSerializer::Some(l) => l,
                        _ => vec![],
                    },
                    match meta.compute_units_consumed {
                        OptionSerializer::Some(c) => Some(c),
                        _ => None,
                    },
                ),
                None => (vec![], None),
            },
            Err(_) => (vec![], None),
        };
        TxOutcome {
            signature: signature.to_string(),
            logs,
            compute_units,
        }
    }
}
