//! What the villages posted (公示名单), read once per run for the publicity rules
//! ([`crate::publicity`]): each posted row pinned to a registered person by the digits
//! its masked ID number shows and the name ([`fundaudit_identity::masked`]), and the lists
//! delivered, by village, program and period.
//!
//! A list is known by the village, program and period its rows name. Villages are
//! compared by their name up to `村` (`后楼村三组` posts for `后楼村`), periods by the
//! months they cover (`2025年第一季度` is `2025Q1`), so a list written in words meets a
//! ledger written in codes.

use std::collections::BTreeMap;

use polars::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::context::Context;
use fundaudit_core::cells::{months, Day};
use fundaudit_core::frame;
use fundaudit_identity::masked::{MaskedIndex, Posted};
use fundaudit_identity::normalize_name;
use fundaudit_input::LINE;

/// A list: township, village (up to `村`), program, period (as months where readable).
/// Village names repeat across a county's townships (two 刘寨村), so the township is part
/// of it: the list's own 乡镇 column, else the township of the people it posts.
pub type ListKey = (String, String, String, String);

/// One posted row, as the list says it and as it was matched ([`Notices::row`]).
#[derive(Debug, Clone, Copy)]
pub struct PostedRow<'n> {
    /// The file (and sheet) it was read from, and its line there.
    pub file: &'n str,
    pub line: i64,
    pub name: &'n str,
    /// The ID number as posted (masked).
    pub id_shown: &'n str,
    pub village: &'n str,
    pub program: &'n str,
    pub period: &'n str,
    /// The posted amount, or the posted area × rate when the list gives those instead.
    pub amount_fen: Option<i64>,
    pub fit: &'n Posted,
}

/// Rows a slice of the posted lists holds while its columns are read out (see
/// [`Notices::of`]).
const SLICE_ROWS: usize = 1 << 20;

/// A posted row as kept: numbers into what its rows share. A province posts millions of
/// rows, one per allocation, but far fewer people, lists and files: a row is a person, a
/// list's texts, a file, a line and an amount (40 bytes), the texts and the match held
/// once each (six shared texts and a cloned match made a row about 160 bytes: 0.2 GiB
/// of a 200,000-person county's peak).
#[derive(Debug, Clone, Copy)]
struct Stored {
    person: u32,
    texts: u32,
    file: u32,
    line: i64,
    amount_fen: Option<i64>,
}

/// What the rows of one person as posted share: the name and ID number as written, and
/// whom they were matched to.
#[derive(Debug)]
struct PostedPersonText {
    name: Box<str>,
    id_shown: Box<str>,
    fit: Posted,
}

/// A list delivered: its rows and when it hung.
#[derive(Debug, Clone, Default)]
pub struct PostedList {
    pub rows: Vec<usize>,
    /// The earliest start and the latest end its rows give.
    pub from: Option<Day>,
    pub to: Option<Day>,
}

/// (place, program, period) as small numbers: the rules look a list up once per payment.
type Ids = (u32, u32, u32);

/// The rows that surely post one person's money for one program and period: where they
/// start in [`Notices::sure_rows`] and how many. The start is the key's alone, so a rule
/// can add payments up by it in a plain array.
pub type SureGroup = (u32, u32);

/// The posted lists of a run, matched to the registry.
#[derive(Debug, Default)]
pub struct Notices {
    rows: Vec<Stored>,
    people: Vec<PostedPersonText>,
    /// (village, program, period) as a list's rows write them.
    texts: Vec<(Box<str>, Box<str>, Box<str>)>,
    files: Vec<Box<str>>,
    /// The lists, in the order first met; [`Notices::lists`] walks them by key.
    lists: Vec<(ListKey, PostedList)>,
    by_key: BTreeMap<ListKey, usize>,
    /// (township, village) and, for a list naming no township, ("", village).
    places: FxHashMap<(String, String), u32>,
    programs: FxHashMap<String, u32>,
    /// By [`period_key`].
    periods: FxHashMap<String, u32>,
    by_ids: FxHashMap<Ids, usize>,
    /// (person, program, period) → the rows that surely post them, as a range of
    /// `sure_rows` (a million small lists would be a million allocations). The person is
    /// the registry cluster (`Context::cluster_of`), so a twin registration is one person.
    sure: FxHashMap<(usize, u32, u32), (u32, u32)>,
    sure_rows: Vec<usize>,
    /// (person, program, period) a row may post but cannot tell from another: not
    /// accused of being unposted.
    maybe: FxHashSet<(usize, u32, u32)>,
}

