//! Excel workbooks (.xlsx, .xlsm, .xls) and OpenDocument sheets as grids of text: cells as
//! a user sees them, the sheet picked, the zip directory checked before unpacking, and the
//! first rows alone for a header peek.

use std::path::Path;

use calamine::{open_workbook_auto, Data, Reader};

use super::table::{extension, grid_table, unreadable, RawTable};
use crate::header_shape::Grid;
use fundaudit_core::error::Result;

/// A workbook cell as the text a user sees. Numbers that are whole print without a
/// decimal point; numbers of 16 digits or more print as Excel shows them (`4.11623E+17`),
/// because their digits are already gone and the ID check must say so.
fn cell_text(cell: &Data) -> Option<String> {
    match cell {
        Data::Empty => None,
        Data::String(s) => Some(s.clone()),
        Data::Int(i) => Some(i.to_string()),
        Data::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 => {
            Some(format!("{f:.0}"))
        }
        Data::Float(f) if f.is_finite() && f.abs() >= 1e15 => {
            Some(format!("{f:E}").replace('E', "E+"))
        }
        Data::Float(f) => Some(f.to_string()),
        Data::Bool(b) => Some(if *b { "TRUE" } else { "FALSE" }.to_string()),
        Data::DateTime(d) => Some(fundaudit_core::cells::fmt_day(
            fundaudit_core::cells::excel_serial_to_day(d.as_f64()),
        )),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Some(s.clone()),
        Data::Error(e) => Some(format!("#{e:?}")),
    }
}

/// Every row of a workbook sheet as text cells, blank rows included, each with its Excel
/// row number; and the sheet's name.
pub fn read_workbook_grid(path: &Path, sheet: Option<&str>) -> Result<(Grid, String)> {
    check_zip_parts(path)?;
    let ext = extension(path);
    if ext == "xlsx" || ext == "xlsm" {
        return read_xlsx_grid(path, sheet);
    }
    let mut book = open_workbook_auto(path).map_err(|e| unreadable(path, e))?;
    let name = pick_sheet(path, &book.sheet_names(), sheet)?;
    let range = book
        .worksheet_range(&name)
        .map_err(|e| unreadable(path, e))?;
    let (first_row, _) = range.start().unwrap_or((0, 0));
    let mut grid = Grid::default();
    for (i, row) in range.rows().enumerate() {
        grid.rows.push(row.iter().map(cell_text).collect());
        grid.lines.push(first_row as usize + i + 1);
    }
    Ok((grid, name))
}

/// The sheet to read: the one named, else the first.
fn pick_sheet(path: &Path, names: &[String], sheet: Option<&str>) -> Result<String> {
    match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s)
            .cloned()
            .ok_or_else(|| {
                unreadable(
                    path,
                    format!(
                        "sheet `{s}` not found; sheets in the workbook: {}",
                        names.join(", ")
                    ),
                )
            }),
        None => names
            .first()
            .cloned()
            .ok_or_else(|| unreadable(path, "the workbook has no sheets")),
    }
}

/// An .xlsx sheet as a grid, read as a stream of its cells. calamine's own range is dense
/// from the first used cell to the last: one cell at XFD1048576 asks for 17 billion cells
/// (512 GiB). Here the cells are kept sparse, and a sheet wider than `[limits]
/// max_columns` or larger than `max_sheet_cells` is refused before anything is sized by
/// it. The grid is what the range gave: rows from the first used one, cells from the
/// first used column, each with its Excel row number; rows end at their last cell.
fn read_xlsx_grid(path: &Path, sheet: Option<&str>) -> Result<(Grid, String)> {
    let limits = crate::limits::current();
    let mut cells: Vec<(u32, u32, String)> = Vec::new();
    let (mut top, mut left, mut bottom, mut right) = (u32::MAX, u32::MAX, 0u32, 0u32);
    let name = each_xlsx_cell(path, sheet, |name, r, c, text| {
        let Some(text) = text else { return Ok(true) };
        (top, left) = (top.min(r), left.min(c));
        (bottom, right) = (bottom.max(r), right.max(c));
        let width = (right - left) as usize + 1;
        if width > limits.max_columns {
            return Err(crate::limits::too_large(
                path,
                format!(
                    "sheet `{name}` spans {width} columns (a cell at row {}, column {}), more \
                     than the {} a ledger may have",
                    r + 1,
                    c + 1,
                    limits.max_columns
                ),
                "max_columns",
            ));
        }
        let area = (u64::from(bottom - top) + 1) * width as u64;
        if area > limits.max_sheet_cells {
            return Err(crate::limits::too_large(
                path,
                format!(
                    "sheet `{name}` spans {area} cells (to row {}), more than {}",
                    bottom + 1,
                    limits.max_sheet_cells
                ),
                "max_sheet_cells",
            ));
        }
        cells.push((r, c, text));
        Ok(true)
    })?;
    let mut grid = Grid::default();
    if cells.is_empty() {
        return Ok((grid, name));
    }
    let height = (bottom - top) as usize + 1;
    grid.rows = vec![Vec::new(); height];
    grid.lines = (0..height).map(|i| top as usize + i + 1).collect();
    for (r, c, text) in cells {
        put(
            &mut grid.rows[(r - top) as usize],
            (c - left) as usize,
            Some(text),
        );
    }
    Ok((grid, name))
}

