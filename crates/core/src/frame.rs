//! Typed access to frame columns, so rules read `text(df, "payee_name")?` and not a
//! chain of Polars casts. Values come out as plain vectors, or (for the rules' row views,
//! [`Texts`] and [`Numbers`]) are read row by row where they lie: rules walk rows many
//! times.

use polars::prelude::*;
use polars_arrow::array::{PrimitiveArray, Utf8ViewArray};
use polars_arrow::types::NativeType;

/// A text column's values, whether held as strings or as a categorical (see
/// [`coded`]); a categorical's values borrow its one copy of each text.
pub fn text<'a>(df: &'a DataFrame, name: &str) -> PolarsResult<Vec<Option<&'a str>>> {
    let column = df.column(name)?;
    match column.dtype() {
        DataType::Categorical(cats, _) => match cats.physical() {
            CategoricalPhysical::U8 => Ok(column.cat8()?.iter_str().collect()),
            CategoricalPhysical::U16 => Ok(column.cat16()?.iter_str().collect()),
            CategoricalPhysical::U32 => Ok(column.cat32()?.iter_str().collect()),
        },
        _ => Ok(column.str()?.iter().collect()),
    }
}

/// A text column read row by row where it lies, for the rules that walk a part's rows
/// many times: a million payments' ten text columns copied out as `Vec<Option<&str>>`
/// were 160 MB of fresh memory a part, most of a part's "row views" time. A single
/// chunk of strings or of 32-bit codes is read in place; any other shape (several
/// chunks, narrower codes) is copied out once as [`text`] does.
pub enum Texts<'a> {
    Views(&'a Utf8ViewArray),
    Coded(&'a PrimitiveArray<u32>, &'a CategoricalMapping),
    Rows(Vec<Option<&'a str>>),
}

impl<'a> Texts<'a> {
    pub fn of(df: &'a DataFrame, name: &str) -> PolarsResult<Self> {
        let column = df.column(name)?;
        let one = |chunks: usize| chunks == 1;
        Ok(match column.dtype() {
            DataType::Categorical(cats, _) if cats.physical() == CategoricalPhysical::U32 => {
                let ca = column.cat32()?;
                match one(ca.physical().chunks().len()) {
                    true => Texts::Coded(
                        ca.physical().downcast_iter().next().expect("one chunk"),
                        ca.get_mapping(),
                    ),
                    false => Texts::Rows(text(df, name)?),
                }
            }
            DataType::String => {
                let ca = column.str()?;
                match one(ca.chunks().len()) {
                    true => Texts::Views(ca.downcast_iter().next().expect("one chunk")),
                    false => Texts::Rows(text(df, name)?),
                }
            }
            _ => Texts::Rows(text(df, name)?),
        })
    }

    /// Row `row`'s text; None where it is missing. Panics past the end, as indexing does.
    #[inline]
    pub fn at(&self, row: usize) -> Option<&'a str> {
        match self {
            Texts::Views(a) => a.get(row),
            Texts::Coded(codes, mapping) => {
                value_at(codes, row).and_then(|c| mapping.cat_to_str(c))
            }
            Texts::Rows(rows) => rows[row],
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Texts::Views(a) => a.len(),
            Texts::Coded(codes, _) => codes.len(),
            Texts::Rows(rows) => rows.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A number column read row by row where it lies, as [`Texts`] reads text: one chunk of
/// the wanted type in place, anything else copied out once as [`int`] or [`day`] do.
pub enum Numbers<'a, T: NativeType> {
    InPlace(&'a PrimitiveArray<T>),
    Rows(Vec<Option<T>>),
}

impl<'a, T: NativeType> Numbers<'a, T> {
    /// Row `row`'s value; None where it is missing. Panics past the end, as indexing does.
    #[inline]
    pub fn at(&self, row: usize) -> Option<T> {
        match self {
            Numbers::InPlace(a) => value_at(a, row),
            Numbers::Rows(rows) => rows[row],
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Numbers::InPlace(a) => a.len(),
            Numbers::Rows(rows) => rows.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Row `row` of a number array; panics past its end, as indexing does.
#[inline]
fn value_at<T: NativeType>(a: &PrimitiveArray<T>, row: usize) -> Option<T> {
    let valid = a.validity().is_none_or(|v| v.get_bit(row));
    valid.then(|| a.value(row))
}

/// An integer column as [`Numbers`]: in place when it is one chunk of `Int64`.
pub fn ints<'a>(df: &'a DataFrame, name: &str) -> PolarsResult<Numbers<'a, i64>> {
    let column = df.column(name)?;
    if column.dtype() == &DataType::Int64 && column.i64()?.chunks().len() == 1 {
        return Ok(Numbers::InPlace(
            column.i64()?.downcast_iter().next().expect("one chunk"),
        ));
    }
    Ok(Numbers::Rows(int(df, name)?))
}

/// A date column as [`Numbers`] of days since 1970: in place when it is one chunk.
pub fn days<'a>(df: &'a DataFrame, name: &str) -> PolarsResult<Numbers<'a, i32>> {
    let physical = df.column(name)?.date()?.physical();
    Ok(match physical.chunks().len() {
        1 => Numbers::InPlace(physical.downcast_iter().next().expect("one chunk")),
        _ => Numbers::Rows(physical.iter().collect()),
    })
}

/// A text column as a code per row, dense from 0, and the text of each code: how to count
/// by a column that repeats a few texts (township, program) without hashing each row's
/// text. A [`coded`] column's codes are read as they are; one held as strings is coded
/// here.
pub fn codes<'a>(df: &'a DataFrame, name: &str) -> PolarsResult<(Vec<Option<u32>>, Vec<&'a str>)> {
    let column = df.column(name)?;
    Ok(match column.dtype() {
        DataType::Categorical(_, mapping) => {
            let physical = column.to_physical_repr().cast(&DataType::UInt32)?;
            let keys: Vec<Option<u32>> = physical.u32()?.iter().collect();
            dense(keys, |c| mapping.cat_to_str(c).unwrap_or(""))
        }
        _ => dense(column.str()?.iter(), |t| t),
    })
}

/// Each key numbered from 0 in the order first met, with the text of each number.
fn dense<'a, K: std::hash::Hash + Eq + Copy>(
    keys: impl IntoIterator<Item = Option<K>>,
    text: impl Fn(K) -> &'a str,
) -> (Vec<Option<u32>>, Vec<&'a str>) {
    let mut number: rustc_hash::FxHashMap<K, u32> = Default::default();
    let mut texts = Vec::new();
    let codes = keys
        .into_iter()
        .map(|k| {
            let k = k?;
            Some(*number.entry(k).or_insert_with(|| {
                texts.push(text(k));
                (texts.len() - 1) as u32
            }))
        })
        .collect();
    (codes, texts)
}

