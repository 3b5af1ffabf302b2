//! Partitioned runs: the payments and allocations cut into parts that the rules can read
//! a few at a time (two, on two cores), so memory follows the parts and not the province.
//!
//! A part is not a township: a person registered in two counties, or a card paid for
//! people of several townships, would be split, and the rules that look across (paid
//! twice, shared accounts, exclusive programs) would miss them. Rules group payments by
//! allocation, by person (a registry cluster, or an unregistered beneficiary id) and by
//! payee account, and by nothing else; so rows joined by any of the three are one
//! *component* (union-find), and a part is whole components, packed in the order they
//! first appear up to `[scale] partition_rows` rows. Whatever a rule groups is then in one
//! part, and the findings are the whole run's: the same ids, the same evidence. The few
//! facts no part can tell (a program-period with no payment anywhere; the ledgers'
//! sizes) are counted over the whole first ([`fundaudit_rules::context::Whole`]), and the rules
//! that read only those run once ([`fundaudit_rules::ONCE`]).
//!
//! A run on CSV or workbooks cuts the loaded ledgers in memory (the derived frames follow
//! the part); `fundaudit stage` writes the same cut to disk ([`fundaudit_input::stage`]) and
//! a run on the stage holds one part at a time. The people (registry, identity clusters,
//! deaths, officials) are held whole: they are what crosses the parts.

use polars::prelude::*;
use rustc_hash::FxHashMap;

use fundaudit_core::error::Result;
use fundaudit_core::frame::{self, Texts};
use fundaudit_rules::context::Context;
use fundaudit_rules::ghost::PaidFor;
use fundaudit_rules::link::Named;
use fundaudit_rules::past_due::PastDue;
use fundaudit_rules::publicity::Posting;

/// Rows of one part, ascending (the rules see them in the ledgers' order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Part {
    pub payments: Vec<IdxSize>,
    pub allocations: Vec<IdxSize>,
}

/// Union-find over key ids, with path halving.
struct Components {
    parent: Vec<u32>,
}

impl Components {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let up = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = up;
            x = up;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            // The smaller id roots, so a component's root is its first-seen key.
            let (lo, hi) = (a.min(b), a.max(b));
            self.parent[hi as usize] = lo;
        }
    }
}

/// The kinds of key, mixed into each key's hash so an allocation id and an account that
/// happen to be spelled alike stay apart.
const ALLOCATION: u8 = 0;
const ACCOUNT: u8 = 1;
const UNREGISTERED: u8 = 2;
// 3 was a registered person's hash, now a tagged cluster (see REGISTERED).
const LOOSE_AMOUNT: u8 = 4;

/// A row's keys as 64-bit hashes, 0 for none, or a registered person's cluster tagged
/// [`REGISTERED`]. Two keys that collide (one pair in about 10^5 runs of a province) join
/// their components: a part grows, no finding changes.
pub type RowKeys = [u64; 3];

/// The top bit of a person key that is a registry cluster, not a hash (hashes keep it
/// clear): the cut numbers those people by their cluster instead of through its table.
const REGISTERED: u64 = 1 << 63;

fn hash_of<T: std::hash::Hash>(kind: u8, value: T) -> u64 {
    (fundaudit_core::hash::fx((kind, value)) & !REGISTERED).max(1)
}

fn text_key(kind: u8, value: Option<&str>) -> u64 {
    value
        .filter(|v| !v.is_empty())
        .map_or(0, |v| hash_of(kind, v))
}

/// The key of the person a beneficiary id names: their registry cluster, or the id itself
/// when the registry lacks it.
fn person_key(people: &Context, ben: Option<&str>) -> u64 {
    person(people, ben).0
}

/// [`person_key`], and the registry row it was found at (which linking a part's payments
/// reads again: see [`Known`]).
fn person(people: &Context, ben: Option<&str>) -> (u64, Option<u32>) {
    let row = ben.and_then(|b| people.row_of(b)).map(|r| r as u32);
    person_at(people, ben, row)
}

/// [`person`], the registry row of `ben` already found (see [`Context::rows_of_each`]).
fn person_at(people: &Context, ben: Option<&str>, row: Option<u32>) -> (u64, Option<u32>) {
    let Some(ben) = ben.filter(|b| !b.is_empty()) else {
        return (0, None);
    };
    match row {
        Some(row) => (
            REGISTERED | people.dedup.cluster[row as usize] as u64,
            Some(row),
        ),
        None => (hash_of(UNREGISTERED, ben), None),
    }
}

/// Cuts the whole run's `payments` and `allocations` into parts of at most `max_rows`
/// rows each, a component larger than that being a part of its own; `people` say who is
/// who.
pub fn plan(
    people: &Context,
    payments: &DataFrame,
    allocations: &DataFrame,
    max_rows: usize,
) -> PolarsResult<Vec<Part>> {
    let keys = row_keys(people, payments, allocations)?;
    Ok(cut(keys, allocations.height(), max_rows, None, 0))
}

