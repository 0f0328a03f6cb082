//! The runner's local store: what it computed or sent that the chain cannot tell it. One JSON
//! file, replaced atomically (write, fsync, rename), so a crash at any point leaves either the
//! old or the new state.
use crate::error::SdkError;
use serde::{Deserialize, Serialize};
use std::{
    collections::{BTreeMap, BTreeSet},
    io::Write,
    path::{Path, PathBuf},
};

/// Progress of this node's list upload for one attempt.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct UploadLocal {
    /// Attempt number.
    pub attempt: u8,
    /// The entries being uploaded, as (node_index, amount).
    pub entries: Vec<(u16, u64)>,
}

/// What this node did or decided for one round.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct RoundLocal {
    /// The proof computed during the round's work window.
    pub proof: Option<Vec<u8>>,
    /// Signature of the submit transaction, once sent.
    pub submit_signature: Option<String>,
    /// The submission is on chain.
    pub submitted: bool,
    /// Verdict on each other node's submission (node index -> valid).
    pub verdicts: BTreeMap<u32, bool>,
    /// Node account of each judged index (base 58), so audits need no extra lookup.
    pub targets: BTreeMap<u32, String>,
    /// Submissions were judged (after the submission window).
    pub judged: bool,
    /// Audits this node raised or voted on (audit address, base 58).
    pub acted_on: BTreeSet<String>,
    /// Verdict on each attempt's list (attempt -> fair).
    pub list_verdicts: BTreeMap<u8, bool>,
    /// This node's list upload, if it was selected.
    pub upload: Option<UploadLocal>,
    /// This node's reward was claimed.
    pub claimed: bool,
    /// As the accepted list's distributor, this node paid every entry it could in batches.
    #[serde(default)]
    pub paid_out: bool,
    /// The rent of this node's Submission came back (or someone else's crank returned it).
    #[serde(default)]
    pub reclaimed: bool,
    /// The audits this node raised and its whole-network votes were closed once resolved.
    #[serde(default)]
    pub audits_reclaimed: bool,
    /// As the distributor, its list was closed once fully paid.
    #[serde(default)]
    pub list_reclaimed: bool,
}

/// Everything the runner keeps, by round.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct NodeState {
    /// Per-round records.
    pub rounds: BTreeMap<u64, RoundLocal>,
}

/// The store file and its loaded state. While open it holds an exclusive lock on
/// `<path>.lock`, so two processes never run the same node's store (and so never double-act).
pub struct Store {
    path: PathBuf,
    state: NodeState,
    /// Held for the store's lifetime; released on drop (or when the process dies).
    _lock: std::fs::File,
}

impl Store {
    /// Opens (or starts) the store at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, SdkError> {
        let path = path.as_ref().to_path_buf();
        let err = |reason: String| SdkError::Store {
            path: path.display().to_string(),
            reason,
        };
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path.with_extension("lock"))
            .map_err(|e| err(format!("cannot open its lock file: {e}")))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(err(
                    "another process is running this node's store (its .lock is held)".into(),
                ))
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(err(format!("cannot lock the store: {e}")))
            }
        }
        let state = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| err(e.to_string()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => NodeState::default(),
            Err(e) => return Err(err(e.to_string())),
        };
        Ok(Self {
            path,
            state,
            _lock: lock,
        })
    }

    /// The loaded state.
    pub fn state(&self) -> &NodeState {
        &self.state
    }

    /// The record of `round` (empty if none).
    pub fn round(&self, round: u64) -> RoundLocal {
        self.state.rounds.get(&round).cloned().unwrap_or_default()
    }

    /// Changes the record of `round` and persists it before returning.
    pub fn update(&mut self, round: u64, f: impl FnOnce(&mut RoundLocal)) -> Result<(), SdkError> {
        f(self.state.rounds.entry(round).or_default());
        self.save()
    }

    /// Drops records of rounds older than `keep_from`.
    pub fn prune(&mut self, keep_from: u64) -> Result<(), SdkError> {
        let before = self.state.rounds.len();
        self.state.rounds.retain(|r, _| *r >= keep_from);
        if self.state.rounds.len() != before {
            self.save()?;
        }
        Ok(())
    }

    fn save(&self) -> Result<(), SdkError> {
        let err = |reason: String| SdkError::Store {
            path: self.path.display().to_string(),
            reason,
        };
        let tmp = self.path.with_extension("tmp");
        let bytes = serde_json::to_vec_pretty(&self.state).map_err(|e| err(e.to_string()))?;
        let mut f = std::fs::File::create(&tmp).map_err(|e| err(e.to_string()))?;
        f.write_all(&bytes).map_err(|e| err(e.to_string()))?;
        f.sync_all().map_err(|e| err(e.to_string()))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| err(e.to_string()))?;
        // The rename itself is durable only once the directory is.
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| err(format!("cannot sync its directory: {e}")))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_reopen_and_prunes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.json");
        let mut s = Store::open(&path).unwrap();
        s.update(3, |r| r.proof = Some(vec![1, 2, 3])).unwrap();
        s.update(5, |r| r.submitted = true).unwrap();
        drop(s);
        let mut s = Store::open(&path).unwrap();
        assert_eq!(s.round(3).proof, Some(vec![1, 2, 3]));
        assert!(s.round(5).submitted);
        s.prune(4).unwrap();
        drop(s);
        assert_eq!(Store::open(&path).unwrap().state().rounds.len(), 1);
        std::fs::write(&path, b"{ not json").unwrap();
        assert!(matches!(Store::open(&path), Err(SdkError::Store { .. })));
    }

    #[test]
    fn one_process_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.json");
        let first = Store::open(&path).unwrap();
        match Store::open(&path) {
            Err(SdkError::Store { reason, .. }) => assert!(reason.contains("another process")),
            other => panic!("a second open must be refused, got {:?}", other.map(|_| ())),
        }
        drop(first);
        Store::open(&path).expect("free again once the first is closed");
    }
}