/// A person as a list posts them: the name, the ID number as shown, the village and
/// township as written (the township may be empty).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct PostedPerson<'a> {
    name: &'a str,
    id_shown: &'a str,
    village: &'a str,
    township: &'a str,
}

/// Each distinct item once, in the order first met, and each item's number among them.
///
/// A province posts millions of rows: the items are hashed in parallel first, and the
/// one-thread numbering then looks up a small table of hashes (a few bytes an entry)
/// instead of a table of the items themselves — it was a third of matching the lists,
/// most of it waiting on memory. Two items of one hash are told apart by comparing them.
fn numbered<K: Copy + Eq + std::hash::Hash + Sync>(items: &[K]) -> (Vec<K>, Vec<u32>) {
    use rayon::prelude::*;
    use std::hash::BuildHasher;
    let hasher = rustc_hash::FxBuildHasher;
    let hashes: Vec<u64> = items.par_iter().map(|k| hasher.hash_one(k)).collect();
    let mut first: FxHashMap<u64, u32> = FxHashMap::default();
    first.reserve(items.len() / 2);
    // Items whose hash an earlier, different item holds (practically never).
    let mut clashing: FxHashMap<K, u32> = FxHashMap::default();
    let mut distinct: Vec<K> = Vec::new();
    let of = items
        .iter()
        .zip(&hashes)
        .map(|(k, &h)| {
            let next = distinct.len() as u32;
            let n = *first.entry(h).or_insert(next);
            if n == next {
                distinct.push(*k);
            } else if distinct[n as usize] != *k {
                return *clashing.entry(*k).or_insert_with(|| {
                    distinct.push(*k);
                    distinct.len() as u32 - 1
                });
            }
            n
        })
        .collect();
    (distinct, of)
}

