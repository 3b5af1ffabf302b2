//! Shared mechanics of the rules: which allocation and which registered person each
//! payment belongs to. Computed once per run.

use polars::prelude::*;

/// Column names of the linked payments frame.
pub mod cols {
    /// Whether the payment's allocation_id exists in allocations.csv.
    pub const ALLOC_FOUND: &str = "alloc_found";
    pub const ALLOC_AMOUNT_FEN: &str = "alloc_amount_fen";
    /// Row of the resolved beneficiary in the registry (null when unregistered).
    pub const REG_ROW: &str = "reg_row";
    pub const PERSON: &str = "person";
    /// Row of the payment's allocation in the allocations frame (null when not found).
    pub const ALLOC_ROW: &str = "alloc_row";
    /// The beneficiary the bank recorded on the payment, before the allocation's replaces it.
    pub const PAID_BENEFICIARY: &str = "paid_beneficiary_id";
}

/// Where a beneficiary id is in the registry: its row and township.
pub trait Registry: Sync {
    fn row(&self, beneficiary_id: &str) -> Option<usize>;
    fn township(&self, row: usize) -> &str;
}

/// Payments joined to their allocation and to the registry.
///
/// The person a payment was for is the allocation's beneficiary when the allocation is
/// known (entitlement decides whose money it was), else the beneficiary id the bank
/// recorded. Program and township likewise come from the allocation first.
///
/// The allocation is a join (the part's allocations); the registry is a lookup in the
/// run's index, not a join: a join would hash the whole registry again for every part.
pub fn link_payments(
    payments: &DataFrame,
    allocations: &DataFrame,
    registry: &dyn Registry,
) -> PolarsResult<DataFrame> {
    use rayon::prelude::*;
    let joined = payments
        .clone()
        .lazy()
        .with_column(col("beneficiary_id").alias(cols::PAID_BENEFICIARY))
        .left_join(
            allocation_side(
                allocations
                    .clone()
                    .lazy()
                    .with_row_index(cols::ALLOC_ROW, None),
            ),
            col("allocation_id"),
            col("allocation_id"),
        );
    let linked = with_allocation_first(joined).collect()?;
    let bens = fundaudit_core::frame::Texts::of(&linked, "beneficiary_id")?;
    let rows: Vec<Option<usize>> = (0..bens.len())
        .into_par_iter()
        .map(|r| bens.at(r).and_then(|b| registry.row(b)))
        .collect();
    drop(bens);
    with_registry(linked, &rows, registry)
}

/// [`link_payments`] where the run knows each payment's allocation row in `allocations`
/// (`allocation_rows`, None where its id names none) and the registry row of the person
/// it was for (`registry_rows`) already: the cut into parts worked both out for the
/// whole run, and a part's join and registry lookups were a tenth of a night's work.
/// The rows come out as [`link_payments`] gives them when the allocations' ids are
/// distinct (one row per payment, in the payments' order).
pub fn link_known(
    payments: &DataFrame,
    allocations: &DataFrame,
    allocation_rows: &[Option<IdxSize>],
    registry_rows: &[Option<usize>],
    registry: &dyn Registry,
) -> PolarsResult<DataFrame> {
    let rows = IdxCa::from_iter_options(cols::ALLOC_ROW.into(), allocation_rows.iter().copied());
    let n = allocations.height() as IdxSize;
    if allocation_rows.len() != payments.height()
        || registry_rows.len() != payments.height()
        || allocation_rows.iter().flatten().any(|&r| r >= n)
    {
        polars_bail!(ComputeError: "the known links do not fit this part's rows");
    }
    let mut gathered = allocations.take(&rows)?;
    gathered.with_column(rows.into_column())?;
    let mut side = allocation_side(gathered.lazy()).collect()?;
    side.drop_in_place("allocation_id")?;
    // Found where the payment has an allocation row (`lit(true)` is true on every row).
    let found: BooleanChunked = allocation_rows.iter().map(|r| Some(r.is_some())).collect();
    side.with_column(found.with_name(cols::ALLOC_FOUND.into()).into_column())?;
    let mut joined = payments.clone();
    joined.with_column(
        payments
            .column("beneficiary_id")?
            .clone()
            .with_name(cols::PAID_BENEFICIARY.into()),
    )?;
    let joined = joined.hstack(side.columns())?;
    let linked = with_allocation_first(joined.lazy()).collect()?;
    with_registry(linked, registry_rows, registry)
}

