//! Files made the way office tools make them load to the same frames as their clean
//! UTF-8 twin: a GB18030 CSV with Chinese headers and spreadsheet-formatted cells, an
//! .xlsx written with real formatting (dates as dates, amounts as currency, ID numbers as
//! text) plus one ID column cell Excel turned into a number, a UTF-16 tab-separated file
//! as Excel's "Unicode text" saves it, and Parquet.

use std::path::Path;

use fundaudit_input::{load_file, Loaded};

use fundaudit_core::spec::BENEFICIARIES;

use fundaudit_core::spec::PAYMENTS;
use polars::prelude::*;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// Registry rows: id, name, ID number, township, village, account, death date.
const PEOPLE: &[(&str, &str, &str, &str, &str, &str, &str)] = &[
    (
        "B001",
        "张伟",
        "41162319600304101X",
        "城关镇",
        "东村",
        "6228480000000000001",
        "",
    ),
    (
        "B002",
        "买买提·艾力",
        "411623197001020022",
        "城关镇",
        "西村",
        "6228480000000000002",
        "2025-03-01",
    ),
    (
        "B003",
        "欧阳娜",
        "411623198512310033",
        "黄寨镇",
        "南村",
        "6228480000000000003",
        "",
    ),
];

/// Payment row: id, allocation, beneficiary, payee, account, amount (fen), date (y, m, d).
type PayRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    (i32, u32, u32),
);

const PAYS: &[PayRow] = &[
    (
        "P001",
        "A001",
        "B001",
        "张伟",
        "6228480000000000001",
        123450,
        (2025, 1, 5),
    ),
    (
        "P002",
        "A002",
        "B002",
        "買買提·艾力",
        "6228480000000000002",
        62000,
        (2025, 12, 31),
    ),
    (
        "P003",
        "",
        "",
        "欧阳娜",
        "6228480000000000003",
        1,
        (2025, 2, 28),
    ),
];

fn clean_twin(dir: &Path) -> (Loaded, Loaded) {
    let mut b =
        String::from("beneficiary_id,name,id_number,township,village,bank_account,death_date\n");
    for p in PEOPLE {
        b.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            p.0, p.1, p.2, p.3, p.4, p.5, p.6
        ));
    }
    let mut p = String::from("payment_id,allocation_id,beneficiary_id,payee_name,payee_account,amount,paid_date,program\n");
    for x in PAYS {
        let (y, m, d) = x.6;
        p.push_str(&format!(
            "{},{},{},{},{},{}.{:02},{y}-{m:02}-{d:02},低保金\n",
            x.0,
            x.1,
            x.2,
            x.3,
            x.4,
            x.5 / 100,
            x.5 % 100
        ));
    }
    std::fs::write(dir.join("b.csv"), b).unwrap();
    std::fs::write(dir.join("p.csv"), p).unwrap();
    (
        load_file(&dir.join("b.csv"), &BENEFICIARIES).unwrap(),
        load_file(&dir.join("p.csv"), &PAYMENTS).unwrap(),
    )
}

fn assert_same(got: &Loaded, want: &Loaded) {
    assert!(
        got.frame.equals_missing(&want.frame),
        "frames differ\n got: {}\nwant: {}",
        got.frame,
        want.frame
    );
}

#[test]
fn gb18030_csv_with_chinese_headers_and_spreadsheet_cells() {
    let dir = tempfile::tempdir().unwrap();
    let (want_b, want_p) = clean_twin(dir.path());
    let mut b =
        String::from("人员编号,姓名,公民身份号码,乡镇（街道）,村（社区）,一卡通账号,死亡日期\r\n");
    for p in PEOPLE {
        // Excel's text marker and a lower-case x, and dates in the Chinese long form.
        let id = format!("'{}", p.2.to_lowercase());
        let death = p.6.replace("2025-03-01", "2025年3月1日");
        b.push_str(&format!(
            "{},{},{id},{},{},{},{death}\r\n",
            p.0, p.1, p.3, p.4, p.5
        ));
    }
    let mut p =
        String::from("流水号,清册编号,人员编号,户名,收款账号,实发金额,发放日期,补贴项目\r\n");
    for x in PAYS {
        let (y, m, d) = x.6;
        p.push_str(&format!(
            "{},{},{},{},{},\"¥{}\",{y}/{m}/{d},低保金\r\n",
            x.0,
            x.1,
            x.2,
            x.3,
            x.4,
            fundaudit_core::cells::fmt_yuan(x.5)
        ));
    }
    for (name, text) in [("b.csv", b), ("p.csv", p)] {
        let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&text);
        assert!(!unmappable);
        assert!(
            std::str::from_utf8(&bytes).is_err(),
            "really GB18030, not UTF-8"
        );
        std::fs::write(dir.path().join(format!("gb-{name}")), bytes).unwrap();
    }
    let got_b = load_file(&dir.path().join("gb-b.csv"), &BENEFICIARIES).unwrap();
    let got_p = load_file(&dir.path().join("gb-p.csv"), &PAYMENTS).unwrap();
    assert_eq!(got_b.count.format, "text, GB18030, comma-separated");
    assert!(got_b
        .count
        .mapped
        .contains(&("公民身份号码".into(), "id_number".into())));
    assert_same(&got_b, &want_b);
    assert_same(&got_p, &want_p);
}