/// Who each person as posted is: the registry's holders of the name whose ID number shows
/// the posted digits, in the posted village, narrowed to the posted township (village
/// names repeat across townships), twin registrations of one person taken as that person.
/// Only the registry's holders of a posted name can be posted: the index is built over
/// them, not over a province.
fn match_people(ctx: &Context, people: &[PostedPerson]) -> Vec<Posted> {
    use rayon::prelude::*;
    // A person is posted under several masks and periods, a name held by many: each
    // distinct name normalized once, each village keyed once.
    let (names, name_of) = numbered(&people.iter().map(|p| p.name).collect::<Vec<_>>());
    let (villages, village_of) = numbered(&people.iter().map(|p| p.village).collect::<Vec<_>>());
    let normalized: Vec<String> = names.par_iter().map(|t| normalize_name(t)).collect();
    let village_keys: Vec<String> = villages.iter().map(|t| village_key(t)).collect();
    let keys: Vec<(&str, &str)> = name_of
        .iter()
        .zip(&village_of)
        .map(|(&n, &v)| {
            (
                normalized[n as usize].as_str(),
                village_keys[v as usize].as_str(),
            )
        })
        .collect();
    let names: FxHashSet<&str> = normalized.iter().map(String::as_str).collect();
    // The registry's names are normalized already (`RegistryEntry::name`).
    let candidates: Vec<usize> =
        ctx.registry_rows_where(|_, e| names.contains(e.name.as_string().as_str()));
    let registered: Vec<String> = candidates
        .par_iter()
        .map(|&r| village_key(&ctx.registry[r].village))
        .collect();
    let index = MaskedIndex::new_normalized(candidates.iter().zip(&registered).map(|(&r, v)| {
        let e = &ctx.registry[r];
        (e.name.as_string(), e.id_number.as_str(), v.as_str())
    }));
    people
        .par_iter()
        .zip(&keys)
        .map(|(p, &(name, village))| {
            let here =
                |r: &usize| p.township.is_empty() || &*ctx.registry[*r].township == p.township;
            match index.find_normalized(name, Some(p.id_shown), Some(village)) {
                Posted::One(k) if here(&candidates[k]) => Posted::One(candidates[k]),
                Posted::Ambiguous(v) => {
                    let rows: Vec<usize> = v.iter().map(|&k| candidates[k]).filter(here).collect();
                    let people: FxHashSet<usize> =
                        rows.iter().map(|&r| ctx.cluster_of(r)).collect();
                    match people.len() {
                        0 => Posted::NoOne,
                        // One person registered twice: the registration written as
                        // posted (`李 强` posts the row that reads `李 强`), so a finding
                        // names every registration its rows stand for.
                        1 => Posted::One(
                            rows.iter()
                                .copied()
                                .find(|&r| ctx.registry[r].raw_name.trim() == p.name.trim())
                                .unwrap_or(rows[0]),
                        ),
                        _ => Posted::Ambiguous(rows),
                    }
                }
                _ => Posted::NoOne,
            }
        })
        .collect()
}

/// One id per distinct text.
fn intern(map: &mut FxHashMap<String, u32>, text: &str) -> u32 {
    let next = map.len() as u32;
    *map.entry(text.to_string()).or_insert(next)
}

/// `后楼村三组` → `后楼村`; a name without `村` (a 社区) whole.
pub fn village_key(village: &str) -> String {
    let v: String = village.chars().filter(|c| !c.is_whitespace()).collect();
    match v.find('村') {
        Some(i) => v[..i + '村'.len_utf8()].to_string(),
        None => v,
    }
}

/// A period as the months it covers, so `2025年第一季度` and `2025Q1` are one.
pub fn period_key(period: &str) -> String {
    match months(period) {
        Some((a, b)) => format!("{a}-{b}"),
        None => period.trim().to_string(),
    }
}

impl Notices {
    /// The run's posted lists, or None when none were delivered.
    ///
    /// A province posts millions of rows, one per allocation, but far fewer people and
    /// lists: each person as posted is matched once (in parallel), each list is found
    /// once, and a row is then a few small numbers (see [`Stored`]).
    pub fn of(ctx: &Context) -> PolarsResult<Option<Notices>> {
        Notices::of_in(ctx, SLICE_ROWS)
    }