/// Every row's keys, the allocations' first (as [`cut`] takes them).
fn row_keys(
    people: &Context,
    payments: &DataFrame,
    allocations: &DataFrame,
) -> PolarsResult<Vec<RowKeys>> {
    let mut keys = allocation_keys(people, allocations)?;
    keys.extend(payment_keys(people, payments, false)?);
    Ok(keys)
}

/// Every row's keys (as [`row_keys`]), and the registry row of each row's person.
struct RowsAndKeys {
    keys: Vec<RowKeys>,
    /// Per allocation: its beneficiary's registry row; None with an id the registry
    /// lacks, and no id at all (`NO_ID`).
    allocation_people: Vec<Option<u32>>,
    payment_people: Vec<Option<u32>>,
}

/// An allocation row without a beneficiary id, whose payments are then for the person
/// the bank recorded (as the link's coalesce has it).
const NO_ID: Option<u32> = Some(u32::MAX);

fn rows_and_keys(
    people: &Context,
    payments: &DataFrame,
    allocations: &DataFrame,
) -> PolarsResult<RowsAndKeys> {
    let both = |keys, row| (keys, row);
    let (mut keys, allocation_people): (Vec<_>, _) = each_allocation(people, allocations, both)?;
    let (paid, payment_people): (Vec<_>, _) = each_payment(people, payments, false, both)?;
    keys.extend(paid);
    Ok(RowsAndKeys {
        keys,
        allocation_people,
        payment_people,
    })
}

/// The keys of each allocation row: its id and its person.
pub fn allocation_keys(people: &Context, allocations: &DataFrame) -> PolarsResult<Vec<RowKeys>> {
    each_allocation(people, allocations, |keys, _| keys)
}

/// What `keep` makes of each allocation row's keys and its person's registry row
/// ([`NO_ID`] without a beneficiary id), collected: the keys alone for a stage's cut, with
/// the rows for a run's ([`Known`]).
fn each_allocation<T: Send, C: rayon::iter::FromParallelIterator<T>>(
    people: &Context,
    allocations: &DataFrame,
    keep: impl Fn(RowKeys, Option<u32>) -> T + Sync + Send,
) -> PolarsResult<C> {
    use rayon::prelude::*;
    let alloc_ids = Texts::of(allocations, "allocation_id")?;
    let alloc_bens = Texts::of(allocations, "beneficiary_id")?;
    let rows = people.rows_of_each(alloc_bens.len(), |i| alloc_bens.at(i));
    // Hashing reads every id's bytes: in parallel, before the one-thread union-find.
    Ok((0..alloc_ids.len())
        .into_par_iter()
        .map(|i| {
            let ben = alloc_bens.at(i);
            let (key, row) = person_at(people, ben, rows[i]);
            let row = if ben.is_none() { NO_ID } else { row };
            keep([text_key(ALLOCATION, alloc_ids.at(i)), key, 0], row)
        })
        .collect())
}

/// The keys of each payment row: its allocation, its person and its payee account.
/// With `unsettled` (payments not yet netted against the bank's returns and reversals,
/// see [`fundaudit_input::bank::settle`]) a row with neither allocation nor account is
/// joined to every such row of its amount, which is what a reversal pairs by then.
pub fn payment_keys(
    people: &Context,
    payments: &DataFrame,
    unsettled: bool,
) -> PolarsResult<Vec<RowKeys>> {
    each_payment(people, payments, unsettled, |keys, _| keys)
}

/// As [`each_allocation`], for each payment row (its person's registry row the one its
/// own beneficiary id names).
fn each_payment<T: Send, C: rayon::iter::FromParallelIterator<T>>(
    people: &Context,
    payments: &DataFrame,
    unsettled: bool,
    keep: impl Fn(RowKeys, Option<u32>) -> T + Sync + Send,
) -> PolarsResult<C> {
    use rayon::prelude::*;
    let pay_allocs = Texts::of(payments, "allocation_id")?;
    let pay_bens = Texts::of(payments, "beneficiary_id")?;
    let pay_accounts = Texts::of(payments, "payee_account")?;
    let fen = if unsettled {
        frame::int(payments, "amount_fen")?
    } else {
        Vec::new()
    };
    // A payment belongs to its allocation's person when the allocation is known, else to
    // the person the bank recorded: joining it to both is never wrong, only coarser when
    // they differ (a payment to someone other than allocated).
    let rows = people.rows_of_each(pay_bens.len(), |r| pay_bens.at(r));
    Ok((0..pay_allocs.len())
        .into_par_iter()
        .map(|r| {
            let account = text_key(ACCOUNT, pay_accounts.at(r));
            let allocation = text_key(ALLOCATION, pay_allocs.at(r));
            let account = if unsettled && account == 0 && allocation == 0 {
                hash_of(LOOSE_AMOUNT, fen[r].unwrap_or(0).abs())
            } else {
                account
            };
            let (person, row) = person_at(people, pay_bens.at(r), rows[r]);
            keep([allocation, person, account], row)
        })
        .collect())
}