/// The allocation's columns a payment is joined to, named apart from the payment's own.
fn allocation_side(allocations: LazyFrame) -> LazyFrame {
    allocations.select([
        col("allocation_id"),
        col(cols::ALLOC_ROW).cast(DataType::Int64),
        col("beneficiary_id").alias("alloc_beneficiary_id"),
        col("program").alias("alloc_program"),
        col("period"),
        col("township").alias("alloc_township"),
        col("amount_fen").alias(cols::ALLOC_AMOUNT_FEN),
        lit(true).alias(cols::ALLOC_FOUND),
    ])
}

/// The person and program the allocation names, else the payment's own.
fn with_allocation_first(joined: LazyFrame) -> LazyFrame {
    joined.with_columns([
        coalesce(&[col("alloc_beneficiary_id"), col("beneficiary_id")]).alias("beneficiary_id"),
        col(cols::ALLOC_FOUND).fill_null(lit(false)),
        coalesce(&[col("alloc_program"), col("program")]).alias("program"),
    ])
}

/// The linked payments' registry rows and townships (the allocation's, else the
/// person's), and the columns the rules read, in their order.
fn with_registry(
    mut linked: DataFrame,
    rows: &[Option<usize>],
    registry: &dyn Registry,
) -> PolarsResult<DataFrame> {
    let alloc_town = fundaudit_core::frame::Texts::of(&linked, "alloc_township")?;
    let township: Vec<Option<&str>> = (0..alloc_town.len())
        .map(|i| {
            let r = rows[i];
            alloc_town
                .at(i)
                .or_else(|| r.map(|r| registry.township(r)).filter(|t| !t.is_empty()))
        })
        .collect();
    let township = Column::new("township".into(), township);
    let reg_row = Column::new(
        cols::REG_ROW.into(),
        rows.iter().map(|r| r.map(|r| r as i64)).collect::<Vec<_>>(),
    );
    drop(alloc_town);
    linked.with_column(township)?;
    linked.with_column(reg_row)?;
    linked.select([
        "payment_id",
        "allocation_id",
        "beneficiary_id",
        "payee_name",
        "payee_account",
        "amount_fen",
        "paid_date",
        "program",
        "period",
        "township",
        cols::ALLOC_FOUND,
        cols::ALLOC_ROW,
        cols::ALLOC_AMOUNT_FEN,
        cols::PAID_BENEFICIARY,
        cols::REG_ROW,
        fundaudit_input::LINE,
    ])
}

/// Linking done by a join elsewhere (the cluster's: `fundaudit_ballista`), and the names
/// of its columns. The join is the unit's payments FULL JOIN its allocations on
/// `allocation_id`, LEFT JOIN the registry on the linked beneficiary id; a payment's
/// columns come prefixed [`PAYMENT`], an allocation's [`ALLOCATION`] (each with its
/// stage part and row, `fundaudit_input::stage::PART` and `ROW`), and the join computes
/// the linked columns [`link_payments`] computes: `beneficiary_id`, `program` and
/// `township` as named here, and the registry row as [`cols::REG_ROW`].
pub mod joined {
    pub const PAYMENT: &str = "pay:";
    pub const ALLOCATION: &str = "alloc:";
    pub const BENEFICIARY: &str = "beneficiary_id";
    pub const PROGRAM: &str = "program";
    pub const TOWNSHIP: &str = "township";
}

