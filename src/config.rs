//! Thresholds, tolerances, deadlines, weights and cut-offs, read from TOML.
//!
//! The commented default file below is the single source of truth: `Config::default()`
//! parses it, and `fundaudit config` prints it verbatim, so the documentation of a key
//! can never drift from the value the program actually uses.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The default configuration, with a comment on every key.
pub const DEFAULT_CONFIG_TOML: &str = r#"# fundaudit configuration. Every key is optional; a missing key takes the value shown.
# An unknown key or a value of the wrong type is an error that names the key.

[deadlines]
# Days between 资金到位日期 (funds_received_date) and the payment deadline, used when an
# allocation has no due_date of its own. Programs not listed below use this value.
default_days = 30

[deadlines.programs]
# Per-program deadline in days, overriding default_days. Keys are program names as they
# appear in the ledgers.
"耕地地力保护补贴" = 30
"低保金" = 15
"特困供养金" = 15
"残疾人两项补贴" = 20
"高龄津贴" = 20
"危房改造补助" = 60

[delayed]
# A payment this many days after its due date is still on time (bank processing).
grace_days = 5

[partial]
# A shortfall (allocation amount minus the sum of its payments) is tolerated when it is at
# most abs_tolerance_yuan, or at most rel_tolerance times the allocation amount.
# The defaults tolerate nothing: livelihood funds are owed to the fen.
abs_tolerance_yuan = 0.0
rel_tolerance = 0.0

[duplicate]
# Overpayment of one allocation by several payments is tolerated up to this many yuan.
abs_tolerance_yuan = 0.0

[matching]
# Two names are the same name when their similarity reaches this cut-off. Similarity is
# the larger of Jaro-Winkler on normalised characters and pinyin_weight times
# Jaro-Winkler on toneless pinyin (so 张伟/张玮 meet at pinyin_weight).
name_cutoff = 0.90
pinyin_weight = 0.92
# Two registrations with the same birth date whose ID numbers differ in at most this many
# digits, and whose names match, are one person with a mistyped ID number.
max_id_digit_diff = 2
# Candidate blocks larger than this are not compared pairwise (a warning names the block).
max_block_size = 2000

