//! The findings frame every rule returns, and the vocabulary of rules and categories.
//!
//! Rules differ in logic, never in output shape: each builds its rows with
//! [`FindingsBuilder`], so scoring and the report writers see one schema.

use polars::prelude::*;

/// The five kinds of misuse the check looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Delayed,
    Partial,
    Duplicate,
    Ghost,
    Diverted,
}

impl Category {
    /// A category by its code (`ghost`, `diverted` …).
    pub fn parse(code: &str) -> Option<Category> {
        Category::ALL
            .iter()
            .copied()
            .find(|c| c.code() == code.trim())
    }

    pub const ALL: [Category; 5] = [
        Category::Delayed,
        Category::Partial,
        Category::Duplicate,
        Category::Ghost,
        Category::Diverted,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Category::Delayed => "delayed",
            Category::Partial => "partial",
            Category::Duplicate => "duplicate",
            Category::Ghost => "ghost",
            Category::Diverted => "diverted",
        }
    }

    /// The term discipline officers use.
    pub fn chinese(self) -> &'static str {
        match self {
            Category::Delayed => "滞拨滞留",
            Category::Partial => "拨付不足额",
            Category::Duplicate => "重复发放",
            Category::Ghost => "虚报冒领",
            Category::Diverted => "挪用截留",
        }
    }
}

/// Every rule, with its code (the key of its weight in the config).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    DelayLate,
    DelayUnpaid,
    PartialShort,
    DupAllocation,
    DupPersonPeriod,
    GhostUnregistered,
    GhostDeceased,
    GhostInvalidId,
    DivPayeeMismatch,
    DivOfficial,
    DivSharedAccount,
    DivNoAllocation,
    DupOverAllocation,
    DivOtherBeneficiary,
    DataIncomplete,
    DupExclusive,
    OverStandard,
    DivCadreHousehold,
    DataSourceChanged,
    PubNotPosted,
    PubAmountDiffers,
    PubPostedLate,
    PubPostedNotEligible,
    AmountBasis,
    DivCardRule,
    PubListMissing,
    PrjChangedSite,
    PrjChangedContent,
    PrjOverApproved,
    PrjPaidBeforeTender,
    PrjPaidBeforeAcceptance,
    PrjNoTender,
    PrjSplitTender,
    PrjTenderSlow,
    PrjContractorRelated,
    PrjPayeeNotContractor,
}