/// The rows of `df` whose `id` column holds a text `keep` keeps, in their order: how the
/// few rows findings name are taken out of a part's million (the ids looked at on every
/// core).
pub fn rows_where(
    df: &DataFrame,
    id: &str,
    keep: impl Fn(&str) -> bool + Sync,
) -> PolarsResult<DataFrame> {
    use rayon::prelude::*;
    let ids = Texts::of(df, id)?;
    let wanted: Vec<bool> = (0..ids.len())
        .into_par_iter()
        .map(|r| ids.at(r).is_some_and(&keep))
        .collect();
    df.filter(&BooleanChunked::from_slice("keep".into(), &wanted))
}

/// The type of a column that repeats a few texts (township, program, period, status,
/// source file): a 4-byte code per row over one shared dictionary. The global
/// categories keep codes alike across files, parts and the stage, so frames stack and
/// join without remapping.
pub fn coded() -> DataType {
    DataType::from_categories(Categories::global())
}

/// `df` with the `names` columns [`coded`], as the loader codes a ledger's repeating
/// columns: how tests (of every crate) make frames like the loader's.
pub fn with_coded(mut df: DataFrame, names: &[&str]) -> DataFrame {
    for name in names {
        let coded = df.column(name).unwrap().cast(&coded()).unwrap();
        df.with_column(coded).unwrap();
    }
    df
}