    /// [`Notices::of`], the rows' columns read `slice_rows` rows at a time.
    fn of_in(ctx: &Context, slice_rows: usize) -> PolarsResult<Option<Notices>> {
        let Some(df) = ctx.ledgers.notices.as_ref().filter(|d| d.height() > 0) else {
            return Ok(None);
        };
        // The people first, from their four columns alone; the rows' other columns after
        // the matching (a million people's lists are 4.6 million rows: every column read
        // out at once was a gigabyte beside the matching's own memory).
        let (people, who) = posted_people(df)?;
        let fits = match_people(ctx, &people);
        // The rows' columns are read out a slice of rows at a time (slices share the
        // frame's buffers): 4.6 million rows' eleven columns at once were 0.7 GB beside the
        // rows being kept.
        let slices: Vec<(usize, DataFrame)> = (0..df.height())
            .step_by(slice_rows)
            .map(|at| (at, df.slice(at as i64, slice_rows)))
            .collect();
        let mut notices = Notices::default();
        // (township, village, program, period) as the rows write them → the list and the
        // texts its rows share.
        type Found = (usize, Ids, u32);
        let mut texts_of: FxHashMap<(&str, &str, &str), u32> = FxHashMap::default();
        let mut files_of: FxHashMap<&str, u32> = FxHashMap::default();
        type Written<'s> = (&'s str, &'s str, &'s str, &'s str);
        let mut lists_of: FxHashMap<Written, Found> = FxHashMap::default();
        let mut spans: FxHashMap<&str, (Option<Day>, Option<Day>)> = FxHashMap::default();
        notices.rows.reserve(df.height());
        let mut sure: Vec<((usize, u32, u32), usize)> = Vec::with_capacity(df.height());
        // A list naming no township is its people's township's; a row no one (or more
        // than one) fits is of the township its file's rows of the village are, not a
        // list of its own under no township.
        let mut home: FxHashMap<(&str, &str), &str> = FxHashMap::default();
        for (at, slice) in &slices {
            let (source, village) = (
                frame::text_or_none(slice, fundaudit_input::stack::SOURCE),
                frame::text(slice, "village")?,
            );
            for (k, &person) in who[*at..*at + slice.height()].iter().enumerate() {
                if let (Posted::One(r), "") =
                    (&fits[person as usize], people[person as usize].township)
                {
                    home.entry((source[k].unwrap_or(""), village[k].unwrap_or("")))
                        .or_insert(&ctx.registry[*r].township);
                }
            }
        }
        let mut last: Option<(Written, Found)> = None;
        let mut last_file: Option<(&str, u32)> = None;
        for (at, slice) in &slices {
            let cols = Columns::of(slice)?;
            for (k, &person) in who[*at..*at + slice.height()].iter().enumerate() {
                let i = at + k;
                let person = person as usize;
                let fit = &fits[person];
                let file_village = (cols.source[k].unwrap_or(""), cols.village[k].unwrap_or(""));
                let township: &str = match (fit, people[person].township) {
                    (Posted::One(r), "") => &ctx.registry[*r].township,
                    (_, "") => home.get(&file_village).copied().unwrap_or(""),
                    (_, t) => t,
                };
                let village = cols.village[k].unwrap_or("");
                let program = cols.program[k].unwrap_or("").trim();
                let raw_period = cols.period[k].unwrap_or("");
                // A list's rows come one after another: the last row's list, unless this row
                // names another.
                let key = (township, village, program, raw_period);
                let found = match &last {
                    Some((k, found)) if *k == key => *found,
                    _ => {
                        let found = lists_of.entry(key).or_insert_with(|| {
                            let vkey = village_key(village);
                            let period = period_key(raw_period);
                            let ids = (
                                intern_place(&mut notices.places, township, &vkey),
                                intern(&mut notices.programs, program),
                                intern(&mut notices.periods, &period),
                            );
                            let lists = &mut notices.lists;
                            let l = *notices.by_ids.entry(ids).or_insert_with(|| {
                                let key = (township.to_string(), vkey, program.to_string(), period);
                                notices.by_key.insert(key.clone(), lists.len());
                                lists.push((key, PostedList::default()));
                                lists.len() - 1
                            });
                            let texts = &mut notices.texts;
                            let t = *texts_of
                                .entry((village.trim(), program, raw_period.trim()))
                                .or_insert_with(|| {
                                    texts.push((
                                        village.trim().into(),
                                        program.into(),
                                        raw_period.trim().into(),
                                    ));
                                    texts.len() as u32 - 1
                                });
                            (l, ids, t)
                        });
                        last = Some((key, *found));
                        *found
                    }
                };
                let (l, ids, texts) = found;
                let at = notices.rows.len();
                let list = &mut notices.lists[l].1;
                list.rows.push(at);
                let (from, to) = cols.span(k, &mut spans);
                if let Some(from) = from {
                    list.from = Some(list.from.map_or(from, |f| f.min(from)));
                }
                if let Some(to) = to {
                    list.to = Some(list.to.map_or(to, |t| t.max(to)));
                }
                match fit {
                    Posted::One(r) => sure.push(((ctx.cluster_of(*r), ids.1, ids.2), at)),
                    Posted::Ambiguous(rows) => {
                        for r in rows {
                            notices.maybe.insert((ctx.cluster_of(*r), ids.1, ids.2));
                        }
                    }
                    Posted::NoOne => {}
                }
                let file = cols.source[k].unwrap_or("notices");
                let file = match last_file {
                    Some((f, n)) if f == file => n,
                    _ => {
                        let files = &mut notices.files;
                        let n = *files_of.entry(file).or_insert_with(|| {
                            files.push(file.trim().into());
                            files.len() as u32 - 1
                        });
                        last_file = Some((file, n));
                        n
                    }
                };
                notices.rows.push(Stored {
                    person: person as u32,
                    texts,
                    file,
                    line: cols.line[k].unwrap_or(i as i64 + 2),
                    amount_fen: cols.amount(k),
                });
            }
        }
        // Each person's name and ID as posted, and whom they were matched to, once.
        notices.people = people
            .iter()
            .zip(fits)
            .map(|(p, fit)| PostedPersonText {
                name: p.name.trim().into(),
                id_shown: p.id_shown.into(),
                fit,
            })
            .collect();
        {
            use rayon::slice::ParallelSliceMut;
            sure.par_sort_unstable();
        }
        notices.sure_rows = sure.iter().map(|s| s.1).collect();
        notices.sure.reserve(sure.len());
        let mut start = 0;
        for run in sure.chunk_by(|a, b| a.0 == b.0) {
            notices.sure.insert(run[0].0, (start, run.len() as u32));
            start += run.len() as u32;
        }
        Ok(Some(notices))
    }

