//! The program's events, parsed from transaction logs (`Program data: <base64>` lines).
use anchor_lang::{AnchorDeserialize, Discriminator};
use base64::Engine as _;
use gradual::events::*;

macro_rules! events {
    ($($name:ident),* $(,)?) => {
        /// Any event the gradual program emits.
        #[derive(Debug)]
        #[allow(missing_docs)]
        pub enum GradualEvent {
            $($name($name),)*
        }

        fn decode_one(raw: &[u8]) -> Option<GradualEvent> {
            $(
                if let Some(body) = raw.strip_prefix($name::DISCRIMINATOR) {
                    return $name::deserialize(&mut &body[..]).ok().map(GradualEvent::$name);
                }
            )*
            None
        }
    };
}

events!(
    TaskCreated,
    TaskFunded,
    TaskUpdated,
    TaskPaused,
    TaskResumed,
    NodeJoined,
    StakeAdded,
    UnstakeRequested,
    StakeWithdrawn,
    RoundOpened,
    ShardsMerged,
    Submitted,
    SubmissionClosed,
    AuditRaised,
    Voted,
    AuditResolved,
    StakeSlashed,
    DistributorSelected,
    DistributionBegun,
    DistributionAppended,
    DistributionSealed,
    DistributionSkipped,
    DistributionFailed,
    DistributionAccepted,
    RewardClaimed,
    RewardsPaid,
    AccountClosed,
    TaskClosed,
    SlashedStakeSwept,
);

/// Every gradual event in `logs`, in order. Lines that are not gradual events are skipped.
pub fn parse_events(logs: &[String]) -> Vec<GradualEvent> {
    logs.iter()
        .filter_map(|l| l.strip_prefix("Program data: "))
        .filter_map(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .filter_map(|raw| decode_one(&raw))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::{prelude::Pubkey, Event};

    #[test]
    fn parses_program_data_lines() {
        let e = TaskPaused {
            task: Pubkey::new_unique(),
            slot: 42,
        };
        let line = format!(
            "Program data: {}",
            base64::engine::general_purpose::STANDARD.encode(e.data())
        );
        let logs = vec![
            "Program log: Instruction: PauseTask".to_string(),
            line,
            "Program data: AAAA".into(),
        ];
        let parsed = parse_events(&logs);
        assert_eq!(parsed.len(), 1);
        assert!(matches!(&parsed[0], GradualEvent::TaskPaused(p) if p.slot == 42));
    }
}
