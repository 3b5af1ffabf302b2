//! Hostile files (issue 34): what an adversary, or a careless export, puts into the inputs
//! must cost no data, no memory and no secrets, and must not change the findings.
//! Invisible format characters, formula prefixes, oversized sheets, mixed encodings.

mod files;

use crate::common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use common::{fundaudit, generate, id_number, of_rule, read_csv, Fixture};

/// 张伟 paid 99.00 of 100.00 (the short-payment fixture) in `dir/data`, with `without` of
/// its files left out (a test puts a hostile one in their place).
pub(super) fn short_county(dir: &Path, without: &[&str]) -> PathBuf {
    let data = dir.join("data");
    Fixture::short_payment().write(&data);
    for file in without {
        std::fs::remove_file(data.join(file)).unwrap();
    }
    data
}

/// What a run said.
pub(super) struct Said {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `fundaudit run --no-ledger --as-of AS_OF --data DATA ARGS…` (the summary on stdout).
pub(super) fn audit_with(data: &Path, as_of: &str, args: &[&OsStr]) -> Said {
    let out = fundaudit()
        .args(["run", "--no-ledger", "--as-of", as_of, "--data"])
        .arg(data)
        .args(args)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    Said {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

/// The same, into `--out OUT`.
pub(super) fn audit(data: &Path, out: &Path, as_of: &str) -> Said {
    audit_with(data, as_of, &[OsStr::new("--out"), out.as_os_str()])
}

/// `dedup` on a registry: its accuracy block and merged pairs.
pub(super) fn dedup(data: &Path, out: &Path) -> serde_json::Value {
    fundaudit()
        .args(["dedup", "--data"])
        .arg(data)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
    serde_json::from_slice(&std::fs::read(out.join("dedup_report.json")).unwrap()).unwrap()
}

/// A zero-width joiner after the first character of the second name of every true
/// duplicate pair dropped dedup's recall from 1.00 to 0.60: it must not change it.
#[test]
fn a_zero_width_joiner_in_a_name_does_not_hide_a_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    generate(&data, 5000, 9, &["--registry-only"]);
    let clean = dedup(&data, &dir.path().join("clean"));

    let pairs = read_csv(&data.join("truth_pairs.csv"));
    assert!(pairs.len() >= 30, "{} pairs planted", pairs.len());
    let second: std::collections::HashSet<String> = pairs
        .iter()
        .map(|p| p["beneficiary_id_b"].clone())
        .collect();
    let text = std::fs::read_to_string(data.join("beneficiaries.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let name_col = header.split(',').position(|h| h == "name").unwrap();
    let mut out = format!("{header}\n");
    let mut joined = 0;
    for line in lines {
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        if second.contains(&cells[0]) {
            let mut chars = cells[name_col].chars();
            let first = chars.next().unwrap();
            cells[name_col] = format!("{first}\u{200D}{}", chars.as_str());
            joined += 1;
        }
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    assert_eq!(joined, second.len());
    std::fs::write(data.join("beneficiaries.csv"), out).unwrap();
    let hostile = dedup(&data, &dir.path().join("hostile"));

    let recall = |r: &serde_json::Value| r["accuracy"]["recall"].as_f64().unwrap();
    let precision = |r: &serde_json::Value| r["accuracy"]["precision"].as_f64().unwrap();
    assert!(recall(&clean) >= 0.99, "{}", clean["accuracy"]);
    assert_eq!(recall(&hostile), recall(&clean), "{}", hostile["accuracy"]);
    assert_eq!(precision(&hostile), precision(&clean));
}

/// A bidi override or a zero-width character in a registry name raised a false
/// DIV_PAYEE_MISMATCH against the bank's Latin spelling, and was copied into evidence.
#[test]
fn bidi_controls_in_a_name_raise_nothing_and_never_reach_a_report() {
    for mark in ['\u{202E}', '\u{2067}', '\u{200D}'] {
        let mut f = Fixture::one_payment(&format!("孙{mark}桃花"), "东村", "SUN TAOHUA", "100.00");
        // A second, real finding whose evidence names her: paid short.
        f.allocation(
            "A2",
            "低保金",
            "2025Q2",
            "B1",
            "100.00",
            "2025-04-01",
            "2025-04-30",
        )
        .payment(
            "P2",
            "A2",
            "B1",
            "SUN TAOHUA",
            "6228480000000000001",
            "60.00",
            "2025-04-10",
        );
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        f.write(&data);
        let out = dir.path().join("out");
        let said = audit(&data, &out, "2025-06-30");
        assert_eq!(said.code, 0, "{}", said.stderr);
        assert!(
            said.stdout
                .contains("1 cells held invisible format characters"),
            "{}",
            said.stdout
        );
        let findings = read_csv(&out.join("findings.csv"));
        assert!(
            of_rule(&findings, "DIV_PAYEE_MISMATCH").is_empty(),
            "U+{:X}: {findings:?}",
            mark as u32
        );
        assert_eq!(of_rule(&findings, "PARTIAL_SHORT").len(), 1, "{findings:?}");
        for file in ["findings.csv", "cases.csv", "findings.json", "report.html"] {
            let text = std::fs::read_to_string(out.join(file)).unwrap();
            assert!(!text.contains(mark), "U+{:X} in {file}", mark as u32);
        }
    }
}

/// A cell starting `=`, `+`, `-` or `@` reached findings.csv, cases.csv and rejects.csv as
/// is, and LibreOffice's CSV import ran it as a formula (`=HYPERLINK(…)` among them).
#[test]
fn formula_prefixes_never_reach_a_csv_output_live() {
    let mut f = Fixture::short_payment();
    // A rejected row (its amount a formula) for rejects.csv, a payee written by a hostile
    // clerk, a tab before a formula (the loader trims the tab away).
    f.allocation(
        "A2",
        "低保金",
        "2025Q2",
        "B1",
        "=1+1",
        "2025-04-01",
        "2025-04-30",
    )
    .allocation(
        "A3",
        "低保金",
        "2025Q3",
        "B1",
        "100.00",
        "2025-07-01",
        "2025-07-31",
    )
    .payment(
        "P3",
        "A3",
        "B1",
        "@SUM(A1)",
        "6228480000000000001",
        "40.00",
        "2025-07-10",
    )
    .payment(
        "P4",
        "A3",
        "B1",
        "\t-2+3",
        "6228480000000000001",
        "10.00",
        "2025-07-11",
    );
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    f.write(&data);
    // The township: a formula with quotes and commas, quoted as a CSV cell.
    for file in ["beneficiaries.csv", "allocations.csv"] {
        let path = data.join(file);
        let text = std::fs::read_to_string(&path).unwrap().replace(
            "城关镇",
            "\"=HYPERLINK(\"\"http://evil.example\"\",\"\"点此\"\")\"",
        );
        std::fs::write(&path, text).unwrap();
    }
    let out = dir.path().join("out");
    let said = audit(&data, &out, "2025-09-30");
    assert_eq!(said.code, 0, "{}", said.stderr);
    let live = |cell: &str| {
        matches!(cell.chars().next(), Some('=' | '+' | '@' | '\t'))
            || (cell.starts_with('-') && cell[1..].parse::<f64>().is_err())
    };
    let mut defused = 0;
    for file in ["findings.csv", "cases.csv", "rejects.csv"] {
        let rows = read_csv(&out.join(file));
        assert!(!rows.is_empty(), "{file} is empty");
        for row in &rows {
            for (column, cell) in row {
                assert!(!live(cell), "{file} {column}: {cell:?}");
                defused += usize::from(
                    cell.starts_with("'=") || cell.starts_with("'@") || cell.starts_with("'-"),
                );
            }
        }
    }
    assert!(
        defused >= 3,
        "the hostile cells are there, defused: {defused}"
    );
    let rejects = read_csv(&out.join("rejects.csv"));
    assert!(rejects.iter().any(|r| r["value"] == "'=1+1"), "{rejects:?}");
}

/// A registry with headers nobody knows exited 2 printing its first rows with full ID and
/// card numbers (a cron line appends stderr to a log); a file of NUL bytes was echoed
/// whole.
#[test]
fn an_error_quoting_input_rows_masks_them_and_stays_short() {
    let dir = tempfile::tempdir().unwrap();
    let data = short_county(dir.path(), &[]);
    let out = dir.path().join("out");
    let id = id_number(1960, 3, 4, 101);
    let mut text = String::from("甲,乙,丙,丁\n");
    for i in 0..7 {
        text.push_str(&format!("B{i},张伟,{id},622848000000000000{i}\n"));
    }
    std::fs::write(data.join("beneficiaries.csv"), text).unwrap();
    let Said { code, stderr, .. } = audit(&data, &out, "2025-03-31");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("beneficiaries.csv"), "{stderr}");
    assert!(stderr.contains("row 2"), "the rows are shown: {stderr}");
    assert!(!stderr.contains(&id), "full ID number in stderr: {stderr}");
    assert!(
        !stderr.contains("6228480000000000001"),
        "full card number: {stderr}"
    );
    assert!(
        stderr.contains(&format!("{}********{}", &id[..6], &id[14..])),
        "{stderr}"
    );

    // Ten megabytes of NUL bytes where the payments were: named, not echoed.
    std::fs::remove_file(data.join("beneficiaries.csv")).unwrap();
    Fixture::short_payment().write(&data);
    std::fs::write(data.join("payments.csv"), vec![0u8; 10 << 20]).unwrap();
    let Said { code, stderr, .. } = audit(&data, &out, "2025-03-31");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.len() < 8192, "{} bytes of stderr", stderr.len());
    assert!(!stderr.contains('\0'), "NUL bytes echoed");
    assert!(stderr.contains("payments.csv"));
}

/// A township named with a character a sheet name may not hold, or two names equal after
/// 31 characters or case folding, cost every township its worklists.xlsx (exit 2).
#[test]
fn township_names_a_sheet_cannot_hold_still_get_their_worklists() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let towns = [
        "城关镇/街道",
        "Chengguan",
        "CHENGGUAN",
        "'黄寨镇",
        "[巴村镇]:?*",
    ];
    let mut people =
        String::from("beneficiary_id,name,id_number,township,village,bank_account,death_date\n");
    let mut allocs = String::from("allocation_id,program,period,beneficiary_id,township,amount,funds_received_date,due_date\n");
    let mut pays = String::from("payment_id,allocation_id,beneficiary_id,payee_name,payee_account,amount,paid_date,program\n");
    for (i, town) in towns.iter().enumerate() {
        let id = id_number(1960, 3, 4 + i as u32, 101);
        people.push_str(&format!(
            "B{i},张伟{i},{id},{town},东村,622848000000000000{i},\n"
        ));
        allocs.push_str(&format!(
            "A{i},低保金,2025Q1,B{i},{town},100.00,2025-01-01,2025-01-31\n"
        ));
        pays.push_str(&format!(
            "P{i},A{i},B{i},张伟{i},622848000000000000{i},50.00,2025-01-10,低保金\n"
        ));
    }
    std::fs::write(data.join("beneficiaries.csv"), people).unwrap();
    std::fs::write(data.join("allocations.csv"), allocs).unwrap();
    std::fs::write(data.join("payments.csv"), pays).unwrap();
    let out = dir.path().join("out");
    let said = audit(&data, &out, "2025-03-31");
    assert_eq!(said.code, 0, "{}", said.stderr);
    let book = std::fs::File::open(out.join("worklists.xlsx")).unwrap();
    let mut zip = zip::ZipArchive::new(book).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/workbook.xml").unwrap(), &mut xml).unwrap();
    // Equal but for case: both there, the second numbered.
    let upper = xml.contains("name=\"CHENGGUAN\"") && xml.contains("name=\"Chengguan(2)\"");
    let lower = xml.contains("name=\"Chengguan\"") && xml.contains("name=\"CHENGGUAN(2)\"");
    assert!(upper || lower, "{xml}");
    for sheet in ["城关镇_街道", "黄寨镇", "_巴村镇____"] {
        assert!(
            xml.contains(&format!("name=\"{sheet}\"")),
            "{sheet} in {xml}"
        );
    }
    // The findings keep the township's own name.
    let findings = read_csv(&out.join("findings.csv"));
    assert!(
        findings.iter().any(|f| f["township"] == "城关镇/街道"),
        "{findings:?}"
    );
}

/// A run on `data` with `extra` arguments: exit code and stderr.
fn run_with(data: &Path, extra: &[&OsStr]) -> (i32, String) {
    let said = audit_with(data, "2025-03-31", extra);
    (said.code, said.stderr)
}

/// Issue 34: an `[inputs]` pattern with `..` and a link in the data folder read files
/// elsewhere (a payments.csv linked to /etc/passwd printed its lines); `--reports /etc`
/// and `--out` inside the data folder were accepted.
#[cfg(unix)]
#[test]
fn inputs_stay_inside_the_data_folder_and_reports_outside_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = short_county(dir.path(), &[]);
    let out = dir.path().join("out");
    let out_args = [OsStr::new("--out"), out.as_os_str()];

    // A pattern reaching outside.
    let outside = dir.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::rename(data.join("payments.csv"), outside.join("bank.csv")).unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(&config, "[inputs]\npayments = [\"../outside/*.csv\"]\n").unwrap();
    let mut args = out_args.to_vec();
    args.extend([OsStr::new("--config"), config.as_os_str()]);
    let (code, stderr) = run_with(&data, &args);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("outside the data folder") && stderr.contains("allow_outside"),
        "{stderr}"
    );
    // Allowed by the config: read, and the manifest says where the file really is.
    std::fs::write(
        &config,
        "[inputs]\npayments = [\"../outside/*.csv\"]\n[limits]\nallow_outside = true\n",
    )
    .unwrap();
    let (code, stderr) = run_with(&data, &args);
    assert!(matches!(code, 0 | 3), "{stderr}");