    /// Posted row `n`, as the list says it and as it was matched.
    pub fn row(&self, n: usize) -> PostedRow<'_> {
        let r = &self.rows[n];
        let person = &self.people[r.person as usize];
        let (village, program, period) = &self.texts[r.texts as usize];
        PostedRow {
            file: &self.files[r.file as usize],
            line: r.line,
            name: &person.name,
            id_shown: &person.id_shown,
            village,
            program,
            period,
            amount_fen: r.amount_fen,
            fit: &person.fit,
        }
    }

    /// How many rows the lists post (a run with none has no `Notices`).
    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    /// The rows that surely post a [`Lookup::sure_group`].
    pub fn sure_rows(&self, (start, len): SureGroup) -> &[usize] {
        &self.sure_rows[start as usize..(start + len) as usize]
    }

    /// How many rows surely post someone: every [`SureGroup`]'s start is below it.
    pub fn sure_count(&self) -> usize {
        self.sure_rows.len()
    }

    /// The list of a list id.
    fn list_of_ids(&self, ids: Ids) -> Option<(&ListKey, &PostedList)> {
        let (key, list) = &self.lists[*self.by_ids.get(&ids)?];
        Some((key, list))
    }

    /// Every list, by key.
    pub fn lists(&self) -> impl Iterator<Item = (&ListKey, &PostedList)> {
        self.by_key
            .values()
            .map(|&i| (&self.lists[i].0, &self.lists[i].1))
    }

    /// A list by its key.
    pub fn list(&self, key: &ListKey) -> Option<&PostedList> {
        self.by_key.get(key).map(|&i| &self.lists[i].1)
    }

    /// `公示名单《后楼村低保公示.xlsx》第12行`
    pub fn cite(&self, row: usize) -> String {
        let r = self.row(row);
        format!("公示名单《{}》第{}行", list_title(r.file), r.line)
    }

    /// How a list is named in evidence: `后楼村低保金2025Q1公示名单（《…》，共N人）`.
    pub fn describe_list(&self, key: &ListKey) -> String {
        let Some(list) = self.list(key) else {
            return format!("{}{}{}公示名单", key.0, key.1, key.2);
        };
        let first = self.row(list.rows[0]);
        format!(
            "{}{}{}{}公示名单（《{}》，共{}人）",
            key.0,
            key.1,
            key.2,
            first.period,
            list_title(first.file),
            list.rows.len()
        )
    }
}

