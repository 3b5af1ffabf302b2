//! What every fundaudit function on the cluster needs: its arguments downcast with a
//! message naming the function, errors in DataFusion's terms, a job's text parsed once
//! per executor, and Parquet files registered as a table. Kept apart from the functions
//! themselves so the unit, gather and identity functions depend on it and not on each
//! other.

use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::common::{DataFusionError, Result as DfResult};

/// The last text a function parsed, and what it made of it: a job's tasks all carry
/// one text (the job, the scoring config, the skipped blocks).
pub(super) type Cache<T> = Mutex<Option<(String, Arc<T>)>>;

/// What `text` makes, from `cache` when it made it last. The lock is held while
/// making, so concurrent tasks of one job wait for one build; the old value goes first,
/// so two jobs' people are never held at once.
pub(super) fn cached<T>(
    cache: &Cache<T>,
    text: &str,
    make: impl FnOnce() -> DfResult<T>,
) -> DfResult<Arc<T>> {
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((key, made)) = cache.as_ref() {
        if key == text {
            return Ok(made.clone());
        }
    }
    *cache = None;
    let made = Arc::new(make()?);
    *cache = Some((text.to_string(), made.clone()));
    Ok(made)
}

/// A column as the array type the function expects; `what` names the function and
/// argument in the error.
pub(super) fn downcast<'a, T: 'static>(array: &'a ArrayRef, what: &str) -> DfResult<&'a T> {
    array
        .as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| external(format!("{what}: a column of type {}", array.data_type())))
}

pub(super) fn external(message: String) -> DataFusionError {
    DataFusionError::Execution(message)
}

/// Registers the Parquet files at `paths` as `table`, read with `schema` — text as
/// plain `Utf8`, not string views, since fundaudit's functions take text — in place of
/// any table of that name from an earlier job. Files, not a glob or a folder: a glob
/// does not survive Ballista's plan serialisation (the executors list the whole folder).
pub(super) async fn register_parquet(
    ctx: &datafusion::prelude::SessionContext,
    table: &str,
    paths: &[std::path::PathBuf],
    schema: datafusion::arrow::datatypes::Schema,
) -> DfResult<()> {
    use datafusion::datasource::file_format::parquet::ParquetFormat;
    use datafusion::datasource::listing::{
        ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
    };
    ctx.deregister_table(table)?;
    let urls = paths
        .iter()
        .map(|p| {
            let path = std::path::absolute(p).map_err(|e| external(e.to_string()))?;
            ListingTableUrl::parse(path.display().to_string())
        })
        .collect::<DfResult<Vec<_>>>()?;
    let format = ParquetFormat::default().with_force_view_types(false);
    let options = ListingOptions::new(Arc::new(format)).with_file_extension(".parquet");
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .with_schema(Arc::new(schema));
    ctx.register_table(table, Arc::new(ListingTable::try_new(config)?))?;
    Ok(())
}
