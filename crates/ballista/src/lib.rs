//! The audit on Apache DataFusion Ballista (`--engine ballista`). The binary depends on
//! this crate only in the build with the cargo feature `distributed`, so DataFusion and
//! Ballista are built only there; nothing else in fundaudit names them.
//!
//! A partitioned run ([`fundaudit_audit::partition`]) cuts the payments into units whose findings
//! do not depend on each other: whole components of allocation, person and account, the
//! stage's parts (or groups of them). On a cluster:
//!
//! ```text
//!  client                              executors (fundaudit-executor)
//!  people; identity resolution ──────► blocking self-joins, name-order windows
//!    ([`identity`])              ◄──── matched pairs → clustered on the client
//!  audit job ([`audit`]) ────────────► payments FULL JOIN allocations LEFT JOIN registry
//!                                      by unit: fundaudit_rows(…) gathers a unit
//!                                      fundaudit_unit(unit, rows, job): the library's
//!                                      rules over the unit, with the job's people
//!                                ◄──── one Binary per unit: findings + the rows named
//!  finish: stack in unit order → score, cases, reports (the local code)
//! ```
//!
//! The relational work is DataFusion's: the linking joins and the group-by that hands
//! each unit its rows. The rules are the library's ([`fundaudit_audit::partition::Prepared`]),
//! reached through an aggregate that gathers a unit's rows and a scalar function over
//! them, not a custom plan node: a plan node needs a codec in client, scheduler and
//! executors, and the rules need a unit's rows whole and together anyway (they group,
//! sort and compare across them), so a partial state smaller than the rows does not
//! exist. The local and the distributed engine run one rule code and cannot disagree on
//! a finding.
//!
//! What this does not yet do (see docs/distributed.md): give each executor only the people its
//! units name — each still loads the whole registry, death list and officials from the
//! stage.

mod audit;
mod cluster;
pub mod functions;
mod gather;
pub mod identity;
pub mod identity_udfs;
mod job;
mod udf;
pub mod wire;

pub use audit::audit;
pub use cluster::{connect, in_process, in_process_with, Cluster};
pub use job::Job;