/// The file's own name without its extension (and its sheet, for a workbook of several),
/// not its path: evidence is printed and handed on, and reads in Chinese.
fn list_title(label: &str) -> String {
    let cut = label.rfind(['/', '\\']).map_or(0, |i| i + 1);
    let name = &label[cut..];
    let (file, sheet) = match name.find(" [") {
        Some(i) => (&name[..i], &name[i..]),
        None => (name, ""),
    };
    let stem = match file.rfind('.') {
        Some(i) if i > 0 => &file[..i],
        _ => file,
    };
    format!("{stem}{sheet}")
}

/// (township, village) as an id; a list that names no township is also its village's
/// under ("", village), which a person of any township of that village name finds.
fn intern_place(
    places: &mut FxHashMap<(String, String), u32>,
    township: &str,
    village: &str,
) -> u32 {
    let next = places.len() as u32;
    *places
        .entry((township.to_string(), village.to_string()))
        .or_insert(next)
}

/// The notices frame's columns.
struct Columns<'a> {
    village: Vec<Option<&'a str>>,
    program: Vec<Option<&'a str>>,
    period: Vec<Option<&'a str>>,
    amount: Vec<Option<i64>>,
    area: Vec<Option<i64>>,
    rate: Vec<Option<i64>>,
    from: Vec<Option<Day>>,
    to: Vec<Option<Day>>,
    span: Vec<Option<&'a str>>,
    line: Vec<Option<i64>>,
    source: Vec<Option<&'a str>>,
}

impl<'a> Columns<'a> {
    fn of(df: &'a DataFrame) -> PolarsResult<Columns<'a>> {
        Ok(Columns {
            village: frame::text(df, "village")?,
            program: frame::text(df, "program")?,
            period: frame::text(df, "period")?,
            amount: frame::int(df, "amount_fen")?,
            area: frame::int(df, "area_mu_fen")?,
            rate: frame::int(df, "rate_fen")?,
            from: frame::day(df, "posted_from")?,
            to: frame::day(df, "posted_to")?,
            span: frame::text(df, "posted_span")?,
            line: frame::int_or_none(df, LINE),
            source: frame::text_or_none(df, fundaudit_input::stack::SOURCE),
        })
    }

    /// The posted amount, or area (hundredths of a mu) × rate (fen), rounded to the fen.
    fn amount(&self, i: usize) -> Option<i64> {
        self.amount[i].or_else(|| {
            let (a, r) = (self.area[i]?, self.rate[i]?);
            Some(((a as i128 * r as i128 + 50) / 100) as i64)
        })
    }

    /// When row `i` hung: its own dates, else its 公示起止日期 cell (each distinct cell
    /// read once, into `read`).
    fn span(
        &self,
        i: usize,
        read: &mut FxHashMap<&'a str, (Option<Day>, Option<Day>)>,
    ) -> (Option<Day>, Option<Day>) {
        let (a, b) = match self.span[i] {
            Some(s) if self.from[i].is_none() || self.to[i].is_none() => {
                *read.entry(s).or_insert_with(|| parse_span(s))
            }
            _ => (None, None),
        };
        (self.from[i].or(a), self.to[i].or(b))
    }
}

/// Each person as posted, once, and each row's person among them. A list posts a person
/// once a period, a year of lists several times.
fn posted_people(df: &DataFrame) -> PolarsResult<(Vec<PostedPerson<'_>>, Vec<u32>)> {
    let (name, id, village, township) = (
        frame::text(df, "name")?,
        frame::text(df, "id_number")?,
        frame::text(df, "village")?,
        frame::text(df, "township")?,
    );
    let people: Vec<PostedPerson> = (0..name.len())
        .map(|i| PostedPerson {
            name: name[i].unwrap_or(""),
            id_shown: id[i].unwrap_or("").trim(),
            village: village[i].unwrap_or(""),
            township: township[i].map(str::trim).unwrap_or(""),
        })
        .collect();
    Ok(numbered(&people))
}

/// A rule's lookups into the lists, remembered: the rules ask once per payment or
/// allocation, over a few thousand places and a few dozen programs and periods.
pub struct Lookup<'n, 'a> {
    notices: &'n Notices,
    ids: FxHashMap<(&'a str, &'a str), Option<(u32, u32)>>,
    place: FxHashMap<usize, Option<u32>>,
}

impl<'n, 'a> Lookup<'n, 'a> {
    pub fn new(notices: &'n Notices) -> Lookup<'n, 'a> {
        Lookup {
            notices,
            ids: FxHashMap::default(),
            place: FxHashMap::default(),
        }
    }

