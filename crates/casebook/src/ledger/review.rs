//! Officers' decisions in the ledger: one recorded (`review`: a finding or a case
//! confirmed, dismissed or under investigation, with who, when and why, chained so an
//! edit is seen), and read back: the open cases, a case's members, the identity
//! decisions, each finding's latest disposition.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension};

use super::{db, decision_hash, facts_beneficiaries, CaseLedger, Decision, FactsChanged, STATUSES};
use fundaudit_core::error::{Error, Result};

impl CaseLedger {
    /// Records an officer's disposition of a finding, with who and when and the facts it
    /// was made on; earlier dispositions stay. `seen` is the fingerprint in the report the
    /// officer read: the decision is recorded against those facts, and when the ledger
    /// holds other facts now, both versions are returned so the caller can say so (the
    /// finding then shows again as changed, instead of a dismissal hiding new facts).
    pub fn review(
        &mut self,
        finding_id: &str,
        status: &str,
        note: &str,
        by: &str,
        seen: Option<&str>,
    ) -> Result<Option<FactsChanged>> {
        if !STATUSES.contains(&status) {
            return Err(Error::Argument(format!(
                "--status {status}: use confirmed, dismissed or investigating"
            )));
        }
        let path = self.path.clone();
        let fp: Option<String> = self
            .conn
            .query_row(
                "SELECT fingerprint FROM findings WHERE finding_id = ?1",
                params![finding_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|x| db(&path, x))?;
        let Some(now_fp) = fp else {
            return Err(Error::Argument(format!(
                "finding or case {finding_id} is not in the ledger {}; check the id in findings.csv or cases.csv",
                path.display()
            )));
        };
        let seen = seen.map(str::trim).filter(|s| !s.is_empty());
        let changed = match seen {
            Some(seen_fp) if seen_fp != now_fp => {
                let facts_of = |fp: &str| -> Result<Option<String>> {
                    self.conn
                        .query_row(
                            "SELECT facts FROM facts WHERE fingerprint = ?1 AND finding_id = ?2",
                            params![fp, finding_id],
                            |r| r.get(0),
                        )
                        .optional()
                        .map_err(|x| db(&path, x))
                };
                let Some(seen_facts) = facts_of(seen_fp)? else {
                    return Err(Error::Argument(format!(
                        "finding {finding_id}: fingerprint {seen_fp} was never recorded for it in \
                         the ledger {}; check the fingerprint column of the report you read",
                        path.display()
                    )));
                };
                Some(FactsChanged {
                    seen: format!("{seen_fp}: {seen_facts}"),
                    now: format!("{now_fp}: {}", facts_of(&now_fp)?.unwrap_or_default()),
                })
            }
            _ => None,
        };
        let recorded_fp = seen.unwrap_or(&now_fp);
        if let Some(broken) = &self.chain_break {
            return Err(Error::Argument(format!(
                "{broken}: no decision is recorded on a broken chain"
            )));
        }
        let prev: String = self
            .conn
            .query_row(
                "SELECT coalesce((SELECT hash FROM dispositions ORDER BY id DESC LIMIT 1), '')",
                [],
                |r| r.get(0),
            )
            .map_err(|x| db(&path, x))?;
        let decision = Decision {
            id: 0,
            finding_id: finding_id.to_string(),
            status: status.to_string(),
            note: note.to_string(),
            by: by.to_string(),
            at: fundaudit_core::cells::now(),
            fingerprint: recorded_fp.to_string(),
            hash: None,
        };
        let hash = decision_hash(&prev, &decision);
        self.conn
            .execute(
                "INSERT INTO dispositions (finding_id, status, note, by, at, fingerprint, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    decision.finding_id,
                    decision.status,
                    decision.note,
                    decision.by,
                    decision.at,
                    decision.fingerprint,
                    hash
                ],
            )
            .map_err(|x| db(&path, x))?;
        let current = match status {
            "confirmed" => "confirmed",
            "dismissed" => "dismissed",
            _ => "investigating",
        };
        self.conn
            .execute(
                "UPDATE findings SET status = ?2 WHERE finding_id = ?1 AND open = 1",
                params![finding_id, current],
            )
            .map_err(|x| db(&path, x))?;
        Ok(changed)
    }

    /// The case of each open finding, as the last run recorded it: tonight's cases take
    /// their ids from these (see [`fundaudit_audit::cases::assign_ids`]).
    pub fn open_cases(&self) -> Result<HashMap<String, String>> {
        let path = self.path.clone();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT finding_id, case_id FROM findings WHERE open = 1 AND case_id IS NOT NULL",
            )
            .map_err(|x| db(&path, x))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(|x| db(&path, x))?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(|x| db(&path, x))
    }

    /// The open findings of a case (empty when no open finding has that case id).
    pub fn case_members(&self, case_id: &str) -> Result<Vec<String>> {
        let path = self.path.clone();
        let mut stmt = self
            .conn
            .prepare("SELECT finding_id FROM findings WHERE case_id = ?1 AND open = 1 ORDER BY finding_id")
            .map_err(|x| db(&path, x))?;
        let rows = stmt
            .query_map(params![case_id], |r| r.get::<_, String>(0))
            .map_err(|x| db(&path, x))?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(|x| db(&path, x))
    }

    /// Officers' decisions on duplicate-registration findings, as labelled groups of
    /// beneficiary ids: the registrations a DUP_PERSON_PERIOD finding put together, and
    /// whether the latest decision confirmed it (true) or dismissed it (false). The ids
    /// are those of the facts the officer saw (the decision's fingerprint), else the
    /// finding's latest facts. Findings under review or undecided are left out.
    pub fn identity_decisions(&self) -> Result<Vec<(Vec<String>, bool)>> {
        let path = self.path.clone();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT d.status,
                        COALESCE((SELECT facts FROM facts x WHERE x.fingerprint = d.fingerprint AND x.finding_id = f.finding_id),
                                 (SELECT facts FROM facts x WHERE x.fingerprint = f.fingerprint AND x.finding_id = f.finding_id))
                 FROM findings f
                 JOIN dispositions d ON d.id = (SELECT MAX(id) FROM dispositions e WHERE e.finding_id = f.finding_id)
                 WHERE f.rule = 'DUP_PERSON_PERIOD' AND d.status IN ('confirmed', 'dismissed')
                 ORDER BY f.finding_id",
            )
            .map_err(|x| db(&path, x))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
            })
            .map_err(|x| db(&path, x))?;
        let mut out = Vec::new();
        for row in rows {
            let (status, facts) = row.map_err(|x| db(&path, x))?;
            let ids = facts
                .as_deref()
                .map(facts_beneficiaries)
                .unwrap_or_default();
            if ids.len() >= 2 {
                out.push((ids, status == "confirmed"));
            }
        }
        Ok(out)
    }

    /// The latest disposition of each finding (for reports).
    pub fn dispositions(&self) -> Result<HashMap<String, String>> {
        let path = self.path.clone();
        let mut stmt = self
            .conn
            .prepare("SELECT finding_id, status FROM dispositions ORDER BY id")
            .map_err(|x| db(&path, x))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(|x| db(&path, x))?;
        let mut out = HashMap::new();
        for r in rows {
            let (id, status) = r.map_err(|x| db(&path, x))?;
            out.insert(id, status);
        }
        Ok(out)
    }
}