/// A unit's payments, allocations and linked payments (as [`link_payments`] gives them)
/// from the rows of the join described in [`joined`], which come in no particular order.
///
/// The ledgers' order is the stage's (part, then row), as a local run reads them; a
/// payment that met two allocations of one id (two files of a folder) is linked twice,
/// as a local join links it; of two registry rows with one id the later is the
/// payment's, as the registry's index finds it.
pub fn from_join(
    joined: &DataFrame,
    registry: &dyn Registry,
) -> PolarsResult<(DataFrame, DataFrame, DataFrame)> {
    use fundaudit_input::stage::{PART, ROW};
    let pay = |c: &str| format!("{}{c}", joined::PAYMENT);
    let alloc = |c: &str| format!("{}{c}", joined::ALLOCATION);
    // Where each row of `df` is in the stage: its part and row, of the prefix's ledger.
    let place = |df: &DataFrame, prefix: &str| -> PolarsResult<Vec<Option<(i64, i64)>>> {
        let parts = fundaudit_core::frame::int(df, &format!("{prefix}{PART}"))?;
        let rows = fundaudit_core::frame::int(df, &format!("{prefix}{ROW}"))?;
        Ok(parts.into_iter().zip(rows).map(|(p, r)| p.zip(r)).collect())
    };
    let pay_at = place(joined, joined::PAYMENT)?;
    let alloc_at = place(joined, joined::ALLOCATION)?;
    let reg = fundaudit_core::frame::int(joined, cols::REG_ROW)?;

    // The ledgers: each row once, in the stage's order, without the join's prefix.
    let ledger =
        |at: &[Option<(i64, i64)>], prefix: &str| -> PolarsResult<(DataFrame, Vec<(i64, i64)>)> {
            let mut order: Vec<(i64, i64, IdxSize)> = at
                .iter()
                .enumerate()
                .filter_map(|(i, a)| a.map(|(p, r)| (p, r, i as IdxSize)))
                .collect();
            order.sort_unstable();
            order.dedup_by_key(|o| (o.0, o.1));
            let rows = IdxCa::from_vec("rows".into(), order.iter().map(|o| o.2).collect());
            let names: Vec<PlSmallStr> = joined
                .get_column_names()
                .into_iter()
                .filter(|n| n.starts_with(prefix) && ![PART, ROW].contains(&&n[prefix.len()..]))
                .cloned()
                .collect();
            let mut df = joined.select(names)?.take(&rows)?;
            let renamed: Vec<PlSmallStr> = df
                .get_column_names()
                .iter()
                .map(|n| n[prefix.len()..].into())
                .collect();
            df.set_column_names(&renamed)?;
            Ok((df, order.iter().map(|o| (o.0, o.1)).collect()))
        };
    let (mut payments, _) = ledger(&pay_at, joined::PAYMENT)?;
    let (mut allocations, alloc_order) = ledger(&alloc_at, joined::ALLOCATION)?;
    fundaudit_input::stage::coded_again(&mut payments, &fundaudit_core::spec::PAYMENTS)?;
    fundaudit_input::stage::coded_again(&mut allocations, &fundaudit_core::spec::ALLOCATIONS)?;

    // The linked payments: every payment row of the join, in the payments' order (then
    // its allocation's), one registry row each.
    let alloc_row: rustc_hash::FxHashMap<(i64, i64), i64> = alloc_order
        .iter()
        .enumerate()
        .map(|(i, &at)| (at, i as i64))
        .collect();
    // (payment's place, its allocation's, registry row, row of the join)
    type Linked = ((i64, i64), Option<(i64, i64)>, Option<i64>, IdxSize);
    let mut order: Vec<Linked> = pay_at
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.map(|p| (p, alloc_at[i], reg[i], i as IdxSize)))
        .collect();
    order.sort_unstable();
    // Sorted by registry row last: the later of two registry rows of one id is kept.
    let mut kept: Vec<IdxSize> = Vec::with_capacity(order.len());
    for (i, o) in order.iter().enumerate() {
        if order
            .get(i + 1)
            .is_none_or(|next| (next.0, next.1) != (o.0, o.1))
        {
            kept.push(o.3);
        }
    }
    // Each kept payment's allocation, if the join found one.
    let found: Vec<Option<(i64, i64)>> = kept.iter().map(|&i| alloc_at[i as usize]).collect();
    // Each linked column from the join's column of that name, in `link_payments`' order;
    // the allocation's found and row from its place in the stage.
    let from: [(String, &str); 14] = [
        (pay("payment_id"), "payment_id"),
        (pay("allocation_id"), "allocation_id"),
        (joined::BENEFICIARY.into(), "beneficiary_id"),
        (pay("payee_name"), "payee_name"),
        (pay("payee_account"), "payee_account"),
        (pay("amount_fen"), "amount_fen"),
        (pay("paid_date"), "paid_date"),
        (joined::PROGRAM.into(), "program"),
        (alloc("period"), "period"),
        (joined::TOWNSHIP.into(), "township"),
        (alloc("amount_fen"), cols::ALLOC_AMOUNT_FEN),
        (pay("beneficiary_id"), cols::PAID_BENEFICIARY),
        (cols::REG_ROW.into(), cols::REG_ROW),
        (pay(fundaudit_input::LINE), fundaudit_input::LINE),
    ];
    // Only the columns wanted are taken: a join row holds both ledgers' columns.
    let linked_rows = joined
        .select(from.iter().map(|(name, _)| name.clone()))?
        .take(&IdxCa::from_vec("rows".into(), kept))?;
    let mut columns: Vec<Column> = from
        .iter()
        .map(|(name, to)| Ok(linked_rows.column(name)?.clone().with_name((*to).into())))
        .collect::<PolarsResult<_>>()?;
    columns.push(Column::new(
        cols::ALLOC_FOUND.into(),
        found.iter().map(Option::is_some).collect::<Vec<_>>(),
    ));
    columns.push(Column::new(
        cols::ALLOC_ROW.into(),
        found
            .iter()
            .map(|f| f.and_then(|at| alloc_row.get(&at).copied()))
            .collect::<Vec<_>>(),
    ));
    let mut linked = DataFrame::new(linked_rows.height(), columns)?;
    // The columns and types a local link gives (coded text, row numbers as Int64).
    let local = link_payments(&payments.clear(), &allocations.clear(), registry)?;
    for (name, dtype) in local.schema().iter() {
        let cast = linked.column(name)?.cast(dtype)?;
        linked.with_column(cast)?;
    }
    let linked = linked.select(local.get_column_names_owned())?;
    Ok((payments, allocations, linked))
}

