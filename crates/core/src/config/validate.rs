//! Range checks serde cannot express, a function per concern; each message names the key
//! and what it must be.

use super::Config;

impl Config {
    /// Every check, in the order a user fixing one error at a time meets them.
    pub(super) fn validate(&self) -> Result<(), String> {
        self.check_tolerances()?;
        self.check_inputs()?;
        if self.identity.max_cluster_size < 2 {
            return Err("identity.max_cluster_size must be at least 2".into());
        }
        self.check_days()?;
        self.check_identity()?;
        self.check_limits_and_scoring()?;
        self.check_basis()?;
        self.check_projects()?;
        self.check_weights()
    }

    fn check_basis(&self) -> Result<(), String> {
        non_negative(
            "notices.amount_tolerance_yuan",
            self.notices.amount_tolerance_yuan,
        )?;
        if self.notices.min_days > 366 {
            return Err(format!(
                "notices.min_days = {} is out of range: a posting period is days, at most 366",
                self.notices.min_days
            ));
        }
        for (program, b) in &self.basis {
            let key = |k: &str| format!("basis.\"{program}\".{k}");
            if let Some(r) = b.per_mu_yuan {
                non_negative(&key("per_mu_yuan"), r)?;
            }
            non_negative(&key("tolerance_yuan"), b.tolerance_yuan)?;
            for band in &b.age_bands {
                non_negative(&key("age_bands.yuan"), band.yuan)?;
            }
            for (grade, &yuan) in &b.grades {
                non_negative(&key(&format!("grades.\"{grade}\"")), yuan)?;
            }
        }
        Ok(())
    }

    fn check_projects(&self) -> Result<(), String> {
        let p = &self.projects;
        non_negative("projects.tender_threshold_yuan", p.tender_threshold_yuan)?;
        non_negative("projects.amount_tolerance_yuan", p.amount_tolerance_yuan)?;
        for (key, v) in [
            ("projects.split_floor_share", p.split_floor_share),
            ("projects.advance_share", p.advance_share),
            ("projects.progress_share", p.progress_share),
            ("projects.scale_tolerance_share", p.scale_tolerance_share),
            ("projects.content_min_similarity", p.content_min_similarity),
            ("projects.township_share", p.township_share),
        ] {
            unit(key, v)?;
        }
        if p.advance_share > p.progress_share {
            return Err(format!(
                "projects.advance_share = {} is above projects.progress_share = {}: the advance is part of what may be paid before acceptance",
                p.advance_share, p.progress_share
            ));
        }
        days("projects.split_window_days", p.split_window_days, 3660)?;
        days(
            "projects.approval_to_contract_days",
            p.approval_to_contract_days,
            3660,
        )?;
        days(
            "projects.funds_to_payment_days",
            p.funds_to_payment_days,
            3660,
        )?;
        if p.open_methods.iter().all(|m| m.trim().is_empty()) {
            return Err(
                "projects.open_methods is empty: name the tender methods that count as open, e.g. [\"公开招标\"]"
                    .into(),
            );
        }
        Ok(())
    }

    fn check_tolerances(&self) -> Result<(), String> {
        non_negative(
            "partial.abs_tolerance_yuan",
            self.partial.abs_tolerance_yuan,
        )?;
        unit("partial.rel_tolerance", self.partial.rel_tolerance)?;
        non_negative(
            "duplicate.abs_tolerance_yuan",
            self.duplicate.abs_tolerance_yuan,
        )?;
        unit("matching.name_cutoff", self.matching.name_cutoff)?;
        unit("matching.pinyin_weight", self.matching.pinyin_weight)?;
        unit(
            "diverted.official_name_cutoff",
            self.diverted.official_name_cutoff,
        )
    }

    /// The sections that name input files, rule categories and bank statuses.
    fn check_inputs(&self) -> Result<(), String> {
        let spec_of = |stem: &str, key: &str| {
            crate::spec::ALL
                .iter()
                .find(|s| s.stem == stem)
                .copied()
                .ok_or_else(|| {
                    format!(
                        "{key}.{stem}: no such input file; use beneficiaries, allocations, payments, deaths or officials"
                    )
                })
        };
        for (stem, mapping) in &self.columns {
            let spec = spec_of(stem, "columns")?;
            for (header, field) in mapping {
                if spec.column(field).is_none() {
                    let known: Vec<&str> = spec.columns.iter().map(|c| c.name).collect();
                    return Err(format!(
                        "columns.{stem}.\"{header}\" = \"{field}\": {stem} has no field `{field}`; its fields are {}",
                        known.join(", ")
                    ));
                }
            }
        }
        for stem in self.sheets.keys() {
            spec_of(stem, "sheets")?;
        }
        for stem in self.inputs.keys() {
            spec_of(stem, "inputs")?;
        }
        for list in &self.lists {
            if crate::findings::Category::parse(&list.category).is_none() {
                return Err(format!(
                    "lists `{}`: category `{}`: use delayed, partial, duplicate, ghost or diverted",
                    list.file, list.category
                ));
            }
            if crate::findings::Rule::ALL
                .iter()
                .any(|r| r.code() == list.rule)
            {
                return Err(format!(
                    "lists `{}`: rule `{}` is a built-in rule's code; name it LIST_…",
                    list.file, list.rule
                ));
            }
        }
        for (value, outcome) in &self.status {
            if crate::spec::Outcome::parse_code(outcome).is_none() {
                return Err(format!(
                    "status.\"{value}\" = \"{outcome}\": use paid, failed, returned or reversed"
                ));
            }
        }
        Ok(())
    }