[identity]
# Registry self-deduplication compares each candidate pair field by field and adds the
# weight of the level each field reaches (Fellegi-Sunter style: a weight is log2 of how
# much likelier that level is for one person registered twice than for two people).
# Pairs reaching match_score are one person. `fundaudit dedup --train` learns these
# weights from a registry and prints them as this block, with each level's m and u.
match_score = 6.0
# Match probability = 1 / (1 + 2^-(score + prior_log2_odds)): the prior odds of a
# candidate pair being one person, in bits.
prior_log2_odds = -3.0
# Name: equal after normalisation; alike (homophone, look-alike characters, pinyin
# spelling of a Han name, parts reordered, or similarity reaching matching.name_cutoff);
# of several parts one agrees and another does not; similar (0.7 up to the cut-off);
# different.
name_exact = 2.0
name_alike = 1.5
name_partial = -2.0
name_similar = -4.0
name_different = -5.0
# An agreeing rare name adds up to name_rare_bonus, by the name's share of the registry
# (one in 30,000 or rarer adds all of it, 3% or more nothing; a registry under 30,000
# records counts as 30,000).
name_rare_bonus = 1.5
# ID number outside the birth date and check character (region and sequence digits):
# same; one or two digits apart; further; missing on either side.
id_same = 8.0
id_one_off = 2.0
id_two_off = 0.0
id_far = -3.0
id_missing = -1.0
# Sequence codes as police stations issue them (GB 11643: two station digits, then a
# digit odd for men and even for women) number the people of one township born on one
# day, so strangers of one birthday and township differ in the last digit or two. One
# person's two registrations differ there only by a typo (m about 0.012 for either
# level), strangers of one station and day about half the time: log2(0.012/0.5) is about
# -5. Numbers one or two digits apart whose sex digits differ in parity: two people
# (a typo flipping the sex is rarer than a namesake).
id_other_sex = -5.0
# Numbers that differ in the sex digit only, its parity kept: the next person of the same
# sex at that station, or a typo. Weighed less than id_other_sex so that a same-village
# registration with that typo (name, birth date and village agreeing: 2 + 4 + 3 - 3)
# still reaches match_score, and a namesake of another village (2 + 4 + 0 - 3) does not.
id_last_digit = -3.0
# Birth date (from the ID number): same; one digit or two neighbouring digits swapped;
# different. A birth date wholly different outweighs agreeing region and sequence digits:
# in a county one person in a thousand shares them. One a digit off, the region and
# sequence digits the same, is how two people of one police station born days apart
# look (codes repeat from day to day: 9% of same-township pairs born on other days share
# them in a station-coded county), so it adds up to less than a typo of one person:
# 8 - 9 + name 2 + village 3 = 4 stays below match_score; a shared card merges.
birth_same = 4.0
birth_typo = -9.0
birth_different = -10.0
# Place: same village; a village name a typo apart in the same township; the same
# village name under another township; same township; elsewhere. Another township
# counts against one person: strangers of one name and birthday live in different
# townships far more often than one person's two registrations do (on generated
# counties of common names it took duplicate precision from 0.965 to 0.986 with
# station codes and 0.984 to 0.992 with random codes, recall unchanged at 1.000).
place_village = 3.0
place_village_alike = 2.0
place_village_name = 1.0
place_township = 0.0
place_elsewhere = -1.0
# Bank account: same; different.
account_same = 3.0
account_different = 0.0
# Clusters are merged only when every pair across them scores at least this (guards
# against chaining unrelated people through one record), and never beyond this size.
cluster_min_score = 5.0
max_cluster_size = 6
# measure_u = true (not yet the default): each level weighs log2(m/u) in bits instead,
# where u (how often the level occurs between two different people) is measured on the
# registry being audited, every run: random pairs for names, birth dates, places and
# accounts; people born on one day with other names for the ID number (within one
# township and across townships, so sequence codes one digit apart weigh what they
# weigh where police stations issue them); villagers for a shared card. An exact or
# homophone name weighs by its own frequency in the registry (term frequency). m is
# [identity.m] below. match_score, prior_log2_odds and cluster_min_score then follow
# from duplicate_share: a pair is one person at odds of 9 to 1 (probability 0.9), and
# the weights above are used only for a level that has no m. The u values used are
# printed in dedup_report.json. Measured on generated counties it is still behind the
# weights above (see BENCHMARKS.md): the m below are priors, not learned per registry.
measure_u = false
# With measure_u, an exact or homophone name weighs by its own frequency in the
# registry (term frequency: 王静 held by 450 weighs less than a name held by 3).
term_frequencies = true
# Share of registry records that are someone's second registration (the measured
# model's prior).
duplicate_share = 0.01

[identity.m]
# With measure_u: how often each level occurs for one person registered twice (how
# registrations go wrong, not how a county looks). A learned block's m come first.
name_exact = 0.78
name_alike = 0.15
name_partial = 0.03
name_similar = 0.03
name_different = 0.02
id_same = 0.80
id_one_off = 0.06
id_two_off = 0.03
id_far = 0.08
id_other_sex = 0.012
id_last_digit = 0.012
birth_same = 0.93
birth_typo = 0.05
birth_different = 0.02
place_village = 0.80
place_village_alike = 0.05
place_village_name = 0.03
place_township = 0.07
place_elsewhere = 0.05
account_same = 0.50
account_different = 0.50

[cases]
# Findings sharing a resolved person, a bank account, an allocation or an official are
# one case (线索归并). A value shared by more findings than this is not used to join
# (a welfare home's collective account, an agent's card): it would glue unrelated
# schemes into one case.
max_link_findings = 30

[report]
# report.html stays small enough to open on an office PC: it embeds the top findings by
# rank (and their cases), and the raw input rows only for the very top; the rest are in
# findings.xlsx and findings.csv, and the page says so. Counts, money and charts always
# cover every finding.
# The raw rows stop at max_raw_findings findings or max_raw_rows input rows, whichever
# comes first (a province's top findings are schemes of hundreds of payments each).
max_findings = 15000
max_raw_findings = 5000
max_raw_rows = 15000
max_cases = 8000

[diverted]
# An account receiving for this many or more distinct beneficiaries is flagged.
shared_account_min_beneficiaries = 3
# An account shared by beneficiaries of different villages is flagged from two upward
# (a household sharing a card lives in one village).
flag_cross_village_sharing = true
# A payee name at least this similar to a payroll or cadre name is taken as that official.
official_name_cutoff = 0.95