    /// A program and period as posted ids; None when no list posts them.
    fn ids(&mut self, program: &'a str, period: &'a str) -> Option<(u32, u32)> {
        let n = self.notices;
        *self.ids.entry((program, period)).or_insert_with(|| {
            Some((
                *n.programs.get(program.trim())?,
                *n.periods.get(&period_key(period))?,
            ))
        })
    }

    /// The place of a registry row among the lists' places: its township's village, else
    /// the village of a list that names no township.
    fn place(&mut self, ctx: &Context, row: usize) -> Option<u32> {
        let n = self.notices;
        *self.place.entry(row).or_insert_with(|| {
            let e = &ctx.registry[row];
            let village = village_key(&e.village);
            n.places
                .get(&(e.township.to_string(), village.clone()))
                .or_else(|| n.places.get(&(String::new(), village)))
                .copied()
        })
    }

    /// The list a registered person's money for `program` and `period` would be posted
    /// on, where one was delivered.
    pub fn list(
        &mut self,
        ctx: &Context,
        row: usize,
        program: &'a str,
        period: &'a str,
    ) -> Option<(&'n ListKey, &'n PostedList)> {
        let (program, period) = self.ids(program, period)?;
        let place = self.place(ctx, row)?;
        self.notices.list_of_ids((place, program, period))
    }

    /// The list a registered person's money for `program` and `period` would be posted
    /// on, as (township, village, program, period as written), where none was delivered
    /// for their village though other villages' lists of the program and period were:
    /// a list missing from the delivery, not a program the county never posts. None as
    /// well for a person registered without a village (no list to miss).
    pub fn missing(
        &mut self,
        ctx: &Context,
        row: usize,
        program: &'a str,
        period: &'a str,
    ) -> Option<ListKey> {
        self.ids(program, period)?;
        let e = &ctx.registry[row];
        let village = village_key(&e.village);
        (!village.is_empty()).then(|| {
            (
                e.township.to_string(),
                village,
                program.trim().to_string(),
                period.trim().to_string(),
            )
        })
    }

    /// Whether a person's money for a program and period is (or may be) posted.
    pub fn posts(&mut self, person: usize, program: &'a str, period: &'a str) -> bool {
        self.ids(program, period).is_some_and(|(p, q)| {
            self.notices.sure.contains_key(&(person, p, q))
                || self.notices.maybe.contains(&(person, p, q))
        })
    }

