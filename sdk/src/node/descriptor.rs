//! A task's logic descriptor (on chain: `state::TaskLogic`) and the node's side of it: which
//! code a node runs, and the check that refuses to run anything else (a node running other
//! code judges honest peers invalid and is slashed for it).
use gradual::state::LogicDescriptor;

/// The built-in hash-chain logic's URI; its parameters are `iterations=<n>`.
pub const BUILTIN_HASH_CHAIN: &str = "builtin:hash-chain";

/// The code hash of a built-in logic: sha256 of `gradual:<uri>:v1` (built-ins are part of the
/// node software; a change of their rules gets a new version).
pub fn builtin_hash(uri: &str) -> [u8; 32] {
    solana_sha256_hasher::hashv(&[b"gradual:", uri.as_bytes(), b":v1"]).to_bytes()
}

/// sha256 of a file (an external logic's executable).
pub fn file_hash(path: &std::path::Path) -> std::io::Result<[u8; 32]> {
    Ok(solana_sha256_hasher::hashv(&[&std::fs::read(path)?]).to_bytes())
}

/// The hash-chain parameters for `iterations`.
pub fn hash_chain_params(iterations: u32) -> Vec<u8> {
    format!("iterations={iterations}").into_bytes()
}

/// The iterations of hash-chain parameters (`iterations=<n>`).
pub fn parse_hash_chain_params(params: &[u8]) -> Option<u32> {
    std::str::from_utf8(params)
        .ok()?
        .trim()
        .strip_prefix("iterations=")?
        .parse()
        .ok()
}

/// The arguments an external logic runs with: the descriptor's parameters, UTF-8, split on
/// whitespace.
pub fn params_as_args(params: &[u8]) -> Option<Vec<String>> {
    Some(
        std::str::from_utf8(params)
            .ok()?
            .split_whitespace()
            .map(str::to_string)
            .collect(),
    )
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks the code this node would run (`local_hash`) against the descriptor; the error says
/// what the task requires.
pub fn check(descriptor: &LogicDescriptor, local_hash: &[u8; 32]) -> Result<(), String> {
    if &descriptor.hash == local_hash {
        return Ok(());
    }
    Err(format!(
        "the task requires logic {} (sha256 {}) from round {}, this node's logic hashes to {}",
        descriptor.uri,
        hex(&descriptor.hash),
        descriptor.effective_round,
        hex(local_hash)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_and_hashes_round_trip_and_mismatches_are_named() {
        assert_eq!(
            parse_hash_chain_params(&hash_chain_params(1500)),
            Some(1500)
        );
        assert_eq!(parse_hash_chain_params(b"iterations=x"), None);
        assert_eq!(
            params_as_args(b"--slots  20").unwrap(),
            vec!["--slots".to_string(), "20".to_string()]
        );
        let d = LogicDescriptor {
            effective_round: 3,
            uri: BUILTIN_HASH_CHAIN.into(),
            hash: builtin_hash(BUILTIN_HASH_CHAIN),
            params: hash_chain_params(30_000),
        };
        assert!(check(&d, &builtin_hash(BUILTIN_HASH_CHAIN)).is_ok());
        let e = check(&d, &builtin_hash("builtin:other")).unwrap_err();
        assert!(
            e.contains("builtin:hash-chain") && e.contains("round 3"),
            "{e}"
        );
        assert_ne!(builtin_hash("a"), builtin_hash("b"));
    }
}
