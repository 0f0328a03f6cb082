//! Task logic written in any language: [`ExternalLogic`] drives an executable over JSON lines
//! on its stdin and stdout (protocol 1, documented in docs/operators.md).
//!
//! Each request is one line `{"id": n, "method": m, "params": {...}}`; the logic answers one
//! line `{"id": n, "result": {...}}` or `{"id": n, "error": "..."}`, in order. Two processes run
//! the same executable, one per lane (`GRADUAL_LOGIC_LANE=work` or `audit`), so a long `work`
//! never holds up the audits and votes of the rounds meanwhile. A lane that crashes, times out
//! or breaks the protocol is killed and started again on the next call (after a back-off that
//! doubles up to a minute); meanwhile `work` fails (no proof this round) and the audits answer
//! [`Verdict::Unknown`], which never accuses a peer.
use super::logic::{equal_split, recompute_and_compare, TaskLogic, Verdict, WorkContext};
use async_trait::async_trait;
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use gradual::state::DistributionEntry;
use serde_json::{json, Value};
use std::{
    path::PathBuf,
    process::Stdio,
    time::{Duration, Instant},
};
use tokio::{
    io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    process::{Child, ChildStdin, ChildStdout, Command},
    sync::Mutex,
};

/// The protocol version this runner speaks (sent in `hello`).
pub const PROTOCOL_VERSION: u32 = 1;
/// Largest proof the program accepts.
pub const MAX_PROOF_LEN: usize = 512;
/// Longest answer line read from a logic (bytes).
const MAX_LINE: usize = 1 << 20;
/// Longest back-off between restarts of a failing logic.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// How to run an external logic.
#[derive(Clone, Debug)]
pub struct ExternalLogicConfig {
    /// The executable (found on `PATH` when it has no `/`).
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Extra environment (e.g. `GRADUAL_RPC_URL`).
    pub env: Vec<(String, String)>,
    /// Longest a `work` call may take.
    pub work_timeout: Duration,
    /// Longest an audit, `distribution` or `hello` call may take.
    pub call_timeout: Duration,
}

impl ExternalLogicConfig {
    /// `program args...` with default timeouts (work: 10 min, other calls: 30 s).
    pub fn new(program: impl Into<PathBuf>, args: Vec<String>) -> Self {
        Self {
            program: program.into(),
            args,
            env: vec![],
            work_timeout: Duration::from_secs(600),
            call_timeout: Duration::from_secs(30),
        }
    }
}

/// Why a call to an external logic gave no answer. Fields: the method called, the program,
/// the reason, the offending line (first 200 characters).
#[allow(missing_docs)]
#[derive(Debug, thiserror::Error)]
pub enum LogicError {
    /// The executable could not be started.
    #[error("cannot start the task logic {program}: {reason}")]
    Spawn { program: String, reason: String },
    /// The process exited (or closed its stdout) before answering.
    #[error("the task logic exited before answering {method} ({status})")]
    Crashed { method: String, status: String },
    /// No answer within the timeout.
    #[error("the task logic did not answer {method} within {timeout:?}")]
    Timeout { method: String, timeout: Duration },
    /// An answer that is not protocol 1.
    #[error("the task logic answered {method} with a malformed line: {reason} (line: {line:?})")]
    Malformed {
        method: String,
        reason: String,
        line: String,
    },
    /// The logic answered with an error of its own.
    #[error("the task logic failed {method}: {message}")]
    Failed { method: String, message: String },
    /// Restarts are backing off after failures.
    #[error("the task logic is restarting after a failure (next start in {0:?})")]
    BackingOff(Duration),
    /// Writing to the process failed.
    #[error("cannot write to the task logic: {0}")]
    Io(String),
}

struct Process {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

#[derive(Default)]
struct LaneState {
    process: Option<Process>,
    next_id: u64,
    /// Methods the logic said it implements (from `hello`).
    methods: Vec<String>,
    failures: u32,
    not_before: Option<Instant>,
    starts: u64,
}

/// One restartable process of the logic.
struct Lane {
    name: &'static str,
    cfg: ExternalLogicConfig,
    state: Mutex<LaneState>,
}

impl Lane {
    fn new(name: &'static str, cfg: ExternalLogicConfig) -> Self {
        Self {
            name,
            cfg,
            state: Mutex::new(LaneState::default()),
        }
    }

