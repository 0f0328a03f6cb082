//! # gradual-sdk
//!
//! The client half of gradual: PDA derivation ([`pda`]), pure instruction builders ([`ix`])
//! and typed errors ([`error`]). The schedule math and account layouts are the program's own,
//! re-exported here so no client ever re-derives them.
pub mod error;
pub mod ix;
pub mod pda;

pub use gradual::{
    self as program, bitmap, constants, errors::GradualError, events, schedule, state,
    ID as PROGRAM_ID,
};
