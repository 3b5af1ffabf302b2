//! `fundaudit policy`: the built-in rule texts (names, policy bases, visit checklists), to
//! copy, edit and name in the config's `[report] policy`.

use fundaudit_core::policy::DEFAULT_POLICY_TOML;

use super::outcome::Outcome;

pub fn print() -> anyhow::Result<Outcome> {
    print!("{DEFAULT_POLICY_TOML}");
    Ok(Outcome::Done)
}
