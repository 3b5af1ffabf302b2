//! What the case ledger knows of the last complete night, read before tonight is
//! recorded: its open findings and the source rows they named, so rows deleted or edited
//! since are findings themselves (DATA_SOURCE_CHANGED).

use fundaudit_casebook::ledger::night::OpenFinding;
use fundaudit_casebook::ledger::{facts_beneficiaries, CaseLedger};
use fundaudit_core::error::Result;
use fundaudit_rules::source_changed;
use fundaudit_rules::source_rows::SourceRow;

/// What the ledger knows of the last complete night, read before tonight is recorded.
pub(super) struct Earlier {
    pub as_of: String,
    pub open: Vec<OpenFinding>,
    pub rows: Vec<SourceRow>,
    pub earlier: std::collections::BTreeMap<String, source_changed::Earlier>,
}

impl Earlier {
    pub(super) fn read(book: &CaseLedger) -> Result<Earlier> {
        let (rows, as_of) = book.previous_source_rows()?;
        let open = book.open_findings()?;
        // Each finding's place and people by its own id, and by the origin a
        // DATA_SOURCE_CHANGED finding carries (its origin may be resolved by now).
        let origin_of: std::collections::HashMap<&str, &str> = rows
            .iter()
            .map(|r| (r.finding_id.as_str(), r.origin.as_str()))
            .collect();
        let mut earlier = std::collections::BTreeMap::new();
        for f in &open {
            let known = source_changed::Earlier {
                township: f.township.clone(),
                program: String::new(),
                beneficiary_ids: facts_beneficiaries(&f.facts),
            };
            let origin = origin_of.get(f.finding_id.as_str()).copied();
            if let Some(origin) = origin.filter(|o| *o != f.finding_id) {
                earlier.entry(origin.to_string()).or_insert(known.clone());
            }
            earlier.insert(f.finding_id.clone(), known);
        }
        Ok(Earlier {
            as_of,
            open,
            rows,
            earlier,
        })
    }
}

/// The last night as tonight's run uses it.
pub(super) struct LastNight {
    /// Read when there is a case ledger.
    pub earlier: Option<Earlier>,
    /// Whether tonight's source rows are compared with the last night's (on a cluster the
    /// executors keep only tonight's: no comparison there).
    pub compare_rows: bool,
}

impl LastNight {
    /// The last night, when its source rows are compared with tonight's.
    pub(super) fn compared(&self) -> Option<&Earlier> {
        self.earlier.as_ref().filter(|_| self.compare_rows)
    }

    /// The source rows tonight's are compared with (none without a last night or when
    /// rows are not compared).
    pub(super) fn rows(&self) -> &[SourceRow] {
        self.compared().map_or(&[], |l| l.rows.as_slice())
    }
}