    // A link to a system file where the payments should be: refused, its lines unread.
    std::os::unix::fs::symlink("/etc/passwd", data.join("payments.csv")).unwrap();
    let (code, stderr) = run_with(&data, &out_args);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("/etc/passwd") && !stderr.contains("root:"),
        "{stderr}"
    );

    // A link inside the folder is read, and recorded with its target.
    std::fs::remove_file(data.join("payments.csv")).unwrap();
    std::fs::copy(
        outside.join("bank.csv"),
        data.join("real-payments.csv.keep"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        data.join("real-payments.csv.keep"),
        data.join("payments.csv"),
    )
    .unwrap();
    let (code, stderr) = run_with(&data, &out_args);
    assert!(matches!(code, 0 | 3), "{stderr}");
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("\"link_target\"") && manifest.contains("real-payments.csv.keep"),
        "{manifest}"
    );

    // Reports into a system folder or into the data folder: refused before any work.
    for place in [PathBuf::from("/etc"), data.join("reports")] {
        let (code, stderr) = run_with(&data, &[OsStr::new("--reports"), place.as_os_str()]);
        assert_eq!(code, 2, "{}: {stderr}", place.display());
        assert!(stderr.contains("refusing"), "{stderr}");
    }
    assert!(!data.join("reports").exists());
    let sub = data.join("sub");
    let (code, _) = run_with(&data, &[OsStr::new("--out"), sub.as_os_str()]);
    assert_eq!(code, 2);
    assert!(!sub.exists());
}

