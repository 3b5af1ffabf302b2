//! What the ledger says about the rules and the cases over all nights (`stats`): how
//! often each rule's findings were confirmed or dismissed, how cases fared.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{db, CaseLedger};
use fundaudit_audit::calibration::RuleStats;
use fundaudit_core::error::Result;

impl CaseLedger {
    /// Per rule: findings, reviewed, confirmed, dismissed; and the confirm rate per score
    /// band, so an analyst can move a cut-off with evidence.
    pub fn stats(&self) -> Result<Vec<RuleStats>> {
        let path = self.path.clone();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT f.rule, f.risk_score, (SELECT status FROM dispositions d WHERE d.finding_id = f.finding_id ORDER BY id DESC LIMIT 1)
                 FROM findings f",
            )
            .map_err(|x| db(&path, x))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<f64>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })
            .map_err(|x| db(&path, x))?;
        let mut by_rule: BTreeMap<String, RuleStats> = BTreeMap::new();
        for row in rows {
            let (rule, score, status) = row.map_err(|x| db(&path, x))?;
            let s = by_rule.entry(rule.clone()).or_insert_with(|| RuleStats {
                rule,
                ..Default::default()
            });
            s.findings += 1;
            let band = ((score.unwrap_or(0.0) / 25.0).floor() as usize).min(3);
            let b = &mut s.bands[band];
            match status.as_deref() {
                Some("confirmed") => {
                    s.reviewed += 1;
                    s.confirmed += 1;
                    b.0 += 1;
                }
                Some("dismissed") => {
                    s.reviewed += 1;
                    s.dismissed += 1;
                    b.1 += 1;
                }
                Some(_) => {
                    s.reviewed += 1;
                    s.investigating += 1;
                }
                None => {}
            }
        }
        Ok(by_rule.into_values().collect())
    }

    /// Cases as officers decided them: open cases, cases with a decision on any member,
    /// cases with a confirmed member, and cases whose decided members were all dismissed.
    pub fn case_stats(&self) -> Result<CaseStats> {
        let path = self.path.clone();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT f.case_id, (SELECT status FROM dispositions d WHERE d.finding_id = f.finding_id ORDER BY id DESC LIMIT 1)
                 FROM findings f WHERE f.open = 1 AND f.case_id IS NOT NULL",
            )
            .map_err(|x| db(&path, x))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
            })
            .map_err(|x| db(&path, x))?;
        let mut by_case: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
        for row in rows {
            let (case, status) = row.map_err(|x| db(&path, x))?;
            let e = by_case.entry(case).or_default();
            match status.as_deref() {
                Some("confirmed") => e.0 += 1,
                Some("dismissed") => e.1 += 1,
                Some(_) => e.2 += 1,
                // An undecided finding keeps a case from being all dismissed.
                None => {}
            }
        }
        let mut s = CaseStats {
            cases: by_case.len(),
            ..CaseStats::default()
        };
        // A case is confirmed when any finding is; dismissed when every decided finding
        // is and none waits; under review (核查中) when one is and none is confirmed;
        // open otherwise.
        for (confirmed, dismissed, investigating) in by_case.values() {
            if confirmed + dismissed + investigating > 0 {
                s.reviewed += 1;
            }
            if *confirmed > 0 {
                s.confirmed += 1;
            } else if *investigating > 0 {
                s.investigating += 1;
            } else if *dismissed > 0 {
                s.dismissed += 1;
            } else {
                s.open += 1;
            }
        }
        s.recovered_fen = self.recovered()?.values().sum();
        Ok(s)
    }
}

/// Review counts by case (the cases of the last run's findings).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct CaseStats {
    pub cases: usize,
    /// No decision on any finding yet.
    pub open: usize,
    pub reviewed: usize,
    /// Cases with at least one confirmed finding.
    pub confirmed: usize,
    /// Cases under review (核查中), none confirmed.
    pub investigating: usize,
    /// Cases whose decided findings were all dismissed.
    pub dismissed: usize,
    /// Money recovered (追缴/已追回) over all cases, fen.
    pub recovered_fen: i64,
}

impl CaseStats {
    pub fn render(&self) -> String {
        format!(
            "cases: {}  open {}  investigating {}  confirmed {}  dismissed {}  recovered {} yuan{}\n",
            self.cases,
            self.open,
            self.investigating,
            self.confirmed,
            self.dismissed,
            fundaudit_core::cells::fmt_yuan(self.recovered_fen),
            if self.confirmed + self.dismissed > 0 {
                format!(
                    "  (confirm rate {:.0}% of cases decided)",
                    100.0 * self.confirmed as f64 / (self.confirmed + self.dismissed) as f64
                )
            } else {
                String::new()
            }
        )
    }
}