    /// The rows that surely post a person's money for a program and period, as
    /// [`Notices::sure_rows`] reads them; None where no row surely does.
    pub fn sure_group(
        &mut self,
        person: usize,
        program: &'a str,
        period: &'a str,
    ) -> Option<SureGroup> {
        let (p, q) = self.ids(program, period)?;
        self.notices.sure.get(&(person, p, q)).copied()
    }
}

/// `2025-03-01至2025-03-08`, `2025.3.1-2025.3.8`, `2025年3月1日～3月8日` → the two days
/// where both read.
pub fn parse_span(span: &str) -> (Option<Day>, Option<Day>) {
    let cut = ['至', '～', '~', '—', '－'];
    let (a, b) = match span.split_once(cut) {
        Some(ab) => ab,
        // `2025.3.1-2025.3.8`: a hyphen between two dates, not inside one.
        None => match span.match_indices('-').nth(2).or_else(|| {
            span.contains('.')
                .then(|| span.match_indices('-').next())
                .flatten()
        }) {
            Some((i, _)) => (&span[..i], &span[i + 1..]),
            None => return (None, None),
        },
    };
    let from = fundaudit_core::cells::parse_date(a.trim()).ok();
    let to = fundaudit_core::cells::parse_date(b.trim())
        .ok()
        .or_else(|| {
            // `3月8日` after `2025年3月1日`: the year of the start.
            let year = from.map(|d| {
                fundaudit_core::cells::from_day(d)
                    .format("%Y年")
                    .to_string()
            })?;
            fundaudit_core::cells::parse_date(&format!("{year}{}", b.trim())).ok()
        });
    (from, to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fundaudit_core::cells::parse_date;

    /// The sample's posted lists read a slice of rows at a time, as a province's are: the
    /// very lists, rows, matches and look-ups of the lists read in one slice.
    #[test]
    fn lists_read_in_slices_as_in_one() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sample_data");
        let config = fundaudit_core::config::Config::default();
        let inputs = fundaudit_input::Inputs::load_with(&dir, &config, false).unwrap();
        let as_of = parse_date("2026-03-31").unwrap();
        let ctx = Context::people(inputs, config, as_of).unwrap();
        let whole = Notices::of_in(&ctx, usize::MAX).unwrap().unwrap();
        let sliced = Notices::of_in(&ctx, 997).unwrap().unwrap();
        assert!(whole.rows() > 3 * 997, "{} posted rows", whole.rows());
        assert_eq!(format!("{whole:?}"), format!("{sliced:?}"));
    }

    #[test]
    fn items_are_numbered_in_the_order_first_met() {
        let items = ["乙", "甲", "乙", "丙", "甲", "乙"];
        let (distinct, of) = numbered(&items);
        assert_eq!(distinct, ["乙", "甲", "丙"]);
        assert_eq!(of, [0, 1, 0, 2, 1, 0]);
        // Items of one hash are still told apart (every item hashes alike here).
        #[derive(Clone, Copy, PartialEq, Eq)]
        struct Same(u8);
        impl std::hash::Hash for Same {
            fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
                h.write_u8(0);
            }
        }
        let (distinct, of) = numbered(&[Same(1), Same(2), Same(1), Same(3), Same(2)]);
        assert_eq!(distinct.iter().map(|s| s.0).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(of, [0, 1, 0, 2, 1]);
    }

    #[test]
    fn villages_and_periods_meet_their_ledger_forms() {
        assert_eq!(village_key("后楼村三组"), "后楼村");
        assert_eq!(village_key(" 后楼村 "), "后楼村");
        assert_eq!(village_key("东城社区"), "东城社区");
        assert_eq!(period_key("2025年第一季度"), period_key("2025Q1"));
        assert_ne!(period_key("2025Q2"), period_key("2025Q1"));
        assert_eq!(period_key("春季"), "春季");
    }

    #[test]
    fn posting_spans_read_in_their_usual_forms() {
        let d = |s: &str| parse_date(s).ok();
        for s in [
            "2025-03-01至2025-03-08",
            "2025-03-01 ~ 2025-03-08",
            "2025.3.1-2025.3.8",
            "2025年3月1日～3月8日",
        ] {
            assert_eq!(parse_span(s), (d("2025-03-01"), d("2025-03-08")), "{s}");
        }
        assert_eq!(parse_span("三月初"), (None, None));
    }
}
