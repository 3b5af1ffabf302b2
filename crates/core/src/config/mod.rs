//! Thresholds, tolerances, deadlines, weights and cut-offs, read from TOML.
//!
//! The commented default file (default.toml) is the single source of truth:
//! `Config::default()` parses it, and `fundaudit config` prints it verbatim, so the
//! documentation of a key can never drift from the value the program actually uses. The
//! sections are in sections.rs (identity's weights in identity.rs), the range checks in
//! validate.rs.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Error;

mod identity;
mod sections;
mod validate;

pub use identity::{Identity, MeasuredWeights, LEVEL_WIDTH};
pub use sections::{
    AgeBand, Alert, Basis, CasesConfig, Completeness, Deadlines, Delayed, Diverted, Duplicate,
    Exclusive, Limits, ListConfig, Matching, Notices, PaidTo, Partial, ProgramConfig, Projects,
    ReportConfig, Scale, Scoring, Standard, Weights, Worklists,
};

/// The default configuration, with a comment on every key.
pub const DEFAULT_CONFIG_TOML: &str = include_str!("default.toml");

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub deadlines: Deadlines,
    pub delayed: Delayed,
    pub partial: Partial,
    pub duplicate: Duplicate,
    pub matching: Matching,
    pub identity: Identity,
    pub cases: CasesConfig,
    pub report: ReportConfig,
    pub diverted: Diverted,
    pub scoring: Scoring,
    pub alert: Alert,
    pub completeness: Completeness,
    pub scale: Scale,
    pub limits: Limits,
    pub worklists: Worklists,
    pub exclusive: Exclusive,
    /// Per program: its standard (超标准发放).
    #[serde(default)]
    pub standards: BTreeMap<String, Standard>,
    /// Per program: how its amount is worked out (AMOUNT_BASIS).
    #[serde(default)]
    pub basis: BTreeMap<String, Basis>,
    pub notices: Notices,
    /// 涉农项目资金: thresholds, shares and limits of the project rules.
    pub projects: Projects,
    /// Per program: what kind of benefit it is (see [`ProgramConfig`]).
    #[serde(default)]
    pub programs: BTreeMap<String, ProgramConfig>,
    /// Reference lists that disqualify (不符合条件): vehicles, businesses, property …
    #[serde(default)]
    pub lists: Vec<ListConfig>,
    /// Per input file: "header as in the file" → field.
    #[serde(default)]
    pub columns: BTreeMap<String, BTreeMap<String, String>>,
    /// Per input file: the workbook sheet to read.
    #[serde(default)]
    pub sheets: BTreeMap<String, String>,
    /// Per input file: where its files are (patterns relative to the data folder).
    #[serde(default)]
    pub inputs: BTreeMap<String, Vec<String>>,
    /// Bank transfer status values beyond the built-in ones: value → paid, failed,
    /// returned or reversed.
    #[serde(default)]
    pub status: BTreeMap<String, String>,
    pub weights: Weights,
}

impl Default for Config {
    fn default() -> Self {
        Config::from_toml_str(DEFAULT_CONFIG_TOML, "<built-in defaults>")
            .expect("the built-in default configuration parses")
    }
}

