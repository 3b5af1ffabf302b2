//! 挪用/截留/冒领: money that landed with someone other than the person it was for.

use polars::prelude::*;

use crate::context::Context;
use crate::views::{group_rows, groups_with_variety, Views};
use fundaudit_core::findings::{Finding, FindingsBuilder, Rule};
use fundaudit_identity::Payee;

/// The account holder per the bank is not the beneficiary, nor a household member
/// registered on that card (spellings, spaces and traditional characters allowed for).
pub fn payee_mismatch(ctx: &Context, v: &Views) -> PolarsResult<DataFrame> {
    let p = &v.payments;
    let keys = (0..p.len()).map(|r| match &ctx.payees[r] {
        Payee::Stranger(_) => Some((
            p.reg_row.at(r)?,
            p.payee_account.at(r).unwrap_or(""),
            p.payee_name.at(r)?,
        )),
        _ => None,
    });
    let mut out = FindingsBuilder::new(Rule::DivPayeeMismatch);
    for ((row, account, payee), rows) in group_rows(keys) {
        let r = &ctx.registry[row as usize];
        let Payee::Stranger(sim) = ctx.payees[rows[0]] else {
            continue;
        };
        let own_account = !r.bank_account.is_empty() && r.bank_account == account;
        out.push(Finding {
            key: format!("{}|{account}|{payee}", r.beneficiary_id),
            confidence: if own_account { 0.6 } else { 0.9 },
            similarity: Some(sim.score),
            evidence: format!(
                "{}的补贴{}打入账户{}，户名为{}（{}），{}，涉嫌被他人冒领或挪用",
                ctx.row_label(row as usize),
                p.describe(&rows),
                account,
                payee,
                sim.describe(),
                if own_account {
                    "该账户为花名册登记账户但户名不符"
                } else {
                    "并非花名册登记账户"
                }
            ),
            ..p.finding(&rows)
        });
    }
    out.finish()
}

/// DIV_CARD_RULE: a per-person subsidy (`[programs."<name>"] paid_to = "person"`) paid to
/// another household member's card. 财办〔2020〕37号 wants the person's own card; a
/// household card is the rule broken, not money stolen (a stranger's card is
/// [`payee_mismatch`]), hence a finding of its own, weighed low.
pub fn card_rule(ctx: &Context, v: &Views) -> PolarsResult<DataFrame> {
    use fundaudit_core::config::PaidTo;
    let p = &v.payments;
    let keys = (0..p.len()).map(|r| match ctx.payees[r] {
        Payee::Household { holder_row }
            if ctx.config.paid_to(p.program.at(r)?) == Some(PaidTo::Person) =>
        {
            Some((
                p.reg_row.at(r)?,
                holder_row,
                p.payee_account.at(r).unwrap_or(""),
            ))
        }
        _ => None,
    });
    let mut out = FindingsBuilder::new(Rule::DivCardRule);
    for ((row, holder, account), rows) in group_rows(keys) {
        out.push(Finding {
            key: format!("{}|card|{account}", ctx.registry[row as usize].beneficiary_id),
            confidence: 0.9,
            evidence: format!(
                "{}的{}按人发放，却打入同户{}名下账户{}，{}；按“一卡通”规定应发入本人账户，须核实本人是否知情、资金是否到本人",
                ctx.row_label(row as usize),
                p.program.at(rows[0]).unwrap_or(""),
                ctx.registry[holder].raw_name,
                account,
                p.describe(&rows)
            ),
            ..p.finding(&rows)
        });
    }
    out.finish()
}