impl Rule {
    pub const ALL: [Rule; 36] = [
        Rule::DelayLate,
        Rule::DelayUnpaid,
        Rule::PartialShort,
        Rule::DupAllocation,
        Rule::DupPersonPeriod,
        Rule::GhostUnregistered,
        Rule::GhostDeceased,
        Rule::GhostInvalidId,
        Rule::DivPayeeMismatch,
        Rule::DivOfficial,
        Rule::DivSharedAccount,
        Rule::DivNoAllocation,
        Rule::DupOverAllocation,
        Rule::DivOtherBeneficiary,
        Rule::DataIncomplete,
        Rule::DupExclusive,
        Rule::OverStandard,
        Rule::DivCadreHousehold,
        Rule::DataSourceChanged,
        Rule::PubNotPosted,
        Rule::PubAmountDiffers,
        Rule::PubPostedLate,
        Rule::PubPostedNotEligible,
        Rule::AmountBasis,
        Rule::DivCardRule,
        Rule::PubListMissing,
        Rule::PrjChangedSite,
        Rule::PrjChangedContent,
        Rule::PrjOverApproved,
        Rule::PrjPaidBeforeTender,
        Rule::PrjPaidBeforeAcceptance,
        Rule::PrjNoTender,
        Rule::PrjSplitTender,
        Rule::PrjTenderSlow,
        Rule::PrjContractorRelated,
        Rule::PrjPayeeNotContractor,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Rule::DelayLate => "DELAY_LATE",
            Rule::DelayUnpaid => "DELAY_UNPAID",
            Rule::PartialShort => "PARTIAL_SHORT",
            Rule::DupAllocation => "DUP_ALLOCATION",
            Rule::DupPersonPeriod => "DUP_PERSON_PERIOD",
            Rule::GhostUnregistered => "GHOST_UNREGISTERED",
            Rule::GhostDeceased => "GHOST_DECEASED",
            Rule::GhostInvalidId => "GHOST_INVALID_ID",
            Rule::DivPayeeMismatch => "DIV_PAYEE_MISMATCH",
            Rule::DivOfficial => "DIV_OFFICIAL",
            Rule::DivSharedAccount => "DIV_SHARED_ACCOUNT",
            Rule::DivNoAllocation => "DIV_NO_ALLOCATION",
            Rule::DupOverAllocation => "DUP_OVER_ALLOCATION",
            Rule::DivOtherBeneficiary => "DIV_OTHER_BENEFICIARY",
            Rule::DataIncomplete => "DATA_INCOMPLETE",
            Rule::DupExclusive => "DUP_EXCLUSIVE",
            Rule::OverStandard => "OVER_STANDARD",
            Rule::DivCadreHousehold => "DIV_CADRE_HOUSEHOLD",
            Rule::DataSourceChanged => "DATA_SOURCE_CHANGED",
            Rule::PubNotPosted => "PUB_NOT_POSTED",
            Rule::PubAmountDiffers => "PUB_AMOUNT_DIFFERS",
            Rule::PubPostedLate => "PUB_POSTED_LATE",
            Rule::PubPostedNotEligible => "PUB_POSTED_NOT_ELIGIBLE",
            Rule::AmountBasis => "AMOUNT_BASIS",
            Rule::DivCardRule => "DIV_CARD_RULE",
            Rule::PubListMissing => "PUB_LIST_MISSING",
            Rule::PrjChangedSite => "PRJ_CHANGED_SITE",
            Rule::PrjChangedContent => "PRJ_CHANGED_CONTENT",
            Rule::PrjOverApproved => "PRJ_OVER_APPROVED",
            Rule::PrjPaidBeforeTender => "PRJ_PAID_BEFORE_TENDER",
            Rule::PrjPaidBeforeAcceptance => "PRJ_PAID_BEFORE_ACCEPTANCE",
            Rule::PrjNoTender => "PRJ_NO_TENDER",
            Rule::PrjSplitTender => "PRJ_SPLIT_TENDER",
            Rule::PrjTenderSlow => "PRJ_TENDER_SLOW",
            Rule::PrjContractorRelated => "PRJ_CONTRACTOR_RELATED",
            Rule::PrjPayeeNotContractor => "PRJ_PAYEE_NOT_CONTRACTOR",
        }
    }

    pub fn category(self) -> Category {
        match self {
            // A broken export shows as money not paid: it stands where those findings would.
            // A project's money left idle by a slow tender is 滞拨 of project funds.
            Rule::DelayLate
            | Rule::DelayUnpaid
            | Rule::DataIncomplete
            | Rule::PubPostedLate
            | Rule::PrjTenderSlow => Category::Delayed,
            // Paid beyond the posted amount is a finding of the duplicate category: see
            // `rules::publicity`; below its basis, of the partial one (`rules::basis`).
            Rule::PartialShort | Rule::PubAmountDiffers => Category::Partial,
            Rule::DupAllocation
            | Rule::DupPersonPeriod
            | Rule::DupOverAllocation
            | Rule::DupExclusive
            | Rule::OverStandard
            // A project paid beyond its approval or contract: money paid that was not owed.
            | Rule::PrjOverApproved => Category::Duplicate,
            // An amount above its basis is a claim inflated (虚报面积, a wrong age band).
            Rule::GhostUnregistered
            | Rule::GhostDeceased
            | Rule::GhostInvalidId
            | Rule::PubPostedNotEligible
            | Rule::AmountBasis
            // The final money paid for work no acceptance has shown done (虚报工程量).
            | Rule::PrjPaidBeforeAcceptance => Category::Ghost,
            Rule::DivPayeeMismatch
            | Rule::DivOfficial
            | Rule::DivSharedAccount
            | Rule::DivNoAllocation
            | Rule::DivOtherBeneficiary
            | Rule::DivCadreHousehold
            // Paid to a person the village never posted (不公开).
            | Rule::PubNotPosted
            // Paid in a village whose list the delivery lacks, where others' were posted.
            | Rule::PubListMissing
            | Rule::DivCardRule
            // Rows a finding rested on deleted or edited: how 截留挪用 is covered up.
            | Rule::DataSourceChanged
            // Project money spent elsewhere or on other works than approved (擅自变更实施项目),
            // paid with no contract, let without the tender the law asks (招投标), to a
            // contractor of an official's, or onto an account not the contractor's.
            | Rule::PrjChangedSite
            | Rule::PrjChangedContent
            | Rule::PrjPaidBeforeTender
            | Rule::PrjNoTender
            | Rule::PrjSplitTender
            | Rule::PrjContractorRelated
            | Rule::PrjPayeeNotContractor => Category::Diverted,
        }
    }
}

