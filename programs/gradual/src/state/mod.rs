//! Account layouts, one file per account.
pub mod node;
pub mod round;
pub mod seeds;
pub mod submission;
pub mod task;

pub use node::*;
pub use round::*;
pub use submission::*;
pub use task::*;