/// The beneficiary is on the public payroll or a village cadre (by ID number), or the money
/// went to an account held by an official of the same township (by name).
pub fn official(ctx: &Context, v: &Views) -> PolarsResult<DataFrame> {
    let p = &v.payments;
    let index = ctx.official_index();
    // Registry rows of officials, found once per run (a pass over the registry per part
    // would cost a province minutes).
    let official_of_beneficiary = crate::context::memoised(&ctx.memo.officials, || {
        ctx.registry_rows_where(|_, r| {
            !r.id_number.is_empty() && index.by_id_number(&r.id_number).is_some()
        })
        .into_iter()
        .filter_map(|i| Some((i, index.by_id_number(&ctx.registry[i].id_number)?)))
        .collect()
    });
    let mut out = FindingsBuilder::new(Rule::DivOfficial);

    // An official drawing a benefit themselves: only means-tested ones are barred (高龄津贴
    // and 耕地地力保护补贴 they may lawfully draw).
    let by_id = (0..p.len()).map(|r| {
        let row = p.reg_row.at(r)? as usize;
        if !ctx.config.means_tested(p.program.at(r)?) {
            return None;
        }
        official_of_beneficiary.get(&row).map(|&o| (row, o))
    });
    for ((row, o), rows) in group_rows(by_id) {
        let off = index.get(o);
        out.push(Finding {
            key: format!("{}|id|{}", ctx.registry[row].beneficiary_id, off.line),
            refs: vec![format!("officials:{}", off.line)],
            confidence: 0.9,
            evidence: format!(
                "享受对象{}与公职人员名单第{}行{}（{}{}）身份证号一致，领取{}，涉嫌违规享受或优亲厚友",
                ctx.row_label(row),
                off.line,
                off.raw_name,
                off.unit,
                off.role,
                p.describe(&rows)
            ),
            ..p.finding(&rows)
        });
    }

    // Another person's money paid to an official: on any program.
    let by_name = (0..p.len()).map(|r| match &ctx.payees[r] {
        Payee::Official { official, .. } => Some((p.reg_row.at(r)?, *official)),
        _ => None,
    });
    for ((row, o), rows) in group_rows(by_name) {
        let off = index.get(o);
        let Payee::Official { similarity, .. } = ctx.payees[rows[0]] else {
            continue;
        };
        out.push(Finding {
            key: format!(
                "{}|name|{}",
                ctx.registry[row as usize].beneficiary_id, off.line
            ),
            refs: vec![format!("officials:{}", off.line)],
            confidence: 0.75 + 0.2 * similarity.score,
            similarity: Some(similarity.score),
            evidence: format!(
                "{}的补贴{}打入{}名下账户，与公职人员名单第{}行{}（{}{}）{}，涉嫌公职人员截留挪用",
                ctx.row_label(row as usize),
                p.describe(&rows),
                p.payee_name.at(rows[0]).unwrap_or(""),
                off.line,
                off.raw_name,
                off.unit,
                off.role,
                similarity.describe()
            ),
            ..p.finding(&rows)
        });
    }
    out.finish()
}

/// One account receiving for several people: at the configured count, or for two people
/// of different villages (a household sharing a card lives in one village). Registrations
/// of one person count once.
pub fn shared_account(ctx: &Context, v: &Views) -> PolarsResult<DataFrame> {
    let p = &v.payments;
    let cfg = &ctx.config.diverted;
    let mut out = FindingsBuilder::new(Rule::DivSharedAccount);
    // Only accounts paid for two or more beneficiary ids can be shared.
    let shared = groups_with_variety(
        p.len(),
        |r| p.payee_account.at(r),
        |r| p.beneficiary_id.at(r),
    );
    for (account, rows) in shared {
        // A person is a registry cluster, or an unregistered id as it stands.
        let mut persons: Vec<(i64, &str)> = rows
            .iter()
            .filter_map(|&r| match (p.person.at(r), p.beneficiary_id.at(r)) {
                (Some(person), _) => Some((person, "")),
                (None, Some(id)) => Some((-1, id)),
                (None, None) => None,
            })
            .collect();
        persons.sort_unstable();
        persons.dedup();
        if persons.len() < 2 {
            continue;
        }
        let mut villages: Vec<(&str, &str)> = rows
            .iter()
            .filter_map(|&r| p.reg_row.at(r))
            .map(|row| {
                let e = &ctx.registry[row as usize];
                (&*e.township, &*e.village)
            })
            .collect();
        villages.sort_unstable();
        villages.dedup();
        let many = persons.len() >= cfg.shared_account_min_beneficiaries as usize;
        let cross_village = cfg.flag_cross_village_sharing && villages.len() >= 2;
        if !(many || cross_village) {
            continue;
        }
        let mut names: Vec<String> = rows
            .iter()
            .filter_map(|&r| match p.reg_row.at(r) {
                Some(row) => Some(ctx.row_label(row as usize)),
                None => p.beneficiary_id.at(r).map(|id| ctx.person_label(id)),
            })
            .collect();
        names.sort_unstable();
        names.dedup();
        let listed: Vec<String> = names.into_iter().take(8).collect();
        // Where the people live, in the unit that differs: villages of one township, or
        // the townships themselves (乡镇一案双查 needs them named).
        let mut towns: Vec<&str> = villages.iter().map(|v| v.0).collect();
        towns.dedup();
        let spread = if towns.len() >= 2 {
            format!("分属{}个乡镇（{}）", towns.len(), towns.join("、"))
        } else {
            format!("分属{}个村", villages.len())
        };
        out.push(Finding {
            key: account.to_string(),
            confidence: if many { 0.8 } else { 0.65 },
            evidence: format!(
                "账户{}（户名{}）为{}名享受对象代领补贴，{}：{}{}，共{}，涉嫌代领冒领",
                account,
                p.payee_name.at(rows[0]).unwrap_or("不详"),
                persons.len(),
                spread,
                listed.join("、"),
                if persons.len() > listed.len() {
                    "等"
                } else {
                    ""
                },
                p.describe(&rows)
            ),
            ..p.finding(&rows)
        });
    }
    out.finish()
}