[scoring]
# risk_score = 100 * weight(rule) * confidence * money_factor, where money_factor grows
# with log(1 + yuan at risk) and reaches 1 at money_cap_yuan; it never falls below
# money_floor, so a finding with no money at stake still ranks.
money_cap_yuan = 20000.0
money_floor = 0.25
# Severity bands on risk_score.
high_score = 50.0
medium_score = 25.0

[alert]
# `fundaudit run` exits with code 3 (success, but look) when any finding scores at least
# this, so a scheduler can page someone; for example 80. Above 100 it never alerts.
score = 101.0

[columns]
# Headers the built-in alias table does not know, per input file (beneficiaries,
# allocations, payments, deaths, officials): "header as in the file" = "field". Example:
# [columns.payments]
# "交易编号" = "payment_id"

[sheets]
# For Excel/OpenDocument inputs, the sheet to read per file. Default: every sheet whose
# header maps the same fields as the first one (one sheet per township, stacked); "*" says
# the same explicitly; a name reads that sheet alone.
# beneficiaries = "花名册"

[inputs]
# Where each ledger's files are, when not `<name>.csv`/`.xlsx`/… or a folder `<name>/` in
# the data folder: patterns relative to the data folder (`*` and `?` in the file name).
# Without this, files named in Chinese (花名册, 发放清册, 代发, 死亡, 财政供养 …) are
# recognised by name and confirmed by their header.
# payments = ["代发/*.xlsx", "代发/*.csv"]

[exclusive]
# 互斥资金: program pairs one person may not draw in the same period (periods overlap when
# their months do: 2025, 2025Q1, 2025-03 …); matched on the resolved person.
pairs = [["特困供养金", "低保金"], ["特困人员救助供养金", "城乡居民最低生活保障金"]]
# Programs a person may draw in one township only (跨区域重复享受).
one_township_programs = ["低保金", "特困供养金", "城乡居民最低生活保障金", "特困人员救助供养金"]

# What kind of benefit each program is. means_tested: granted on a household's income or
# assets (低保, 特困, 临时救助, 危房改造 …). Officials, village cadres and their households
# may not draw these, and DIV_OFFICIAL and DIV_CADRE_HOUSEHOLD flag them when they do.
# Universal entitlements (高龄津贴, 耕地地力保护补贴, 残疾人护理补贴) they may lawfully draw:
# on those programs the two rules flag only money taken from other people (their
# subsidy paid to an official's account or a cadre's card). A program not listed here is
# not means-tested. Add yours: [programs."城市低保金"] means_tested = true
[programs."低保金"]
means_tested = true
[programs."城乡居民最低生活保障金"]
means_tested = true
[programs."特困供养金"]
means_tested = true
[programs."特困人员救助供养金"]
means_tested = true
[programs."临时救助金"]
means_tested = true
[programs."危房改造补助"]
means_tested = true

[standards]
# 超标准发放: the most a program pays one person per period, in yuan. Standards are local
# and change yearly, so none is built in; a program without one is not checked. Example:
# "低保金" = { max_yuan_per_period = 2400 }

# Reference lists (不符合条件): any number, each a file in the data folder of people a
# program excludes, matched by ID number, or by name + birth date when a row lacks it
# (never by name alone). Example:
# The two below are on by default: a data folder without vehicles.* or businesses.* says
# in the summary that the comparison was not run.
[[lists]]
file = "vehicles"          # vehicles.csv/.xlsx …, loaded like the ledgers
label = "车辆登记"
rule = "LIST_VEHICLE"
programs = ["低保金", "特困供养金", "城乡居民最低生活保障金", "特困人员救助供养金"]   # empty or absent: every program
category = "ghost"         # default ghost
weight = 0.6               # default 0.6

[[lists]]
file = "businesses"
label = "工商登记"
rule = "LIST_BUSINESS"
programs = ["低保金", "城乡居民最低生活保障金"]

[worklists]
# worklists.xlsx: clean beneficiaries sampled per village for the officers' visits, beside
# the high and medium findings. The seed (default: the as-of day) is in the manifest.
sample_per_village = 2
# seed = 20260331

[completeness]
# A program and period with at least this many allocations, all past due and none paid,
# is taken for missing payment data: one DATA_INCOMPLETE finding instead of one
# DELAY_UNPAID per allocation, and exit code 4.
min_allocations = 20