/// Parts of whole components from every row's keys: the allocations' first (the first
/// `n_alloc` rows), then the payments'. With `linked` (per payment, the allocation row its
/// id names, the allocations' ids being distinct: [`Named::by_hash`]) an allocation's key
/// is its row, a linked payment's is its allocation's, and a registered person's (a
/// cluster below `clusters`) is `n_alloc` past its cluster; only the other keys (accounts,
/// unregistered ids) are numbered through a table — most keys are allocation ids and
/// people, and numbering them all was most of this function's time and the run's peak of
/// memory.
pub fn cut(
    keys: Vec<RowKeys>,
    n_alloc: usize,
    max_rows: usize,
    linked: Option<&[Option<u32>]>,
    clusters: usize,
) -> Vec<Part> {
    // Key → dense id; each row joins its keys; each row's component is its first key's.
    // With the links, ids below `n_alloc` are the allocation rows, the next `clusters`
    // the registered people.
    let reserved = if linked.is_some() {
        n_alloc + clusters
    } else {
        0
    };
    let person = |k: u64| {
        let cluster = k & !REGISTERED;
        (k & REGISTERED != 0 && cluster < clusters as u64)
            .then(|| (n_alloc as u64 + cluster) as u32)
    };
    let mut ids: FxHashMap<u64, u32> = FxHashMap::default();
    let mut c = Components {
        parent: (0..reserved as u32).collect(),
    };
    let mut id_of = |k: u64, c: &mut Components| -> u32 {
        *ids.entry(k).or_insert_with(|| {
            c.parent.push(c.parent.len() as u32);
            c.parent.len() as u32 - 1
        })
    };
    let mut first: Vec<u32> = Vec::with_capacity(keys.len());
    for (i, row) in keys.iter().enumerate() {
        let mut head = u32::MAX;
        for (j, &k) in row.iter().enumerate().filter(|(_, &k)| k != 0) {
            let known = match (j, linked) {
                (0, Some(_)) if i < n_alloc => Some(i as u32),
                (0, Some(linked)) => linked[i - n_alloc],
                (1, Some(_)) => person(k),
                _ => None,
            };
            let id = known.unwrap_or_else(|| id_of(k, &mut c));
            if head == u32::MAX {
                head = id;
            } else {
                c.union(head, id);
            }
        }
        first.push(head);
    }
    drop(keys);
    drop(ids);
    // Rows with no key at all (no allocation id, person or account) join nothing: they
    // are one group of their own, at the end.
    let loose = c.parent.len();
    let mut size = vec![0usize; loose + 1];
    for f in first.iter_mut() {
        let root = if *f == u32::MAX {
            loose as u32
        } else {
            c.find(*f)
        };
        *f = root;
        size[root as usize] += 1;
    }
    // Parts filled with whole components in order of first appearance.
    let mut part_of = vec![u32::MAX; loose + 1];
    let mut parts: Vec<Part> = vec![Part::default()];
    let mut filled = 0usize;
    for (i, &root) in first.iter().enumerate() {
        let slot = &mut part_of[root as usize];
        if *slot == u32::MAX {
            let n = size[root as usize];
            if filled > 0 && filled + n > max_rows {
                parts.push(Part::default());
                filled = 0;
            }
            filled += n;
            *slot = parts.len() as u32 - 1;
        }
        let part = &mut parts[*slot as usize];
        if i < n_alloc {
            part.allocations.push(i as IdxSize);
        } else {
            part.payments.push((i - n_alloc) as IdxSize);
        }
    }
    parts
}

/// [`cut`] of rows known by their keys alone (a stage's: their text is spilled to disk
/// as it is read). Each payment is linked to the allocation whose id hashes as its own,
/// when the allocations' hashes are distinct: two ids that collide are one key in the
/// table [`cut`] numbers them through as well, so the parts are the same, without a
/// province's hundred million keys looked up one at a time in one table (single
/// threaded, a cache miss each). `clusters`: the registry's rows (every cluster is below).
pub fn cut_hashed(
    keys: Vec<RowKeys>,
    n_alloc: usize,
    max_rows: usize,
    clusters: usize,
) -> Vec<Part> {
    let column = |rows: &[RowKeys]| rows.iter().map(|k| k[0]).collect::<Vec<u64>>();
    let linked = fundaudit_core::hash::RowsByHash::distinct(&column(&keys[..n_alloc]))
        .map(|rows| rows.find(&column(&keys[n_alloc..]), |_, _| true));
    match linked {
        Some(linked) => cut(keys, n_alloc, max_rows, Some(&linked), clusters),
        None => cut(keys, n_alloc, max_rows, None, 0),
    }
}

