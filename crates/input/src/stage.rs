//! Staged inputs (`fundaudit stage`): a data folder read and validated once and written
//! as typed Parquet, with the rejects and the account of every source file, so a nightly
//! run over ledgers that did not change skips parsing and validation. `run --data STAGE`
//! recognises a stage by its `stage.json` and loads the frames as they were validated.
//!
//! Payments and allocations are written in parts (`payments-0003.parquet`), cut as a
//! partitioned run cuts them (see `fundaudit_audit::partition`): a run on the stage reads one part
//! at a time and never holds the whole ledgers. The parts and the registry are written
//! for the cluster's readers too (DataFusion): plain text, rows numbered ([`PART`],
//! [`ROW`], [`REGISTRY_ROW`]).
//!
//! A stage remembers the input settings it was made with (`[columns]`, `[sheets]`,
//! `[inputs]`, `[status]`, `[lists]`): a run whose settings differ refuses the stage
//! rather than read the ledgers as another configuration would not have.

use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::bank;

use crate::loaded::FileCount;

use crate::loaded::Reject;
use fundaudit_core::config::Config;
use fundaudit_core::error::{Error, Result};

/// The stage's manifest, beside the Parquet files.
pub const MANIFEST: &str = "stage.json";
pub const PROGRAM: &str = "fundaudit stage";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub program: String,
    pub version: String,
    pub staged: String,
    /// The data folder staged.
    pub source: String,
    /// What the input settings were (see [`input_settings`]).
    pub input_settings: String,
    pub counts: Vec<FileCount>,
    pub rejects: Vec<Reject>,
    pub unused: Vec<String>,
    pub settled: bank::Settled,
    /// Per reference list of the config, in its order: staged or not found.
    pub lists: Vec<bool>,
    pub deaths: bool,
    pub officials: bool,
    #[serde(default)]
    pub notices: bool,
    #[serde(default)]
    pub land: bool,
    /// The project ledgers staged, by stem (see [`crate::inputs::ProjectLedgers`]).
    #[serde(default)]
    pub projects: Vec<String>,
    /// Parts of payments and allocations; 0 in a stage made before parts, which holds
    /// `payments.parquet` and `allocations.parquet` whole.
    #[serde(default)]
    pub parts: usize,
    /// The identity settings the parts were cut with (see [`identity_settings`]).
    #[serde(default)]
    pub identity_settings: String,
    /// Rows of payments and allocations, over all parts.
    #[serde(default)]
    pub payment_rows: usize,
    #[serde(default)]
    pub allocation_rows: usize,
}

/// The payments and allocations of a stage, left on disk in parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parts {
    pub dir: PathBuf,
    pub count: usize,
    pub payment_rows: usize,
    pub allocation_rows: usize,
    /// Whether this run resolves identities as the stage did (same `[identity]` and
    /// `[matching]`): then nobody the stage kept apart is one person now, and the cut
    /// need not be checked.
    pub same_people: bool,
}

/// The name of part `k`'s file of a ledger (`payments-0003`), without `.parquet`.
pub fn part_name(ledger: &str, k: usize) -> String {
    format!("{ledger}-{k:04}")
}

impl Parts {
    /// The payments and allocations of part `k`, with only `columns` of each when given.
    pub fn read(
        &self,
        k: usize,
        columns: Option<(&[&str], &[&str])>,
    ) -> Result<(DataFrame, DataFrame)> {
        let cols = |c: &[&str]| c.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        Ok((
            read_columns(
                &self.dir,
                &part_name("payments", k),
                columns.map(|c| cols(c.0)),
            )?,
            read_columns(
                &self.dir,
                &part_name("allocations", k),
                columns.map(|c| cols(c.1)),
            )?,
        ))
    }
}

/// The config sections that decide how inputs are read, as one text to compare.
pub fn input_settings(config: &Config) -> String {
    serde_json::json!({
        "columns": config.columns,
        "sheets": config.sheets,
        "inputs": config.inputs,
        "status": config.status,
        "lists": config.lists.iter().map(|l| (&l.file, &l.rule)).collect::<Vec<_>>(),
    })
    .to_string()
}

