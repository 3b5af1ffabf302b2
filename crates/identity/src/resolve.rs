//! Linking the registry to the reference lists: the death list (by ID number, or by name
//! plus birth date or village when the list lacks the ID) and the payroll/cadre list.

use rustc_hash::FxHashMap;

use rayon::prelude::*;

use super::idcard;
use super::normalize::NameBlock;
use super::similarity::{compare_names, compare_parts, NameSimilarity};
use crate::entry::{DeathEntry, OfficialEntry, RegistryEntry};
use fundaudit_core::cells::Day;
use fundaudit_core::config::Matching;

/// Registry rows whose key is one of `wanted`, grouped by it, found in one parallel pass:
/// a province's registry is ten million rows and the death list asks for a few hundred
/// thousand keys, so indexing every row would build ten million entries to read a few.
fn blocks<'a, K, F>(
    reg: &'a [RegistryEntry],
    wanted: &rustc_hash::FxHashSet<K>,
    key: F,
) -> FxHashMap<K, Vec<usize>>
where
    K: std::hash::Hash + Eq + Send + Sync,
    F: Fn(&'a RegistryEntry) -> Option<K> + Sync,
{
    let mut map: FxHashMap<K, Vec<usize>> = FxHashMap::default();
    if wanted.is_empty() {
        return map;
    }
    let hits: Vec<(usize, K)> = reg
        .par_iter()
        .enumerate()
        .filter_map(|(i, r)| key(r).filter(|k| wanted.contains(k)).map(|k| (i, k)))
        .collect();
    for (i, k) in hits {
        map.entry(k).or_default().push(i);
    }
    map
}

/// The registry rows born on one day, with their ID numbers side by side, and their
/// names too on a day a death without an ID number asks for: such a death is checked
/// against everyone born that day (hundreds in a province), and reading each one's entry
/// and name, scattered over gigabytes, cost a cache miss or two each time, more than the
/// comparison (forty seconds of a ten-million-people run).
#[derive(Default)]
struct BornOn {
    rows: Vec<usize>,
    /// ID numbers of up to 18 bytes, zero-padded; longer ones are compared in place.
    ids: Vec<[u8; 18]>,
    lens: Vec<u8>,
    /// The rows' name blocks one after another (see [`NameBlock::copy_into`]), and where
    /// each starts; empty on a day no death without an ID number asks for.
    names: Vec<u32>,
    name_at: Vec<u32>,
}

impl BornOn {
    fn of(rows: Vec<usize>, reg: &[RegistryEntry], with_names: bool) -> BornOn {
        let mut born = BornOn {
            ids: Vec::with_capacity(rows.len()),
            lens: Vec::with_capacity(rows.len()),
            ..BornOn::default()
        };
        for &row in &rows {
            let r = &reg[row];
            let id = r.id_number.as_str();
            let mut packed = [0u8; 18];
            let len = if id.len() <= 18 {
                packed[..id.len()].copy_from_slice(id.as_bytes());
                id.len() as u8
            } else {
                u8::MAX
            };
            born.ids.push(packed);
            born.lens.push(len);
            if with_names {
                born.name_at.push(born.names.len() as u32);
                r.name.as_block().copy_into(&mut born.names);
            }
        }
        born.rows = rows;
        born
    }

    /// The `k`th row's name, from beside the others when they were kept.
    fn name<'a>(&'a self, k: usize, reg: &'a [RegistryEntry]) -> NameBlock<'a> {
        match self.name_at.get(k) {
            Some(&at) => NameBlock::at(&self.names, at as usize),
            None => reg[self.rows[k]].name.as_block(),
        }
    }

    /// How many characters the `k`th row's ID number differs from `id` by, None when the
    /// lengths differ (as [`idcard::digit_diff`]).
    fn digit_diff(&self, k: usize, id: &str, reg: &[RegistryEntry]) -> Option<u32> {
        match self.lens[k] {
            u8::MAX => idcard::digit_diff(&reg[self.rows[k]].id_number, id),
            len => idcard::digit_diff_bytes(&self.ids[k][..len as usize], id.as_bytes()),
        }
    }
}

/// How a registry row was linked to a death record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeathLink {
    /// The registry's own death_date column.
    Registry,
    IdNumber,
    IdTypo,
    NameAndBirth,
    NameAndVillage,
}