impl Config {
    /// Parses a user file layered over the defaults: keys the user leaves out keep
    /// their documented default, so a config file can hold only what an analyst changed.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Config, Error> {
        let bad = |message: String| Error::Config {
            path: origin.to_string(),
            message,
        };
        let mut user: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| bad(e.to_string()))?;
        if let Some(toml::Value::Table(identity)) = user.get_mut("identity") {
            rename_legacy_identity_keys(identity).map_err(bad)?;
        }
        let mut merged: toml::Table = if origin == "<built-in defaults>" {
            toml::Table::new()
        } else {
            DEFAULT_CONFIG_TOML
                .parse()
                .expect("the built-in default configuration parses")
        };
        merge(&mut merged, user);
        // Re-serialise so that serde's errors come with the offending line, key included.
        let merged_text = toml::to_string(&merged).map_err(|e| bad(e.to_string()))?;
        let config: Config = toml::from_str(&merged_text)
            .map_err(|e: toml::de::Error| bad(in_users_terms(&e, &merged_text, text)))?;
        config.validate().map_err(bad)?;
        Ok(config)
    }

    pub fn from_file(path: &Path) -> Result<Config, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Config {
            path: path.display().to_string(),
            message: format!("cannot read the file: {e}"),
        })?;
        Config::from_toml_str(&text, &path.display().to_string())
    }

    /// Deadline in days for a program (per-program entry, else the default).
    /// Whether `program` is granted on means (`[programs."<name>"] means_tested`); a
    /// finding listing several programs (`低保金;高龄津贴`) is when any is.
    /// Whose card a program's money must go to, where the config says.
    pub fn paid_to(&self, program: &str) -> Option<PaidTo> {
        self.programs.get(program.trim()).and_then(|c| c.paid_to)
    }

    pub fn means_tested(&self, program: &str) -> bool {
        program
            .split(';')
            .any(|p| self.programs.get(p.trim()).is_some_and(|c| c.means_tested))
    }

    pub fn deadline_days(&self, program: &str) -> u32 {
        self.deadlines
            .programs
            .get(program)
            .copied()
            .unwrap_or(self.deadlines.default_days)
    }
}

/// A type or key error found in the merged configuration, told by the user's own file:
/// the merged text's line numbers would point into the built-in defaults (line 25 for
/// line 2 of a two-line file). The key on the error's line is looked up in the user's
/// text, and its line there named.
fn in_users_terms(e: &toml::de::Error, merged: &str, user: &str) -> String {
    let message = e.message().trim().to_string();
    let Some(span) = e.span() else {
        return message;
    };
    let line_start = merged[..span.start.min(merged.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let merged_line = merged[line_start..].lines().next().unwrap_or("");
    let key = merged_line
        .split('=')
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('"');
    if key.is_empty() || !merged_line.contains('=') {
        return message;
    }
    let found = user.lines().enumerate().find(|(_, l)| {
        let l = l.trim_start();
        let bare = l.strip_prefix(key);
        let quoted = l
            .strip_prefix('"')
            .and_then(|r| r.strip_prefix(key))
            .and_then(|r| r.strip_prefix('"'));
        bare.or(quoted)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    });
    match found {
        Some((i, l)) => format!("line {}: `{}`: {message}", i + 1, l.trim()),
        None => format!("`{key}`: {message}"),
    }
}

/// Config files written before the identity model had levels: keys whose meaning is
/// unchanged take their new names; keys whose meaning changed are refused with what to
/// write instead, rather than silently read as something else.
fn rename_legacy_identity_keys(identity: &mut toml::Table) -> Result<(), String> {
    for (old, new) in [
        ("name_agree", "name_exact"),
        ("name_disagree", "name_different"),
        ("birth_diff", "birth_different"),
        ("place_same", "place_village"),
    ] {
        if let Some(v) = identity.remove(old) {
            if identity.contains_key(new) {
                return Err(format!(
                    "identity.{old} and identity.{new} are one key: keep {new}"
                ));
            }
            identity.insert(new.to_string(), v);
        }
    }
    for old in ["id_exact", "id_close"] {
        if identity.contains_key(old) {
            return Err(format!(
                "identity.{old} is gone: the ID number is now weighed without its birth date \
                 (id_same, id_one_off, id_two_off, id_far, id_missing) and the birth date on \
                 its own (birth_same, birth_typo, birth_different); see `fundaudit config`"
            ));
        }
    }
    Ok(())
}

/// Recursive table merge: user values replace defaults key by key.
fn merge(base: &mut toml::Table, user: toml::Table) {
    for (key, value) in user {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(u)) => merge(b, u),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests;
