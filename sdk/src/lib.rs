//! # gradual-sdk
//!
//! The client half of gradual, for task creators' tools and node software:
//! - [`pda`]: every PDA; [`ix`]: a pure builder for every instruction (no RPC inside);
//! - [`accounts`]: fetch and decode every account (owner and discriminator checked) and the
//!   program-account scans; [`events`]: the program's events parsed from logs;
//! - [`chain::Chain`]: what the SDK needs from a cluster, over JSON-RPC ([`rpc::RpcChain`]) or
//!   the in-process test bank (`bank::BankChain`, feature `bank`);
//! - [`client::TaskClient`]: create, fund, update, pause, close, join, stake, unstake, status;
//! - [`node`]: the node runtime — [`node::TaskLogic`] (what a task's author writes) and
//!   [`node::NodeRunner`] (drives a node through every phase, restart-safe).
//!
//! The schedule math and account layouts are the program's own, re-exported here, so no client
//! ever re-derives them. See docs/sdk.md for a walkthrough.
#![warn(missing_docs)]

pub mod accounts;
#[cfg(feature = "bank")]
pub mod bank;
pub mod chain;
pub mod client;
pub mod error;
pub mod events;
pub mod ix;
pub mod node;
pub mod pda;
pub mod reclaim;
pub mod rpc;

pub use gradual::{
    self as program, bitmap, constants, errors::GradualError, schedule, state, ID as PROGRAM_ID,
};