    /// Days: a deadline past ten years, or a grace past a year, is a typo (4294967295
    /// wrapped the due date to before the funds arrived: 1,149 false DELAY_LATE).
    fn check_days(&self) -> Result<(), String> {
        days("deadlines.default_days", self.deadlines.default_days, 3660)?;
        for (program, &v) in &self.deadlines.programs {
            days(&format!("deadlines.programs.\"{program}\""), v, 3660)?;
        }
        days("delayed.grace_days", self.delayed.grace_days, 366)
    }

    fn check_identity(&self) -> Result<(), String> {
        let id = &self.identity;
        for (key, v) in id.weight_keys() {
            if !v.is_finite() || v.abs() > 100.0 {
                return Err(format!(
                    "identity.{key} = {v} is out of range: a weight is a log2 likelihood \
                     ratio between -100 and 100"
                ));
            }
        }
        // A weight of the wrong sign makes strangers one person (match_score = -1000
        // turned 32.6M yuan into "duplicates" and hid the real findings): agreement must
        // count for a match, disagreement against it, and the thresholds must be above 0.
        for (key, v) in [
            ("match_score", id.match_score),
            ("cluster_min_score", id.cluster_min_score),
        ] {
            if v <= 0.0 {
                return Err(format!(
                    "identity.{key} = {v} must be greater than 0: at 0 or below, records that \
                     share nothing are one person"
                ));
            }
        }
        for (key, v) in [
            ("name_exact", id.name_exact),
            ("id_same", id.id_same),
            ("birth_same", id.birth_same),
            ("place_village", id.place_village),
            ("account_same", id.account_same),
        ] {
            if v < 0.0 {
                return Err(format!(
                    "identity.{key} = {v} must be 0 or more: agreement cannot count against a match"
                ));
            }
        }
        for (key, v) in [
            ("name_different", id.name_different),
            ("id_far", id.id_far),
            ("birth_different", id.birth_different),
        ] {
            if v > 0.0 {
                return Err(format!(
                    "identity.{key} = {v} must be 0 or less: disagreement cannot count for a match"
                ));
            }
        }
        let levels: Vec<&str> = id
            .weight_keys()
            .into_iter()
            .map(|(k, _)| k)
            .filter(|k| {
                !matches!(
                    *k,
                    "match_score"
                        | "prior_log2_odds"
                        | "name_rare_bonus"
                        | "cluster_min_score"
                        | "id_missing"
                )
            })
            .collect();
        for (key, &v) in &id.m {
            if !levels.contains(&key.as_str()) {
                return Err(format!(
                    "identity.m.{key} is not a level: use one of {}",
                    levels.join(", ")
                ));
            }
            if !(v > 0.0 && v <= 1.0) {
                return Err(format!(
                    "identity.m.{key} = {v} is out of range: m is a probability above 0 and at most 1"
                ));
            }
        }
        if !(id.duplicate_share > 0.0 && id.duplicate_share < 0.5) {
            return Err(format!(
                "identity.duplicate_share = {} is out of range: it must lie between 0 and 0.5 \
                 (a registry with one record in a hundred registered twice has 0.01)",
                id.duplicate_share
            ));
        }
        Ok(())
    }