[scale]
# Payments and allocations are read by the rules a part at a time, at most this many rows
# per part (a part is whole groups of rows joined by an allocation, a person or an
# account, so the findings are the same as in one piece): memory follows the part, not
# the province, at about 380 bytes per row of the part. A county of 200,000
# beneficiaries (1.9 million payment and allocation rows) is two parts.
partition_rows = 1000000
# `fundaudit stage` reads a plain CSV payments or allocations file (UTF-8, no quote
# characters, header on line 1) this many rows at a time, so staging a province holds a
# chunk of the file and not all of it. Other files are read whole.
read_rows = 1000000
# `run` on such files (plain CSV) larger than this many bytes together stages them on
# the way, into a hidden folder beside the run's that it removes at the end: the run
# then holds the registry and one part, not the ledgers (a province's 10 GB of CSV
# would not fit in memory). Below it, the files are read whole: faster for a county.
stage_bytes = 2000000000
# `run --engine ballista`: the partitions of each shuffle of the identity plan on the
# cluster, about twice the cluster's task slots (a task per partition and stage; each
# task has a fixed cost, so more partitions than slots only queue).
cluster_partitions = 16

[limits]
# What one input file may ask for, checked before it is read whole: a 2 KB workbook with
# one cell at XFD1048576 asks for 512 GiB, a CSV header of 100,000 empty columns for
# gigabytes. A file past a cap is refused (exit 2) naming the file and the key here; raise
# the key only for a file you know to be genuine.
# Columns of a table (a CSV line, a sheet's width).
max_columns = 1000
# Cells of a workbook sheet: rows × columns of its used range.
max_sheet_cells = 60000000
# A workbook part (a sheet's XML, its shared strings) unpacked, in MB.
max_unzipped_mb = 2000
# How many times its packed size a workbook part of more than 16 MB may unpack to (a
# zip bomb unpacks a thousandfold; a bank's export, ten to thirty times).
max_zip_ratio = 200
# Input files are read only from inside the data folder: an `[inputs]` pattern with `..`,
# or a link in the folder pointing elsewhere (payments.csv → /etc/passwd), is refused.
# true lets them be read (their real place is recorded in the manifest).
allow_outside = false

[status]
# A bank file's transfer status (交易状态/处理结果 …) values beyond the built-in ones
# (成功, 失败, 退票, 冲正 and their usual variants), mapped to paid, failed, returned or
# reversed. A value neither knows sends its row to rejects. Example:
# "待清算" = "failed"

[weights]
# How much each rule matters to the ranking, from 0 to 1.
DELAY_LATE = 0.45
DELAY_UNPAID = 0.70
PARTIAL_SHORT = 0.65
DUP_ALLOCATION = 0.80
DUP_PERSON_PERIOD = 0.85
GHOST_UNREGISTERED = 0.95
GHOST_DECEASED = 0.95
GHOST_INVALID_ID = 0.75
DIV_PAYEE_MISMATCH = 0.85
DIV_OFFICIAL = 1.00
DIV_SHARED_ACCOUNT = 0.75
DIV_NO_ALLOCATION = 0.80
DUP_OVER_ALLOCATION = 0.70
DIV_OTHER_BENEFICIARY = 0.75
DATA_INCOMPLETE = 1.0
DUP_EXCLUSIVE = 0.75
OVER_STANDARD = 0.70
DIV_CADRE_HOUSEHOLD = 0.80
# Rows an earlier night's finding rested on, deleted or edited since (needs the case ledger).
DATA_SOURCE_CHANGED = 0.90
"#;

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub deadlines: Deadlines,
    pub delayed: Delayed,
    pub partial: Partial,
    pub duplicate: Duplicate,
    pub matching: Matching,
    pub identity: Identity,
    pub cases: CasesConfig,
    pub report: ReportConfig,
    pub diverted: Diverted,
    pub scoring: Scoring,
    pub alert: Alert,
    pub completeness: Completeness,
    pub scale: Scale,
    pub limits: Limits,
    pub worklists: Worklists,
    pub exclusive: Exclusive,
    /// Per program: its standard (超标准发放).
    #[serde(default)]
    pub standards: BTreeMap<String, Standard>,
    /// Per program: what kind of benefit it is (see [`ProgramConfig`]).
    #[serde(default)]
    pub programs: BTreeMap<String, ProgramConfig>,
    /// Reference lists that disqualify (不符合条件): vehicles, businesses, property …
    #[serde(default)]
    pub lists: Vec<ListConfig>,
    /// Per input file: "header as in the file" → field.
    #[serde(default)]
    pub columns: BTreeMap<String, BTreeMap<String, String>>,
    /// Per input file: the workbook sheet to read.
    #[serde(default)]
    pub sheets: BTreeMap<String, String>,
    /// Per input file: where its files are (patterns relative to the data folder).
    #[serde(default)]
    pub inputs: BTreeMap<String, Vec<String>>,
    /// Bank transfer status values beyond the built-in ones: value → paid, failed,
    /// returned or reversed.
    #[serde(default)]
    pub status: BTreeMap<String, String>,
    pub weights: Weights,
}