impl Part {
    /// This part's rows of the whole run's payments and allocations.
    pub fn take(
        &self,
        payments: &DataFrame,
        allocations: &DataFrame,
    ) -> PolarsResult<(DataFrame, DataFrame)> {
        let rows = |v: &[IdxSize]| IdxCa::from_vec("rows".into(), v.to_vec());
        Ok((
            payments.take(&rows(&self.payments))?,
            allocations.take(&rows(&self.allocations))?,
        ))
    }
}

/// What the rules found over every part, and what the reports need of the payments.
pub struct Audited {
    /// The rules' findings, unscored.
    pub findings: DataFrame,
    /// Wall time of each stage, summed over the parts.
    pub timings: Vec<(String, f64)>,
    pub digits: fundaudit_rules::analytics::DigitCounts,
    /// The people with only the payments and allocations the findings name: all the
    /// reports read (the whole run's rows stay with their part).
    pub context: Context,
    pub parts: usize,
}

/// Where the parts' rows come from: cut from the ledgers in memory, or read from a
/// stage's part files (a group of them, when this run's people join rows the stage had
/// put in different parts).
enum Unit {
    Rows(Part),
    Staged(fundaudit_input::stage::Parts, Vec<usize>),
}

/// The work of a run: the whole-run facts and the units to read.
struct Work {
    whole: fundaudit_rules::context::Whole,
    units: Vec<Unit>,
    known: Option<Known>,
}

/// Each payment's allocation and person, as the cut of a run in memory found them: a
/// part's payments are linked from these ([`Context::with_known_links`]) instead of a
/// join on the allocation ids and a registry lookup per payment, which the cut has done
/// once for the whole run already (they were a tenth of a night's work at a million
/// people). Known only where the allocations' ids are distinct ([`Named::by_hash`]):
/// then a payment has at most one allocation, as the join would find.
struct Known {
    /// Per payment of the run: the run's allocation row its id names.
    allocation: Vec<Option<u32>>,
    /// Per payment of the run: the registry row of the person it was for (its
    /// allocation's beneficiary, else the one the bank recorded).
    person: Vec<Option<u32>>,
    /// Per allocation of the run: its row in its part.
    in_part: Vec<u32>,
}

/// A part's payments' allocation rows and registry rows (see [`Known::links`]).
type Links = (Vec<Option<IdxSize>>, Vec<Option<usize>>);

impl Known {
    fn of(named: Named, rows: RowsAndKeys, parts: &[Part]) -> Known {
        let RowsAndKeys {
            allocation_people,
            payment_people,
            ..
        } = rows;
        let person = named
            .allocation
            .iter()
            .zip(payment_people)
            .map(|(a, own)| match a.map(|a| allocation_people[a as usize]) {
                Some(NO_ID) | None => own,
                Some(theirs) => theirs,
            })
            .collect();
        let mut in_part = vec![0u32; allocation_people.len()];
        for part in parts {
            for (i, &a) in part.allocations.iter().enumerate() {
                in_part[a as usize] = i as u32;
            }
        }
        Known {
            allocation: named.allocation,
            person,
            in_part,
        }
    }

    /// The allocation row (in `part`, or in the whole run when `part` is None) and the
    /// registry row of each of the part's payments; None if an allocation is not in the
    /// part (a cut that broke a component: then the part is joined as any other).
    fn links(&self, part: Option<&Part>) -> Option<Links> {
        let person = |p: usize| self.person[p].map(|r| r as usize);
        let Some(part) = part else {
            let allocations = self.allocation.iter().map(|a| a.map(|a| a as IdxSize));
            return Some((
                allocations.collect(),
                (0..self.person.len()).map(person).collect(),
            ));
        };
        let mut allocations = Vec::with_capacity(part.payments.len());
        for &p in &part.payments {
            allocations.push(match self.allocation[p as usize] {
                None => None,
                Some(a) => {
                    let row = self.in_part[a as usize];
                    if part.allocations.get(row as usize) != Some(&(a as IdxSize)) {
                        return None;
                    }
                    Some(row as IdxSize)
                }
            });
        }
        let people = part.payments.iter().map(|&p| person(p as usize)).collect();
        Some((allocations, people))
    }
}