#[test]
fn xlsx_with_formatting_and_an_excel_mangled_id() {
    let dir = tempfile::tempdir().unwrap();
    let (want_b, want_p) = clean_twin(dir.path());

    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    let money = Format::new().set_num_format("¥#,##0.00");
    let sheet = book.add_worksheet().set_name("花名册").unwrap();
    for (c, h) in [
        "人员编号",
        "姓名",
        "身份证号",
        "乡镇",
        "村",
        "银行账号",
        "死亡日期",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_with_format(0, c as u16, *h, &bold).unwrap();
    }
    sheet.set_freeze_panes(1, 0).unwrap();
    for (r, p) in PEOPLE.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, v) in [p.0, p.1, p.2, p.3, p.4, p.5].iter().enumerate() {
            sheet.write(r, c as u16, *v).unwrap();
        }
        if !p.6.is_empty() {
            let d = ExcelDateTime::parse_from_str(p.6).unwrap();
            sheet.write_datetime_with_format(r, 6, &d, &date).unwrap();
        }
    }
    // The row Excel mangled: the ID number typed as a number, shown as 4.11623E+17.
    sheet.write(4, 0, "B004").unwrap();
    sheet.write(4, 1, "王芳").unwrap();
    sheet.write(4, 2, 411623199001011234.0).unwrap();
    let pay = book.add_worksheet().set_name("代发记录").unwrap();
    for (c, h) in [
        "流水号",
        "清册编号",
        "人员编号",
        "收款人姓名",
        "卡号",
        "金额",
        "支付日期",
        "项目名称",
    ]
    .iter()
    .enumerate()
    {
        pay.write_with_format(0, c as u16, *h, &bold).unwrap();
    }
    for (r, x) in PAYS.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, v) in [x.0, x.1, x.2, x.3, x.4].iter().enumerate() {
            if !v.is_empty() {
                pay.write(r, c as u16, *v).unwrap();
            }
        }
        pay.write_number_with_format(r, 5, x.5 as f64 / 100.0, &money)
            .unwrap();
        let (y, m, d) = x.6;
        let when = ExcelDateTime::from_ymd(y as u16, m as u8, d as u8).unwrap();
        pay.write_datetime_with_format(r, 6, &when, &date).unwrap();
        pay.write(r, 7, "低保金").unwrap();
    }
    let path = dir.path().join("ledgers.xlsx");
    book.save(&path).unwrap();

    let got_b = load_file(&path, &BENEFICIARIES).unwrap();
    assert_eq!(got_b.count.rows_read, 4);
    assert_eq!(got_b.rejects.len(), 1);
    let r = &got_b.rejects[0];
    assert_eq!((r.line, r.column.as_str()), (5, "id_number"), "{r:?}");
    assert!(
        r.reason.contains("scientific notation") && r.value.contains("E+17"),
        "{r:?}"
    );
    assert_same(&got_b, &want_b);

    let options = fundaudit_input::InputOptions {
        sheet: Some("代发记录".into()),
        ..Default::default()
    };
    let got_p = fundaudit_input::load_file_with(&path, &PAYMENTS, &options).unwrap();
    assert_same(&got_p, &want_p);

    let missing = fundaudit_input::InputOptions {
        sheet: Some("Sheet9".into()),
        ..Default::default()
    };
    let err = fundaudit_input::load_file_with(&path, &PAYMENTS, &missing)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Sheet9") && err.contains("花名册") && err.contains("代发记录"),
        "{err}"
    );
}

#[test]
fn legacy_xls_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let (want_b, _) = clean_twin(dir.path());
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/beneficiaries.xls");
    let got = load_file(&path, &BENEFICIARIES).unwrap();
    assert_eq!(got.count.format, "workbook, sheet `花名册`");
    assert_eq!(got.count.rows_read, 4);
    assert_eq!(got.rejects.len(), 1, "{:?}", got.rejects);
    assert_eq!(
        (got.rejects[0].line, got.rejects[0].column.as_str()),
        (5, "id_number")
    );
    assert_same(&got, &want_b);
}

#[test]
fn utf16_tab_separated_as_excel_unicode_text() {
    let dir = tempfile::tempdir().unwrap();
    let (want_b, _) = clean_twin(dir.path());
    let mut text = String::from(
        "beneficiary_id\t姓名\tid_number\ttownship\tvillage\tbank_account\tdeath_date\r\n",
    );
    for p in PEOPLE {
        // Full-width digits in the account, spaces inside the ID number.
        let account: String =
            p.5.chars()
                .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap())
                .collect();
        let id = format!("{} {} {}", &p.2[..6], &p.2[6..14], &p.2[14..]);
        let death = p.6.replace('-', "/");
        text.push_str(&format!(
            "{}\t{}\t{id}\t{}\t{}\t{account}\t{death}\r\n",
            p.0, p.1, p.3, p.4
        ));
    }
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let path = dir.path().join("b.txt");
    std::fs::write(&path, bytes).unwrap();
    let got = load_file(&path, &BENEFICIARIES).unwrap();
    assert_eq!(got.count.format, "text, UTF-16LE, tab-separated");
    assert_same(&got, &want_b);
}

#[test]
fn parquet_for_analysts() {
    let dir = tempfile::tempdir().unwrap();
    let (_, want_p) = clean_twin(dir.path());
    let raw = CsvReadOptions::default()
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(dir.path().join("p.csv")))
        .unwrap()
        .finish()
        .unwrap();
    let mut typed = raw
        .lazy()
        .with_columns([col("amount").cast(DataType::Float64)])
        .collect()
        .unwrap();
    let path = dir.path().join("payments.parquet");
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut typed)
        .unwrap();
    let got = load_file(&path, &PAYMENTS).unwrap();
    assert_eq!(got.count.format, "Parquet");
    assert_same(&got, &want_p);
}