/// What kind of benefit a program is.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProgramConfig {
    /// Granted on means (低保, 特困 …): officials and cadres' households may not draw it.
    /// Universal entitlements (高龄津贴, 耕地地力保护补贴) they may, so the official and
    /// cadre rules look there only for money taken from others.
    #[serde(default)]
    pub means_tested: bool,
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

/// Caps on what one input file may ask for (see [`crate::input::limits`]).
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

/// How a run cuts a large audit (see [`crate::pipeline::partition`]).
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

/// Weights of the pairwise comparison in registry self-deduplication.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    pub match_score: f64,
    pub prior_log2_odds: f64,
    pub name_exact: f64,
    pub name_alike: f64,
    pub name_partial: f64,
    pub name_similar: f64,
    pub name_different: f64,
    pub name_rare_bonus: f64,
    pub id_same: f64,
    pub id_one_off: f64,
    pub id_two_off: f64,
    pub id_far: f64,
    pub id_missing: f64,
    pub id_other_sex: f64,
    pub id_last_digit: f64,
    pub birth_same: f64,
    pub birth_typo: f64,
    pub birth_different: f64,
    pub place_village: f64,
    pub place_village_alike: f64,
    pub place_village_name: f64,
    pub place_township: f64,
    pub place_elsewhere: f64,
    pub account_same: f64,
    pub account_different: f64,
    pub cluster_min_score: f64,
    pub max_cluster_size: usize,
    /// Weigh each level log2(m/u) with u measured on the registry being audited, every
    /// run (see `identity::measure`); off, the weights above are used as written.
    #[serde(default)]
    pub measure_u: bool,
    /// With measured u, an exact or homophone name weighs by its own frequency in the
    /// registry; off, by the average name's (for comparison: `stats`, tests).
    #[serde(default = "default_true")]
    pub term_frequencies: bool,
    /// The share of records that are someone's second registration: the prior of the
    /// measured model.
    #[serde(default = "default_duplicate_share")]
    pub duplicate_share: f64,
    /// How often each level occurs for one person registered twice (`[identity.m]`).
    #[serde(default)]
    pub m: BTreeMap<String, f64>,
    /// What `dedup --train` estimated, kept beside the weights it set: level → [m, u].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub learned: BTreeMap<String, [f64; 2]>,
    /// Filled in per registry when u is measured; never read from a file.
    #[serde(skip)]
    pub measured: Option<MeasuredWeights>,
}

/// The most levels an identity field has (`identity::model::WIDTH`).
pub const LEVEL_WIDTH: usize = 7;

/// What the measured model needs beyond one weight per level.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct MeasuredWeights {
    /// The ID levels' weights by what else the pair shares, indexed
    /// `2 * birth date same + same township`: whether strangers' sequence codes lie a
    /// digit apart depends on both (one number per person born on one day; a police
    /// station numbering its township).
    pub id: [[f64; LEVEL_WIDTH]; 4],
    /// The account levels' weights for two records of one village (a household's card).
    pub account_village: [f64; LEVEL_WIDTH],
    /// Registries under this many records are read as this many for name frequencies.
    pub smallest: usize,
    /// A name's share is read as at least this: names and birth dates are not
    /// independent (families, fashions), and a name two people hold would otherwise
    /// weigh as if chance alone had made them namesakes (Splink's tf_minimum_u_value).
    pub min_name_share: f64,
}

fn default_true() -> bool {
    true
}

fn default_duplicate_share() -> f64 {
    0.01
}