/// Cuts the ledgers in memory.
fn in_memory(people: &Context, timings: &mut Timings) -> Result<Work> {
    use rayon::prelude::*;
    let clock = std::time::Instant::now();
    let ledgers = &people.ledgers;
    let (payments, allocations) = (&ledgers.payments, &ledgers.allocations);
    let mut rows = rows_and_keys(people, payments, allocations)?;
    let keys = std::mem::take(&mut rows.keys);
    // One hash of each allocation id serves the cut and the links the past-due counts and
    // the posted lists read (hashing two million ids a second time, and a table of the
    // ids' text, was a third of this stage).
    let n = allocations.height();
    let hashes = |rows: &[RowKeys]| rows.par_iter().map(|k| k[0]).collect::<Vec<_>>();
    let (alloc_ids, pay_ids) = (
        Texts::of(allocations, "allocation_id")?,
        Texts::of(payments, "allocation_id")?,
    );
    let (named, by_hash) = match Named::by_hash(
        |r| alloc_ids.at(r),
        &hashes(&keys[..n]),
        |r| pay_ids.at(r),
        &hashes(&keys[n..]),
    ) {
        Some(named) => (named, true),
        None => (Named::by_text(allocations, payments)?, false),
    };
    let linked = by_hash.then_some(named.allocation.as_slice());
    // Two parts are audited at once (see `audit_units`): each is cut to half the rows,
    // so the rows in flight, and the memory, are what `partition_rows` says.
    let max_rows = (people.config.scale.partition_rows / lanes()).max(1);
    // The cut is one thread's union-find over every row (a second or more at a million); the
    // whole-run facts read the same links and nothing of the cut: side by side.
    let (parts, facts) = rayon::join(
        || cut(keys, n, max_rows, linked, people.registry.len()),
        || -> Result<_> {
            let past_due = PastDue::of(allocations, &named, &people.config, people.as_of)?;
            let clock = std::time::Instant::now();
            let posting = Posting::of(people, allocations, payments, &named)?.finish();
            let posting_secs = clock.elapsed().as_secs_f64();
            let paid_for = PaidFor::of(people, allocations, &named)?;
            Ok((past_due, posting, posting_secs, paid_for))
        },
    );
    let (past_due, posting, posting_secs, paid_for) = facts?;
    let known = by_hash.then(|| Known::of(named, rows, &parts));
    timings.add("count past due and plan parts", clock);
    timings.add_secs("hold payments against the posted lists", posting_secs);
    Ok(Work {
        whole: fundaudit_rules::context::Whole {
            past_due,
            rows: fundaudit_rules::context::Rows::of(ledgers),
            posting,
            paid_for,
        },
        units: parts.into_iter().map(Unit::Rows).collect(),
        known,
    })
}

/// Reads a stage's parts for the whole-run facts, and checks that the stage's cut still
/// holds: it kept rows of one allocation, account or beneficiary id together, whatever
/// the config, but a person is a registry cluster, and this run's identity settings may
/// join registrations the stage's kept apart. Parts that share a person are read as one.
/// With the stage's own identity settings the clusters are the stage's, and the check is
/// skipped.
fn staged(
    people: &Context,
    parts: &fundaudit_input::stage::Parts,
    timings: &mut Timings,
) -> Result<Work> {
    use rayon::prelude::*;
    let clock = std::time::Instant::now();
    // Each part's whole-run facts (past-due counts, posted lists, what an invalid-ID
    // finding's namesakes were paid for) and the people it holds, two parts at a time (one
    // per core), only the columns they need.
    type Counted = (PastDue, Posting, PaidFor, Vec<u64>);
    let read: Vec<Result<Counted>> = (0..parts.count)
        .into_par_iter()
        .map(|k| {
            // The beneficiary ids only to check the cut (see above).
            let who: &[&str] = if parts.same_people {
                &[]
            } else {
                &["beneficiary_id"]
            };
            // With posted lists, what their payments are held against (see Posting).
            let posted: &[&str] = if people.ledgers.notices.is_some() {
                &["payment_id", "paid_date", "amount_fen", "beneficiary_id"]
            } else {
                &[]
            };
            let mut paid = [&["allocation_id"][..], who, posted].concat();
            // The beneficiary ids also for what the people an invalid-ID finding may
            // name were paid for (PaidFor).
            let due = [
                "allocation_id",
                "program",
                "period",
                "amount_fen",
                "funds_received_date",
                "due_date",
                "beneficiary_id",
            ];
            let mut seen = std::collections::HashSet::new();
            paid.retain(|c| seen.insert(*c));
            let (payments, allocations) = parts.read(k, Some((&paid, &due)))?;
            let named = Named::by_text(&allocations, &payments)?;
            let past_due = PastDue::of(&allocations, &named, &people.config, people.as_of)?;
            let posting = Posting::of(people, &allocations, &payments, &named)?;
            let paid_for = PaidFor::of(people, &allocations, &named)?;
            let mut persons: Vec<u64> = Vec::new();
            let check = if parts.same_people {
                Vec::new()
            } else {
                vec![&payments, &allocations]
            };
            for frame in check {
                for ben in frame.column("beneficiary_id")?.str()?.iter() {
                    persons.push(person_key(people, ben));
                }
            }
            persons.sort_unstable();
            persons.dedup();
            Ok((past_due, posting, paid_for, persons))
        })
        .collect();
    let mut past_due = PastDue::default();
    let mut posting = Posting::default();
    let mut paid_for = PaidFor::default();
    let mut home: FxHashMap<u64, u32> = FxHashMap::default();
    let mut c = Components {
        parent: (0..parts.count as u32).collect(),
    };
    for (k, part) in read.into_iter().enumerate() {
        let (counted, posted, paid, persons) = part?;
        past_due.merge(counted);
        posting.merge(posted);
        paid_for.merge(paid);
        for key in persons.into_iter().filter(|&key| key != 0) {
            let at = *home.entry(key).or_insert(k as u32);
            c.union(at, k as u32);
        }
    }
    timings.add("count past due", clock);
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut group_of: FxHashMap<u32, usize> = FxHashMap::default();
    for k in 0..parts.count {
        let root = c.find(k as u32);
        let g = *group_of.entry(root).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(k);
    }
    if groups.len() < parts.count {
        tracing::warn!(
            parts = parts.count,
            read_as = groups.len(),
            "this run's identity settings join people the stage's kept apart: {} staged parts read as {}",
            parts.count,
            groups.len()
        );
    }
    let whole = fundaudit_rules::context::Whole {
        past_due,
        posting: posting.finish(),
        paid_for,
        rows: fundaudit_rules::context::Rows {
            beneficiaries: people.ledgers.beneficiaries.height(),
            allocations: parts.allocation_rows,
            payments: parts.payment_rows,
        },
    };
    Ok(Work {
        whole,
        units: groups
            .into_iter()
            .map(|group| Unit::Staged(parts.clone(), group))
            .collect(),
        known: None,
    })
}