#[derive(Debug, Clone)]
pub struct DeathMatch {
    pub death_date: Day,
    /// Row in deaths.csv (None when the registry itself recorded the death).
    pub death_row: Option<usize>,
    pub link: DeathLink,
    pub similarity: Option<NameSimilarity>,
}

impl DeathMatch {
    pub fn describe(&self, deaths: &[DeathEntry]) -> String {
        let row = self.death_row.map(|i| &deaths[i]);
        let src = row
            .map(|d| format!("死亡名单第{}行（{}）", d.line, d.raw_name))
            .unwrap_or_default();
        match self.link {
            DeathLink::Registry => "花名册登记死亡日期".to_string(),
            DeathLink::IdNumber => format!("{src}身份证号一致"),
            DeathLink::IdTypo => format!(
                "{src}身份证号相差不超过2位且出生日期相同，{}",
                self.similarity.map(|s| s.describe()).unwrap_or_default()
            ),
            DeathLink::NameAndBirth => format!(
                "{src}无身份证号，出生日期相同，{}",
                self.similarity.map(|s| s.describe()).unwrap_or_default()
            ),
            DeathLink::NameAndVillage => format!(
                "{src}无身份证号，同村且村内唯一同名，{}",
                self.similarity.map(|s| s.describe()).unwrap_or_default()
            ),
        }
    }
}