impl Identity {
    /// Sets the weight of every level from a table by field (as `identity::model::FIELDS`).
    pub fn set_level_weights(&mut self, rows: &[[f64; LEVEL_WIDTH]; 5]) {
        let [n, i, b, p, a] = rows;
        [
            self.name_exact,
            self.name_alike,
            self.name_partial,
            self.name_similar,
            self.name_different,
        ] = [n[0], n[1], n[2], n[3], n[4]];
        [
            self.id_same,
            self.id_one_off,
            self.id_two_off,
            self.id_far,
            self.id_missing,
            self.id_other_sex,
            self.id_last_digit,
        ] = *i;
        [self.birth_same, self.birth_typo, self.birth_different] = [b[0], b[1], b[2]];
        [
            self.place_village,
            self.place_village_alike,
            self.place_village_name,
            self.place_township,
            self.place_elsewhere,
        ] = [p[0], p[1], p[2], p[3], p[4]];
        [self.account_same, self.account_different] = [a[0], a[1]];
    }

    /// Every weight by its key, for validation and for printing a learned block.
    pub fn weight_keys(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("match_score", self.match_score),
            ("prior_log2_odds", self.prior_log2_odds),
            ("name_exact", self.name_exact),
            ("name_alike", self.name_alike),
            ("name_partial", self.name_partial),
            ("name_similar", self.name_similar),
            ("name_different", self.name_different),
            ("name_rare_bonus", self.name_rare_bonus),
            ("id_same", self.id_same),
            ("id_one_off", self.id_one_off),
            ("id_two_off", self.id_two_off),
            ("id_far", self.id_far),
            ("id_missing", self.id_missing),
            ("id_other_sex", self.id_other_sex),
            ("id_last_digit", self.id_last_digit),
            ("birth_same", self.birth_same),
            ("birth_typo", self.birth_typo),
            ("birth_different", self.birth_different),
            ("place_village", self.place_village),
            ("place_village_alike", self.place_village_alike),
            ("place_village_name", self.place_village_name),
            ("place_township", self.place_township),
            ("place_elsewhere", self.place_elsewhere),
            ("account_same", self.account_same),
            ("account_different", self.account_different),
            ("cluster_min_score", self.cluster_min_score),
        ]
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    pub max_findings: usize,
    pub max_raw_findings: usize,
    pub max_raw_rows: usize,
    pub max_cases: usize,
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
            _ => 0.0,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config::from_toml_str(DEFAULT_CONFIG_TOML, "<built-in defaults>")
            .expect("the built-in default configuration parses")
    }
}

