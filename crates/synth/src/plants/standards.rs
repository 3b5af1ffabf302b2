//! OVER_STANDARD: a quarter's allocation above the program's standard (standards.toml,
//! written beside the ledgers, states the most a quarter pays); every third a near miss
//! exactly at the standard. In 2024Q4, apart from the person's 2025 programs.

use std::path::Path;

use rand::Rng;

use crate::county::{date, Allocation, Gen, FARMLAND, HOUSING, OLD_AGE, OLD_AGE_BANDS, QUARTERLY};
use crate::draw::Draw;
use fundaudit_core::cells::fmt_yuan;
use fundaudit_core::error::{Error, Result};

pub(crate) fn plant(g: &mut Gen, draw: &mut Draw) {
    // Not 高龄津贴: it goes by age band, and over its standard is over its band too.
    let programs: Vec<&(&str, u32, u32)> = QUARTERLY.iter().filter(|q| q.0 != OLD_AGE).collect();
    for k in 0..draw.count(0.002) {
        let p = draw.take();
        let (pid, township) = (g.people[p].id.clone(), g.people[p].township);
        let &(program, _, hi) = programs[k % programs.len()];
        let near = k % 3 == 2;
        let extra = if near {
            0
        } else {
            g.rng.random_range(100..50_000)
        };
        let id = g.alloc_id();
        g.allocations.push(Allocation {
            id: id.clone(),
            program,
            period: "2024Q4".into(),
            person: pid,
            township,
            amount_fen: hi as i64 * 100 + extra,
            received: date(2024, 10, 1),
            due: None,
        });
        g.pay_clean(g.allocations.len() - 1);
        if !near {
            g.plant(
                "OVER_STANDARD",
                "allocation",
                vec![id],
                format!("{program} over its standard by {}", fmt_yuan(extra)),
            );
        }
    }
}

/// standards.toml: the county's standards, the most each program pays one person per
/// period (a config fragment: `run --config standards.toml`).
pub(crate) fn write(out: &Path) -> Result<()> {
    let mut text = String::from(
        "# The most each program pays one person per period in this generated county.\n[standards]\n",
    );
    for (program, _, hi) in QUARTERLY {
        text.push_str(&format!(
            "\"{program}\" = {{ max_yuan_per_period = {hi} }}\n"
        ));
    }
    text.push_str(&format!(
        "\"{FARMLAND}\" = {{ max_yuan_per_period = 4000 }}\n"
    ));
    text.push_str(&format!(
        "\"{HOUSING}\" = {{ max_yuan_per_period = 40000 }}\n"
    ));
    // The farmland subsidy is area × rate (AMOUNT_BASIS reads the area from land.csv).
    text.push_str(&format!(
        "\n[basis.\"{FARMLAND}\"]\nper_mu_yuan = {}\n",
        fmt_yuan(crate::county::FARMLAND_FEN_PER_MU)
    ));
    // 高龄津贴 by the age band at the period's start.
    text.push_str(&format!("\n[basis.\"{OLD_AGE}\"]\nage_bands = [\n"));
    for (min_age, fen) in OLD_AGE_BANDS {
        text.push_str(&format!(
            "  {{ min_age = {min_age}, yuan = {} }},\n",
            fmt_yuan(*fen)
        ));
    }
    text.push_str("]\n");
    let path = out.join("standards.toml");
    std::fs::write(&path, text).map_err(|e| Error::write(&path, e))
}