/// The township of a finding or a payment whose township no ledger records (an
/// unregistered payee, a blank cell): one label in every report, so a filter, a chart and
/// a worklist sheet all say the same.
pub const UNKNOWN_TOWNSHIP: &str = "未登记乡镇";

/// A rule's short Chinese name, for evidence and case summaries: policy.toml's built-in
/// title (a reference list the config adds reads the lists' shared title).
pub fn rule_title(code: &str) -> &str {
    crate::policy::built_in_title(code)
}

/// One finding as a rule sees it, before scoring.
#[derive(Debug, Clone, Default)]
pub struct Finding {
    /// What the finding is about (an allocation, a person, an account), independent of
    /// how much money is involved today: the finding id hashes it, so a finding keeps its
    /// id when later payments add to it. Empty means: all the ids involved.
    pub key: String,
    pub amount_fen: i64,
    /// How sure the rule is that this is misuse and not a data quirk, 0 to 1.
    pub confidence: f64,
    /// The name similarity that decided, where a fuzzy match decided.
    pub similarity: Option<f64>,
    pub township: String,
    pub program: String,
    pub beneficiary_ids: Vec<String>,
    pub allocation_ids: Vec<String>,
    pub payment_ids: Vec<String>,
    pub days_late: Option<i64>,
    /// One sentence, in Chinese, that an officer can act on.
    pub evidence: String,
    /// Rows of the reference lists behind the finding, as `deaths:12` or `officials:20`
    /// (the line in deaths.csv / officials.csv), for the drill-down.
    pub refs: Vec<String>,
}

/// Columns scoring adds (fundaudit-audit's `scoring`); every report and the case ledger read them.
pub mod scored {
    pub const FINDING_ID: &str = "finding_id";
    pub const RANK: &str = "rank";
    pub const SEVERITY: &str = "severity";
    pub const RISK_SCORE: &str = "risk_score";
    pub const AMOUNT_AT_RISK: &str = "amount_at_risk";
    pub const FINGERPRINT: &str = "fingerprint";
}

/// The scored findings frame read row-wise, a column each: case grouping and the case
/// ledger walk the same columns, so they read them here once, by one set of names.
/// `case_id` is absent before cases are grouped (all None then).
pub struct ScoredView<'a> {
    pub finding_id: Vec<Option<&'a str>>,
    pub rule: Vec<Option<&'a str>>,
    pub category: Vec<Option<&'a str>>,
    pub township: Vec<Option<&'a str>>,
    pub beneficiary_ids: Vec<Option<&'a str>>,
    pub allocation_ids: Vec<Option<&'a str>>,
    pub payment_ids: Vec<Option<&'a str>>,
    pub refs: Vec<Option<&'a str>>,
    pub fingerprint: Vec<Option<&'a str>>,
    pub case_id: Vec<Option<&'a str>>,
    pub risk_score: Vec<Option<f64>>,
    pub amount_at_risk: Vec<Option<f64>>,
}

impl<'a> ScoredView<'a> {
    pub fn of(df: &'a DataFrame) -> PolarsResult<ScoredView<'a>> {
        use crate::frame::text;
        let floats = |name: &str| -> PolarsResult<Vec<Option<f64>>> {
            Ok(df
                .column(name)?
                .cast(&DataType::Float64)?
                .f64()?
                .iter()
                .collect())
        };
        let finding_id = text(df, scored::FINDING_ID)?;
        let case_id = crate::frame::text_or_none(df, "case_id");
        Ok(ScoredView {
            rule: text(df, cols::RULE)?,
            category: text(df, cols::CATEGORY)?,
            township: text(df, cols::TOWNSHIP)?,
            beneficiary_ids: text(df, cols::BENEFICIARY_IDS)?,
            allocation_ids: text(df, cols::ALLOCATION_IDS)?,
            payment_ids: text(df, cols::PAYMENT_IDS)?,
            refs: text(df, cols::REFS)?,
            fingerprint: text(df, scored::FINGERPRINT)?,
            case_id,
            risk_score: floats(scored::RISK_SCORE)?,
            amount_at_risk: floats(scored::AMOUNT_AT_RISK)?,
            finding_id,
        })
    }
}

/// Columns of a findings frame as rules produce it (scoring adds the rest).
pub mod cols {
    pub const RULE: &str = "rule";
    pub const KEY: &str = "key";
    pub const CATEGORY: &str = "category";
    pub const AMOUNT_FEN: &str = "amount_fen";
    pub const CONFIDENCE: &str = "confidence";
    pub const SIMILARITY: &str = "similarity";
    pub const TOWNSHIP: &str = "township";
    pub const PROGRAM: &str = "program";
    pub const BENEFICIARY_IDS: &str = "beneficiary_ids";
    pub const ALLOCATION_IDS: &str = "allocation_ids";
    pub const PAYMENT_IDS: &str = "payment_ids";
    pub const DAYS_LATE: &str = "days_late";
    pub const EVIDENCE: &str = "evidence";
    pub const REFS: &str = "refs";
}

/// Collects one rule's findings and turns them into the common frame.
pub struct FindingsBuilder {
    code: String,
    category: Category,
    rows: Vec<Finding>,
}

impl FindingsBuilder {
    pub fn new(rule: Rule) -> Self {
        FindingsBuilder::custom(rule.code(), rule.category())
    }