    fn spawn(&self) -> Result<Process, LogicError> {
        let mut child = Command::new(&self.cfg.program)
            .args(&self.cfg.args)
            .envs(self.cfg.env.iter().map(|(k, v)| (k, v)))
            .env("GRADUAL_LOGIC_LANE", self.name)
            .env("GRADUAL_LOGIC_PROTOCOL", PROTOCOL_VERSION.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| LogicError::Spawn {
                program: self.cfg.program.display().to_string(),
                reason: e.to_string(),
            })?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(LogicError::Io("no pipes to the task logic".into()));
        };
        // Its diagnostics go to the node's log, one event per line.
        if let Some(stderr) = child.stderr.take() {
            let lane = self.name;
            tokio::spawn(async move {
                // Bytes, not UTF-8 lines: a bad byte must not stop the draining (a full pipe
                // would block the logic); each line is cut at 4 KiB.
                let mut reader = BufReader::new(stderr);
                while let Ok(Some(line)) = read_line_bounded(&mut reader, 4_096).await {
                    let line = String::from_utf8_lossy(&line);
                    tracing::info!(target: "gradual::logic", lane, "{}", line.trim_end());
                }
            });
        }
        Ok(Process {
            child,
            stdin,
            stdout: BufReader::new(stdout),
        })
    }

    /// Sends one request and reads its answer, starting the process (and its `hello`) first
    /// when it is not running. Any failure but the logic's own `error` kills the process.
    async fn call(&self, method: &str, params: Value) -> Result<Value, LogicError> {
        let mut st = self.state.lock().await;
        self.ensure_started(&mut st).await?;
        self.exchange(&mut st, method, params).await
    }

    /// Starts the process and says `hello` unless it runs (or restarts are backing off).
    async fn ensure_started(&self, st: &mut LaneState) -> Result<(), LogicError> {
        if st.process.is_some() {
            return Ok(());
        }
        if let Some(t) = st.not_before {
            let now = Instant::now();
            if now < t {
                return Err(LogicError::BackingOff(t - now));
            }
        }
        match self.spawn() {
            Ok(p) => st.process = Some(p),
            Err(e) => {
                Self::failed(st);
                return Err(e);
            }
        }
        st.starts += 1;
        let hello = json!({ "protocol": PROTOCOL_VERSION, "lane": self.name });
        let v = self.exchange(st, "hello", hello).await?;
        st.methods = v
            .get("methods")
            .and_then(Value::as_array)
            .map(|m| {
                m.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        tracing::info!(
            lane = self.name,
            name = v.get("name").and_then(serde_json::Value::as_str).unwrap_or("?"),
            methods = ?st.methods,
            "task logic started"
        );
        Ok(())
    }

    async fn exchange(
        &self,
        st: &mut LaneState,
        method: &str,
        params: Value,
    ) -> Result<Value, LogicError> {
        let id = st.next_id;
        st.next_id += 1;
        let timeout = if method == "work" {
            self.cfg.work_timeout
        } else {
            self.cfg.call_timeout
        };
        let Some(p) = st.process.as_mut() else {
            return Err(LogicError::Io("the task logic is not running".into()));
        };
        let mut line = json!({ "id": id, "method": method, "params": params }).to_string();
        line.push('\n');
        let answer = async {
            p.stdin
                .write_all(line.as_bytes())
                .await
                .map_err(|e| LogicError::Io(e.to_string()))?;
            p.stdin
                .flush()
                .await
                .map_err(|e| LogicError::Io(e.to_string()))?;
            read_line_bounded(&mut p.stdout, MAX_LINE)
                .await
                .map_err(|e| LogicError::Io(e.to_string()))
        };
        let out = match tokio::time::timeout(timeout, answer).await {
            Err(_) => Err(LogicError::Timeout {
                method: method.into(),
                timeout,
            }),
            Ok(Err(e)) => Err(e),
            Ok(Ok(None)) => {
                // Closed its stdout: exited, or about to be killed below (never wait on a
                // process that keeps running without answering).
                let status =
                    match tokio::time::timeout(Duration::from_secs(1), p.child.wait()).await {
                        Ok(Ok(s)) => s.to_string(),
                        Ok(Err(e)) => e.to_string(),
                        Err(_) => "stdout closed, still running".into(),
                    };
                Err(LogicError::Crashed {
                    method: method.into(),
                    status,
                })
            }
            Ok(Ok(Some(line))) if line.len() > MAX_LINE => Err(LogicError::Malformed {
                method: method.into(),
                reason: format!("line longer than {MAX_LINE} bytes"),
                line: String::from_utf8_lossy(&line[..200]).into(),
            }),
            Ok(Ok(Some(line))) => parse_answer(method, id, &String::from_utf8_lossy(&line)),
        };
        match out {
            Ok(v) => {
                st.failures = 0;
                st.not_before = None;
                Ok(v)
            }
            // The logic's own error: the process is fine and stays.
            Err(e @ LogicError::Failed { .. }) => Err(e),
            Err(e) => {
                if let Some(mut p) = st.process.take() {
                    let _ = p.child.start_kill();
                    let _ = tokio::time::timeout(Duration::from_secs(2), p.child.wait()).await;
                }
                Self::failed(st);
                tracing::warn!(lane = self.name, error = %e, "task logic stopped; it restarts on the next call");
                Err(e)
            }
        }
    }

    fn failed(st: &mut LaneState) {
        st.failures += 1;
        let backoff = Duration::from_millis(500)
            .saturating_mul(1 << st.failures.min(8))
            .min(MAX_BACKOFF);
        st.not_before = Some(Instant::now() + backoff);
    }
}

/// One line (without its newline) of at most `max` bytes; a longer one is returned cut at
/// `max + 1` bytes (the caller refuses it); `None` at end of stream.
async fn read_line_bounded<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    max: usize,
) -> std::io::Result<Option<Vec<u8>>> {
    let mut buf = Vec::new();
    let n = (&mut *reader)
        .take(max as u64 + 1)
        .read_until(b'\n', &mut buf)
        .await?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
    }
    Ok(Some(buf))
}

