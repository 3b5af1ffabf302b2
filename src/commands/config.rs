//! `fundaudit config`: the default configuration, every key commented.

use fundaudit_core::config::DEFAULT_CONFIG_TOML;

use super::outcome::Outcome;

pub fn print() -> anyhow::Result<Outcome> {
    print!("{DEFAULT_CONFIG_TOML}");
    Ok(Outcome::Done)
}