/// Which allocation each payment names, and which allocations some payment names: what
/// the whole-run facts read (the past-due counts, [`crate::past_due::PastDue`]; the
/// payments held against the posted lists, [`crate::publicity::Posting`]), worked out
/// once for both.
#[derive(Debug, Clone, Default)]
pub struct Named {
    /// Per payment row: the allocation row its `allocation_id` names (of an id written
    /// on two allocation rows, the last).
    pub allocation: Vec<Option<u32>>,
    /// Per allocation row: whether any payment names its id.
    pub paid: Vec<bool>,
}

impl Named {
    /// By the ids' text.
    pub fn by_text(allocations: &DataFrame, payments: &DataFrame) -> PolarsResult<Named> {
        use rayon::prelude::*;
        let alloc_ids = fundaudit_core::frame::text(allocations, "allocation_id")?;
        let pay_ids = fundaudit_core::frame::text(payments, "allocation_id")?;
        let mut row_of: rustc_hash::FxHashMap<&str, u32> = Default::default();
        row_of.reserve(alloc_ids.len());
        for (i, id) in alloc_ids.iter().enumerate() {
            if let Some(id) = id {
                row_of.insert(id, i as u32);
            }
        }
        let allocation: Vec<Option<u32>> = pay_ids
            .par_iter()
            .map(|id| id.and_then(|id| row_of.get(id).copied()))
            .collect();
        let named: rustc_hash::FxHashSet<&str> = allocation
            .iter()
            .flatten()
            .filter_map(|&r| alloc_ids[r as usize])
            .collect();
        let paid = alloc_ids
            .par_iter()
            .map(|id| id.is_some_and(|id| named.contains(id)))
            .collect();
        Ok(Named { allocation, paid })
    }