    /// Findings of a rule the config declares (a reference list's `LIST_VEHICLE`).
    pub fn custom(code: &str, category: Category) -> Self {
        FindingsBuilder {
            code: code.to_string(),
            category,
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, f: Finding) {
        self.rows.push(f);
    }

    pub fn finish(self) -> PolarsResult<DataFrame> {
        let n = self.rows.len();
        let r = &self.rows;
        let text = |name: &str, f: &dyn Fn(&Finding) -> String| {
            Column::new(name.into(), r.iter().map(f).collect::<Vec<String>>())
        };
        let columns = vec![
            Column::new(cols::RULE.into(), vec![self.code.as_str(); n]),
            Column::new(cols::CATEGORY.into(), vec![self.category.code(); n]),
            text(cols::KEY, &|f| f.key.clone()),
            Column::new(
                cols::AMOUNT_FEN.into(),
                r.iter().map(|f| f.amount_fen).collect::<Vec<i64>>(),
            ),
            Column::new(
                cols::CONFIDENCE.into(),
                r.iter().map(|f| f.confidence).collect::<Vec<f64>>(),
            ),
            Column::new(
                cols::SIMILARITY.into(),
                r.iter().map(|f| f.similarity).collect::<Vec<Option<f64>>>(),
            ),
            text(cols::TOWNSHIP, &|f| f.township.clone()),
            text(cols::PROGRAM, &|f| f.program.clone()),
            text(cols::BENEFICIARY_IDS, &|f| id_list(&f.beneficiary_ids)),
            text(cols::ALLOCATION_IDS, &|f| id_list(&f.allocation_ids)),
            text(cols::PAYMENT_IDS, &|f| id_list(&f.payment_ids)),
            Column::new(
                cols::DAYS_LATE.into(),
                r.iter().map(|f| f.days_late).collect::<Vec<Option<i64>>>(),
            ),
            text(cols::EVIDENCE, &|f| f.evidence.clone()),
            text(cols::REFS, &|f| f.refs.join(";")),
        ];
        DataFrame::new(n, columns)
    }
}

/// Ids involved in a finding, sorted and de-duplicated, `;`-separated: the same facts
/// always print the same list, which keeps finding ids stable.
pub fn id_list<S: AsRef<str>>(ids: &[S]) -> String {
    let mut v: Vec<&str> = ids
        .iter()
        .map(AsRef::as_ref)
        .filter(|s| !s.is_empty())
        .collect();
    v.sort_unstable();
    v.dedup();
    v.join(";")
}

/// Splits a `;`-separated list produced by Polars' string join back into ids.
pub fn split_ids(joined: Option<&str>) -> Vec<String> {
    joined
        .unwrap_or("")
        .split(';')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The empty findings frame, for runs where a rule has nothing to say.
pub fn empty_frame() -> PolarsResult<DataFrame> {
    FindingsBuilder::new(Rule::DelayLate).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_lists_are_canonical() {
        assert_eq!(id_list(&["P3", "P1", "P3", ""]), "P1;P3");
        assert_eq!(split_ids(Some("P1;P3")), vec!["P1", "P3"]);
        assert!(split_ids(None).is_empty());
    }

    #[test]
    fn builder_gives_the_common_schema() {
        let mut b = FindingsBuilder::new(Rule::GhostDeceased);
        b.push(Finding {
            amount_fen: 5,
            confidence: 1.0,
            ..Default::default()
        });
        let df = b.finish().unwrap();
        assert_eq!(df.height(), 1);
        assert_eq!(
            df.column(cols::CATEGORY).unwrap().str().unwrap().get(0),
            Some("ghost")
        );
        assert_eq!(empty_frame().unwrap().width(), df.width());
    }
}