/// Stage wall times, summed over the parts.
#[derive(Default)]
struct Timings(Vec<(String, f64)>);

impl Timings {
    fn add(&mut self, name: &str, since: std::time::Instant) {
        self.add_secs(name, since.elapsed().as_secs_f64());
    }

    fn add_secs(&mut self, name: &str, secs: f64) {
        match self.0.iter_mut().find(|(n, _)| n == name) {
            Some(t) => t.1 += secs,
            None => self.0.push((name.to_string(), secs)),
        }
    }
}

/// Runs the rules over the ledgers of `people`, a part at a time (see the module
/// comment), the whole-run facts counted first.
pub fn audit(people: Context) -> Result<Audited> {
    let prepared = prepare(people)?;
    let done = audit_units(&prepared)?;
    prepared.finish(done)
}

/// Units audited at once: two on two cores or more.
fn lanes() -> usize {
    rayon::current_num_threads().clamp(1, 2)
}

/// Every unit of `prepared`, in unit order, two at a time on two cores or more.
///
/// A part spends much of its time on one core (a join, a rule's serial pass, the rows
/// kept): alone it used 1.5 of two cores at a million people. A second part beside it
/// fills the gaps; each part's own parallel work still goes to the one rayon pool, so
/// the cores are shared, not oversubscribed. Two and not more: each part in flight holds
/// its rows, links and views; a run cut in memory cuts its parts to half of
/// `partition_rows` for it, and a stage's parts (cut when it was made) hold one part
/// more in memory than one at a time would. The results are put together in unit order,
/// so no finding depends on which part ended first; of two failures the earlier unit's
/// is said.
fn audit_units(prepared: &Prepared) -> Result<Vec<UnitResult>> {
    fundaudit_core::lanes::in_order(
        prepared.units(),
        lanes(),
        |k| prepared.audit_unit(k),
        Result::is_err,
    )
    .into_iter()
    .collect()
}

/// A run ready to audit its units: the people with the whole-run facts, and the units
/// (parts, or groups of staged parts) to read. Each unit is audited on its own — here
/// two at a time ([`audit_units`]), on a cluster by the task its rows are shuffled to
/// ([`fundaudit_ballista`]) — and the results are put together by
/// [`Prepared::finish`] in unit order, so where a unit ran does not change a finding.
pub struct Prepared {
    people: Context,
    units: Vec<Unit>,
    known: Option<Known>,
    timings: Timings,
    /// Where the people's own timings end (each part's context copies them).
    base: usize,
    /// The loaders' rejects, kept out of each part's context (see [`prepare`]).
    rejects: Vec<fundaudit_input::Reject>,
}

/// What the rules found in one unit, and the rows those findings name.
pub struct UnitResult {
    pub findings: DataFrame,
    pub digits: fundaudit_rules::analytics::DigitCounts,
    /// The unit's payments and allocations that a finding lists.
    pub payments: DataFrame,
    pub allocations: DataFrame,
    pub timings: Vec<(String, f64)>,
}

/// Counts the whole-run facts and cuts (or reads the cut of) the units.
pub fn prepare(mut people: Context) -> Result<Prepared> {
    let mut timings = Timings::default();
    // The posted lists are matched once, here, before the payments are held against them
    // (their own line in the timings: at a province they are a million rows).
    let clock = std::time::Instant::now();
    people.notices()?;
    timings.add("match posted lists", clock);
    let work = match people.ledgers.staged.take() {
        Some(parts) => staged(&people, &parts, &mut timings)?,
        None => in_memory(&people, &mut timings)?,
    };
    Ok(prepared(people, work, timings))
}