/// The config sections that decide who is who, hence which rows a cut keeps together.
pub fn identity_settings(config: &Config) -> String {
    serde_json::json!({
        "identity": config.identity,
        "matching": config.matching,
    })
    .to_string()
}

/// Whether `dir` is a stage.
pub fn is_stage(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join(MANIFEST))
        .ok()
        .and_then(|t| serde_json::from_str::<Manifest>(&t).ok())
        .is_some_and(|m| m.program == PROGRAM)
}

pub fn write_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

pub fn frame_file(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.parquet"))
}

/// The stage's registry: read by the cluster's identity plan
/// (`fundaudit_ballista::identity`) as well as by fundaudit.
pub const REGISTRY: &str = "beneficiaries";
/// The registry's row numbers, written beside it for readers that number rows otherwise
/// (DataFusion's `file_row_index()` does not survive Ballista's plan serialisation);
/// fundaudit's own reads leave the column out.
pub const REGISTRY_ROW: &str = "_registry_row";
/// A payment or allocation row's part, and its row in the part: written into the part
/// files for the cluster's audit (`fundaudit_ballista`), which reads every part as one
/// table and must still tell a part's rows and their order; fundaudit's reads leave them
/// out.
pub const PART: &str = "_part";
pub const ROW: &str = "_row";

/// Columns a stage writes for other readers and fundaudit's own reads leave out.
const NUMBERS: [&str; 3] = [REGISTRY_ROW, PART, ROW];

/// The stage's registry file for a reader other than fundaudit (the cluster's identity
/// plan): plain text with its row numbers, which a stage made before they were written
/// lacks.
pub fn registry_file(dir: &Path) -> Result<PathBuf> {
    let path = frame_file(dir, REGISTRY);
    numbered_schema(&path, REGISTRY_ROW)?;
    Ok(path)
}

/// A stage's payment and allocation parts as the cluster's audit reads them: the
/// files of each ledger, in part order, and their columns as written.
#[derive(Debug, Clone)]
pub struct PartFiles {
    pub payments: (Vec<PathBuf>, Schema),
    pub allocations: (Vec<PathBuf>, Schema),
}

/// The part files of the stage in `dir`, for a reader other than fundaudit; a stage made
/// before they were numbered, or before parts, is refused.
pub fn part_files(dir: &Path) -> Result<PartFiles> {
    let m = manifest(dir)?;
    let ledger = |name: &str| -> Result<(Vec<PathBuf>, Schema)> {
        let files: Vec<PathBuf> = (0..m.parts)
            .map(|k| frame_file(dir, &part_name(name, k)))
            .collect();
        let first = files
            .first()
            .cloned()
            .unwrap_or_else(|| frame_file(dir, name));
        let schema = numbered_schema(&first, ROW)?;
        Ok((files, schema))
    };
    Ok(PartFiles {
        payments: ledger("payments")?,
        allocations: ledger("allocations")?,
    })
}

impl PartFiles {
    /// Rows of part `k`, payments and allocations, from the files' footers.
    pub fn rows(&self, k: usize) -> Result<usize> {
        let mut rows = 0;
        for files in [&self.payments.0, &self.allocations.0] {
            let Some(path) = files.get(k) else { continue };
            let unreadable = |message: String| Error::Unreadable {
                path: path.display().to_string(),
                message,
            };
            let file = std::fs::File::open(path).map_err(|e| unreadable(e.to_string()))?;
            rows += ParquetReader::new(file)
                .num_rows()
                .map_err(|e| unreadable(e.to_string()))?;
        }
        Ok(rows)
    }
}