    /// By hashes of the ids already worked out (for cutting the run into parts: 0 for a
    /// row without an id), each match checked against the text (`alloc_id`, `pay_id`: a
    /// row's id, read where it lies rather than copied out). None where two
    /// allocation rows share a hash — an id written twice, two ids that collide, or an
    /// empty id — for [`Named::by_text`] to answer.
    pub fn by_hash<'a>(
        alloc_id: impl Fn(usize) -> Option<&'a str> + Sync,
        alloc_hash: &[u64],
        pay_id: impl Fn(usize) -> Option<&'a str> + Sync,
        pay_hash: &[u64],
    ) -> Option<Named> {
        use rayon::prelude::*;
        let unhashed = |(i, &h): (usize, &u64)| h == 0 && alloc_id(i).is_some();
        if alloc_hash.par_iter().enumerate().any(unhashed) {
            return None;
        }
        let rows = fundaudit_core::hash::RowsByHash::distinct(alloc_hash)?;
        let allocation = rows.find(pay_hash, |p, r| alloc_id(r) == pay_id(p));
        let mut paid = vec![false; alloc_hash.len()];
        for &r in allocation.iter().flatten() {
            paid[r as usize] = true;
        }
        Some(Named { allocation, paid })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fundaudit_input::stage::{PART, ROW};
    use proptest::prelude::*;

    fn hash(id: &Option<&str>) -> u64 {
        id.map_or(0, |id| fundaudit_core::hash::fx(id).max(1))
    }

    fn named_by_hash(alloc: &[Option<&str>], pay: &[Option<&str>]) -> Option<Named> {
        let (ah, ph): (Vec<u64>, Vec<u64>) = (
            alloc.iter().map(hash).collect(),
            pay.iter().map(hash).collect(),
        );
        Named::by_hash(|r| alloc[r], &ah, |r| pay[r], &ph)
    }

    fn named_by_text(alloc: &[Option<&str>], pay: &[Option<&str>]) -> Named {
        let allocations = df!("allocation_id" => alloc.to_vec()).unwrap();
        let payments = df!("allocation_id" => pay.to_vec()).unwrap();
        Named::by_text(&allocations, &payments).unwrap()
    }

    #[test]
    fn payments_name_their_allocations() {
        let alloc = [Some("A1"), Some("A2"), None, Some("A3")];
        let pay = [Some("A3"), Some("A9"), None, Some("A1"), Some("A3")];
        let named = named_by_hash(&alloc, &pay).unwrap();
        assert_eq!(named.allocation, [Some(3), None, None, Some(0), Some(3)]);
        assert_eq!(named.paid, [true, false, false, true]);
        let text = named_by_text(&alloc, &pay);
        assert_eq!((text.allocation, text.paid), (named.allocation, named.paid));
    }

    #[test]
    fn a_repeated_id_or_a_clash_is_left_to_the_text() {
        // An id on two allocation rows: every row of it is paid, a payment names the last.
        let alloc = [Some("A1"), Some("A2"), Some("A1")];
        let pay = [Some("A1")];
        assert!(named_by_hash(&alloc, &pay).is_none());
        let text = named_by_text(&alloc, &pay);
        assert_eq!(text.allocation, [Some(2)]);
        assert_eq!(text.paid, [true, false, true]);
        // Two ids of one hash among the allocations: not answered by hash.
        let ids = [Some("A1"), Some("A2")];
        assert!(Named::by_hash(|r| ids[r], &[7, 7], |_| Some("A2"), &[7]).is_none());
        // A payment whose id shares an allocation's hash but not its text names nothing.
        let named = Named::by_hash(|r| ids[r], &[7, 8], |_| Some("B5"), &[7]).unwrap();
        assert_eq!(
            (named.allocation, named.paid),
            (vec![None], vec![false, false])
        );
    }

    proptest! {
        /// Answered by hash, the links are the text's.
        #[test]
        fn by_hash_is_by_text(
            alloc in proptest::collection::vec(proptest::option::of("A[0-9]{1,2}"), 0..30),
            pay in proptest::collection::vec(proptest::option::of("A[0-9]{1,2}"), 0..30),
        ) {
            let alloc: Vec<Option<&str>> = alloc.iter().map(|a| a.as_deref()).collect();
            let pay: Vec<Option<&str>> = pay.iter().map(|a| a.as_deref()).collect();
            let text = named_by_text(&alloc, &pay);
            match named_by_hash(&alloc, &pay) {
                Some(named) => {
                    prop_assert_eq!(named.allocation, text.allocation);
                    prop_assert_eq!(named.paid, text.paid);
                }
                None => {
                    let ids: Vec<_> = alloc.iter().flatten().collect();
                    let distinct: std::collections::HashSet<_> = ids.iter().collect();
                    prop_assert!(distinct.len() < ids.len(), "left to the text without a repeated id");
                }
            }
        }
    }

    proptest! {
        /// Linked from the links a run's cut knows, the payments are the join's, row for
        /// row, where the allocations' ids are distinct.
        #[test]
        fn known_links_are_the_joins(
            order in Just((0..6usize).collect::<Vec<_>>()).prop_shuffle(),
            kept in 0..6usize,
            alloc_bens in proptest::collection::vec(proptest::option::of(0..5usize), 6),
            alloc_towns in proptest::collection::vec(proptest::option::of(0..2usize), 6),
            pays in proptest::collection::vec(
                (proptest::option::of(0..8usize), proptest::option::of(0..5usize), proptest::option::of(0..2usize)),
                0..12,
            ),
        ) {
            let reg = Reg(vec![("B0", "东镇"), ("B1", ""), ("B2", "西镇"), ("B1", "南镇")]);
            let ben = |b: Option<usize>| b.map(|b| format!("B{b}"));
            let programs = ["低保", "特困"];
            let towns = ["城关镇", "化河乡"];
            let ids: Vec<String> = order[..kept].iter().map(|a| format!("A{a}")).collect();
            let mut allocations = df!(
                "allocation_id" => ids.clone(),
                "program" => (0..kept).map(|i| programs[i % 2]).collect::<Vec<_>>(),
                "period" => vec!["2025-03"; kept],
                "beneficiary_id" => alloc_bens[..kept].iter().map(|&b| ben(b)).collect::<Vec<_>>(),
                "township" => alloc_towns[..kept].iter().map(|t| t.map(|t| towns[t])).collect::<Vec<_>>(),
                "amount_fen" => (0..kept as i64).map(|i| 100 * i).collect::<Vec<_>>(),
            )
            .unwrap();
            let mut payments = df!(
                "payment_id" => (0..pays.len()).map(|i| format!("P{i}")).collect::<Vec<_>>(),
                "allocation_id" => pays.iter().map(|p| p.0.map(|a| format!("A{a}"))).collect::<Vec<_>>(),
                "beneficiary_id" => pays.iter().map(|p| ben(p.1)).collect::<Vec<_>>(),
                "payee_name" => vec!["甲"; pays.len()],
                "payee_account" => vec!["6228"; pays.len()],
                "amount_fen" => vec![100i64; pays.len()],
                "paid_date" => vec![19_000i32; pays.len()],
                "program" => pays.iter().map(|p| p.2.map(|g| programs[g])).collect::<Vec<_>>(),
                fundaudit_input::LINE => (2..2 + pays.len() as i64).collect::<Vec<_>>(),
            )
            .unwrap();
            dated(&mut payments, "paid_date");
            fundaudit_input::stage::coded_again(&mut payments, &fundaudit_core::spec::PAYMENTS).unwrap();
            fundaudit_input::stage::coded_again(&mut allocations, &fundaudit_core::spec::ALLOCATIONS).unwrap();
            let expected = link_payments(&payments, &allocations, &reg).unwrap();

            // What the cut knows: the allocation row of each payment's id, and the
            // registry row of the allocation's beneficiary, else the payment's own.
            let rows: Vec<Option<IdxSize>> = pays
                .iter()
                .map(|p| p.0.and_then(|a| ids.iter().position(|id| *id == format!("A{a}"))))
                .map(|r| r.map(|r| r as IdxSize))
                .collect();
            let people: Vec<Option<usize>> = pays
                .iter()
                .zip(&rows)
                .map(|(p, r)| {
                    let theirs = r.and_then(|r| ben(alloc_bens[r as usize]));
                    theirs.or(ben(p.1)).and_then(|b| reg.row(&b))
                })
                .collect();
            let known = link_known(&payments, &allocations, &rows, &people, &reg).unwrap();
            prop_assert!(
                known.equals_missing(&expected),
                "known:\n{known}\njoin:\n{expected}"
            );
        }
    }

    #[test]
    fn known_links_that_do_not_fit_are_refused() {
        let reg = Reg(vec![]);
        let allocations = df!(
            "allocation_id" => ["A1"], "program" => ["低保"], "period" => ["2025-03"],
            "beneficiary_id" => ["B1"], "township" => ["城关镇"], "amount_fen" => [100i64],
        )
        .unwrap();
        let payments = df!(
            "payment_id" => ["P1"], "allocation_id" => ["A1"], "beneficiary_id" => ["B1"],
            "payee_name" => ["甲"], "payee_account" => ["1"], "amount_fen" => [100i64],
            "paid_date" => [19_000i32], "program" => ["低保"], fundaudit_input::LINE => [2i64],
        )
        .unwrap();
        for (rows, people) in [
            (vec![Some(1)], vec![None]),
            (vec![], vec![]),
            (vec![Some(0)], vec![]),
        ] {
            let got = link_known(&payments, &allocations, &rows, &people, &reg);
            assert!(got.is_err(), "{rows:?} {people:?}");
        }
    }

    /// Registry rows by id; of two rows with one id the later, as the run's index.
    struct Reg(Vec<(&'static str, &'static str)>);

    impl Registry for Reg {
        fn row(&self, id: &str) -> Option<usize> {
            self.0.iter().rposition(|r| r.0 == id)
        }
        fn township(&self, row: usize) -> &str {
            self.0[row].1
        }
    }

    fn dated(df: &mut DataFrame, name: &str) {
        let c = df.column(name).unwrap().cast(&DataType::Date).unwrap();
        df.with_column(c).unwrap();
    }

    #[test]
    fn a_join_made_elsewhere_links_as_the_local_join() {
        let reg = Reg(vec![
            ("B1", "东镇"),
            ("B2", "西镇"),
            ("B3", ""),
            ("B2", "南镇"),
        ]);
        // Part 0 and part 1 of a stage; P4's allocation is missing, P5 has none.
        let mut payments = df!(
            "payment_id" => ["P1", "P2", "P3", "P4", "P5"],
            "allocation_id" => [Some("A1"), Some("A2"), Some("A3"), Some("A9"), None],
            "beneficiary_id" => [Some("B1"), None, Some("B9"), Some("B2"), Some("BX")],
            "payee_name" => ["甲", "乙", "丙", "丁", "戊"],
            "payee_account" => ["1", "2", "3", "4", "5"],
            "amount_fen" => [100i64, 200, 300, 400, 500],
            "paid_date" => [19_000i32, 19_001, 19_002, 19_003, 19_004],
            "program" => [None, Some("低保"), None, Some("特困"), Some("低保")],
            fundaudit_input::LINE => [2i64, 3, 2, 3, 4],
        )
        .unwrap();
        dated(&mut payments, "paid_date");
        let pay_at = [(0i64, 0i64), (0, 1), (1, 0), (1, 1), (1, 2)];
        let mut allocations = df!(
            "allocation_id" => ["A1", "A2", "A3", "A4"],
            "beneficiary_id" => ["B1", "B3", "B2", "B1"],
            "program" => ["低保", "低保", "特困", "低保"],
            "period" => ["2025-01", "2025-01", "2025-02", "2025-03"],
            "township" => [Some("东镇"), None, None, Some("东镇")],
            "amount_fen" => [100i64, 250, 300, 100],
        )
        .unwrap();
        let alloc_at = [(0i64, 0i64), (0, 1), (1, 0), (1, 1)];
        fundaudit_input::stage::coded_again(&mut payments, &fundaudit_core::spec::PAYMENTS)
            .unwrap();
        fundaudit_input::stage::coded_again(&mut allocations, &fundaudit_core::spec::ALLOCATIONS)
            .unwrap();
        let expected = link_payments(&payments, &allocations, &reg).unwrap();

        // The join's rows as SQL would give them, in another order: (payment, its
        // allocation, the registry row of the linked beneficiary). B2 is registered
        // twice: its payment comes once per registry row.
        let rows: [(Option<usize>, Option<usize>, Option<usize>); 7] = [
            (None, Some(3), Some(0)),
            (Some(3), None, Some(1)),
            (Some(2), Some(2), Some(3)),
            (Some(4), None, None),
            (Some(0), Some(0), Some(0)),
            (Some(3), None, Some(3)),
            (Some(1), Some(1), Some(2)),
        ];
        let side = |frame: &DataFrame,
                    at: &[(i64, i64)],
                    pick: &dyn Fn(usize) -> Option<usize>,
                    prefix: &str| {
            let idx: Vec<Option<IdxSize>> = (0..rows.len())
                .map(|i| pick(i).map(|r| r as IdxSize))
                .collect();
            let idx = IdxCa::from_iter_options("rows".into(), idx.into_iter());
            let mut cols: Vec<Column> = frame
                .take(&idx)
                .unwrap()
                .columns()
                .iter()
                .map(|c| c.clone().with_name(format!("{prefix}{}", c.name()).into()))
                .collect();
            let place = |f: fn(&(i64, i64)) -> i64| -> Vec<Option<i64>> {
                (0..rows.len())
                    .map(|i| pick(i).map(|r| f(&at[r])))
                    .collect()
            };
            cols.push(Column::new(
                format!("{prefix}{PART}").into(),
                place(|a| a.0),
            ));
            cols.push(Column::new(format!("{prefix}{ROW}").into(), place(|a| a.1)));
            cols
        };
        let mut columns = side(&payments, &pay_at, &|i| rows[i].0, joined::PAYMENT);
        columns.extend(side(
            &allocations,
            &alloc_at,
            &|i| rows[i].1,
            joined::ALLOCATION,
        ));
        let text = |c: &str| fundaudit_core::frame::text(&payments, c).unwrap();
        let atext = |c: &str| fundaudit_core::frame::text(&allocations, c).unwrap();
        let (pb, pp) = (text("beneficiary_id"), text("program"));
        let (ab, ap, at) = (atext("beneficiary_id"), atext("program"), atext("township"));
        let linked = |f: &dyn Fn(Option<usize>, Option<usize>, Option<usize>) -> Option<String>| {
            rows.iter().map(|&(p, a, r)| f(p, a, r)).collect::<Vec<_>>()
        };
        // The allocation's value, else the payment's (SQL's COALESCE).
        let either = |av: &[Option<&str>], pv: &[Option<&str>]| {
            linked(&|p, a, _| {
                a.and_then(|a| av[a])
                    .or(p.and_then(|p| pv[p]))
                    .map(Into::into)
            })
        };
        columns.push(Column::new(joined::BENEFICIARY.into(), either(&ab, &pb)));
        columns.push(Column::new(joined::PROGRAM.into(), either(&ap, &pp)));
        columns.push(Column::new(
            joined::TOWNSHIP.into(),
            linked(&|_, a, r| {
                a.and_then(|a| at[a])
                    .or(r.map(|r| reg.0[r].1).filter(|t| !t.is_empty()))
                    .map(Into::into)
            }),
        ));
        columns.push(Column::new(
            cols::REG_ROW.into(),
            rows.iter()
                .map(|r| r.2.map(|r| r as i64))
                .collect::<Vec<_>>(),
        ));
        let joined = DataFrame::new(rows.len(), columns).unwrap();

        let (p, a, l) = from_join(&joined, &reg).unwrap();
        assert!(p.equals_missing(&payments), "{p:?}\n{payments:?}");
        assert!(a.equals_missing(&allocations), "{a:?}\n{allocations:?}");
        assert_eq!(l.schema(), expected.schema());
        assert!(l.equals_missing(&expected), "{l:?}\n{expected:?}");
    }
}