/// Checks one answer line: JSON, the request's id, and `result` or `error`.
fn parse_answer(method: &str, id: u64, line: &str) -> Result<Value, LogicError> {
    let malformed = |reason: &str| LogicError::Malformed {
        method: method.into(),
        reason: reason.into(),
        line: line.chars().take(200).collect(),
    };
    let v: Value = serde_json::from_str(line).map_err(|e| malformed(&format!("not JSON: {e}")))?;
    if v.get("id").and_then(Value::as_u64) != Some(id) {
        return Err(malformed(&format!("expected id {id}")));
    }
    if let Some(e) = v.get("error") {
        return Err(LogicError::Failed {
            method: method.into(),
            message: e
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| e.to_string()),
        });
    }
    v.get("result")
        .cloned()
        .ok_or_else(|| malformed("neither result nor error"))
}

fn field<'a>(method: &str, v: &'a Value, name: &str) -> Result<&'a Value, LogicError> {
    v.get(name).ok_or_else(|| LogicError::Malformed {
        method: method.into(),
        reason: format!("result has no {name:?}"),
        line: v.to_string().chars().take(200).collect(),
    })
}

fn parse_verdict(method: &str, v: &Value) -> Result<Verdict, LogicError> {
    serde_json::from_value(field(method, v, "verdict")?.clone()).map_err(|e| {
        LogicError::Malformed {
            method: method.into(),
            reason: format!("verdict must be \"valid\", \"invalid\" or \"unknown\": {e}"),
            line: v.to_string().chars().take(200).collect(),
        }
    })
}

fn entries_json(entries: &[DistributionEntry]) -> Value {
    entries
        .iter()
        .map(|e| json!({ "node_index": e.node_index, "amount": e.amount }))
        .collect()
}

fn ctx_json(ctx: &WorkContext) -> Value {
    json!({
        "task": ctx.task.to_string(),
        "round": ctx.round,
        "node_index": ctx.node_index,
        "work_start": ctx.work_start,
        "work_end": ctx.work_end,
    })
}

/// A task logic run as an external executable; see the module docs.
pub struct ExternalLogic {
    work: Lane,
    audit: Lane,
}

impl ExternalLogic {
    /// Starts both lanes and checks the logic answers `hello` (a wrong path, a crashing or
    /// silent executable fails here, before the node does anything).
    pub async fn start(cfg: ExternalLogicConfig) -> Result<Self, LogicError> {
        let logic = Self {
            work: Lane::new("work", cfg.clone()),
            audit: Lane::new("audit", cfg),
        };
        for lane in [&logic.work, &logic.audit] {
            lane.ensure_started(&mut *lane.state.lock().await).await?;
        }
        Ok(logic)
    }

    /// Times each lane's process was started (1 each until a restart).
    pub async fn starts(&self) -> (u64, u64) {
        (
            self.work.state.lock().await.starts,
            self.audit.state.lock().await.starts,
        )
    }

