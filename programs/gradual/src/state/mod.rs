//! Account layouts, one file per account.
pub mod audit;
pub mod distribution;
pub mod index_pool;
pub mod node;
pub mod round;
pub mod seeds;
pub mod shard;
pub mod submission;
pub mod task;
pub mod task_logic;

pub use audit::*;
pub use distribution::*;
pub use index_pool::*;
pub use node::*;
pub use round::*;
pub use shard::*;
pub use submission::*;
pub use task::*;
pub use task_logic::*;