/// A staged run prepared elsewhere (by a cluster's client): its whole-run facts and
/// the stage parts of each unit given, so nothing of the stage's payments and
/// allocations is read here.
pub fn prepare_given(
    mut people: Context,
    whole: fundaudit_rules::context::Whole,
    groups: Vec<Vec<usize>>,
) -> Result<Prepared> {
    let parts = people.ledgers.staged.take().ok_or_else(|| {
        fundaudit_core::error::Error::Argument(
            "the units given are a stage's, and this is no stage".into(),
        )
    })?;
    if let Some(part) = groups.iter().flatten().find(|&&k| k >= parts.count) {
        return Err(fundaudit_core::error::Error::Argument(format!(
            "part {part} of a stage of {} parts: the stage is not the one the units were cut from",
            parts.count
        )));
    }
    let units = groups
        .into_iter()
        .map(|group| Unit::Staged(parts.clone(), group))
        .collect();
    let work = Work {
        whole,
        units,
        known: None,
    };
    Ok(prepared(people, work, Timings::default()))
}

fn prepared(mut people: Context, work: Work, timings: Timings) -> Prepared {
    people.whole = std::sync::Arc::new(work.whole);
    let base = people.timings.len();
    // Each part's context copies the ledgers' accounting; the rejects (a dirty export has
    // hundreds of thousands) are only needed by the reports, so they wait outside.
    let rejects = std::mem::take(&mut people.ledgers.rejects);
    Prepared {
        people,
        units: work.units,
        known: work.known,
        timings,
        base,
        rejects,
    }
}

impl Prepared {
    pub fn units(&self) -> usize {
        self.units.len()
    }

    /// The whole-run facts the units' rules read.
    pub fn whole(&self) -> &fundaudit_rules::context::Whole {
        &self.people.whole
    }

    /// The stage parts of each unit, when the units are read from a stage.
    pub fn staged_parts(&self) -> Option<Vec<Vec<usize>>> {
        self.units
            .iter()
            .map(|u| match u {
                Unit::Staged(_, group) => Some(group.clone()),
                Unit::Rows(_) => None,
            })
            .collect()
    }

    /// Reads unit `k` and runs the rules over it (those of [`fundaudit_rules::ONCE`] with
    /// unit 0 only).
    pub fn audit_unit(&self, k: usize) -> Result<UnitResult> {
        let people = &self.people;
        let units = &self.units;
        let mut timings = Timings::default();
        let clock = std::time::Instant::now();
        let mut links = None;
        let (payments, allocations) = match &units[k] {
            Unit::Rows(_) if units.len() == 1 => {
                links = self.known.as_ref().and_then(|known| known.links(None));
                let l = &people.ledgers;
                (l.payments.clone(), l.allocations.clone())
            }
            Unit::Rows(part) => {
                links = self
                    .known
                    .as_ref()
                    .and_then(|known| known.links(Some(part)));
                part.take(&people.ledgers.payments, &people.ledgers.allocations)?
            }
            Unit::Staged(parts, group) => {
                let mut read = Vec::new();
                for &g in group {
                    read.push(parts.read(g, None)?);
                }
                let (p, a): (Vec<_>, Vec<_>) = read.into_iter().unzip();
                (
                    fundaudit_core::frame::stack(p)?,
                    fundaudit_core::frame::stack(a)?,
                )
            }
        };
        timings.add("read parts", clock);
        if units.len() > 1 {
            tracing::info!(
                part = k + 1,
                parts = units.len(),
                rows = payments.height() + allocations.height(),
                "part {} of {}",
                k + 1,
                units.len()
            );
        }
        let ctx = match links {
            Some((allocation_rows, registry_rows)) => {
                people.with_known_links(payments, allocations, &allocation_rows, &registry_rows)?
            }
            None => people.with_payments(payments, allocations)?,
        };
        self.rules(k, ctx, timings)
    }

    /// Runs the rules over unit `k` as linked by a join on the cluster: the rows of
    /// the join described in [`fundaudit_rules::link::joined`].
    pub fn audit_joined(&self, k: usize, joined: &DataFrame) -> Result<UnitResult> {
        let clock = std::time::Instant::now();
        let (payments, allocations, linked) =
            fundaudit_rules::link::from_join(joined, &self.people)?;
        let mut timings = Timings::default();
        timings.add("take the joined rows", clock);
        let ctx = self.people.with_linked(payments, allocations, linked)?;
        self.rules(k, ctx, timings)
    }

    /// The rules over unit `k`'s context.
    fn rules(&self, k: usize, ctx: Context, mut timings: Timings) -> Result<UnitResult> {
        for (name, secs) in &ctx.timings[self.base..] {
            timings.add_secs(name, *secs);
        }
        let clock = std::time::Instant::now();
        let run = fundaudit_rules::run_rules(&ctx, k == 0)?;
        timings.add("rules", clock);
        for (name, secs) in &run.timings {
            timings.add_secs(name, *secs);
        }
        let clock = std::time::Instant::now();
        let mut digits = fundaudit_rules::analytics::DigitCounts::default();
        let (counted, kept) = rayon::join(
            || digits.add(&ctx.linked),
            || -> PolarsResult<_> {
                let payments = named(&ctx, &ctx.ledgers.payments, "payment_id", &run.findings)?;
                let allocations = named(
                    &ctx,
                    &ctx.ledgers.allocations,
                    "allocation_id",
                    &run.findings,
                )?;
                Ok((payments, allocations))
            },
        );
        counted?;
        let (payments, allocations) = kept?;
        timings.add("count first digits, keep the rows findings name", clock);
        Ok(UnitResult {
            payments,
            allocations,
            findings: run.findings,
            digits,
            timings: timings.0,
        })
    }