    fn check_limits_and_scoring(&self) -> Result<(), String> {
        let l = &self.limits;
        if l.max_columns < 8
            || l.max_sheet_cells < 1000
            || l.max_unzipped_mb < 1
            || l.max_zip_ratio < 10
        {
            return Err("limits: max_columns must be at least 8, max_sheet_cells 1000, max_unzipped_mb 1 and max_zip_ratio 10".into());
        }
        if self.matching.max_block_size < 2 {
            return Err("matching.max_block_size must be at least 2".into());
        }
        if self.diverted.shared_account_min_beneficiaries < 2 {
            return Err("diverted.shared_account_min_beneficiaries must be at least 2".into());
        }
        if !(self.scoring.money_cap_yuan.is_finite() && self.scoring.money_cap_yuan > 0.0) {
            return Err("scoring.money_cap_yuan must be greater than 0".into());
        }
        unit("scoring.money_floor", self.scoring.money_floor)?;
        non_negative("scoring.high_score", self.scoring.high_score)?;
        non_negative("scoring.medium_score", self.scoring.medium_score)?;
        if self.scoring.medium_score > self.scoring.high_score {
            return Err("scoring.medium_score must not exceed scoring.high_score".into());
        }
        Ok(())
    }

    fn check_weights(&self) -> Result<(), String> {
        let w = &self.weights;
        for (key, v) in [
            ("DELAY_LATE", w.DELAY_LATE),
            ("DELAY_UNPAID", w.DELAY_UNPAID),
            ("PARTIAL_SHORT", w.PARTIAL_SHORT),
            ("DUP_ALLOCATION", w.DUP_ALLOCATION),
            ("DUP_PERSON_PERIOD", w.DUP_PERSON_PERIOD),
            ("GHOST_UNREGISTERED", w.GHOST_UNREGISTERED),
            ("GHOST_DECEASED", w.GHOST_DECEASED),
            ("GHOST_INVALID_ID", w.GHOST_INVALID_ID),
            ("DIV_PAYEE_MISMATCH", w.DIV_PAYEE_MISMATCH),
            ("DIV_OFFICIAL", w.DIV_OFFICIAL),
            ("DIV_SHARED_ACCOUNT", w.DIV_SHARED_ACCOUNT),
            ("DIV_NO_ALLOCATION", w.DIV_NO_ALLOCATION),
            ("DUP_OVER_ALLOCATION", w.DUP_OVER_ALLOCATION),
            ("DIV_OTHER_BENEFICIARY", w.DIV_OTHER_BENEFICIARY),
            ("DATA_INCOMPLETE", w.DATA_INCOMPLETE),
            ("DUP_EXCLUSIVE", w.DUP_EXCLUSIVE),
            ("OVER_STANDARD", w.OVER_STANDARD),
            ("DIV_CADRE_HOUSEHOLD", w.DIV_CADRE_HOUSEHOLD),
            ("PUB_NOT_POSTED", w.PUB_NOT_POSTED),
            ("PUB_AMOUNT_DIFFERS", w.PUB_AMOUNT_DIFFERS),
            ("PUB_POSTED_LATE", w.PUB_POSTED_LATE),
            ("PUB_LIST_MISSING", w.PUB_LIST_MISSING),
            ("PUB_POSTED_NOT_ELIGIBLE", w.PUB_POSTED_NOT_ELIGIBLE),
            ("AMOUNT_BASIS", w.AMOUNT_BASIS),
            ("DIV_CARD_RULE", w.DIV_CARD_RULE),
            ("PRJ_CHANGED_SITE", w.PRJ_CHANGED_SITE),
            ("PRJ_CHANGED_CONTENT", w.PRJ_CHANGED_CONTENT),
            ("PRJ_OVER_APPROVED", w.PRJ_OVER_APPROVED),
            ("PRJ_PAID_BEFORE_TENDER", w.PRJ_PAID_BEFORE_TENDER),
            ("PRJ_PAID_BEFORE_ACCEPTANCE", w.PRJ_PAID_BEFORE_ACCEPTANCE),
            ("PRJ_NO_TENDER", w.PRJ_NO_TENDER),
            ("PRJ_SPLIT_TENDER", w.PRJ_SPLIT_TENDER),
            ("PRJ_TENDER_SLOW", w.PRJ_TENDER_SLOW),
            ("PRJ_CONTRACTOR_RELATED", w.PRJ_CONTRACTOR_RELATED),
            ("PRJ_PAYEE_NOT_CONTRACTOR", w.PRJ_PAYEE_NOT_CONTRACTOR),
        ] {
            unit(&format!("weights.{key}"), v)?;
        }
        Ok(())
    }
}

fn unit(key: &str, v: f64) -> Result<(), String> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(format!(
            "{key} = {v} is out of range: it must lie between 0 and 1"
        ))
    }
}

fn non_negative(key: &str, v: f64) -> Result<(), String> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(format!("{key} = {v} is out of range: it must be 0 or more"))
    }
}

fn days(key: &str, v: u32, max: u32) -> Result<(), String> {
    if v <= max {
        Ok(())
    } else {
        Err(format!(
            "{key} = {v} is out of range: it must lie between 0 and {max} days"
        ))
    }
}