/// Links each registry row to the earliest death that is surely theirs: the registry's own
/// death date, or a death-list entry by ID number, or (when the list lacks the ID) by
/// name plus birth date, or name plus village when that name is unique in the village.
/// A common name alone never links.
pub fn match_deaths(reg: &[RegistryEntry], deaths: &[DeathEntry], cfg: &Matching) -> DeathsOf {
    // What the deaths ask for: their ID numbers, birth dates, and villages (only for a
    // death with neither ID nor birth date).
    let births: Vec<Option<Day>> = deaths
        .iter()
        .map(|d| d.birth.or_else(|| idcard::birth_day(&d.id_number)))
        .collect();
    let wanted_ids: rustc_hash::FxHashSet<&str> = deaths
        .iter()
        .filter(|d| !d.id_number.is_empty())
        .map(|d| d.id_number.as_str())
        .collect();
    let wanted_births: rustc_hash::FxHashSet<Day> = births.iter().flatten().copied().collect();
    let wanted_villages: rustc_hash::FxHashSet<(&str, &str)> = deaths
        .iter()
        .zip(&births)
        .filter(|(d, b)| d.id_number.is_empty() && b.is_none() && !d.village.is_empty())
        .map(|(d, _)| (d.township.as_str(), d.village.as_str()))
        .collect();
    let by_id = blocks(reg, &wanted_ids, |r| {
        (!r.id_number.is_empty()).then_some(r.id_number.as_str())
    });
    let named_days: rustc_hash::FxHashSet<Day> = deaths
        .iter()
        .zip(&births)
        .filter(|(d, _)| d.id_number.is_empty())
        .filter_map(|(_, b)| *b)
        .collect();
    let by_birth: FxHashMap<Day, BornOn> = blocks(reg, &wanted_births, |r| r.birth)
        .into_par_iter()
        .map(|(day, rows)| (day, BornOn::of(rows, reg, named_days.contains(&day))))
        .collect();
    let by_village = blocks(reg, &wanted_villages, |r| {
        (!r.village.is_empty()).then_some((&*r.township, &*r.village))
    });

    // The deaths taken birth day by birth day: a death without an ID number is compared
    // with everyone born that day, and the next death of that day then finds their names
    // in the cache.
    let mut by_day: Vec<usize> = (0..deaths.len()).collect();
    by_day.sort_unstable_by_key(|&di| (births[di], di));
    let mut links: Vec<(usize, usize, DeathMatch)> = by_day
        .par_iter()
        .flat_map_iter(|&di| {
            let d = &deaths[di];
            let mut out = Vec::new();
            let make = |ri: usize, link, similarity| {
                (
                    di,
                    ri,
                    DeathMatch {
                        death_date: d.death_date,
                        death_row: Some(di),
                        link,
                        similarity,
                    },
                )
            };
            let birth = births[di];
            if let Some(rows) = by_id.get(d.id_number.as_str()) {
                out.extend(rows.iter().map(|&ri| make(ri, DeathLink::IdNumber, None)));
                return out;
            }
            if let Some(born) = birth.and_then(|b| by_birth.get(&b)) {
                let name = d.name.parts();
                for (k, &ri) in born.rows.iter().enumerate() {
                    // An ID number on the list must be a typo or two from theirs: checked
                    // first, as it rules out nearly everyone born that day for the cost of
                    // comparing 18 bytes (a province has hundreds born on each day).
                    let typo = !d.id_number.is_empty();
                    if typo
                        && born
                            .digit_diff(k, &d.id_number, reg)
                            .is_none_or(|x| x > cfg.max_id_digit_diff)
                    {
                        continue;
                    }
                    let sim = compare_parts(&born.name(k, reg).parts(), &name, cfg.pinyin_weight);
                    if sim.score < cfg.name_cutoff {
                        continue;
                    }
                    let link = if typo {
                        DeathLink::IdTypo
                    } else {
                        DeathLink::NameAndBirth
                    };
                    out.push(make(ri, link, Some(sim)));
                }
                return out;
            }
            if d.id_number.is_empty() && birth.is_none() && !d.village.is_empty() {
                if let Some(rows) = by_village.get(&(d.township.as_str(), d.village.as_str())) {
                    let hits: Vec<(usize, NameSimilarity)> = rows
                        .iter()
                        .map(|&ri| (ri, compare_names(&reg[ri].name, &d.name, cfg.pinyin_weight)))
                        .filter(|(_, s)| s.score >= cfg.name_cutoff)
                        .collect();
                    if let [(ri, sim)] = hits[..] {
                        out.push(make(ri, DeathLink::NameAndVillage, Some(sim)));
                    }
                }
            }
            out
        })
        .collect();
    // Back in the list's order, which decides between two deaths on the same day (a
    // death's own links keep theirs: the sort is stable).
    links.sort_by_key(|&(di, ..)| di);

    let mut result = DeathsOf::default();
    for (ri, r) in reg.iter().enumerate() {
        if let Some(d) = r.death_date {
            let registry = DeathMatch {
                death_date: d,
                death_row: None,
                link: DeathLink::Registry,
                similarity: None,
            };
            result.0.insert(ri as u32, registry);
        }
    }
    for (_, ri, m) in links {
        let slot = result.0.entry(ri as u32);
        match slot {
            std::collections::hash_map::Entry::Occupied(mut cur) => {
                if m.death_date < cur.get().death_date {
                    cur.insert(m);
                }
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(m);
            }
        }
    }
    result
}

/// The registry rows with a sure death, each with its earliest ([`match_deaths`]). A few
/// in a hundred of a registry die in the years audited, so they are kept by row rather
/// than in a slot for every person (56 bytes each, ten million of them at a province).
#[derive(Debug, Default)]
pub struct DeathsOf(FxHashMap<u32, DeathMatch>);

impl DeathsOf {
    /// Registry row `row`'s death, if it surely died.
    pub fn get(&self, row: usize) -> Option<&DeathMatch> {
        u32::try_from(row).ok().and_then(|r| self.0.get(&r))
    }

    /// Rows with a death.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The bytes its table takes: a slot per row with a death (and the table's spare
    /// room), none for the rest of the registry.
    pub fn bytes(&self) -> usize {
        self.0.capacity() * (std::mem::size_of::<(u32, DeathMatch)>() + 1)
    }
}

/// Officials looked up by ID number and by name (exact normalised name or same pinyin).
#[derive(Debug)]
pub struct OfficialIndex {
    officials: std::sync::Arc<Vec<OfficialEntry>>,
    by_id: FxHashMap<Box<str>, usize>,
    by_pinyin: FxHashMap<Box<str>, Vec<usize>>,
}