/// Payments with no allocation behind them: blank allocation_id, or one the allocation
/// ledger does not hold.
pub fn no_allocation(ctx: &Context, v: &Views) -> PolarsResult<DataFrame> {
    let p = &v.payments;
    let mut out = FindingsBuilder::new(Rule::DivNoAllocation);
    for r in (0..p.len()).filter(|&r| !p.alloc_found[r]) {
        let who = match p.beneficiary_id.at(r) {
            Some(id) => ctx.person_label(id),
            None => "无人员编号".to_string(),
        };
        let alloc = match p.allocation_id.at(r) {
            Some(a) => format!("清册编号{a}在发放清册中不存在"),
            None => "无清册编号".to_string(),
        };
        out.push(Finding {
            key: p.payment_id.at(r).unwrap_or("").to_string(),
            confidence: 0.85,
            evidence: format!(
                "代发记录{}（{}，{}，收款人{}，账户{}）{}，无对应分配依据，涉嫌挪用",
                p.payment_id.at(r).unwrap_or(""),
                who,
                p.describe(&[r]),
                p.payee_name.at(r).unwrap_or("不详"),
                p.payee_account.at(r).unwrap_or("不详"),
                alloc,
            ),
            ..p.finding(&[r])
        });
    }
    out.finish()
}

/// Paid for someone other than allocated: the bank recorded another beneficiary on the
/// payment than the allocation it pays names (the money followed the allocation to the
/// wrong person, or the record was altered).
pub fn other_beneficiary(ctx: &Context, v: &Views) -> PolarsResult<DataFrame> {
    let p = &v.payments;
    let mut out = FindingsBuilder::new(Rule::DivOtherBeneficiary);
    for r in (0..p.len()).filter(|&r| p.alloc_found[r]) {
        let (Some(recorded), Some(allocated)) =
            (p.paid_beneficiary_id.at(r), p.beneficiary_id.at(r))
        else {
            continue;
        };
        if recorded.trim() == allocated.trim() {
            continue;
        }
        let mut f = p.finding(&[r]);
        f.beneficiary_ids.push(recorded.to_string());
        out.push(Finding {
            key: p.payment_id.at(r).unwrap_or("").to_string(),
            confidence: 0.8,
            evidence: format!(
                "代发记录{}按分配单{}发放（应发给{}），但代发记录登记的享受人员为{}，收款人{}，{}，涉嫌冒名领取或挪用",
                p.payment_id.at(r).unwrap_or(""),
                p.allocation_id.at(r).unwrap_or(""),
                ctx.person_label(allocated),
                ctx.person_label(recorded),
                p.payee_name.at(r).unwrap_or("不详"),
                p.describe(&[r]),
            ),
            ..f
        });
    }
    out.finish()
}
