//! `fundaudit stats --identity`: before an analyst adopts learned identity weights, what
//! would they change, counted in officers' decisions? Officers confirmed or dismissed
//! duplicate-registration findings (DUP_PERSON_PERIOD) in the case ledger; each decision
//! labels the registrations it put together. For the weights in use, the weights learned
//! from the registry alone, and those learned with the decisions as labels, this counts
//! how many confirmed and how many dismissed pairs each would still match, and how many
//! pairs each would match in the whole registry.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use crate::operations::registry_dedup::{load_registry, pack_registry};
use fundaudit_casebook::ledger::CaseLedger;
use fundaudit_core::config::{Config, Identity};
use fundaudit_core::error::Result;
use fundaudit_core::frame;
use fundaudit_identity::dedup::dedup_registry;
use fundaudit_identity::model::compare;
use fundaudit_identity::train::{train, Label};
use fundaudit_identity::PackedRegistry;

/// One set of weights judged against the decisions.
#[derive(Debug, Clone, Serialize)]
pub struct ModelRow {
    pub weights: &'static str,
    pub match_score: f64,
    pub confirmed_matched: usize,
    pub dismissed_matched: usize,
    /// Pairs of registrations merged as one person in the whole registry.
    pub registry_pairs: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct IdentityStats {
    pub confirmed_findings: usize,
    pub dismissed_findings: usize,
    pub confirmed_pairs: usize,
    pub dismissed_pairs: usize,
    /// Beneficiary ids in decisions that the registry no longer holds.
    pub unknown_ids: Vec<String>,
    pub rows: Vec<ModelRow>,
    /// The `[identity]` block learned with the decisions, to adopt.
    pub refined_block: String,
}

/// Judges the configured, the learned and the decision-refined weights on `data_dir`'s
/// registry against the decisions in `ledger`.
pub fn identity_stats(
    data_dir: &Path,
    ledger: &CaseLedger,
    config: &Config,
) -> Result<IdentityStats> {
    let (path, loaded) = load_registry(data_dir, config)?;
    let reg = pack_registry(&loaded.frame)?;
    let ids = frame::text(&loaded.frame, "beneficiary_id")?;
    let row_of: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .filter_map(|(i, id)| Some(((*id)?, i)))
        .collect();
    let decisions = ledger.identity_decisions()?;
    let mut labels: Vec<Label> = Vec::new();
    let mut unknown_ids = Vec::new();
    for (group, confirmed) in &decisions {
        let mut rows: Vec<usize> = Vec::new();
        for id in group {
            match row_of.get(id.as_str()) {
                Some(&r) => rows.push(r),
                None => unknown_ids.push(id.clone()),
            }
        }
        rows.sort_unstable();
        rows.dedup();
        for (i, &a) in rows.iter().enumerate() {
            for &b in &rows[i + 1..] {
                labels.push((a, b, *confirmed));
            }
        }
    }
    unknown_ids.sort();
    unknown_ids.dedup();

    let learned = train(&reg, config, &[]);
    let refined = train(&reg, config, &labels);
    let models: [(&'static str, &Identity); 3] = [
        ("in use", &config.identity),
        ("learned from the registry", &learned.identity),
        ("learned with the decisions", &refined.identity),
    ];
    let rows = models
        .iter()
        .map(|(name, identity)| judge(&reg, config, identity, &labels, name))
        .collect();
    Ok(IdentityStats {
        confirmed_findings: decisions.iter().filter(|d| d.1).count(),
        dismissed_findings: decisions.iter().filter(|d| !d.1).count(),
        confirmed_pairs: labels.iter().filter(|l| l.2).count(),
        dismissed_pairs: labels.iter().filter(|l| !l.2).count(),
        unknown_ids,
        rows,
        refined_block: refined.to_toml(&format!(
            "{} and the decisions in {}",
            path.display(),
            ledger.path().display()
        )),
    })
}

fn judge(
    reg: &PackedRegistry,
    config: &Config,
    identity: &Identity,
    labels: &[Label],
    name: &'static str,
) -> ModelRow {
    let config = Config {
        identity: identity.clone(),
        ..config.clone()
    };
    // The registry run gives the name frequencies the pair scores need as well.
    let dedup = dedup_registry(reg, &config);
    let counts = &dedup.name_counts;
    // Scored with the weights the registry run used (measured on it by default).
    let config = Config {
        identity: dedup.identity.clone().unwrap_or(config.identity),
        ..config
    };
    let matched = |same: bool| {
        labels
            .iter()
            .filter(|l| l.2 == same)
            .filter(|&&(a, b, _)| {
                compare(reg, a, b, counts[a].min(counts[b]), &config).score
                    >= config.identity.match_score
            })
            .count()
    };
    ModelRow {
        weights: name,
        match_score: config.identity.match_score,
        confirmed_matched: matched(true),
        dismissed_matched: matched(false),
        registry_pairs: dedup.pairs.len(),
    }
}

impl IdentityStats {
    pub fn render(&self) -> String {
        let mut s = format!(
            "officers' decisions on duplicate registrations: {} confirmed and {} dismissed findings ({} and {} pairs of registrations)\n",
            self.confirmed_findings,
            self.dismissed_findings,
            self.confirmed_pairs,
            self.dismissed_pairs
        );
        if !self.unknown_ids.is_empty() {
            s.push_str(&format!(
                "  not in the registry any more (left out): {}\n",
                self.unknown_ids.join(", ")
            ));
        }
        s.push_str(&format!(
            "\n{:<28} {:>11} {:>18} {:>18} {:>15}\n",
            "weights", "match_score", "confirmed matched", "dismissed matched", "registry pairs"
        ));
        for r in &self.rows {
            s.push_str(&format!(
                "{:<28} {:>11.2} {:>12}/{:<5} {:>12}/{:<5} {:>15}\n",
                r.weights,
                r.match_score,
                r.confirmed_matched,
                self.confirmed_pairs,
                r.dismissed_matched,
                self.dismissed_pairs,
                r.registry_pairs
            ));
        }
        s.push_str(
            "\nTo adopt the weights learned with the decisions, put this block in the config file:\n\n",
        );
        s.push_str(&self.refined_block);
        s
    }
}