/// The schema of the stage file at `path`, which must carry the `numbers` column.
fn numbered_schema(path: &Path, numbers: &str) -> Result<Schema> {
    let unreadable = |message: String| Error::Unreadable {
        path: path.display().to_string(),
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| unreadable(e.to_string()))?;
    let schema = ParquetReader::new(file)
        .schema()
        .map_err(|e| unreadable(e.to_string()))?;
    if !schema.contains(numbers) {
        return Err(unreadable(format!(
            "no {numbers} column: the stage was made by an older fundaudit; stage the data folder again"
        )));
    }
    Ok(Schema::from_arrow_schema(&schema))
}

/// Who reads a stage file: a stage kept for many runs (`fundaudit stage`) is compressed
/// hard, with statistics (146 MB for a million people's 919 MB of CSV); what is read
/// once and removed (a chunk spilled on the way to the parts, every file of a stage made
/// on the way by `run`) is written as fast as it can be, LZ4 without statistics: zstd
/// was 8% of a stage's samples, spent on files read back minutes later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    Kept,
    ReadOnce,
}

/// A Parquet writer of `file` as `keep` says.
pub fn parquet_writer<W: std::io::Write>(file: W, keep: Keep) -> ParquetWriter<W> {
    let writer = ParquetWriter::new(file);
    match keep {
        Keep::Kept => writer,
        Keep::ReadOnce => writer
            .with_compression(ParquetCompression::Lz4Raw)
            .with_statistics(StatisticsOptions::empty()),
    }
}

pub fn write_frame(dir: &Path, name: &str, df: &DataFrame, keep: Keep) -> Result<()> {
    let numbers = if name == REGISTRY {
        vec![Column::new(
            REGISTRY_ROW.into(),
            (0..df.height() as i64).collect::<Vec<_>>(),
        )]
    } else {
        Vec::new()
    };
    write_plain(dir, name, df, numbers, keep)
}

/// Writes part `k` of `ledger` (its rows numbered from 0).
pub fn write_part(dir: &Path, ledger: &str, k: usize, df: &DataFrame, keep: Keep) -> Result<()> {
    let numbers = part_numbers(k, 0, df.height());
    write_plain(dir, &part_name(ledger, k), df, numbers, keep)
}

/// The [`PART`] and [`ROW`] columns of `rows` rows of part `k`, numbered from `first`.
pub fn part_numbers(k: usize, first: usize, rows: usize) -> Vec<Column> {
    vec![
        Column::new_scalar(PART.into(), Scalar::from(k as i64), rows),
        Column::new(
            ROW.into(),
            (first as i64..(first + rows) as i64).collect::<Vec<_>>(),
        ),
    ]
}

/// `df` with `numbers` as a stage writes it for other readers too: Polars writes a
/// categorical as a dictionary of string views, which the Arrow Parquet reader
/// (DataFusion's) cannot decode, so coded columns go as plain text (Parquet
/// dictionary-encodes them all the same) and are coded again when read
/// ([`read_parquet`]). Only numbered files (the registry, the parts) are read by others.
pub fn plain(df: &DataFrame, numbers: Vec<Column>) -> PolarsResult<DataFrame> {
    let mut df = df.clone();
    if numbers.is_empty() {
        return Ok(df);
    }
    for column in numbers {
        df.with_column(column)?;
    }
    recast(
        &mut df,
        |c| matches!(c.dtype(), DataType::Categorical(..)),
        &DataType::String,
    )?;
    Ok(df)
}

fn write_plain(
    dir: &Path,
    name: &str,
    df: &DataFrame,
    numbers: Vec<Column>,
    keep: Keep,
) -> Result<()> {
    let path = frame_file(dir, name);
    let mut df = plain(df, numbers).map_err(|e| write_error(&path, e))?;
    let file = fundaudit_core::safe_fs::create_private(&path).map_err(|e| write_error(&path, e))?;
    parquet_writer(file, keep)
        .finish(&mut df)
        .map_err(|e| write_error(&path, e))?;
    Ok(())
}

pub fn read_frame(dir: &Path, name: &str) -> Result<DataFrame> {
    read_columns(dir, name, None)
}

