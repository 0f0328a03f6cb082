//! [`Chain`] over solana-program-test's bank (feature `bank`): the real `.so` in-process, for
//! tests and the embedded demo. The bank has no program-account scan, so this chain indexes
//! every address that any transaction it sent touched, and scans those (plus addresses
//! registered with [`BankChain::track`]) with the same filters the RPC applies.
use crate::chain::{
    custom_code, raw_account, Chain, ChainError, ChainStats, Filter, RawAccount, TxOutcome,
};
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use async_trait::async_trait;
use solana_keypair::Keypair;
use solana_program_test::ProgramTestContext;
use std::{collections::BTreeSet, sync::Arc};
use tokio::sync::Mutex;

/// A [`Chain`] over an in-process bank.
pub struct BankChain {
    ctx: Arc<Mutex<ProgramTestContext>>,
    index: std::sync::Mutex<BTreeSet<Pubkey>>,
    stats: ChainStats,
    landed: std::sync::Mutex<BTreeSet<String>>,
}

impl BankChain {
    /// Wraps a started bank (with the gradual program loaded).
    pub fn new(ctx: ProgramTestContext) -> Self {
        Self {
            ctx: Arc::new(Mutex::new(ctx)),
            index: std::sync::Mutex::new(BTreeSet::new()),
            stats: ChainStats::default(),
            landed: std::sync::Mutex::new(BTreeSet::new()),
        }
    }

    /// The bank, for test set-up (warping, writing accounts).
    pub fn context(&self) -> Arc<Mutex<ProgramTestContext>> {
        self.ctx.clone()
    }

    /// Adds addresses to the scan index (accounts written outside `send`).
    pub fn track(&self, addresses: impl IntoIterator<Item = Pubkey>) {
        if let Ok(mut index) = self.index.lock() {
            index.extend(addresses);
        }
    }

    /// Moves the bank forward to `slot` (no-op if it is already there).
    pub async fn warp_to(&self, slot: u64) -> Result<(), ChainError> {
        if self.slot().await? >= slot {
            return Ok(());
        }
        let mut ctx = self.ctx.lock().await;
        ctx.warp_to_slot(slot)
            .map_err(|e| ChainError::Rpc(format!("warp: {e:?}")))
    }
}

fn clock_slot(data: &[u8]) -> Option<u64> {
    Some(u64::from_le_bytes(data.get(..8)?.try_into().ok()?))
}

#[async_trait]
impl Chain for BankChain {
    async fn slot(&self) -> Result<u64, ChainError> {
        ChainStats::bump(&self.stats.slots);
        let ctx = self.ctx.lock().await;
        let clock = ctx
            .banks_client
            .get_account(
                <anchor_lang::prelude::Clock as anchor_lang::solana_program::sysvar::SysvarId>::id(
                ),
            )
            .await
            .map_err(|e| ChainError::Rpc(e.to_string()))?
            .ok_or_else(|| ChainError::Rpc("no clock sysvar".into()))?;
        clock_slot(&clock.data).ok_or_else(|| ChainError::Rpc("bad clock sysvar".into()))
    }

    async fn account(&self, address: &Pubkey) -> Result<Option<RawAccount>, ChainError> {
        ChainStats::bump(&self.stats.reads);
        let ctx = self.ctx.lock().await;
        let a = ctx
            .banks_client
            .get_account(*address)
            .await
            .map_err(|e| ChainError::Rpc(e.to_string()))?;
        Ok(a.map(raw_account))
    }

    async fn accounts(&self, addresses: &[Pubkey]) -> Result<Vec<Option<RawAccount>>, ChainError> {
        ChainStats::bump(&self.stats.reads);
        let ctx = self.ctx.lock().await;
        let mut out = Vec::with_capacity(addresses.len());
        for address in addresses {
            let a = ctx
                .banks_client
                .get_account(*address)
                .await
                .map_err(|e| ChainError::Rpc(e.to_string()))?;
            out.push(a.map(raw_account));
        }
        Ok(out)
    }

    async fn program_accounts(
        &self,
        filters: &[Filter],
    ) -> Result<Vec<(Pubkey, RawAccount)>, ChainError> {
        ChainStats::bump(&self.stats.scans);
        let candidates: Vec<Pubkey> = match self.index.lock() {
            Ok(index) => index.iter().copied().collect(),
            Err(_) => return Err(ChainError::Rpc("scan index poisoned".into())),
        };
        let ctx = self.ctx.lock().await;
        let mut out = vec![];
        // Addresses that are not (or no longer) program accounts leave the index: a later
        // creation at such an address happens in a transaction sent here, which re-adds it.
        let mut stale = vec![];
        for address in candidates {
            let Some(a) = ctx
                .banks_client
                .get_account(address)
                .await
                .map_err(|e| ChainError::Rpc(e.to_string()))?
            else {
                stale.push(address);
                continue;
            };
            if a.owner.to_bytes() != gradual::ID.to_bytes() {
                stale.push(address);
                continue;
            }
            if !filters.iter().all(|f| f.matches(&a.data)) {
                continue;
            }
            out.push((
                address,
                RawAccount {
                    lamports: a.lamports,
                    owner: gradual::ID,
                    data: a.data,
                },
            ));
        }
        if let Ok(mut index) = self.index.lock() {
            for address in stale {
                index.remove(&address);
            }
        }
        Ok(out)
    }

    async fn send(
        &self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> Result<TxOutcome, ChainError> {
        ChainStats::bump(&self.stats.sends);
        let mut ctx = self.ctx.lock().await;
        let blockhash = ctx
            .get_new_latest_blockhash()
            .await
            .map_err(|e| ChainError::Rpc(e.to_string()))?;
        // The RPC sender puts a compute-unit limit and price first: what fits here must still
        // fit there.
        let mut priced = crate::ix::compute_budget(1, 1).to_vec();
        priced.extend(instructions.iter().cloned());
        let size = crate::chain::wire_size(&crate::chain::signed_transaction(
            &priced, payer, signers, blockhash,
        ));
        if size > crate::chain::PACKET_LIMIT {
            return Err(ChainError::Rpc(format!(
                "transaction of {size} bytes with its compute-budget instructions exceeds the \
                 {}-byte packet limit",
                crate::chain::PACKET_LIMIT
            )));
        }
        let tx = crate::chain::signed_transaction(instructions, payer, signers, blockhash);
        let signature = tx.signatures[0].to_string();
        self.track(
            tx.message
                .account_keys
                .iter()
                .map(|k| Pubkey::new_from_array(k.to_bytes())),
        );
        let res = ctx
            .banks_client
            .process_transaction_with_metadata(tx)
            .await
            .map_err(|e| ChainError::Rpc(e.to_string()))?;
        let (logs, cu) = res
            .metadata
            .map(|m| (m.log_messages, Some(m.compute_units_consumed)))
            .unwrap_or_default();
        match res.result {
            Ok(()) => {
                if let Ok(mut landed) = self.landed.lock() {
                    landed.insert(signature.clone());
                }
                Ok(TxOutcome {
                    signature,
                    logs,
                    compute_units: cu,
                })
            }
            Err(e) => {
                let message = format!("{e:?}");
                Err(ChainError::Failed {
                    code: custom_code(&message),
                    message,
                    logs,
                })
            }
        }
    }

    async fn signature_status(&self, signature: &str) -> Result<Option<bool>, ChainError> {
        ChainStats::bump(&self.stats.reads);
        Ok(self
            .landed
            .lock()
            .map(|l| l.contains(signature).then_some(true))
            .unwrap_or(None))
    }

    fn stats(&self) -> &ChainStats {
        &self.stats
    }
}
