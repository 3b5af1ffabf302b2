//! What officers' decisions say about each rule: the review counts the case ledger keeps
//! per rule ([`RuleStats`], counted by fundaudit-casebook over every night) and the weight
//! they give that rule's findings in a case ([`calibration`]).

use std::collections::HashMap;

use serde::Serialize;

/// Review counts of one rule; `bands[k]` = (confirmed, dismissed) for scores in
/// [25k, 25k + 25).
#[derive(Debug, Clone, Default, Serialize)]
pub struct RuleStats {
    pub rule: String,
    pub findings: usize,
    pub reviewed: usize,
    pub confirmed: usize,
    pub dismissed: usize,
    /// Under review (核查中): reviewed, neither confirmed nor dismissed yet.
    pub investigating: usize,
    pub bands: [(usize, usize); 4],
}

impl RuleStats {
    pub fn render_all(stats: &[RuleStats]) -> String {
        let mut s = format!(
            "{:<20} {:>8} {:>8} {:>9} {:>9} {:>13}  confirm rate by score band: {:>6} {:>6} {:>6} {:>6}\n",
            "rule",
            "findings",
            "reviewed",
            "confirmed",
            "dismissed",
            "investigating",
            "0-25",
            "25-50",
            "50-75",
            "75-100"
        );
        for r in stats {
            let rate = |(c, d): (usize, usize)| {
                if c + d == 0 {
                    "-".to_string()
                } else {
                    format!("{:.0}%", 100.0 * c as f64 / (c + d) as f64)
                }
            };
            s.push_str(&format!(
                "{:<20} {:>8} {:>8} {:>9} {:>9} {:>13}  {:>27} {:>6} {:>6} {:>6} {:>6}\n",
                r.rule,
                r.findings,
                r.reviewed,
                r.confirmed,
                r.dismissed,
                r.investigating,
                "",
                rate(r.bands[0]),
                rate(r.bands[1]),
                rate(r.bands[2]),
                rate(r.bands[3])
            ));
        }
        s
    }
}

/// Per rule, how the officers' decisions bear on its scores: the confirm rate (Laplace
/// smoothed, (confirmed + 1) / (decided + 2)) against an even chance, within 0.25–1.5,
/// for rules with at least five decisions. A rule officers mostly dismiss weighs less in
/// a case; one they mostly confirm, more.
pub fn calibration(stats: &[RuleStats]) -> HashMap<String, f64> {
    stats
        .iter()
        .filter(|s| s.confirmed + s.dismissed >= 5)
        .map(|s| {
            let rate = (s.confirmed as f64 + 1.0) / ((s.confirmed + s.dismissed) as f64 + 2.0);
            (s.rule.clone(), (rate / 0.5).clamp(0.25, 1.5))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn officers_decisions_weigh_rules_once_there_are_enough() {
        let stat = |rule: &str, confirmed, dismissed| RuleStats {
            rule: rule.into(),
            confirmed,
            dismissed,
            ..RuleStats::default()
        };
        let c = calibration(&[
            stat("DIV_SHARED_ACCOUNT", 1, 9),
            stat("GHOST_DECEASED", 9, 1),
            stat("DELAY_LATE", 1, 2),
        ]);
        assert!(c["DIV_SHARED_ACCOUNT"] < 0.5);
        assert!(c["GHOST_DECEASED"] > 1.4);
        assert!(
            !c.contains_key("DELAY_LATE"),
            "three decisions say too little"
        );
    }
}