impl OfficialIndex {
    /// Built once per run (see `Memo` in `fundaudit_rules::context`): a province's payroll is a
    /// quarter of a million people, and every part asks it.
    pub fn new(officials: std::sync::Arc<Vec<OfficialEntry>>) -> Self {
        let mut by_id = FxHashMap::default();
        let mut by_pinyin: FxHashMap<Box<str>, Vec<usize>> = FxHashMap::default();
        for (i, o) in officials.iter().enumerate() {
            if !o.id_number.is_empty() {
                by_id.entry(o.id_number.as_str().into()).or_insert(i);
            }
            if !o.name.is_empty() {
                by_pinyin
                    .entry(o.name.pinyin_str().into())
                    .or_default()
                    .push(i);
            }
        }
        OfficialIndex {
            officials,
            by_id,
            by_pinyin,
        }
    }

    pub fn get(&self, i: usize) -> &OfficialEntry {
        &self.officials[i]
    }

    pub fn by_id_number(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// Best official whose name reaches the cut-off, among those whose unit lies in the
    /// payment's township: a common name matching a cadre three townships away is chance.
    pub fn by_name(
        &self,
        name: &crate::normalize::NormName,
        township: &str,
        cutoff: f64,
        pinyin_weight: f64,
    ) -> Option<(usize, NameSimilarity)> {
        let rows = self.by_pinyin.get(name.pinyin_str())?;
        rows.iter()
            .filter(|&&i| township.is_empty() || self.officials[i].unit.contains(township))
            .map(|&i| {
                (
                    i,
                    compare_names(name, &self.officials[i].name, pinyin_weight),
                )
            })
            .filter(|(_, s)| s.score >= cutoff)
            .max_by(|(_, s), (_, t)| s.score.total_cmp(&t.score))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::NormName;
    use chrono::NaiveDate;
    use fundaudit_core::config::Config;

    fn entry(id: &str, name: &str, id_number: &str, village: &str) -> RegistryEntry {
        RegistryEntry {
            beneficiary_id: id.into(),
            raw_name: name.into(),
            name: NormName::new(name),
            id_number: id_number.into(),
            birth: idcard::birth_day(id_number),
            id_problem: None,
            township: "城关镇".into(),
            village: village.into(),
            bank_account: Default::default(),
            death_date: None,
            line: 2,
        }
    }

    fn id(seq: u32, y: i32) -> String {
        idcard::make_id("411623", NaiveDate::from_ymd_opt(y, 3, 4).unwrap(), seq)
    }

    #[test]
    fn deaths_link_without_id_only_when_sure() {
        let cfg = Config::default().matching;
        let reg = vec![
            entry("B1", "赵强", &id(1, 1950), "东村"),
            entry("B2", "王芳", &id(2, 1951), "东村"),
            entry("B3", "王芳", &id(3, 1952), "东村"),
            entry("B4", "孙丽", &id(4, 1953), "南村"),
        ];
        let death = |name: &str, idn: &str, birth: Option<Day>, village: &str| DeathEntry {
            raw_name: name.into(),
            name: NormName::new(name),
            id_number: idn.into(),
            death_date: 19_000,
            birth,
            township: "城关镇".into(),
            village: village.into(),
            line: 2,
        };
        let deaths = vec![
            death("趙強", "", reg[0].birth, ""), // name + birth date
            death("王芳", "", None, "东村"),     // two 王芳 in the village: ambiguous
            death("孙丽", "", None, "南村"),     // unique in village
            death("孙丽", "", Some(1), "南村"),  // birth date disagrees: no link
        ];
        let m = match_deaths(&reg, &deaths, &cfg);
        assert_eq!(m.get(0).map(|x| x.link), Some(DeathLink::NameAndBirth));
        assert!(m.get(1).is_none() && m.get(2).is_none());
        assert_eq!(m.get(3).map(|x| x.link), Some(DeathLink::NameAndVillage));
    }
}
