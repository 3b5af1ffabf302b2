//! Ranking: one risk score per finding from money at risk, the rule's confidence and the
//! rule's weight, then a stable finding id and a rank.

use polars::prelude::*;

use fundaudit_core::config::Config;
use fundaudit_core::findings::{cols, scored};
use fundaudit_core::frame;

/// Column order of findings.csv and findings.json.
pub const OUTPUT_COLUMNS: &[&str] = &[
    scored::FINDING_ID,
    scored::RANK,
    cols::CATEGORY,
    cols::RULE,
    scored::SEVERITY,
    scored::RISK_SCORE,
    scored::AMOUNT_AT_RISK,
    cols::TOWNSHIP,
    cols::PROGRAM,
    cols::BENEFICIARY_IDS,
    cols::ALLOCATION_IDS,
    cols::PAYMENT_IDS,
    cols::SIMILARITY,
    cols::CONFIDENCE,
    cols::DAYS_LATE,
    cols::EVIDENCE,
    cols::REFS,
    scored::FINGERPRINT,
];

/// 0–100. Money counts on a log scale (a 50,000-yuan case outranks a 50-yuan one, but not
/// by a thousand times), floored so that cases with little money still surface.
pub fn risk_score(config: &Config, rule: &str, confidence: f64, amount_fen: i64) -> f64 {
    let s = &config.scoring;
    let yuan = (amount_fen.max(0) as f64) / 100.0;
    let money = ((1.0 + yuan).ln() / (1.0 + s.money_cap_yuan).ln()).clamp(s.money_floor, 1.0);
    let weight = match config.lists.iter().find(|l| l.rule == rule) {
        Some(list) => list.weight,
        None => config.weights.of(rule),
    };
    let score = 100.0 * weight * confidence.clamp(0.0, 1.0) * money;
    (score * 100.0).round() / 100.0
}

pub fn severity(config: &Config, score: f64) -> &'static str {
    if score >= config.scoring.high_score {
        "high"
    } else if score >= config.scoring.medium_score {
        "medium"
    } else {
        "low"
    }
}

/// FNV-1a, 64 bits: tiny, and the same on every platform and release (std's hasher is not
/// guaranteed to be), which finding ids need.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// `F` + 12 hex digits from the rule and what the finding is about.
pub fn finding_id(rule: &str, key: &str) -> String {
    format!(
        "F{:012x}",
        fnv1a(format!("{rule}|{key}").as_bytes()) & 0xffff_ffff_ffff
    )
}

/// The facts of a finding: what money and which records. A different amount or another
/// payment makes a different fingerprint; the wording of the evidence does not. It travels
/// with the finding into findings.csv/xlsx, so an officer's decision can be recorded
/// against the facts they read (see `CaseLedger::review`).
pub fn fingerprint(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    h.finalize()
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Scores, ranks and orders the findings of all rules.
pub fn score(findings: &DataFrame, config: &Config) -> PolarsResult<DataFrame> {
    let rules = frame::text(findings, cols::RULE)?;
    let keys = frame::text(findings, cols::KEY)?;
    let ben = frame::text(findings, cols::BENEFICIARY_IDS)?;
    let alloc = frame::text(findings, cols::ALLOCATION_IDS)?;
    let pay = frame::text(findings, cols::PAYMENT_IDS)?;
    let conf: Vec<f64> = findings
        .column(cols::CONFIDENCE)?
        .f64()?
        .iter()
        .map(|c| c.unwrap_or(0.0))
        .collect();
    let fen = frame::int(findings, cols::AMOUNT_FEN)?;

    let n = findings.height();
    let mut ids = Vec::with_capacity(n);
    let mut scores = Vec::with_capacity(n);
    let mut severities = Vec::with_capacity(n);
    let mut yuan = Vec::with_capacity(n);
    let mut fingerprints = Vec::with_capacity(n);
    for i in 0..n {
        let rule = rules[i].unwrap_or("");
        let key = match keys[i] {
            Some(k) => k.to_string(),
            None => format!(
                "{}|{}|{}",
                ben[i].unwrap_or(""),
                alloc[i].unwrap_or(""),
                pay[i].unwrap_or("")
            ),
        };
        ids.push(finding_id(rule, &key));
        let s = risk_score(config, rule, conf[i], fen[i].unwrap_or(0));
        scores.push(s);
        severities.push(severity(config, s));
        let amount = fen[i].unwrap_or(0) as f64 / 100.0;
        fingerprints.push(fingerprint(&[
            rule,
            ben[i].unwrap_or(""),
            alloc[i].unwrap_or(""),
            pay[i].unwrap_or(""),
            &format!("{amount:.2}"),
        ]));
        yuan.push(amount);
    }
    let mut df = findings.clone();
    df.with_column(Column::new(scored::FINDING_ID.into(), ids))?;
    df.with_column(Column::new(scored::RISK_SCORE.into(), scores))?;
    df.with_column(Column::new(scored::SEVERITY.into(), severities))?;
    df.with_column(Column::new(scored::AMOUNT_AT_RISK.into(), yuan))?;
    df.with_column(Column::new(scored::FINGERPRINT.into(), fingerprints))?;
    let mut df = df.sort(
        [scored::RISK_SCORE, cols::AMOUNT_FEN, scored::FINDING_ID],
        SortMultipleOptions::default().with_order_descending_multi([true, true, false]),
    )?;
    let ranks: Vec<i64> = (1..=n as i64).collect();
    df.with_column(Column::new(scored::RANK.into(), ranks))?;
    df.select(OUTPUT_COLUMNS.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_money_and_weight_rank_higher() {
        let c = Config::default();
        let small = risk_score(&c, "DELAY_LATE", 0.8, 100);
        let big = risk_score(&c, "DELAY_LATE", 0.8, 5_000_000);
        assert!(big > small);
        assert!(risk_score(&c, "DIV_OFFICIAL", 0.8, 100) > small);
        assert!(
            risk_score(&c, "GHOST_DECEASED", 1.0, 0) > 0.0,
            "floor keeps zero-money findings visible"
        );
        assert!(risk_score(&c, "DIV_OFFICIAL", 1.0, i64::MAX) <= 100.0);
    }

    #[test]
    fn finding_ids_are_stable_and_distinct() {
        assert_eq!(
            finding_id("DELAY_LATE", "A1"),
            finding_id("DELAY_LATE", "A1")
        );
        assert_ne!(
            finding_id("DELAY_LATE", "A1"),
            finding_id("DELAY_UNPAID", "A1")
        );
        assert_eq!(finding_id("DELAY_LATE", "A1").len(), 13);
        // Pinned: the id of these facts must not change between releases.
        assert_eq!(finding_id("DELAY_LATE", "A000001"), "F4fcbaa52a255");
    }
}