impl Config {
    /// Parses a user file layered over the defaults: keys the user leaves out keep
    /// their documented default, so a config file can hold only what an analyst changed.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Config, Error> {
        let bad = |message: String| Error::Config {
            path: origin.to_string(),
            message,
        };
        let mut user: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| bad(e.to_string()))?;
        if let Some(toml::Value::Table(identity)) = user.get_mut("identity") {
            rename_legacy_identity_keys(identity).map_err(bad)?;
        }
        let mut merged: toml::Table = if origin == "<built-in defaults>" {
            toml::Table::new()
        } else {
            DEFAULT_CONFIG_TOML
                .parse()
                .expect("the built-in default configuration parses")
        };
        merge(&mut merged, user);
        // Re-serialise so that serde's errors come with the offending line, key included.
        let merged_text = toml::to_string(&merged).map_err(|e| bad(e.to_string()))?;
        let config: Config = toml::from_str(&merged_text)
            .map_err(|e: toml::de::Error| bad(in_users_terms(&e, &merged_text, text)))?;
        config.validate().map_err(bad)?;
        Ok(config)
    }

    pub fn from_file(path: &Path) -> Result<Config, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Config {
            path: path.display().to_string(),
            message: format!("cannot read the file: {e}"),
        })?;
        Config::from_toml_str(&text, &path.display().to_string())
    }

    /// Deadline in days for a program (per-program entry, else the default).
    /// Whether `program` is granted on means (`[programs."<name>"] means_tested`); a
    /// finding listing several programs (`低保金;高龄津贴`) is when any is.
    pub fn means_tested(&self, program: &str) -> bool {
        program
            .split(';')
            .any(|p| self.programs.get(p.trim()).is_some_and(|c| c.means_tested))
    }

    pub fn deadline_days(&self, program: &str) -> u32 {
        self.deadlines
            .programs
            .get(program)
            .copied()
            .unwrap_or(self.deadlines.default_days)
    }

    /// Range checks serde cannot express; each message names the key.
    fn validate(&self) -> Result<(), String> {
        let unit = |key: &str, v: f64| -> Result<(), String> {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(format!(
                    "{key} = {v} is out of range: it must lie between 0 and 1"
                ))
            }
        };
        let non_negative = |key: &str, v: f64| -> Result<(), String> {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(format!("{key} = {v} is out of range: it must be 0 or more"))
            }
        };
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
        )?;
        let spec_of = |stem: &str, key: &str| {
            crate::input::spec::ALL
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
            if crate::pipeline::findings::Category::parse(&list.category).is_none() {
                return Err(format!(
                    "lists `{}`: category `{}`: use delayed, partial, duplicate, ghost or diverted",
                    list.file, list.category
                ));
            }
            if crate::pipeline::findings::Rule::ALL
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
            if crate::input::bank::Outcome::parse_code(outcome).is_none() {
                return Err(format!(
                    "status.\"{value}\" = \"{outcome}\": use paid, failed, returned or reversed"
                ));
            }
        }
        if self.identity.max_cluster_size < 2 {
            return Err("identity.max_cluster_size must be at least 2".into());
        }
        // Days: a deadline past ten years, or a grace past a year, is a typo (4294967295
        // wrapped the due date to before the funds arrived: 1,149 false DELAY_LATE).
        let days = |key: &str, v: u32, max: u32| -> Result<(), String> {
            if v <= max {
                Ok(())
            } else {
                Err(format!(
                    "{key} = {v} is out of range: it must lie between 0 and {max} days"
                ))
            }
        };
        days("deadlines.default_days", self.deadlines.default_days, 3660)?;
        for (program, &v) in &self.deadlines.programs {
            days(&format!("deadlines.programs.\"{program}\""), v, 3660)?;
        }
        days("delayed.grace_days", self.delayed.grace_days, 366)?;
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
        ] {
            unit(&format!("weights.{key}"), v)?;
        }
        Ok(())
    }
}

