//! 涉农项目资金: the project half of the standing check — 擅自变更实施项目 (a project built
//! elsewhere, to other content, beyond its money) and 招投标 (tenders skipped, split or
//! slow, contractors of officials, money onto accounts not the contractor's).
//!
//! [`book`] joins the optional project ledgers (projects, contracts, project_payments,
//! acceptances, contractors) by project id once per run; each rule is a pure function of
//! it, in a file per family: [`change`] (site, content), [`paid`] (over the approval,
//! before the contract, ahead of the work, to another account), [`tender`] (skipped,
//! split, slow), [`contractor`] (whose company); [`overview`] lists each project for the
//! reports. A county without project ledgers runs none of them. A project finding names its project in `refs` (`projects:<id>`), which
//! joins a project's findings into one case, and its payments by id, which counts their
//! money once.

pub mod book;
pub mod change;
pub mod contractor;
pub mod overview;
pub mod paid;
pub mod tender;

use book::{Book, Contract, Payment, Project};
use fundaudit_core::findings::Finding;

/// Words of a service contract (监理, 设计 …): its content is not the works', so the
/// site and content checks pass it by.
const SERVICE_WORDS: &[&str] = &["监理", "设计", "勘察", "检测", "造价", "审计", "咨询"];

/// Whether a contract is for a service around the works rather than the works.
pub fn is_service(content: &str) -> bool {
    SERVICE_WORDS.iter().any(|w| content.contains(w))
}

/// A finding about a project: its township, program, and refs (the project's and its
/// contracts'); the caller adds the rest.
pub(crate) fn about(book: &Book, p: &Project, key: String) -> Finding {
    Finding {
        key,
        township: p.township.clone(),
        program: p.program().to_string(),
        refs: std::iter::once(format!("projects:{}", p.id))
            .chain(book.contracts_of(p).map(|c| format!("contracts:{}", c.id)))
            .collect(),
        ..Finding::default()
    }
}

/// A finding about contracts: township and program from the first of their projects (a
/// project the approvals lack: the project funds), every project and contract in refs,
/// and as its money what was paid so far for those projects that `paid` keeps — a
/// contract's value, not yet paid, is in the evidence.
pub(crate) fn about_contracts(
    book: &Book,
    contracts: &[&Contract],
    key: String,
    paid: impl Fn(&Payment) -> bool,
) -> Finding {
    let mut projects: Vec<&str> = contracts.iter().map(|c| c.project.as_str()).collect();
    projects.sort_unstable();
    projects.dedup();
    let mut f = match projects.first().and_then(|p| book.project(p)) {
        Some(p) => about(book, p, key),
        None => Finding {
            key,
            program: book::PROJECT_FUNDS.to_string(),
            ..Finding::default()
        },
    };
    f.refs = projects.iter().map(|p| format!("projects:{p}")).collect();
    f.refs
        .extend(contracts.iter().map(|c| format!("contracts:{}", c.id)));
    let payments = projects
        .iter()
        .filter_map(|p| book.project(p))
        .flat_map(|p| book.payments_of(p))
        .filter(|k| paid(k));
    (f.payment_ids, f.amount_fen) = ids_and_sum(payments);
    f
}

/// Payment ids and their sum.
pub(crate) fn ids_and_sum<'a>(payments: impl Iterator<Item = &'a Payment>) -> (Vec<String>, i64) {
    let mut ids = Vec::new();
    let mut sum = 0;
    for k in payments {
        ids.push(k.id.clone());
        sum += k.amount_fen;
    }
    (ids, sum)
}

/// `3笔共1,234,000.00元（BF001 2025-03-02 370,200.00元；…）`, at most five payments named.
pub(crate) fn describe_payments(payments: &[&Payment]) -> String {
    use fundaudit_core::cells::{fmt_day, fmt_yuan};
    let sum: i64 = payments.iter().map(|k| k.amount_fen).sum();
    let shown: Vec<String> = payments
        .iter()
        .take(5)
        .map(|k| format!("{} {} {}元", k.id, fmt_day(k.paid), fmt_yuan(k.amount_fen)))
        .collect();
    let more = if payments.len() > 5 { "…" } else { "" };
    format!(
        "{}笔共{}元（{}{more}）",
        payments.len(),
        fmt_yuan(sum),
        shown.join("；")
    )
}

/// How alike two texts of works are, 0 to 1: the Dice coefficient of their pairs of Han
/// characters (`村道硬化` and `村道硬化及排水沟` share three of four pairs). Digits and
/// punctuation are left out: a scale is compared as a number, not as text.
pub fn content_similarity(a: &str, b: &str) -> f64 {
    let pairs = |s: &str| -> Vec<(char, char)> {
        let han: Vec<char> = s
            .chars()
            .filter(|c| fundaudit_core::text::is_han(*c))
            .collect();
        let mut v: Vec<(char, char)> = han.windows(2).map(|w| (w[0], w[1])).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let (x, y) = (pairs(a), pairs(b));
    if x.is_empty() || y.is_empty() {
        return if a.trim() == b.trim() { 1.0 } else { 0.0 };
    }
    let shared = x.iter().filter(|p| y.binary_search(p).is_ok()).count();
    2.0 * shared as f64 / (x.len() + y.len()) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_similarity_tells_other_works_from_the_same_described_longer() {
        assert!(content_similarity("村道硬化", "村道硬化及排水沟") > 0.5);
        assert!(content_similarity("村道硬化", "文化广场建设") < 0.1);
        assert_eq!(content_similarity("", ""), 1.0);
        assert!(is_service("工程监理"));
        assert!(!is_service("村道硬化"));
    }

    #[test]
    fn village_names_compare_without_their_committee() {
        use book::village_key;
        assert_eq!(village_key("东岗村委会"), "东岗村");
        assert_eq!(village_key("东岗村村民委员会"), "东岗村");
        assert_eq!(village_key(" 东岗村"), "东岗村");
    }
}
