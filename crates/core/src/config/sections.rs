//! The config's sections other than identity: what each rule family, the reports and the
//! loader read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What kind of benefit a program is.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProgramConfig {
    /// Granted on means (低保, 特困 …): officials and cadres' households may not draw it.
    /// Universal entitlements (高龄津贴, 耕地地力保护补贴) they may, so the official and
    /// cadre rules look there only for money taken from others.
    #[serde(default)]
    pub means_tested: bool,
    /// Whose card the money must go to (财办〔2020〕37号): `person` (the person's own
    /// card: 特困, 残疾人两项补贴, 高龄津贴) or `household` (the household head's: 低保,
    /// 耕地地力保护补贴). Unset: not checked (DIV_CARD_RULE).
    #[serde(default)]
    pub paid_to: Option<PaidTo>,
}

/// See [`ProgramConfig::paid_to`].
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PaidTo {
    Person,
    Household,
}

/// 公示: how the posted lists are held against the payments (`rules::publicity`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Notices {
    /// Days a list must hang before the first payment (公示期, usually 7).
    pub min_days: u32,
    /// Yuan a payment may differ from its posted amount (rounding of area × rate).
    pub amount_tolerance_yuan: f64,
}

/// 涉农项目资金: what the project rules hold contracts and payments to
/// (`fundaudit_rules::project`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Projects {
    /// A contract of more than this many yuan must be openly tendered (PRJ_NO_TENDER).
    pub tender_threshold_yuan: f64,
    /// Tender methods that count as open; any other (邀请招标, 竞争性磋商, 直接委托 …) does not.
    pub open_methods: Vec<String>,
    /// PRJ_SPLIT_TENDER: contracts not openly tendered, each at least this share of the
    /// threshold and at most the threshold, ...
    pub split_floor_share: f64,
    /// ... signed within this many days of one another, to one contractor or for one
    /// project, together above the threshold.
    pub split_window_days: u32,
    /// Shares of the contract money payable before the planned start (预付款) and before
    /// acceptance (进度款): PRJ_PAID_BEFORE_ACCEPTANCE.
    pub advance_share: f64,
    pub progress_share: f64,
    /// PRJ_TENDER_SLOW: days from approval to the first contract signed, and from funds
    /// received to the first payment.
    pub approval_to_contract_days: u32,
    pub funds_to_payment_days: u32,
    /// PRJ_CHANGED_CONTENT: the share of the approved scale a contract may differ by, and
    /// the similarity (0–1, character pairs) below which its content is another.
    pub scale_tolerance_share: f64,
    pub content_min_similarity: f64,
    /// Yuan paid beyond the approved or contract amount that is still rounding.
    pub amount_tolerance_yuan: f64,
    /// PRJ_CONTRACTOR_RELATED: a contractor holding more than this share of a township's
    /// projects, over at least `township_min_contracts` projects let to at least
    /// `township_min_contractors` contractors there.
    pub township_share: f64,
    pub township_min_contracts: u32,
    pub township_min_contractors: u32,
}

/// How a program's amount is worked out (`rules::basis`, AMOUNT_BASIS): a rate per mu,
/// per age band (age from the ID number's birth date at the period's start), or per
/// grade. Any that is set is checked; none is built in, rates being local and yearly.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Basis {
    /// Yuan per mu: the amount is area × this (耕地地力保护补贴).
    #[serde(default)]
    pub per_mu_yuan: Option<f64>,
    /// Yuan per period by age: the band whose `min_age` is the highest at or below the
    /// person's age (高龄津贴: 80, 90, 100).
    #[serde(default)]
    pub age_bands: Vec<AgeBand>,
    /// Yuan per period by the allocation's grade (残疾等级 一级, 二级 …).
    #[serde(default)]
    pub grades: BTreeMap<String, f64>,
    /// Yuan an amount may differ from its basis (rounding).
    #[serde(default = "basis_tolerance")]
    pub tolerance_yuan: f64,
}