fn read_columns(dir: &Path, name: &str, columns: Option<Vec<String>>) -> Result<DataFrame> {
    read_parquet(dir, name, columns, None)
}

/// A stage file, with only `columns` and the rows of `slice` when given.
pub(crate) fn read_parquet(
    dir: &Path,
    name: &str,
    columns: Option<Vec<String>>,
    slice: Option<(usize, usize)>,
) -> Result<DataFrame> {
    let path = frame_file(dir, name);
    let file = std::fs::File::open(&path).map_err(|e| Error::Unreadable {
        path: path.display().to_string(),
        message: format!("{e}; the stage is incomplete: stage the data folder again"),
    })?;
    let unreadable = |e: PolarsError| Error::Unreadable {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let mut df = ParquetReader::new(file)
        .with_columns(columns)
        .with_slice(slice)
        .finish()
        .map_err(unreadable)?;
    let numbered = NUMBERS.iter().any(|n| df.column(n).is_ok());
    for n in NUMBERS {
        if df.column(n).is_ok() {
            df.drop_in_place(n).map_err(unreadable)?;
        }
    }
    if numbered || name == REGISTRY {
        // Written as plain text (see [`plain`]); a stage made before holds codes.
        let spec = spec_of(name);
        coded_again(&mut df, spec).map_err(unreadable)?;
    }
    Ok(df)
}

/// The ledger a stage file holds.
fn spec_of(name: &str) -> &'static fundaudit_core::spec::FileSpec {
    let ledger = name.trim_start_matches('.');
    if ledger.starts_with(REGISTRY) {
        &fundaudit_core::spec::BENEFICIARIES
    } else if ledger.starts_with("allocations") {
        &fundaudit_core::spec::ALLOCATIONS
    } else {
        &fundaudit_core::spec::PAYMENTS
    }
}

/// Codes the columns of `df` the loader codes (see `crate::validate::validate`): those
/// `spec` says repeat, and the source file's name.
pub fn coded_again(df: &mut DataFrame, spec: &fundaudit_core::spec::FileSpec) -> PolarsResult<()> {
    let repeats = |c: &Column| {
        c.dtype() == &DataType::String
            && (c.name().as_str() == super::stack::SOURCE
                || spec.column(c.name()).is_some_and(|s| s.repeats))
    };
    recast(df, repeats, &fundaudit_core::frame::coded())
}

/// Casts the columns of `df` that `which` picks to `to`.
fn recast(df: &mut DataFrame, which: impl Fn(&Column) -> bool, to: &DataType) -> PolarsResult<()> {
    let names: Vec<PlSmallStr> = df
        .columns()
        .iter()
        .filter(|c| which(c))
        .map(|c| c.name().clone())
        .collect();
    for name in names {
        let column = df.column(&name)?.cast(to)?;
        df.with_column(column)?;
    }
    Ok(())
}