    async fn implements(&self, method: &str) -> bool {
        self.audit
            .state
            .lock()
            .await
            .methods
            .iter()
            .any(|m| m == method)
    }

    async fn try_work(&self, ctx: &WorkContext) -> Result<Vec<u8>, LogicError> {
        let v = self.work.call("work", ctx_json(ctx)).await?;
        let malformed = |reason: String| LogicError::Malformed {
            method: "work".into(),
            reason,
            line: v.to_string().chars().take(200).collect(),
        };
        let proof = field("work", &v, "proof")?
            .as_str()
            .ok_or_else(|| malformed("proof must be a base64 string".into()))?;
        let proof = B64
            .decode(proof)
            .map_err(|e| malformed(format!("proof is not base64: {e}")))?;
        if proof.is_empty() || proof.len() > MAX_PROOF_LEN {
            return Err(malformed(format!(
                "proof is {} bytes (1..={MAX_PROOF_LEN})",
                proof.len()
            )));
        }
        Ok(proof)
    }

    async fn try_distribution(
        &self,
        round: u64,
        valid: &[u32],
        budget: u64,
    ) -> Result<Vec<DistributionEntry>, LogicError> {
        let params = json!({ "round": round, "candidates": valid, "budget": budget });
        let v = self.audit.call("distribution", params).await?;
        let entries = field("distribution", &v, "entries")?;
        serde_json::from_value::<Vec<EntryJson>>(entries.clone())
            .map(|e| {
                e.into_iter()
                    .map(|e| DistributionEntry {
                        node_index: e.node_index,
                        amount: e.amount,
                    })
                    .collect()
            })
            .map_err(|e| LogicError::Malformed {
                method: "distribution".into(),
                reason: format!("entries must be [{{node_index, amount}}]: {e}"),
                line: entries.to_string().chars().take(200).collect(),
            })
    }
}

#[derive(serde::Deserialize)]
struct EntryJson {
    node_index: u16,
    amount: u64,
}

#[async_trait]
impl TaskLogic for ExternalLogic {
    async fn work(&self, ctx: &WorkContext) -> Result<Vec<u8>, String> {
        self.try_work(ctx).await.map_err(|e| e.to_string())
    }

    async fn audit_submission(&self, ctx: &WorkContext, node_index: u32, proof: &[u8]) -> Verdict {
        let mut params = ctx_json(ctx);
        params["target"] = json!(node_index);
        params["proof"] = json!(B64.encode(proof));
        let out = self
            .audit
            .call("audit_submission", params)
            .await
            .and_then(|v| parse_verdict("audit_submission", &v));
        out.unwrap_or_else(|e| {
            tracing::warn!(round = ctx.round, target = node_index, error = %e, "no verdict (unknown)");
            Verdict::Unknown
        })
    }

    async fn distribution(
        &self,
        round: u64,
        valid: &[u32],
        budget: u64,
    ) -> Result<Vec<DistributionEntry>, String> {
        if !self.implements("distribution").await {
            return Ok(equal_split(valid, budget));
        }
        self.try_distribution(round, valid, budget)
            .await
            .map_err(|e| e.to_string())
    }