/// A type or key error found in the merged configuration, told by the user's own file:
/// the merged text's line numbers would point into the built-in defaults (line 25 for
/// line 2 of a two-line file). The key on the error's line is looked up in the user's
/// text, and its line there named.
fn in_users_terms(e: &toml::de::Error, merged: &str, user: &str) -> String {
    let message = e.message().trim().to_string();
    let Some(span) = e.span() else {
        return message;
    };
    let line_start = merged[..span.start.min(merged.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let merged_line = merged[line_start..].lines().next().unwrap_or("");
    let key = merged_line
        .split('=')
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('"');
    if key.is_empty() || !merged_line.contains('=') {
        return message;
    }
    let found = user.lines().enumerate().find(|(_, l)| {
        let l = l.trim_start();
        let bare = l.strip_prefix(key);
        let quoted = l
            .strip_prefix('"')
            .and_then(|r| r.strip_prefix(key))
            .and_then(|r| r.strip_prefix('"'));
        bare.or(quoted)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    });
    match found {
        Some((i, l)) => format!("line {}: `{}`: {message}", i + 1, l.trim()),
        None => format!("`{key}`: {message}"),
    }
}

/// Config files written before the identity model had levels: keys whose meaning is
/// unchanged take their new names; keys whose meaning changed are refused with what to
/// write instead, rather than silently read as something else.
fn rename_legacy_identity_keys(identity: &mut toml::Table) -> Result<(), String> {
    for (old, new) in [
        ("name_agree", "name_exact"),
        ("name_disagree", "name_different"),
        ("birth_diff", "birth_different"),
        ("place_same", "place_village"),
    ] {
        if let Some(v) = identity.remove(old) {
            if identity.contains_key(new) {
                return Err(format!(
                    "identity.{old} and identity.{new} are one key: keep {new}"
                ));
            }
            identity.insert(new.to_string(), v);
        }
    }
    for old in ["id_exact", "id_close"] {
        if identity.contains_key(old) {
            return Err(format!(
                "identity.{old} is gone: the ID number is now weighed without its birth date \
                 (id_same, id_one_off, id_two_off, id_far, id_missing) and the birth date on \
                 its own (birth_same, birth_typo, birth_different); see `fundaudit config`"
            ));
        }
    }
    Ok(())
}

/// Recursive table merge: user values replace defaults key by key.
fn merge(base: &mut toml::Table, user: toml::Table) {
    for (key, value) in user {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(u)) => merge(b, u),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_carry_documented_values() {
        let c = Config::default();
        assert_eq!(c.deadlines.default_days, 30);
        assert_eq!(c.deadline_days("低保金"), 15);
        assert_eq!(c.deadline_days("unknown program"), 30);
        assert_eq!(c.delayed.grace_days, 5);
        assert_eq!(c.weights.of("DIV_OFFICIAL"), 1.0);
    }

    #[test]
    fn partial_file_keeps_other_defaults() {
        let c = Config::from_toml_str("[delayed]\ngrace_days = 9\n", "t.toml").unwrap();
        assert_eq!(c.delayed.grace_days, 9);
        assert_eq!(c.partial, Config::default().partial);
    }

    #[test]
    fn column_mappings_are_checked() {
        let ok = Config::from_toml_str(
            "[columns.payments]\n\"交易编号\" = \"payment_id\"\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!(ok.columns["payments"]["交易编号"], "payment_id");
        let e = Config::from_toml_str(
            "[columns.payments]\n\"交易编号\" = \"paymentid\"\n",
            "t.toml",
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("paymentid") && e.to_string().contains("payment_id"),
            "{e}"
        );
        let e = Config::from_toml_str("[sheets]\npayment = \"Sheet1\"\n", "t.toml").unwrap_err();
        assert!(e.to_string().contains("sheets.payment"), "{e}");
    }

    #[test]
    fn unknown_key_is_named() {
        let e = Config::from_toml_str("[delayed]\ngrace_dayz = 9\n", "t.toml").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("grace_dayz"), "{msg}");
        assert!(msg.contains("t.toml"), "{msg}");
    }

    #[test]
    fn a_type_error_names_the_line_of_the_users_file() {
        let e = Config::from_toml_str("# mine\n[delayed]\ngrace_days = \"x\"\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("grace_days"), "{e}");
        let e = Config::from_toml_str("\n\n[matching]\nname_cutoff = \"high\"\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 4"), "{e}");
    }

    #[test]
    fn numbers_out_of_their_meaningful_range_are_refused_by_key() {
        for (text, key) in [
            ("[deadlines.programs]\n\"低保金\" = 4294967295\n", "低保金"),
            (
                "[deadlines]\ndefault_days = 99999\n",
                "deadlines.default_days",
            ),
            ("[delayed]\ngrace_days = 4000\n", "delayed.grace_days"),
            ("[identity]\nmatch_score = -1000\n", "identity.match_score"),
            (
                "[identity]\ncluster_min_score = 0\n",
                "identity.cluster_min_score",
            ),
            ("[identity]\nid_same = -8\n", "identity.id_same"),
            (
                "[identity]\nbirth_different = 10\n",
                "identity.birth_different",
            ),
            ("[identity]\nname_exact = 1e9\n", "identity.name_exact"),
        ] {
            let e = Config::from_toml_str(text, "t.toml")
                .unwrap_err()
                .to_string();
            assert!(e.contains(key), "{text}: {e}");
        }
        let ok = "[deadlines.programs]\n\"危房改造补助\" = 365\n[identity]\nmatch_score = 4\n";
        Config::from_toml_str(ok, "t.toml").unwrap();
    }

    #[test]
    fn bad_value_is_named() {
        let old = Config::from_toml_str(
            "[identity]\nname_agree = 2.5\nbirth_diff = -7.0\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!(old.identity.name_exact, 2.5);
        assert_eq!(old.identity.birth_different, -7.0);
        let e = Config::from_toml_str("[identity]\nid_exact = 9.0\n", "t.toml").unwrap_err();
        assert!(e.to_string().contains("id_same"), "{e}");
        let e = Config::from_toml_str("[matching]\nname_cutoff = 1.5\n", "t.toml").unwrap_err();
        assert!(e.to_string().contains("matching.name_cutoff"), "{e}");
        let e = Config::from_toml_str("[delayed]\ngrace_days = \"x\"\n", "t.toml").unwrap_err();
        assert!(e.to_string().contains("grace_days"), "{e}");
    }
}
