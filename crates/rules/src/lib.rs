//! The rules. Each is a pure function from the run's [`Context`] to a findings frame, so
//! it can be tested alone and a new rule added without touching the others: write the
//! function, add it to [`RULES`], give it a weight in the config.
//!
//! What the rules read lives here too, one module each: [`context`] (the run's people,
//! ledgers and whole-run facts), [`link`] (payments joined to allocations and people),
//! [`past_due`] (allocations owed by the as-of date), [`money`] (a finding's money counted
//! once), [`source_rows`] (the rows findings cite, for the next night), [`analytics`]
//! (first-digit tests), [`posted`] (the villages' posted lists matched to the registry).
//! One file per family of rules: delayed, partial, duplicate, ghost, diverted, exclusive,
//! standards, cadre, lists, completeness, source_changed, publicity (公示), basis (the
//! amount's quantity × rate), and [`project`] (涉农项目资金: a folder of its own, the
//! project book and four families).

pub mod analytics;
pub mod context;
pub mod link;
pub mod money;
mod pairs;
pub mod past_due;
pub mod posted;
pub mod source_rows;
pub mod views;

pub mod basis;
pub mod cadre;
pub mod completeness;
pub mod delayed;
pub mod diverted;
pub mod duplicate;
pub mod exclusive;
pub mod ghost;
pub mod lists;
pub mod partial;
pub mod project;
pub mod publicity;
pub mod source_changed;
pub mod standards;

use polars::prelude::*;
use rayon::prelude::*;

use crate::context::Context;
use crate::views::Views;
use fundaudit_core::findings::Rule;

/// A rule: the run's context and its row views in, a findings frame out.
pub type RuleFn = fn(&Context, &Views) -> PolarsResult<DataFrame>;

/// Every rule the batch runs, in report order.
pub const RULES: &[(Rule, RuleFn)] = &[
    (Rule::DelayLate, delayed::late),
    (Rule::DelayUnpaid, delayed::unpaid),
    (Rule::PartialShort, partial::short),
    (Rule::DupAllocation, duplicate::same_allocation),
    (Rule::DupPersonPeriod, duplicate::same_person_period),
    (Rule::GhostUnregistered, ghost::unregistered),
    (Rule::GhostDeceased, ghost::deceased),
    (Rule::GhostInvalidId, ghost::invalid_id),
    (Rule::DivPayeeMismatch, diverted::payee_mismatch),
    (Rule::DivOfficial, diverted::official),
    (Rule::DivSharedAccount, diverted::shared_account),
    (Rule::DivNoAllocation, diverted::no_allocation),
    (Rule::DupOverAllocation, duplicate::over_allocation),
    (Rule::DivOtherBeneficiary, diverted::other_beneficiary),
    (Rule::DataIncomplete, completeness::incomplete),
    (Rule::DupExclusive, exclusive::exclusive),
    (Rule::OverStandard, standards::over_standard),
    (Rule::DivCadreHousehold, cadre::cadre_household),
    (Rule::PubNotPosted, publicity::not_posted),
    (Rule::PubAmountDiffers, publicity::amount_differs),
    (Rule::PubPostedLate, publicity::posted_late),
    (Rule::PubPostedNotEligible, publicity::posted_not_eligible),
    (Rule::AmountBasis, basis::amount_basis),
    (Rule::DivCardRule, diverted::card_rule),
    (Rule::PubListMissing, publicity::list_missing),
    (Rule::PrjChangedSite, project::change::changed_site),
    (Rule::PrjChangedContent, project::change::changed_content),
    (Rule::PrjOverApproved, project::paid::over_approved),
    (Rule::PrjPaidBeforeTender, project::paid::paid_before_tender),
    (
        Rule::PrjPaidBeforeAcceptance,
        project::paid::paid_before_acceptance,
    ),
    (Rule::PrjNoTender, project::tender::no_tender),
    (Rule::PrjSplitTender, project::tender::split_tender),
    (Rule::PrjTenderSlow, project::tender::tender_slow),
    (
        Rule::PrjContractorRelated,
        project::contractor::contractor_related,
    ),
    (
        Rule::PrjPayeeNotContractor,
        project::paid::payee_not_contractor,
    ),
];

/// Rules that read only what the whole run knows ([`Context::whole`]), not the payments:
/// a partitioned run runs them with its first part only.
pub const ONCE: &[Rule] = &[
    Rule::DataIncomplete,
    Rule::PubPostedNotEligible,
    Rule::PubPostedLate,
    Rule::PubListMissing,
    // The project ledgers are read whole, never cut into parts.
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

/// What the rules found and how long each took.
pub struct RuleRun {
    pub findings: DataFrame,
    pub timings: Vec<(String, f64)>,
}

/// Runs every rule (in parallel) and stacks their findings, with the wall time of
/// preparing the row views and of each rule.
pub fn run_all(ctx: &Context) -> PolarsResult<RuleRun> {
    run_rules(ctx, true)
}

/// Runs the rules over one part of a partitioned run: all of them on the first part,
/// all but [`ONCE`] on the others.
pub fn run_rules(ctx: &Context, first_part: bool) -> PolarsResult<RuleRun> {
    let t = std::time::Instant::now();
    let views = Views::new(ctx)?;
    let mut timings = vec![("  row views".to_string(), t.elapsed().as_secs_f64())];
    let results: Vec<PolarsResult<(Rule, DataFrame, f64)>> = RULES
        .par_iter()
        .filter(|(rule, _)| first_part || !ONCE.contains(rule))
        .map(|(rule, f)| {
            let t = std::time::Instant::now();
            f(ctx, &views).map(|df| (*rule, df, t.elapsed().as_secs_f64()))
        })
        .collect();
    let mut all = fundaudit_core::findings::empty_frame()?;
    for r in results {
        let (rule, df, secs) = r?;
        all.vstack_mut_owned(df)?;
        timings.push((format!("  rule {}", rule.code()), secs));
    }
    // The config's reference lists, each its own rule.
    let t = std::time::Instant::now();
    for (_, df) in lists::list_findings(ctx, &views)? {
        all.vstack_mut_owned(df)?;
    }
    timings.push(("  reference lists".to_string(), t.elapsed().as_secs_f64()));
    all.rechunk_mut();
    Ok(RuleRun {
        findings: all,
        timings,
    })
}
