//! Who actually received the money: the bank's account-holder name against the
//! registered beneficiary the payment was for, allowing for the bank's spellings, for a
//! household sharing one card, and looking the payee up among officials.

use std::collections::HashMap;

use rayon::prelude::*;

use super::resolve::OfficialIndex;
use super::similarity::{compare_names, NameSimilarity};
use crate::entry::RegistryEntry;
use crate::normalize::NormName;
use fundaudit_core::config::Config;
use fundaudit_core::frame::{Numbers, Texts};
use fundaudit_core::hash::fx;

/// The verdict on one payment's payee.
#[derive(Debug, Clone, PartialEq)]
pub enum Payee {
    /// Nothing to compare: no registered beneficiary or no payee name.
    Unknown,
    /// The payee is the beneficiary (possibly spelled differently).
    Beneficiary(NameSimilarity),
    /// The card is registered to another member of the beneficiary's household (same
    /// village), and the payee is that member: normal.
    Household { holder_row: usize },
    /// Someone else holds the account.
    Stranger(NameSimilarity),
    /// Someone else holds the account, and that someone is an official.
    Official {
        official: usize,
        similarity: NameSimilarity,
    },
}

/// The linked payments' columns a payee is judged on, row by row, read where they lie
/// in the frame (a part's payments are millions of rows).
pub struct PayeeRows<'a> {
    pub payee_names: &'a Texts<'a>,
    pub accounts: &'a Texts<'a>,
    /// The beneficiary's registry row.
    pub reg_rows: &'a Numbers<'a, i64>,
    pub townships: &'a Texts<'a>,
}

/// Judges every linked payment's payee; row `i` of `payee_names`, `accounts` and
/// `reg_rows` describes payment `i`.
pub fn judge_payees(
    rows: &PayeeRows,
    registry: &[RegistryEntry],
    holders: &AccountHolders,
    official_index: &OfficialIndex,
    config: &Config,
) -> Vec<Payee> {
    let PayeeRows {
        payee_names,
        accounts,
        reg_rows,
        townships,
    } = *rows;
    // Normalise once, in parallel, each distinct payee name that is not spelled exactly
    // as the registry spells the beneficiary (almost all are, and need no work).
    let mut distinct: Vec<&str> = (0..payee_names.len())
        .into_par_iter()
        .filter_map(|i| {
            let raw = payee_names.at(i)?;
            let row = reg_rows.at(i)? as usize;
            (raw != registry[row].raw_name).then_some(raw)
        })
        .collect();
    distinct.par_sort_unstable();
    distinct.dedup();
    let normed: HashMap<&str, NormName> = distinct
        .par_iter()
        .map(|n| (*n, NormName::new(n)))
        .collect();
    let m = &config.matching;

    (0..payee_names.len())
        .into_par_iter()
        .map(|i| {
            let (Some(raw), Some(row)) = (payee_names.at(i), reg_rows.at(i)) else {
                return Payee::Unknown;
            };
            let r = &registry[row as usize];
            if raw == r.raw_name {
                return Payee::Beneficiary(NameSimilarity {
                    chars: 1.0,
                    pinyin: 1.0,
                    score: 1.0,
                    how: super::similarity::NameMatch::Exact,
                });
            }
            let payee = &normed[raw];
            let sim = compare_names(payee, &r.name, m.pinyin_weight);
            if sim.score >= m.name_cutoff {
                return Payee::Beneficiary(sim);
            }
            let account = accounts.at(i).unwrap_or("");
            {
                let household = holders.of(account, registry).find(|&h| {
                    let holder = &registry[h];
                    h != row as usize
                        && holder.village == r.village
                        && holder.township == r.township
                        && compare_names(payee, &holder.name, m.pinyin_weight).score
                            >= m.name_cutoff
                });
                if let Some(holder_row) = household {
                    return Payee::Household { holder_row };
                }
            }
            let township = townships.at(i).unwrap_or("");
            match official_index.by_name(
                payee,
                township,
                config.diverted.official_name_cutoff,
                m.pinyin_weight,
            ) {
                Some((official, similarity)) => Payee::Official {
                    official,
                    similarity,
                },
                None => Payee::Stranger(sim),
            }
        })
        .collect()
}

/// Registry rows by their bank account, sorted by the account's hash: built once per run
/// (a province's registry is tens of millions of rows) and read by every part.
#[derive(Debug, Default)]
pub struct AccountHolders {
    keys: Vec<(u64, u32)>,
}

impl AccountHolders {
    pub fn new(registry: &[RegistryEntry]) -> AccountHolders {
        let mut keys: Vec<(u64, u32)> = registry
            .par_iter()
            .enumerate()
            .filter(|(_, r)| !r.bank_account.is_empty())
            .map(|(i, r)| (fx(r.bank_account.as_str()), i as u32))
            .collect();
        keys.par_sort_unstable();
        AccountHolders { keys }
    }

    /// The registry rows holding `account`, in registry order.
    pub fn of<'a>(
        &'a self,
        account: &'a str,
        registry: &'a [RegistryEntry],
    ) -> impl Iterator<Item = usize> + 'a {
        let h = fx(account);
        let start = self.keys.partition_point(|&(k, _)| k < h);
        let rows = if account.is_empty() {
            &self.keys[..0]
        } else {
            &self.keys[start..]
        };
        rows.iter()
            .take_while(move |&&(k, _)| k == h)
            .map(|&(_, row)| row as usize)
            .filter(move |&row| registry[row].bank_account == account)
    }
}
