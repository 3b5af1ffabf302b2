//! What each rule means to the people who act on it: its name in both languages, an
//! English description, the policy it checks (政策依据) and what a cadre checks on a
//! visit (核查要点). The texts are data (policy.toml) because a province cites its own
//! measures beside the national ones, and an analyst edits them without a rebuild.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

use serde::Deserialize;

use crate::error::Error;

/// The built-in texts, with a comment on how to override them; `fundaudit policy` prints it.
pub const DEFAULT_POLICY_TOML: &str = include_str!("policy.toml");

/// One rule's entry as a file writes it: every key optional, so a user's file holds only
/// what it changes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    title: Option<String>,
    title_en: Option<String>,
    description_en: Option<String>,
    basis: Option<Vec<String>>,
    checklist: Option<Vec<String>>,
}

impl Entry {
    /// `self`'s keys over `under`'s.
    fn over(self, under: &Entry) -> Entry {
        Entry {
            title: self.title.or_else(|| under.title.clone()),
            title_en: self.title_en.or_else(|| under.title_en.clone()),
            description_en: self.description_en.or_else(|| under.description_en.clone()),
            basis: self.basis.or_else(|| under.basis.clone()),
            checklist: self.checklist.or_else(|| under.checklist.clone()),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    rules: BTreeMap<String, Entry>,
}

/// One rule's texts, every field filled (from its own entry, else the reference lists'
/// shared `LIST` entry for a `LIST_*` code, else the code itself or nothing).
#[derive(Debug, Clone, PartialEq)]
pub struct RuleText {
    pub title: String,
    pub title_en: String,
    pub description_en: String,
    pub basis: Vec<String>,
    pub checklist: Vec<String>,
}

/// The rule texts a run uses: the built-in file, with a user's file over it.
#[derive(Debug, Clone)]
pub struct Policy {
    rules: BTreeMap<String, Entry>,
}

static BUILT_IN: LazyLock<Policy> = LazyLock::new(|| {
    Policy::parse(DEFAULT_POLICY_TOML, "<built-in policy>").expect("the built-in policy parses")
});

impl Default for Policy {
    fn default() -> Policy {
        BUILT_IN.clone()
    }
}

impl Policy {
    /// The built-in texts, shared: for callers that read them without a user's file.
    pub fn built_in() -> &'static Policy {
        &BUILT_IN
    }

    fn parse(text: &str, origin: &str) -> Result<Policy, Error> {
        let file: File = toml::from_str(text).map_err(|e| Error::Config {
            path: origin.to_string(),
            message: format!("{e}(see `fundaudit policy` for the built-in file to start from)"),
        })?;
        Ok(Policy { rules: file.rules })
    }

    /// A user's file over the built-in texts: a rule it leaves out, or a key it leaves
    /// out of a rule, keeps the built-in text.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Policy, Error> {
        let user = Policy::parse(text, origin)?;
        let mut rules = BUILT_IN.rules.clone();
        for (code, entry) in user.rules {
            let merged = match rules.get(&code) {
                Some(built_in) => entry.over(built_in),
                None => entry,
            };
            rules.insert(code, merged);
        }
        Ok(Policy { rules })
    }

    pub fn from_file(path: &Path) -> Result<Policy, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Config {
            path: path.display().to_string(),
            message: format!(
                "cannot read the policy file: {e} (the config's [report] policy names it)"
            ),
        })?;
        Policy::from_toml_str(&text, &path.display().to_string())
    }

    /// The texts of `code`.
    pub fn rule(&self, code: &str) -> RuleText {
        let own = self.rules.get(code).cloned().unwrap_or_default();
        let shared = if code.starts_with("LIST_") {
            self.rules.get("LIST").cloned().unwrap_or_default()
        } else {
            Entry::default()
        };
        let e = own.over(&shared);
        RuleText {
            title: e.title.unwrap_or_else(|| code.to_string()),
            title_en: e.title_en.unwrap_or_else(|| code.to_string()),
            description_en: e.description_en.unwrap_or_default(),
            basis: e.basis.unwrap_or_default(),
            checklist: e.checklist.unwrap_or_default(),
        }
    }

    /// The rule's name in Chinese (`en` false) or English.
    pub fn title(&self, code: &str, en: bool) -> String {
        let t = self.rule(code);
        if en {
            t.title_en
        } else {
            t.title
        }
    }
}

/// The built-in Chinese name of a rule (the code itself when it has none): what the
/// evidence and case summaries call it.
pub fn built_in_title(code: &str) -> &str {
    match BUILT_IN.rules.get(code).and_then(|e| e.title.as_deref()) {
        Some(t) => t,
        None if code.starts_with("LIST_") => BUILT_IN
            .rules
            .get("LIST")
            .and_then(|e| e.title.as_deref())
            .unwrap_or(code),
        None => code,
    }
}

/// The built-in English name of a rule (the code itself when it has none): what an
/// English workbook's issue column says.
pub fn built_in_title_en(code: &str) -> &str {
    let entry = |c: &str| BUILT_IN.rules.get(c).and_then(|e| e.title_en.as_deref());
    match entry(code) {
        Some(t) => t,
        None if code.starts_with("LIST_") => entry("LIST").unwrap_or(code),
        None => code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Rule;

    #[test]
    fn every_rule_has_a_title_a_basis_and_a_checklist() {
        let p = Policy::default();
        for r in Rule::ALL {
            let t = p.rule(r.code());
            assert_ne!(t.title, r.code(), "{} has no Chinese title", r.code());
            assert!(!t.title_en.is_empty() && t.title_en != r.code());
            assert!(!t.description_en.is_empty(), "{}", r.code());
            assert!(!t.basis.is_empty(), "{} cites nothing", r.code());
            assert!(!t.checklist.is_empty(), "{} has no checklist", r.code());
        }
        // A reference list the config adds reads the shared entry.
        let t = p.rule("LIST_PROPERTY");
        assert_eq!(t.title, "不符合条件人员领取");
        assert!(!t.basis.is_empty());
        assert_eq!(p.rule("LIST_VEHICLE").title, "有车人员领取");
        assert_eq!(p.rule("LIST_VEHICLE").checklist, t.checklist);
    }

    #[test]
    fn a_users_file_changes_only_what_it_names() {
        let p = Policy::from_toml_str(
            "[rules.GHOST_DECEASED]\nbasis = [\"某省最低生活保障实施细则\"]\n",
            "user.toml",
        )
        .unwrap();
        let t = p.rule("GHOST_DECEASED");
        assert_eq!(t.basis, ["某省最低生活保障实施细则"]);
        assert_eq!(t.title, "死亡人员仍领取", "the title is kept");
        assert_eq!(p.rule("DELAY_LATE"), Policy::default().rule("DELAY_LATE"));
        let err = Policy::from_toml_str("[rules.X]\nbasiss = []\n", "user.toml").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("user.toml") && text.contains("basiss"),
            "{text}"
        );
    }
}