    async fn audit_distribution(
        &self,
        round: u64,
        valid: &[u32],
        budget: u64,
        entries: &[DistributionEntry],
    ) -> Verdict {
        if !self.implements("audit_distribution").await {
            return recompute_and_compare(self, round, valid, budget, entries).await;
        }
        let params = json!({
            "round": round,
            "candidates": valid,
            "budget": budget,
            "entries": entries_json(entries),
        });
        let out = self
            .audit
            .call("audit_distribution", params)
            .await
            .and_then(|v| parse_verdict("audit_distribution", &v));
        out.unwrap_or_else(|e| {
            tracing::warn!(round, error = %e, "no list verdict (unknown)");
            Verdict::Unknown
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_checked_for_id_shape_and_errors() {
        assert_eq!(
            parse_answer("work", 3, r#"{"id":3,"result":{"proof":"AQ=="}}"#).unwrap()["proof"],
            "AQ=="
        );
        assert!(matches!(
            parse_answer("work", 3, r#"{"id":4,"result":{}}"#),
            Err(LogicError::Malformed { .. })
        ));
        assert!(matches!(
            parse_answer("work", 3, "proof: 1"),
            Err(LogicError::Malformed { .. })
        ));
        assert!(matches!(
            parse_answer("work", 3, r#"{"id":3}"#),
            Err(LogicError::Malformed { .. })
        ));
        assert!(matches!(
            parse_answer("work", 3, r#"{"id":3,"error":"rpc down"}"#),
            Err(LogicError::Failed { message, .. }) if message == "rpc down"
        ));
        assert_eq!(
            parse_verdict("a", &json!({"verdict": "unknown"})).unwrap(),
            Verdict::Unknown
        );
        assert!(parse_verdict("a", &json!({"verdict": "maybe"})).is_err());
        assert!(parse_verdict("a", &json!({"valid": true})).is_err());
    }

    fn logic(mode: &str) -> ExternalLogicConfig {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/logic/sha_logic.py");
        let mut cfg = ExternalLogicConfig::new("python3", vec![script.into(), mode.into()]);
        cfg.call_timeout = Duration::from_millis(1_500);
        cfg.work_timeout = Duration::from_millis(1_500);
        cfg
    }

    fn ctx(node: u32) -> WorkContext {
        WorkContext::new(
            anchor_lang::prelude::Pubkey::new_from_array([5; 32]),
            2,
            node,
        )
    }

    #[tokio::test]
    async fn an_honest_logic_proves_and_audits_over_the_pipe() {
        let l = ExternalLogic::start(logic("honest")).await.unwrap();
        let proof = l.work(&ctx(1)).await.unwrap();
        assert_eq!(proof.len(), 32);
        assert_eq!(l.audit_submission(&ctx(0), 1, &proof).await, Verdict::Valid);
        assert_eq!(
            l.audit_submission(&ctx(0), 2, &proof).await,
            Verdict::Invalid
        );
        // Not implemented by this logic: the protocol's equal split.
        assert_eq!(
            l.distribution(2, &[1, 2], 5).await.unwrap(),
            equal_split(&[1, 2], 5)
        );
        assert_eq!(l.starts().await, (1, 1));
    }

    #[tokio::test]
    async fn a_missing_executable_fails_at_start() {
        let cfg = ExternalLogicConfig::new("/nonexistent/gradual-logic", vec![]);
        let err = ExternalLogic::start(cfg)
            .await
            .err()
            .expect("no such program");
        assert!(matches!(err, LogicError::Spawn { .. }), "{err}");
    }

    #[tokio::test]
    async fn a_malformed_answer_is_an_error_and_the_logic_restarts() {
        let l = ExternalLogic::start(logic("malformed-work")).await.unwrap();
        let err = l.work(&ctx(1)).await.unwrap_err();
        assert!(
            err.contains("malformed") && err.contains("proof: 42"),
            "{err}"
        );
        // Backing off, then started again.
        let err = l.work(&ctx(1)).await.unwrap_err();
        assert!(err.contains("restarting"), "{err}");
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        assert!(l.work(&ctx(1)).await.is_err());
        assert_eq!(l.starts().await.0, 2);
        // The audit lane is another process, unaffected.
        let honest = proof_of(1);
        assert_eq!(
            l.audit_submission(&ctx(0), 1, &honest).await,
            Verdict::Valid
        );
    }

    #[tokio::test]
    async fn a_crash_or_a_timeout_gives_unknown_never_invalid() {
        let l = ExternalLogic::start(logic("crash-audit")).await.unwrap();
        assert_eq!(
            l.audit_submission(&ctx(0), 1, &proof_of(1)).await,
            Verdict::Unknown
        );
        let err = l.work(&ctx(1)).await;
        assert!(err.is_ok(), "the work lane still runs: {err:?}");
        let l = ExternalLogic::start(logic("unknown-audit")).await.unwrap();
        assert_eq!(
            l.audit_submission(&ctx(0), 1, &proof_of(1)).await,
            Verdict::Unknown
        );
        assert_eq!(
            l.starts().await,
            (1, 1),
            "an unknown answer keeps the process"
        );
        let l = ExternalLogic::start(logic("slow-audit")).await.unwrap();
        let t = Instant::now();
        assert_eq!(
            l.audit_submission(&ctx(0), 1, &proof_of(1)).await,
            Verdict::Unknown
        );
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
        let l = ExternalLogic::start(logic("crash-work")).await.unwrap();
        let err = l.work(&ctx(1)).await.unwrap_err();
        assert!(err.contains("exited") && err.contains('3'), "{err}");
    }

    fn proof_of(node: u32) -> Vec<u8> {
        let c = ctx(node);
        solana_sha256_hasher::hashv(&[
            format!("gradual-ext|{}|{}|{node}", c.task, c.round).as_bytes()
        ])
        .to_bytes()
        .to_vec()
    }
}
