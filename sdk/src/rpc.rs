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
    config::{RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcTransactionConfig},
    filter::{Memcmp, RpcFilterType},
};
use solana_transaction_status_client_types::{
    option_serializer::OptionSerializer, UiTransactionEncoding,
};
use std::{str::FromStr, time::Duration};

/// A [`Chain`] backed by an RPC endpoint, reading at `confirmed`.
pub struct RpcChain {
    client: RpcClient,
    stats: ChainStats,
    /// Attempts for reads that fail with a transport error.
    retries: u32,
}

impl RpcChain {
    /// Connects to `url` (e.g. `http://127.0.0.1:8899`).
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            client: RpcClient::new_with_commitment(url.into(), CommitmentConfig::confirmed()),
            stats: ChainStats::default(),
            retries: 3,
        }
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
        self.retry(|| self.client.get_slot()).await
    }

    async fn account(&self, address: &Pubkey) -> Result<Option<RawAccount>, ChainError> {
        ChainStats::bump(&self.stats.reads);
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
            let r = self
                .retry(|| self.client.get_multiple_accounts(chunk))
                .await?;
            out.extend(r.into_iter().map(|a| a.map(raw)));
        }
        Ok(out)
    }

    async fn program_accounts(
        &self,
        filters: &[Filter],
    ) -> Result<Vec<(Pubkey, RawAccount)>, ChainError> {
        ChainStats::bump(&self.stats.scans);
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

    async fn send(
        &self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> Result<TxOutcome, ChainError> {
        ChainStats::bump(&self.stats.sends);
        let blockhash = self.retry(|| self.client.get_latest_blockhash()).await?;
        let tx = crate::chain::signed_transaction(instructions, payer, signers, blockhash);
        let signature = tx.signatures[0];
        match self.client.send_and_confirm_transaction(&tx).await {
            Ok(_) => {}
            Err(e) => {
                if let Some(err) = e.get_transaction_error() {
                    let message = format!("{err:?}");
                    let logs = preflight_logs(&e);
                    return Err(ChainError::Failed {
                        code: custom_code(&message),
                        message,
                        logs,
                    });
                }
                return Err(ChainError::Unconfirmed {
                    signature: signature.to_string(),
                });
            }
        }
        // Logs and CU of the landed transaction.
        ChainStats::bump(&self.stats.reads);
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
        Ok(TxOutcome {
            signature: signature.to_string(),
            logs,
            compute_units,
        })
    }

    async fn signature_status(&self, signature: &str) -> Result<Option<bool>, ChainError> {
        ChainStats::bump(&self.stats.reads);
        let sig = solana_signature::Signature::from_str(signature)
            .map_err(|e| ChainError::Rpc(e.to_string()))?;
        let r = self
            .retry(|| self.client.get_signature_status(&sig))
            .await?;
        Ok(r.map(|res| res.is_ok()))
    }

    fn stats(&self) -> &ChainStats {
        &self.stats
    }
}

fn preflight_logs(e: &solana_rpc_client_api::client_error::Error) -> Vec<String> {
    use solana_rpc_client_api::client_error::ErrorKind;
    use solana_rpc_client_types::request::{RpcError, RpcResponseErrorData};
    if let ErrorKind::RpcError(RpcError::RpcResponseError {
        data: RpcResponseErrorData::SendTransactionPreflightFailure(sim),
        ..
    }) = e.kind()
    {
        return sim.logs.clone().unwrap_or_default();
    }
    vec![]
}
