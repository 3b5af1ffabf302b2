//! How to read one file ([`InputOptions`]): the header mapping, sheet and program names the
//! config gives it.

use std::collections::BTreeMap;

use fundaudit_core::spec::FileSpec;

/// How to read one file: its header mapping and workbook sheet from the config.
#[derive(Debug, Clone, Default)]
pub struct InputOptions {
    /// "header as in the file" → field, beyond the built-in aliases.
    pub columns: BTreeMap<String, String>,
    /// Workbook sheet to read (default: the first).
    pub sheet: Option<String>,
    /// Program names the config knows, which a file's title may name.
    pub programs: Vec<String>,
}

impl InputOptions {
    /// The options the config gives one file.
    pub fn for_file(config: &fundaudit_core::config::Config, spec: &FileSpec) -> InputOptions {
        InputOptions {
            columns: config.columns.get(spec.stem).cloned().unwrap_or_default(),
            sheet: config.sheets.get(spec.stem).cloned(),
            programs: config.deadlines.programs.keys().cloned().collect(),
        }
    }
}