/// Issue 34, small things: an impossible --as-of, a workbook cut short, a workbook that
/// is mostly junk rows.
#[test]
fn an_impossible_date_a_cut_workbook_and_a_junk_workbook_are_said_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let data = short_county(dir.path(), &[]);
    let out = dir.path().join("out");
    let out_args = [OsStr::new("--out"), out.as_os_str()];
    let Said { code, stderr, .. } = audit(&data, &out, "0000-01-01");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("between 1970-01-01 and 2100-12-31"),
        "{stderr}"
    );

    // The payments as a workbook: 60 junk rows and the one real payment.
    std::fs::remove_file(data.join("payments.csv")).unwrap();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let header = [
        "payment_id",
        "allocation_id",
        "beneficiary_id",
        "payee_name",
        "payee_account",
        "amount",
        "paid_date",
        "program",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let good = [
        "P1",
        "A1",
        "B1",
        "张伟",
        "6228480000000000001",
        "99.00",
        "2025-01-10",
        "低保金",
    ];
    for (c, v) in good.iter().enumerate() {
        sheet.write_string(1, c as u16, *v).unwrap();
    }
    for r in 2..62u32 {
        for c in 0..8u16 {
            sheet.write_string(r, c, format!("junk{r}x{c}")).unwrap();
        }
    }
    let xlsx = data.join("payments.xlsx");
    book.save(&xlsx).unwrap();
    let (code, stderr) = run_with(&data, &out_args);
    assert_eq!(
        code, 4,
        "a mostly rejected file makes the night incomplete: {stderr}"
    );
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains("60 of 61 rows rejected"), "{summary}");

    // The same workbook cut in half, as an interrupted copy leaves it.
    let bytes = std::fs::read(&xlsx).unwrap();
    std::fs::write(&xlsx, &bytes[..bytes.len() / 2]).unwrap();
    let (code, stderr) = run_with(&data, &out_args);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("payments.xlsx") && stderr.contains("export it again"),
        "{stderr}"
    );
}