pub(crate) fn manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::Unreadable {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    serde_json::from_str(&text).map_err(|e| Error::Unreadable {
        path: path.display().to_string(),
        message: format!("{e}; stage the data folder again with this version"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_goes_as_plain_text_with_its_rows_and_reads_back_coded() {
        let dir = tempfile::tempdir().unwrap();
        let mut registry = df!(
            "beneficiary_id" => ["B1", "B2", "B3"],
            "township" => [Some("城关镇"), None, Some("城关镇")],
            "village" => ["东村", "西村", "东村"],
        )
        .unwrap();
        registry = fundaudit_core::frame::with_coded(registry, &["township", "village"]);
        write_frame(dir.path(), REGISTRY, &registry, Keep::Kept).unwrap();
        write_frame(dir.path(), "deaths", &registry, Keep::ReadOnce).unwrap();
        let raw = |name: &str| {
            let file = std::fs::File::open(frame_file(dir.path(), name)).unwrap();
            ParquetReader::new(file).finish().unwrap()
        };
        // On disk: plain text any Arrow reader decodes, and the rows numbered.
        let on_disk = raw(REGISTRY);
        assert_eq!(
            on_disk.column("township").unwrap().dtype(),
            &DataType::String
        );
        let rows: Vec<Option<i64>> = on_disk
            .column(REGISTRY_ROW)
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(rows, vec![Some(0), Some(1), Some(2)]);
        // Other files keep their codes.
        assert!(raw("deaths")
            .column("township")
            .unwrap()
            .dtype()
            .is_categorical());
        // Read back: coded again, without the row numbers, the same text.
        let back = read_frame(dir.path(), REGISTRY).unwrap();
        assert!(back.column(REGISTRY_ROW).is_err());
        for name in ["township", "village"] {
            assert!(
                back.column(name).unwrap().dtype().is_categorical(),
                "{name}"
            );
            assert_eq!(
                fundaudit_core::frame::text(&back, name).unwrap(),
                fundaudit_core::frame::text(&registry, name).unwrap()
            );
        }
        assert_eq!(back.width(), registry.width());
        assert!(registry_file(dir.path()).is_ok());
        // A registry written before the row numbers: other readers are told to restage.
        let old = tempfile::tempdir().unwrap();
        let file = std::fs::File::create(frame_file(old.path(), REGISTRY)).unwrap();
        ParquetWriter::new(file).finish(&mut registry).unwrap();
        let err = registry_file(old.path()).unwrap_err().to_string();
        assert!(err.contains("stage the data folder again"), "{err}");
    }

    #[test]
    fn parts_go_as_plain_text_numbered_and_read_back_coded() {
        let dir = tempfile::tempdir().unwrap();
        let mut payments = fundaudit_core::frame::with_coded(
            df!(
                "payment_id" => ["P1", "P2"],
                "program" => ["低保", "特困"],
            )
            .unwrap(),
            &["program"],
        );
        let allocations = df!("allocation_id" => ["A1"]).unwrap();
        for k in 0..2 {
            write_part(dir.path(), "payments", k, &payments, Keep::ReadOnce).unwrap();
            write_part(dir.path(), "allocations", k, &allocations, Keep::Kept).unwrap();
        }
        let file = std::fs::File::open(frame_file(dir.path(), "payments-0001")).unwrap();
        let on_disk = ParquetReader::new(file).finish().unwrap();
        assert_eq!(
            on_disk.column("program").unwrap().dtype(),
            &DataType::String
        );
        assert_eq!(
            fundaudit_core::frame::int(&on_disk, PART).unwrap(),
            vec![Some(1), Some(1)]
        );
        assert_eq!(
            fundaudit_core::frame::int(&on_disk, ROW).unwrap(),
            vec![Some(0), Some(1)]
        );
        let back = read_frame(dir.path(), "payments-0001").unwrap();
        assert!(back.equals_missing(&payments), "{back:?}");
        assert!(back.column("program").unwrap().dtype().is_categorical());
        // The cluster's view: the files in part order, their columns, their rows.
        let manifest = |parts: usize| {
            let m = serde_json::json!({
                "program": PROGRAM, "version": "0", "staged": "", "source": "",
                "input_settings": "", "counts": [], "rejects": [], "unused": [],
                "settled": bank::Settled::default(), "lists": [], "deaths": false,
                "officials": false, "parts": parts,
            });
            std::fs::write(dir.path().join(MANIFEST), m.to_string()).unwrap();
        };
        manifest(2);
        let files = part_files(dir.path()).unwrap();
        assert_eq!(files.payments.0.len(), 2);
        assert!(files.payments.0[1].ends_with("payments-0001.parquet"));
        assert!(files.payments.1.contains(ROW));
        assert_eq!(files.rows(1).unwrap(), 3);
        // Parts written before they were numbered: other readers are told to restage.
        let file = std::fs::File::create(frame_file(dir.path(), "payments-0000")).unwrap();
        ParquetWriter::new(file).finish(&mut payments).unwrap();
        let err = part_files(dir.path()).unwrap_err().to_string();
        assert!(err.contains("stage the data folder again"), "{err}");
    }
}
