//! 涉农项目资金 on hand-made office files through the real binary: files named as a
//! county names them (项目批复, 施工合同台账, 项目资金拨付明细, 竣工验收, 企业登记信息), each
//! project rule once, and the near misses beside them — an advance of exactly 30%, a
//! contract exactly at the threshold, a change approved, two contracts a year apart, a
//! contract exactly 90 days after approval, a legal person sharing a cadre's name only,
//! a payment in the contractor's name to its second account.

use std::collections::{BTreeSet, HashMap};

use crate::common;

use common::{id_number, of_rule, Fixture};

/// The projects each of a rule's findings names (refs `projects:<id>`), all together.
fn projects_of(findings: &[HashMap<String, String>], rule: &str) -> BTreeSet<String> {
    of_rule(findings, rule)
        .iter()
        .flat_map(|f| f["refs"].split(';'))
        .filter_map(|r| r.strip_prefix("projects:"))
        .map(str::to_string)
        .collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

fn county() -> Fixture {
    let mut f = Fixture::default();
    f.person(
        "B1",
        "张伟",
        &id_number(1960, 3, 4, 101),
        "东村",
        "6228480000000000001",
        "",
    )
    .person(
        "B2",
        "李娜",
        &id_number(1970, 5, 6, 7),
        "西村",
        "6228480000000000002",
        "",
    );
    // A registered township cadre, and a villager on the cadre's card.
    let cadre = id_number(1972, 8, 8, 71);
    let on_card = id_number(1974, 9, 9, 82);
    f.person("B3", "孙敏", &cadre, "东村", "6228480000000000003", "")
        .person("B4", "周婷", &on_card, "东村", "6228480000000000003", "");
    f.officials
        .push(format!("孙敏,{cadre},城关镇东村村委会,村会计"));
    // Their subsidies, paid on time: the night is about the projects.
    for (k, who) in ["B1", "B2"].iter().enumerate() {
        let (alloc, pay) = (format!("A{k}"), format!("P{k}"));
        f.allocation(
            &alloc,
            "低保金",
            "2025Q4",
            who,
            "900.00",
            "2025-10-01",
            "2025-11-30",
        )
        .payment(
            &pay,
            &alloc,
            who,
            "",
            &format!("622848000000000000{}", &who[1..]),
            "900.00",
            "2025-10-20",
        );
    }
    let official = id_number(1975, 6, 1, 31);
    f.officials
        .push(format!("刘洋,{official},城关镇人民政府,副镇长"));
    // A county bureau's 王伟: the contractor's 王伟 below is someone else.
    f.officials.push(format!(
        "王伟,{},县农业农村局,科员",
        id_number(1980, 2, 2, 41)
    ));
    let projects = [
        "XM1,东村村道硬化项目,城关镇,东村,村道硬化,2.50,1000000.00,2025-01-10,2025-01-20,2025-03-01,",
        "XM2,东村文化广场项目,城关镇,东村,文化广场建设,,2000000.00,2025-01-10,,,农发变〔2025〕3号",
        "XM3,西村排涝沟清淤项目,城关镇,西村,排涝沟清淤,,5000000.00,2025-01-10,,2025-03-15,",
        "XM4,西村灌溉渠道项目,城关镇,西村,灌溉渠道衬砌,,4200000.00,2025-01-10,,,",
        "XM5,东村安全饮水项目,城关镇,东村,安全饮水管网改造,,3200000.00,2025-03-10,,2025-04-10,",
        "XM6,西村安全饮水项目,城关镇,西村,安全饮水管网改造,,2700000.00,2025-05-10,,,",
        "XM7,东村高标准农田一期,城关镇,东村,高标准农田建设,,3200000.00,2024-12-20,,,",
        "XM8,东村高标准农田二期,城关镇,东村,高标准农田建设,,3200000.00,2025-11-01,,,",
        "XM9,西村村道硬化项目,城关镇,西村,村道硬化,,800000.00,2025-01-10,2025-01-20,,",
        "XM10,东村排涝沟项目,城关镇,东村,排涝沟清淤,,800000.00,2025-01-10,2025-01-20,,",
        "XM11,西村文化广场项目,城关镇,西村,文化广场建设,,900000.00,2025-02-01,,,",
        "XM12,东村饮水项目,城关镇,东村,安全饮水管网改造,,900000.00,2025-02-01,,,",
        "XM14,西村桥梁项目,城关镇,西村,桥梁建设,,600000.00,2025-02-01,,,",
        "XM15,东村路灯项目,城关镇,东村,太阳能路灯安装,,500000.00,2025-02-01,,,",
    ];
    let contracts = [
        "HT1,XM1,甲建筑公司,6228481111000000001,900000.00,竞争性磋商,2025-02-01,西村,村道硬化施工",
        "HT2,XM2,乙建筑公司,6228481111000000002,1900000.00,邀请招标,2025-02-01,西村,村道硬化施工",
        "HT3,XM3,丙建筑公司,6228481111000000003,4800000.00,直接委托,2025-03-01,西村,排涝沟清淤施工",
        "HT4,XM4,丁建筑公司,6228481111000000004,4000000.00,直接委托,2025-03-01,,灌溉渠道衬砌施工",
        "HT5,XM5,戊建筑公司,6228481111000000005,3000000.00,竞争性磋商,2025-04-01,,安全饮水管网改造施工",
        "HT6,XM6,戊建筑公司,6228481111000000005,2500000.00,竞争性磋商,2025-06-01,,安全饮水管网改造施工",
        "HT7,XM7,己建筑公司,6228481111000000007,3000000.00,竞争性磋商,2025-01-05,,高标准农田建设施工",
        "HT8,XM8,己建筑公司,6228481111000000007,3000000.00,竞争性磋商,2025-12-01,,高标准农田建设施工",
        "HT9,XM9,庚建筑公司,6228481111000000009,760000.00,询价,2025-06-30,,村道硬化施工",
        "HT10,XM10,辛建筑公司,6228481111000000010,760000.00,询价,2025-04-10,,排涝沟清淤施工",
        "HT11,XM11,壬建筑公司,6228481111000000011,850000.00,询价,2025-03-01,,文化广场建设施工",
        "HT12,XM12,癸建筑公司,6228481111000000012,850000.00,询价,2025-03-01,,安全饮水管网改造施工",
        // XM14's supervisor is contracted, its works never were.
        "HT14,XM14,周口监理公司,6228481111000000014,12000.00,询价,2025-03-01,,工程监理",
        "HT15,XM15,丑建筑公司,6228481111000000015,480000.00,询价,2025-03-01,,太阳能路灯安装施工",
    ];
    let payments = [
        // XM1: exactly 30% before the start (a near miss); progress onto 张伟's card.
        "BF1,XM1,甲建筑公司,6228481111000000001,270000.00,2025-02-05,东村村道硬化预付款",
        "BF2,XM1,张伟,6228480000000000001,315000.00,2025-05-01,东村村道硬化进度款",
        "BF3,XM1,甲建筑公司,6228481111000000001,288000.00,2025-08-20,东村村道硬化结算款",
        // XM2: an advance before the contract; another to its second account, in its name.
        "BF4,XM2,乙建筑公司,6228481111000000002,500000.00,2025-01-25,预付款",
        "BF5,XM2,乙建筑公司,6228489999000000002,100000.00,2025-03-01,进度款",
        // XM3: the final payment before acceptance.
        "BF6,XM3,丙建筑公司,6228481111000000003,1440000.00,2025-03-05,预付款",
        "BF7,XM3,丙建筑公司,6228481111000000003,1680000.00,2025-06-01,进度款",
        "BF8,XM3,丙建筑公司,6228481111000000003,1536000.00,2025-07-01,结算款",
        // XM5: paid beyond its contract, after acceptance.
        "BF9,XM5,戊建筑公司,6228481111000000005,900000.00,2025-04-05,预付款",
        "BF10,XM5,戊建筑公司,6228481111000000005,1050000.00,2025-06-01,进度款",
        "BF11,XM5,戊建筑公司,6228481111000000005,1350000.00,2025-09-10,结算款",
        // XM10: first paid 85 days after the funds came.
        "BF12,XM10,辛建筑公司,6228481111000000010,228000.00,2025-04-15,预付款",
        // XM14: paid to a builder no contract names; the supervisor's contract is not the
        // works' (no PRJ_OVER_APPROVED against its 12,000.00, no PRJ_PAYEE_NOT_CONTRACTOR).
        "BF14,XM14,子建筑公司,6228481111000000099,300000.00,2025-04-01,桥梁工程款",
        // A project the approvals lack.
        "BF13,XM99,甲建筑公司,6228481111000000001,100000.00,2025-07-01,工程款",
    ];
    let mut text = |name: &str, header: &str, rows: &[&str]| {
        let mut t = format!("{header}\n");
        for r in rows {
            t.push_str(r);
            t.push('\n');
        }
        f.files.push((name.to_string(), t));
    };
    text(
        "2025年项目批复.csv",
        "项目编号,项目名称,乡镇,村,建设内容,建设规模,批复金额,批复日期,资金到位日期,计划开工日期,变更批复文号",
        &projects,
    );
    text(
        "施工合同台账.csv",
        "合同编号,项目编号,中标单位,乙方账号,合同金额,招标方式,签订日期,施工地点,合同内容",
        &contracts,
    );
    text(
        "项目资金拨付明细.csv",
        "拨付编号,项目编号,收款单位,收款账号,拨付金额,拨付日期,用途",
        &payments,
    );
    text(
        "竣工验收.csv",
        "项目编号,验收日期,验收结果",
        &[
            "XM1,2025-08-01,合格",
            "XM2,2025-06-01,不合格",
            "XM3,2025-09-01,合格",
            "XM5,2025-09-01,合格",
        ],
    );
    let other = id_number(1981, 3, 3, 51);
    let registry = [
        format!("壬建筑公司,刘洋,{official},法定代表人"),
        format!("癸建筑公司,王伟,{other},法定代表人"),
        format!("甲建筑公司,赵强,{},法定代表人", id_number(1970, 1, 1, 61)),
        format!("丑建筑公司,周婷,{on_card},股东"),
    ];
    let registry: Vec<&str> = registry.iter().map(String::as_str).collect();
    text("企业登记信息.csv", "企业名称,姓名,身份证号,职务", &registry);
    f
}

#[test]
fn each_project_rule_fires_once_and_its_near_misses_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let out = county().run_in(dir.path(), "2025-12-31", None);
    let findings = common::read_csv(&out.join("findings.csv"));
    let expect: &[(&str, &[&str])] = &[
        // HT1 is built in 西村; XM2's contract is too, with its change approved.
        ("PRJ_CHANGED_SITE", &["XM1"]),
        ("PRJ_CHANGED_CONTENT", &[]),
        ("PRJ_OVER_APPROVED", &["XM5", "XM99"]),
        ("PRJ_PAID_BEFORE_TENDER", &["XM14", "XM2"]),
        // XM1's advance is exactly 30%: not ahead of the work.
        ("PRJ_PAID_BEFORE_ACCEPTANCE", &["XM3"]),
        // HT4 is exactly the threshold.
        ("PRJ_NO_TENDER", &["XM3"]),
        // 己's two contracts are 330 days apart.
        ("PRJ_SPLIT_TENDER", &["XM5", "XM6"]),
        // XM10 signed exactly 90 days after approval, first paid 85 after the funds.
        ("PRJ_TENDER_SLOW", &["XM9"]),
        // 癸's 王伟 shares the county bureau's 王伟's name, not the ID number; 丑's
        // shareholder is on the cadre 孙敏's card.
        ("PRJ_CONTRACTOR_RELATED", &["XM11", "XM15"]),
        // BF5 is in 乙's name on its second account.
        ("PRJ_PAYEE_NOT_CONTRACTOR", &["XM1"]),
    ];
    for (rule, ids) in expect {
        assert_eq!(projects_of(&findings, rule), set(ids), "{rule}");
    }
    assert_eq!(of_rule(&findings, "PRJ_SPLIT_TENDER").len(), 1);
    let payee = &of_rule(&findings, "PRJ_PAYEE_NOT_CONTRACTOR")[0];
    assert_eq!(payee["beneficiary_ids"], "B1", "{payee:?}");
    assert!(
        payee["evidence"].contains("花名册人员张伟（B1）"),
        "{payee:?}"
    );
    let related = of_rule(&findings, "PRJ_CONTRACTOR_RELATED");
    let official = related
        .iter()
        .find(|f| f["refs"].contains("projects:XM11"))
        .unwrap();
    assert!(official["evidence"].contains("副镇长"), "{official:?}");
    let card = related
        .iter()
        .find(|f| f["refs"].contains("projects:XM15"))
        .unwrap();
    assert!(card["evidence"].contains("共用银行卡"), "{card:?}");
    assert_eq!(card["beneficiary_ids"], "B3;B4", "{card:?}");
    // XM1's site and its money on a villager's card are one case.
    let xm1: BTreeSet<&str> = findings
        .iter()
        .filter(|f| f["refs"].split(';').any(|r| r == "projects:XM1"))
        .map(|f| f["case_id"].as_str())
        .collect();
    assert_eq!(xm1.len(), 1, "{xm1:?}");
    // The files were recognised by their names and headers, and the summary lists every
    // project from approval to acceptance.
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let projects = summary["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 14);
    let xm14 = projects.iter().find(|p| p["id"] == "XM14").unwrap();
    assert_eq!(xm14["gaps"][0], "无施工合同", "{xm14}");
    let xm3 = projects.iter().find(|p| p["id"] == "XM3").unwrap();
    assert_eq!(xm3["accepted"], "2025-09-01");
    assert_eq!(xm3["paid_yuan"], 4_656_000.0);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains(r#"data-tab="projects""#));
}

#[test]
fn a_county_without_project_files_has_no_project_tab_and_says_the_check_did_not_run() {
    let mut f = county();
    f.files.clear();
    let dir = tempfile::tempdir().unwrap();
    let out = f.run_in(dir.path(), "2025-12-31", None);
    let findings = common::read_csv(&out.join("findings.csv"));
    assert!(findings.iter().all(|f| !f["rule"].starts_with("PRJ_")));
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains("check: PRJ_*"), "{summary}");
    assert!(!summary.contains("\"projects\""));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains(r#"data-tab="projects""#));
}

/// The approvals as a county's workbook saves them: a title row above the header, money
/// as formatted numbers, dates as Excel dates, a 合计 row at the foot, and one row whose
/// 批复日期 reads 待定. The findings are the CSV's; the bad row is rejected with its file,
/// row and column, not dropped.
#[test]
fn approvals_in_a_titled_workbook_give_the_csvs_findings_and_reject_a_bad_date() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let csv = county();
    let dir = tempfile::tempdir().unwrap();
    let want = common::read_csv(
        &csv.run_in(&dir.path().join("csv"), "2025-12-31", None)
            .join("findings.csv"),
    );

    let mut f = county();
    let at = f
        .files
        .iter()
        .position(|(name, _)| name == "2025年项目批复.csv")
        .unwrap();
    let (_, text) = f.files.remove(at);
    let mut book = Workbook::new();
    let money = Format::new().set_num_format("#,##0.00");
    let date = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    let sheet = book.add_worksheet().set_name("项目计划").unwrap();
    sheet
        .write(0, 0, "某县2025年衔接推进乡村振兴补助资金项目计划表")
        .unwrap();
    let mut lines = text.lines();
    for (c, h) in lines.next().unwrap().split(',').enumerate() {
        sheet.write(1, c as u16, h).unwrap();
    }
    let mut row = 2;
    for line in lines {
        for (c, v) in line.split(',').enumerate() {
            let c = c as u16;
            if v.is_empty() {
                continue;
            }
            match c {
                5 | 6 => sheet.write_number_with_format(row, c, v.parse::<f64>().unwrap(), &money),
                7..=9 => sheet.write_datetime_with_format(
                    row,
                    c,
                    ExcelDateTime::parse_from_str(v).unwrap(),
                    &date,
                ),
                _ => sheet.write(row, c, v),
            }
            .unwrap();
        }
        row += 1;
    }
    for (c, v) in ["XM13", "西村排涝站项目", "城关镇", "西村", "排涝站"]
        .iter()
        .enumerate()
    {
        sheet.write(row, c as u16, *v).unwrap();
    }
    sheet
        .write_number_with_format(row, 6, 300000.0, &money)
        .unwrap();
    sheet.write(row, 7, "待定").unwrap();
    sheet.write(row + 1, 0, "合计").unwrap();
    sheet
        .write_number_with_format(row + 1, 6, 29_700_000.0, &money)
        .unwrap();
    let data = dir.path().join("xlsx");
    f.write(&data.join("data"));
    book.save(data.join("data").join("2025年项目批复.xlsx"))
        .unwrap();
    let out = data.join("out");
    common::run_cmd_as_of(&data.join("data"), &out, "2025-12-31")
        .assert()
        .code(predicates::ord::lt(5));
    let got = common::read_csv(&out.join("findings.csv"));
    for rule in [
        "PRJ_CHANGED_SITE",
        "PRJ_OVER_APPROVED",
        "PRJ_PAID_BEFORE_TENDER",
        "PRJ_PAID_BEFORE_ACCEPTANCE",
        "PRJ_NO_TENDER",
        "PRJ_SPLIT_TENDER",
        "PRJ_TENDER_SLOW",
        "PRJ_CONTRACTOR_RELATED",
        "PRJ_PAYEE_NOT_CONTRACTOR",
    ] {
        assert_eq!(projects_of(&got, rule), projects_of(&want, rule), "{rule}");
        assert!(!projects_of(&got, rule).is_empty(), "{rule}");
    }
    let rejects = std::fs::read_to_string(out.join("rejects.csv")).unwrap();
    let bad: Vec<&str> = rejects
        .lines()
        .filter(|l| l.contains("XM13") || l.contains("待定"))
        .collect();
    assert_eq!(bad.len(), 1, "{rejects}");
    assert!(
        bad[0].contains("2025年项目批复.xlsx") && bad[0].contains("approved_date"),
        "{rejects}"
    );
}