    /// The units' results, in unit order, as one run's.
    pub fn finish(self, done: Vec<UnitResult>) -> Result<Audited> {
        let Prepared {
            mut people,
            units,
            known,
            mut timings,
            base,
            rejects,
        } = self;
        drop(known);
        let mut findings = fundaudit_core::findings::empty_frame()?;
        let mut digits = fundaudit_rules::analytics::DigitCounts::default();
        let (mut named_payments, mut named_allocations) = (Vec::new(), Vec::new());
        for unit in done {
            for (name, secs) in &unit.timings {
                timings.add_secs(name, *secs);
            }
            digits.merge(unit.digits);
            named_payments.push(unit.payments);
            named_allocations.push(unit.allocations);
            findings.vstack_mut_owned(unit.findings)?;
        }
        findings.rechunk_mut();
        let payments = fundaudit_core::frame::stack(named_payments)?;
        let allocations = fundaudit_core::frame::stack(named_allocations)?;
        // The whole ledgers are not needed past this point.
        people.ledgers.payments = people.ledgers.payments.clear();
        people.ledgers.allocations = people.ledgers.allocations.clear();
        people.ledgers.rejects = rejects;
        let clock = std::time::Instant::now();
        let mut context = people.with_payments(payments, allocations)?;
        context.timings.truncate(base);
        timings.add("link the rows findings name", clock);
        Ok(Audited {
            findings,
            timings: timings.0,
            digits,
            context,
            parts: units.len(),
        })
    }
}

/// The rows of `frame` whose `id` column a finding lists (in `<id>s`, `;`-separated), or
/// the last night's findings named ([`fundaudit_rules::context::Memo::keep_rows`]).
fn named(
    ctx: &Context,
    frame: &DataFrame,
    id: &str,
    findings: &DataFrame,
) -> PolarsResult<DataFrame> {
    let keep = ctx.memo.keep_rows.get();
    let listed: rustc_hash::FxHashSet<&str> =
        fundaudit_core::frame::text(findings, &format!("{id}s"))?
            .into_iter()
            .flatten()
            .flat_map(|ids| ids.split(';'))
            .filter(|s| !s.is_empty())
            .collect();
    fundaudit_core::frame::rows_where(frame, id, |v| {
        listed.contains(v) || keep.is_some_and(|k| k.contains(v))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The allocations' rows standing for their ids (`linked`) cut the rows as
        /// numbering every id does: the same parts, row for row. Payments name known
        /// and unknown allocation ids, or none; people and accounts are shared at random.
        /// The links found by the ids' hashes alone ([`cut_hashed`]) cut them so too.
        #[test]
        fn links_cut_as_ids_do(
            allocations in proptest::collection::vec(0u8..6, 0..30),
            payments in proptest::collection::vec((0u8..12, 0u8..8, 0u8..5), 0..60),
            max_rows in 1usize..12,
        ) {
            let id = |a: u8| (a > 0).then(|| format!("A{a}"));
            // Allocation ids are distinct in the ledger a link is made for.
            let allocation_ids: Vec<Option<String>> = (0..allocations.len())
                .map(|i| Some(format!("A{}", i + 1)))
                .collect();
            // Even people are registered (a cluster below 8), odd ones are not.
            let person = |p: u8| match p {
                0 => 0,
                p if p % 2 == 0 => REGISTERED | u64::from(p / 2),
                p => hash_of(UNREGISTERED, p),
            };
            let mut keys: Vec<RowKeys> = allocation_ids
                .iter()
                .zip(&allocations)
                .map(|(a, &p)| [text_key(ALLOCATION, a.as_deref()), person(p), 0])
                .collect();
            let mut linked = Vec::new();
            for &(a, p, account) in &payments {
                let a = id(a);
                keys.push([
                    text_key(ALLOCATION, a.as_deref()),
                    person(p),
                    if account == 0 { 0 } else { hash_of(ACCOUNT, account) },
                ]);
                linked.push(allocation_ids.iter().position(|x| *x == a).map(|r| r as u32));
            }
            let n = allocations.len();
            let numbered = cut(keys.clone(), n, max_rows, None, 0);
            prop_assert_eq!(&cut_hashed(keys.clone(), n, max_rows, 8), &numbered);
            prop_assert_eq!(cut(keys, n, max_rows, Some(&linked), 8), numbered);
        }
    }
}