fn basis_tolerance() -> f64 {
    1.0
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AgeBand {
    pub min_age: u32,
    pub yuan: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Exclusive {
    pub pairs: Vec<[String; 2]>,
    pub one_township_programs: Vec<String>,
}

/// One reference list: a file in the data folder of people a program excludes.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ListConfig {
    /// File name without extension (`vehicles` → vehicles.csv/.xlsx …).
    pub file: String,
    /// What the list is, in the evidence (`车辆登记`).
    pub label: String,
    /// The rule code of its findings (`LIST_VEHICLE`).
    pub rule: String,
    /// Programs it disqualifies from; empty: every program.
    #[serde(default)]
    pub programs: Vec<String>,
    #[serde(default = "ghost")]
    pub category: String,
    #[serde(default = "list_weight")]
    pub weight: f64,
}

fn ghost() -> String {
    "ghost".into()
}

fn list_weight() -> f64 {
    0.6
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Standard {
    pub max_yuan_per_period: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Worklists {
    pub sample_per_village: usize,
    #[serde(default)]
    pub seed: Option<u64>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Completeness {
    pub min_allocations: usize,
}

/// Caps on what one input file may ask for (see `fundaudit_input::limits`).
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub max_columns: usize,
    pub max_sheet_cells: u64,
    pub max_unzipped_mb: u64,
    pub max_zip_ratio: u64,
    pub allow_outside: bool,
}

impl Limits {
    /// The defaults of `[limits]`, for readers that run without a config.
    pub const DEFAULT: Limits = Limits {
        max_columns: 1000,
        max_sheet_cells: 60_000_000,
        max_unzipped_mb: 2000,
        max_zip_ratio: 200,
        allow_outside: false,
    };
}

/// How a run cuts a large audit (see `fundaudit_audit::partition`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scale {
    pub partition_rows: usize,
    #[serde(default = "default_read_rows")]
    pub read_rows: usize,
    #[serde(default = "default_stage_bytes")]
    pub stage_bytes: u64,
    #[serde(default = "default_cluster_partitions")]
    pub cluster_partitions: usize,
}

fn default_cluster_partitions() -> usize {
    16
}

fn default_stage_bytes() -> u64 {
    2_000_000_000
}

fn default_read_rows() -> usize {
    1_000_000
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Deadlines {
    pub default_days: u32,
    #[serde(default)]
    pub programs: BTreeMap<String, u32>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Delayed {
    pub grace_days: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Partial {
    pub abs_tolerance_yuan: f64,
    pub rel_tolerance: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Duplicate {
    pub abs_tolerance_yuan: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Matching {
    pub name_cutoff: f64,
    pub pinyin_weight: f64,
    pub max_id_digit_diff: u32,
    pub max_block_size: usize,
}

/// When a run should make its scheduler take notice.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Alert {
    pub score: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    pub max_findings: usize,
    pub max_raw_findings: usize,
    pub max_raw_rows: usize,
    pub max_cases: usize,
    /// Cases with a printable 线索处置表 in report.html and case_sheets.xlsx (the top).
    pub max_case_sheets: usize,
    /// A policy file over the built-in rule texts (`fundaudit policy`); empty: built-in.
    #[serde(default)]
    pub policy: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CasesConfig {
    pub max_link_findings: usize,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Diverted {
    pub shared_account_min_beneficiaries: u32,
    pub flag_cross_village_sharing: bool,
    pub official_name_cutoff: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scoring {
    pub money_cap_yuan: f64,
    pub money_floor: f64,
    pub high_score: f64,
    pub medium_score: f64,
}

/// One weight per rule code; the field names are the rule codes findings carry.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
pub struct Weights {
    pub DELAY_LATE: f64,
    pub DELAY_UNPAID: f64,
    pub PARTIAL_SHORT: f64,
    pub DUP_ALLOCATION: f64,
    pub DUP_PERSON_PERIOD: f64,
    pub GHOST_UNREGISTERED: f64,
    pub GHOST_DECEASED: f64,
    pub GHOST_INVALID_ID: f64,
    pub DIV_PAYEE_MISMATCH: f64,
    pub DIV_OFFICIAL: f64,
    pub DIV_SHARED_ACCOUNT: f64,
    pub DIV_NO_ALLOCATION: f64,
    pub DUP_OVER_ALLOCATION: f64,
    pub DIV_OTHER_BENEFICIARY: f64,
    pub DATA_INCOMPLETE: f64,
    pub DUP_EXCLUSIVE: f64,
    pub OVER_STANDARD: f64,
    pub DIV_CADRE_HOUSEHOLD: f64,
    pub DATA_SOURCE_CHANGED: f64,
    pub PUB_NOT_POSTED: f64,
    pub PUB_AMOUNT_DIFFERS: f64,
    pub PUB_POSTED_LATE: f64,
    pub PUB_LIST_MISSING: f64,
    pub PUB_POSTED_NOT_ELIGIBLE: f64,
    pub AMOUNT_BASIS: f64,
    pub DIV_CARD_RULE: f64,
    pub PRJ_CHANGED_SITE: f64,
    pub PRJ_CHANGED_CONTENT: f64,
    pub PRJ_OVER_APPROVED: f64,
    pub PRJ_PAID_BEFORE_TENDER: f64,
    pub PRJ_PAID_BEFORE_ACCEPTANCE: f64,
    pub PRJ_NO_TENDER: f64,
    pub PRJ_SPLIT_TENDER: f64,
    pub PRJ_TENDER_SLOW: f64,
    pub PRJ_CONTRACTOR_RELATED: f64,
    pub PRJ_PAYEE_NOT_CONTRACTOR: f64,
}

impl Weights {
    /// The weight of a rule code; unknown codes weigh nothing rather than panic.
    pub fn of(&self, rule: &str) -> f64 {
        match rule {
            "DELAY_LATE" => self.DELAY_LATE,
            "DELAY_UNPAID" => self.DELAY_UNPAID,
            "PARTIAL_SHORT" => self.PARTIAL_SHORT,
            "DUP_ALLOCATION" => self.DUP_ALLOCATION,
            "DUP_PERSON_PERIOD" => self.DUP_PERSON_PERIOD,
            "GHOST_UNREGISTERED" => self.GHOST_UNREGISTERED,
            "GHOST_DECEASED" => self.GHOST_DECEASED,
            "GHOST_INVALID_ID" => self.GHOST_INVALID_ID,
            "DIV_PAYEE_MISMATCH" => self.DIV_PAYEE_MISMATCH,
            "DIV_OFFICIAL" => self.DIV_OFFICIAL,
            "DIV_SHARED_ACCOUNT" => self.DIV_SHARED_ACCOUNT,
            "DIV_NO_ALLOCATION" => self.DIV_NO_ALLOCATION,
            "DUP_OVER_ALLOCATION" => self.DUP_OVER_ALLOCATION,
            "DIV_OTHER_BENEFICIARY" => self.DIV_OTHER_BENEFICIARY,
            "DATA_INCOMPLETE" => self.DATA_INCOMPLETE,
            "DUP_EXCLUSIVE" => self.DUP_EXCLUSIVE,
            "OVER_STANDARD" => self.OVER_STANDARD,
            "DIV_CADRE_HOUSEHOLD" => self.DIV_CADRE_HOUSEHOLD,
            "DATA_SOURCE_CHANGED" => self.DATA_SOURCE_CHANGED,
            "PUB_NOT_POSTED" => self.PUB_NOT_POSTED,
            "PUB_AMOUNT_DIFFERS" => self.PUB_AMOUNT_DIFFERS,
            "PUB_POSTED_LATE" => self.PUB_POSTED_LATE,
            "PUB_LIST_MISSING" => self.PUB_LIST_MISSING,
            "PUB_POSTED_NOT_ELIGIBLE" => self.PUB_POSTED_NOT_ELIGIBLE,
            "AMOUNT_BASIS" => self.AMOUNT_BASIS,
            "DIV_CARD_RULE" => self.DIV_CARD_RULE,
            "PRJ_CHANGED_SITE" => self.PRJ_CHANGED_SITE,
            "PRJ_CHANGED_CONTENT" => self.PRJ_CHANGED_CONTENT,
            "PRJ_OVER_APPROVED" => self.PRJ_OVER_APPROVED,
            "PRJ_PAID_BEFORE_TENDER" => self.PRJ_PAID_BEFORE_TENDER,
            "PRJ_PAID_BEFORE_ACCEPTANCE" => self.PRJ_PAID_BEFORE_ACCEPTANCE,
            "PRJ_NO_TENDER" => self.PRJ_NO_TENDER,
            "PRJ_SPLIT_TENDER" => self.PRJ_SPLIT_TENDER,
            "PRJ_TENDER_SLOW" => self.PRJ_TENDER_SLOW,
            "PRJ_CONTRACTOR_RELATED" => self.PRJ_CONTRACTOR_RELATED,
            "PRJ_PAYEE_NOT_CONTRACTOR" => self.PRJ_PAYEE_NOT_CONTRACTOR,
            _ => 0.0,
        }
    }
}