pub fn int(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<i64>>> {
    let c = df.column(name)?.cast(&DataType::Int64)?;
    Ok(c.i64()?.iter().collect())
}

/// A numeric column as floats; a frame without it as a missing value per row (a
/// screening has no case scores, an old stage no similarity).
pub fn floats(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    df.column(name)
        .and_then(|c| c.cast(&DataType::Float64))
        .and_then(|c| Ok(c.f64()?.iter().collect()))
        .unwrap_or_else(|_| vec![None; df.height()])
}

pub fn day(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<i32>>> {
    Ok(df.column(name)?.date()?.physical().iter().collect())
}

/// A text column a frame may lack (an optional column of a ledger, one a later stage
/// adds): its values, or a missing value per row, as [`floats`] reads numbers.
pub fn text_or_none<'a>(df: &'a DataFrame, name: &str) -> Vec<Option<&'a str>> {
    text(df, name).unwrap_or_else(|_| vec![None; df.height()])
}

/// As [`text_or_none`], for an integer column.
pub fn int_or_none(df: &DataFrame, name: &str) -> Vec<Option<i64>> {
    int(df, name).unwrap_or_else(|_| vec![None; df.height()])
}

/// As [`text_or_none`], for a date column.
pub fn day_or_none(df: &DataFrame, name: &str) -> Vec<Option<i32>> {
    day(df, name).unwrap_or_else(|_| vec![None; df.height()])
}

pub fn flag(df: &DataFrame, name: &str) -> PolarsResult<Vec<bool>> {
    Ok(df
        .column(name)?
        .bool()?
        .iter()
        .map(|b| b.unwrap_or(false))
        .collect())
}

/// Row indices in `rank` order, best first (rows without a rank last): how every
/// report lists findings and cases, whatever order the frame came in (the case ledger
/// puts new and changed findings first).
pub fn rank_order(df: &DataFrame) -> Vec<usize> {
    let rank = int(df, "rank").unwrap_or_default();
    let mut order: Vec<usize> = (0..df.height()).collect();
    order.sort_by_key(|&i| rank.get(i).copied().flatten().unwrap_or(i64::MAX));
    order
}

/// Frames of one schema stacked into one (empty without frames).
pub fn stack(frames: Vec<DataFrame>) -> PolarsResult<DataFrame> {
    let mut it = frames.into_iter();
    let Some(mut out) = it.next() else {
        return Ok(DataFrame::default());
    };
    for f in it {
        out.vstack_mut_owned(f)?;
    }
    out.rechunk_mut();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_each_text_once_whether_coded_or_not() {
        let towns = [
            Some("城关镇"),
            None,
            Some("化河乡"),
            Some("城关镇"),
            Some(""),
        ];
        let plain =
            DataFrame::new(towns.len(), vec![Column::new("township".into(), towns)]).unwrap();
        for df in [plain.clone(), with_coded(plain, &["township"])] {
            let (codes, texts) = codes(&df, "township").unwrap();
            let back: Vec<Option<&str>> =
                codes.iter().map(|c| c.map(|c| texts[c as usize])).collect();
            assert_eq!(back, towns, "{:?}", df.column("township").unwrap().dtype());
            assert_eq!(texts.len(), 3, "one code per text: {texts:?}");
        }
    }

    #[test]
    fn texts_and_numbers_read_in_place_as_copies_would() {
        let towns = [
            Some("城关镇"),
            None,
            Some("一个很长的乡镇名字超过十二字节"),
            Some(""),
        ];
        let fen = [Some(62_000i64), None, Some(-5), Some(0)];
        let one = DataFrame::new(
            towns.len(),
            vec![
                Column::new("township".into(), towns),
                Column::new("fen".into(), fen),
            ],
        )
        .unwrap();
        // Two chunks: the copied-out shape.
        let mut two = one.slice(0, 2);
        two.vstack_mut(&one.slice(2, 2)).unwrap();
        let coded = with_coded(one.clone(), &["township"]);
        for (df, in_place) in [(&one, true), (&coded, true), (&two, false)] {
            let texts = Texts::of(df, "township").unwrap();
            let numbers = ints(df, "fen").unwrap();
            assert_eq!(matches!(texts, Texts::Rows(_)), !in_place);
            assert_eq!(matches!(numbers, Numbers::Rows(_)), !in_place);
            let read: Vec<Option<&str>> = (0..texts.len()).map(|r| texts.at(r)).collect();
            assert_eq!(read, towns);
            let read: Vec<Option<i64>> = (0..numbers.len()).map(|r| numbers.at(r)).collect();
            assert_eq!(read, fen);
        }
        let texts = Texts::of(&one, "township").unwrap();
        let past = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| texts.at(4)));
        assert!(past.is_err(), "a row past the end panics as indexing would");
    }
}
