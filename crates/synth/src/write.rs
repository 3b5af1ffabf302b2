//! Writing the generated county as the clean CSV files (`shapes` turns them into the
//! shapes counties deliver).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::NaiveDate;

use super::county::{township_name, Gen};
use fundaudit_core::error::{Error, Result};

/// Quotes a CSV field when it needs it.
pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub(crate) fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(crate) fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// Writes one CSV file: a header line and one line per row.
pub(crate) fn write_file(
    out: &Path,
    name: &str,
    header: &str,
    rows: impl Iterator<Item = String>,
) -> Result<()> {
    let path = out.join(name);
    let fail = |e: std::io::Error| Error::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let mut w = BufWriter::with_capacity(1 << 20, File::create(&path).map_err(fail)?);
    writeln!(w, "{header}").map_err(fail)?;
    for row in rows {
        writeln!(w, "{row}").map_err(fail)?;
    }
    w.flush().map_err(fail)
}

/// beneficiaries.csv, and truth_pairs.csv: the pairs of rows that are one person.
pub(super) fn write_registry(g: &Gen, out: &Path) -> Result<()> {
    // A household: the people of one village on one card (a spouse, a cadre's family),
    // named after its first member.
    let mut households: std::collections::HashMap<(usize, &str, &str), String> =
        std::collections::HashMap::new();
    for p in &g.people {
        households
            .entry((p.township, p.village.as_str(), p.account.as_str()))
            .or_insert_with(|| format!("H{}", &p.id[1..]));
    }
    std::fs::create_dir_all(out).map_err(|e| Error::Write {
        path: out.display().to_string(),
        message: e.to_string(),
    })?;
    write_file(
        out,
        "beneficiaries.csv",
        "beneficiary_id,name,id_number,township,village,bank_account,death_date,household_id",
        g.people.iter().map(|p| {
            let death = p.death.map(day).unwrap_or_default();
            let township = township_name(p.township);
            let household = &households[&(p.township, p.village.as_str(), p.account.as_str())];
            format!(
                "{},{},{},{township},{},{},{death},{household}",
                p.id, p.name, p.id_number, p.village, p.account
            )
        }),
    )?;
    write_pairs(out, "truth_pairs.csv", g, &g.twins)?;
    write_pairs(out, "hard_negatives.csv", g, &g.hard_negatives)
}

/// Pairs of registry rows with how they were made: the duplicates planted, and the hard
/// negatives.
fn write_pairs(
    out: &Path,
    file: &str,
    g: &Gen,
    pairs: &[(usize, usize, &'static str)],
) -> Result<()> {
    write_file(
        out,
        file,
        "beneficiary_id_a,beneficiary_id_b,how",
        pairs.iter().map(|&(a, b, how)| {
            format!("{},{},{}", g.people[a].id, g.people[b].id, csv_field(how))
        }),
    )
}

pub(super) fn write_all(g: &Gen, out: &Path) -> Result<()> {
    write_registry(g, out)?;
    for (file, rows) in &g.lists {
        write_file(
            out,
            &format!("{file}.csv"),
            "姓名,身份证号",
            rows.iter().map(|(name, id)| format!("{name},{id}")),
        )?;
    }
    write_file(
        out,
        "allocations.csv",
        "allocation_id,program,period,beneficiary_id,township,amount,funds_received_date,due_date",
        g.allocations.iter().map(|a| {
            let (township, amount) = (township_name(a.township), yuan(a.amount_fen));
            let (received, due) = (day(a.received), a.due.map(day).unwrap_or_default());
            format!(
                "{},{},{},{},{township},{amount},{received},{due}",
                a.id, a.program, a.period, a.person
            )
        }),
    )?;
    write_file(
        out,
        "payments.csv",
        "payment_id,allocation_id,beneficiary_id,payee_name,payee_account,amount,paid_date,program",
        g.payments.iter().map(|p| {
            let (amount, paid) = (yuan(p.amount_fen), day(p.paid));
            format!(
                "{},{},{},{},{},{amount},{paid},{}",
                p.id, p.allocation, p.beneficiary, p.payee, p.account, p.program
            )
        }),
    )?;
    write_file(
        out,
        "deaths.csv",
        "name,id_number,death_date,birth_date,township,village",
        g.deaths.iter().map(|(name, id, died, born, t, v)| {
            let (died, born) = (day(*died), born.map(day).unwrap_or_default());
            format!("{name},{id},{died},{born},{t},{v}")
        }),
    )?;
    write_file(
        out,
        "officials.csv",
        "name,id_number,unit,role",
        g.officials
            .iter()
            .map(|(name, id, unit, role, _, _)| format!("{name},{id},{unit},{role}")),
    )?;
    write_file(
        out,
        "truth.csv",
        "category,rule,key_type,ids,note",
        g.truth.iter().map(|t| {
            // Built-in rules know their category; a list's rule has the config's.
            let lists = fundaudit_core::config::Config::default().lists;
            let category = t
                .category
                .map(str::to_string)
                .or_else(|| {
                    fundaudit_core::findings::Rule::ALL
                        .iter()
                        .find(|r| r.code() == t.rule)
                        .map(|r| r.category().code().to_string())
                })
                .or_else(|| {
                    lists
                        .iter()
                        .find(|l| l.rule == t.rule)
                        .map(|l| l.category.clone())
                })
                .unwrap_or_default();
            format!(
                "{category},{},{},{},{}",
                t.rule,
                t.key_type,
                t.ids.join(";"),
                csv_field(&t.note)
            )
        }),
    )
}

/// The villages' posted lists, a file per village and period in `notices/` (as villages
/// post them: every program of the quarter on one sheet), and land.csv (确权面积).
pub(super) fn write_notices(g: &Gen, out: &Path) -> Result<()> {
    let mut files: std::collections::BTreeMap<(usize, &str, &str), Vec<String>> =
        std::collections::BTreeMap::new();
    for n in &g.notices {
        let (from, to) = g.notice_dates.get(&n.list()).copied().unwrap_or_default();
        files
            .entry((n.township, n.village.as_str(), n.period.as_str()))
            .or_default()
            .push(format!(
                "{},{},{},{},{},{},{},{},{}",
                township_name(n.township),
                n.village,
                n.name,
                n.id_shown,
                n.program,
                n.period,
                yuan(n.amount_fen),
                day(from),
                day(to)
            ));
    }
    let dir = out.join("notices");
    std::fs::create_dir_all(&dir).map_err(|e| Error::write(&dir, e))?;
    for ((township, village, period), rows) in files {
        write_file(
            &dir,
            &format!("{}{village}{period}公示名单.csv", township_name(township)),
            "乡镇,村,姓名,身份证号,补贴项目,所属期,金额,公示开始日期,公示结束日期",
            rows.into_iter(),
        )?;
    }
    write_file(
        out,
        "land.csv",
        "姓名,身份证号,确权面积",
        g.land.iter().map(|&(p, area)| {
            let p = &g.people[p];
            format!("{},{},{}", p.name, p.id_number, yuan(area))
        }),
    )
}