/// Streams the cells of an .xlsx sheet (the one named, else the first) in the sheet's
/// order to `each` (sheet name, row, column, text; None for a cell without a value) until
/// it returns false; returns the sheet's name. Nothing is sized by the sheet here.
fn each_xlsx_cell(
    path: &Path,
    sheet: Option<&str>,
    mut each: impl FnMut(&str, u32, u32, Option<String>) -> Result<bool>,
) -> Result<String> {
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook(path).map_err(|e| unreadable(path, e))?;
    let name = pick_sheet(path, &book.sheet_names(), sheet)?;
    let mut reader = book
        .worksheet_cells_reader(&name)
        .map_err(|e| unreadable(path, e))?;
    while let Some(cell) = reader.next_cell().map_err(|e| unreadable(path, e))? {
        let (r, c) = cell.get_position();
        if !each(
            &name,
            r,
            c,
            cell_text(&Data::from(cell.get_value().clone())),
        )? {
            break;
        }
    }
    Ok(name)
}

/// Sets cell `at` of a grid row, the row lengthened to it as needed.
fn put(row: &mut Vec<Option<String>>, at: usize, text: Option<String>) {
    if row.len() <= at {
        row.resize(at + 1, None);
    }
    row[at] = text;
}

/// Refuses a zipped workbook (.xlsx, .xlsm, .ods) one of whose parts unpacks past
/// `[limits] max_unzipped_mb`, or (past 16 MB) to more than `max_zip_ratio` times its
/// packed size: a zip bomb, checked on the archive's directory before anything unpacks.
fn check_zip_parts(path: &Path) -> Result<()> {
    if !matches!(extension(path).as_str(), "xlsx" | "xlsm" | "ods") {
        return Ok(());
    }
    let limits = crate::limits::current();
    let file = std::fs::File::open(path).map_err(|e| unreadable(path, e))?;
    let mut zip = ::zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| {
        unreadable(
            path,
            format!(
                "{e}: the file is damaged or was not written to the end; export it again \
                 (or open it in Excel or WPS and save it again)"
            ),
        )
    })?;
    const MB: u64 = 1 << 20;
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(|e| unreadable(path, e))?;
        let (size, packed) = (part.size(), part.compressed_size().max(1));
        let name = part.name().map(|n| n.to_string()).unwrap_or_default();
        if size > limits.max_unzipped_mb * MB {
            return Err(crate::limits::too_large(
                path,
                format!("its part `{name}` unpacks to {} MB", size / MB),
                "max_unzipped_mb",
            ));
        }
        if size > 16 * MB && size / packed > limits.max_zip_ratio {
            return Err(crate::limits::too_large(
                path,
                format!(
                    "its part `{name}` unpacks to {} MB from {} KB, {} times its packed size",
                    size / MB,
                    packed / 1024,
                    size / packed
                ),
                "max_zip_ratio",
            ));
        }
    }
    Ok(())
}

/// The first `rows` rows of a workbook's first sheet. An .xlsx is read as a stream and
/// left as soon as they are in (finding the header of a 50,000-row bank workbook must not
/// parse it whole); other workbooks are read whole and cut.
pub fn head_workbook_grid(path: &Path, rows: usize) -> Result<Grid> {
    let ext = extension(path);
    check_zip_parts(path)?;
    if ext == "xlsx" || ext == "xlsm" {
        let mut grid = Grid::new(vec![Vec::new(); rows], (1..=rows).collect());
        each_xlsx_cell(path, None, |_, r, c, text| {
            let (r, c) = (r as usize, c as usize);
            if r >= rows {
                return Ok(false);
            }
            crate::limits::check_columns(path, c + 1, r + 1)?;
            put(&mut grid.rows[r], c, text);
            Ok(true)
        })?;
        return Ok(grid);
    }
    let (mut grid, _) = read_workbook_grid(path, None)?;
    grid.rows.truncate(rows);
    grid.lines.truncate(rows);
    Ok(grid)
}

/// The names of a workbook's sheets.
pub fn sheet_names(path: &Path) -> Result<Vec<String>> {
    check_zip_parts(path)?;
    Ok(open_workbook_auto(path)
        .map_err(|e| unreadable(path, e))?
        .sheet_names())
}

/// A workbook sheet whose first non-blank row is the header (for sheets fundaudit wrote
/// itself, such as a filled-in findings.xlsx; ledgers go through [`super::header_shape`]).
pub(super) fn read_workbook(path: &Path, sheet: Option<&str>) -> Result<RawTable> {
    let (grid, name) = read_workbook_grid(path, sheet)?;
    let Some(header) = grid.rows.iter().position(|r| {
        r.iter()
            .any(|c| c.as_deref().is_some_and(|v| !v.trim().is_empty()))
    }) else {
        return Err(unreadable(path, format!("sheet `{name}` is empty")));
    };
    let headers: Vec<String> = grid.rows[header]
        .iter()
        .enumerate()
        .map(|(i, c)| c.clone().unwrap_or_else(|| format!("column_{}", i + 1)))
        .collect();
    let mut table = grid_table(&grid, header + 1, &headers, path)?;
    table.format = format!("workbook, sheet `{name}`");
    Ok(table)
}
