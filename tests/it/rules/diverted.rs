//! Money diverted: strangers' and officials' cards, shared cards (but not spellings or
//! households), payments over or beside their allocation, cadres' households.

use crate::common;

use common::{beneficiaries_flagged, id_number, of_rule, Fixture};

#[test]
fn diverted_strangers_officials_shared_cards_but_not_spellings_or_households() {
    let mut f = Fixture::default();
    f.person(
        "B1",
        "张伟",
        &id_number(1960, 1, 1, 1),
        "东村",
        "6228480000000000001",
        "",
    )
    .person(
        "B2",
        "刘强",
        &id_number(1960, 1, 2, 2),
        "东村",
        "6228480000000000002",
        "",
    )
    .person(
        "B3",
        "陈丽",
        &id_number(1960, 1, 3, 3),
        "西村",
        "6228480000000000003",
        "",
    )
    .person(
        "B4",
        "杨军",
        &id_number(1960, 1, 4, 4),
        "西村",
        "6228480000000000003",
        "",
    ) // wife's card
    .person(
        "B5",
        "赵敏",
        &id_number(1960, 1, 5, 5),
        "南村",
        "6228480000000000005",
        "",
    )
    .person(
        "B6",
        "吴刚",
        &id_number(1960, 1, 6, 6),
        "北村",
        "6228480000000000006",
        "",
    )
    .person(
        "B7",
        "周平",
        &id_number(1960, 1, 7, 7),
        "中村",
        "6228480000000000007",
        "",
    )
    .person(
        "B8",
        "郑红",
        &id_number(1960, 1, 8, 8),
        "东村",
        "6228480000000000008",
        "",
    )
    .person(
        "B9",
        "冯涛",
        &id_number(1960, 1, 9, 9),
        "东村",
        "6228480000000000009",
        "",
    );
    let rows = [
        ("B1", "張 偉", "6228480000000000001"), // bank spelling: fine
        ("B2", "马超", "6228480000000000999"),  // stranger's card
        ("B3", "陈丽", "6228480000000000003"),
        ("B4", "陈丽", "6228480000000000003"), // household card: fine
        ("B5", "黄金", "6228480000000000777"), // three villages on one card
        ("B6", "黄金", "6228480000000000777"),
        ("B7", "黄金", "6228480000000000777"),
        ("B8", "何志", "6228480000000000888"), // a cadre's card
    ];
    for (i, (b, payee, acc)) in rows.iter().enumerate() {
        let a = format!("A{i}");
        f.allocation(
            &a,
            "低保金",
            "2025Q1",
            b,
            "300.00",
            "2025-01-01",
            "2025-01-31",
        )
        .payment(&format!("P{i}"), &a, b, payee, acc, "300.00", "2025-01-10");
    }
    f.payment(
        "P90",
        "",
        "B9",
        "冯涛",
        "6228480000000000009",
        "500.00",
        "2025-01-10",
    ); // no allocation
    f.officials
        .push("何志,411623197001010011,城关镇东村村委会,村会计".into());
    f.officials.push("冯涛,,黄寨镇人民政府,科员".into()); // same name as B9, other township
    let findings = f.audit("2025-03-01", None);
    assert_eq!(
        beneficiaries_flagged(&findings, "DIV_PAYEE_MISMATCH"),
        ["B2", "B5", "B6", "B7"]
    );
    assert_eq!(
        beneficiaries_flagged(&findings, "DIV_SHARED_ACCOUNT"),
        ["B5;B6;B7"]
    );
    assert_eq!(beneficiaries_flagged(&findings, "DIV_OFFICIAL"), ["B8"]);
    let nothing_for = |b: &str| {
        findings.iter().all(|x| {
            !x["beneficiary_ids"].split(';').any(|id| id == b) || x["rule"] == "DIV_NO_ALLOCATION"
        })
    };
    assert!(
        nothing_for("B1") && nothing_for("B3") && nothing_for("B4") && nothing_for("B9"),
        "{findings:?}"
    );
    let none = of_rule(&findings, "DIV_NO_ALLOCATION");
    assert_eq!(none.len(), 1);
    assert_eq!(none[0]["payment_ids"], "P90");
}

#[test]
fn one_payment_over_its_allocation_and_one_for_someone_else() {
    let mut f = Fixture::one_person();
    f.person(
        "B2",
        "刘强",
        &id_number(1961, 1, 1, 2),
        "东村",
        "6228480000000000002",
        "",
    );
    let acc = "6228480000000000001";
    f.allocation(
        "A1",
        "低保金",
        "2025Q1",
        "B1",
        "100.00",
        "2025-01-01",
        "2025-01-31",
    )
    .payment("P1", "A1", "B1", "张伟", acc, "1000.00", "2025-01-10"); // a zero too many
    f.allocation(
        "A2",
        "低保金",
        "2025Q2",
        "B1",
        "100.00",
        "2025-04-01",
        "2025-04-30",
    )
    .payment("P2", "A2", "B1", "张伟", acc, "100.00", "2025-04-10"); // exactly: clean
    f.allocation(
        "A3",
        "低保金",
        "2025Q3",
        "B1",
        "100.00",
        "2025-07-01",
        "2025-07-31",
    )
    .payment("P3", "A3", "B2", "张伟", acc, "100.00", "2025-07-10"); // recorded for B2
    f.allocation(
        "A4",
        "低保金",
        "2025Q3",
        "B2",
        "100.00",
        "2025-07-01",
        "2025-07-31",
    )
    .payment(
        "P4",
        "A4",
        "",
        "刘强",
        "6228480000000000002",
        "100.00",
        "2025-07-10",
    ); // no id: clean
    let findings = f.audit("2025-12-31", None);
    let over = of_rule(&findings, "DUP_OVER_ALLOCATION");
    assert_eq!(over.len(), 1, "{findings:?}");
    assert_eq!(over[0]["payment_ids"], "P1");
    assert_eq!(over[0]["amount_at_risk"], "900.00");
    assert_eq!(over[0]["category"], "duplicate");
    let other = of_rule(&findings, "DIV_OTHER_BENEFICIARY");
    assert_eq!(other.len(), 1, "{findings:?}");
    assert_eq!(other[0]["payment_ids"], "P3");
    assert!(other[0]["beneficiary_ids"].contains("B2"));
    assert!(
        other[0]["evidence"].contains("刘强"),
        "{}",
        other[0]["evidence"]
    );
}

#[test]
fn a_cadres_household_drawing_in_the_village_they_serve() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let (cadre, wife, namesake, cousin) = (
        id_number(1970, 5, 5, 11),
        id_number(1972, 6, 6, 22),
        id_number(1971, 7, 7, 33),
        id_number(1960, 8, 8, 44),
    );
    std::fs::write(
        data.join("beneficiaries.csv"),
        format!(
            "beneficiary_id,name,id_number,township,village,bank_account,户编号\n\
             C1,王建国,{cadre},城关镇,东村,6228480000000000011,H1\n\
             B2,李秀英,{wife},城关镇,东村,6228480000000000022,H1\n\
             B3,王建国,{namesake},城关镇,西村,6228480000000000033,H3\n\
             B4,王秀兰,{cousin},黄寨镇,南村,6228480000000000044,H1\n"
        ),
    )
    .unwrap();
    std::fs::write(
        data.join("officials.csv"),
        format!("name,id_number,unit,role\n王建国,{cadre},城关镇东村村委会,村主任\n"),
    )
    .unwrap();
    let mut alloc = String::from(
        "allocation_id,program,period,beneficiary_id,township,amount,funds_received_date,due_date\n",
    );
    let mut pay = String::from(
        "payment_id,allocation_id,beneficiary_id,payee_name,payee_account,amount,paid_date,program\n",
    );
    for (k, (b, name, acc)) in [
        ("B2", "李秀英", "6228480000000000022"),
        ("B3", "王建国", "6228480000000000033"),
        ("B4", "王秀兰", "6228480000000000044"),
    ]
    .iter()
    .enumerate()
    {
        alloc += &format!("A{k},低保金,2025Q1,{b},城关镇,600.00,2025-01-01,2025-01-31\n");
        pay += &format!("P{k},A{k},{b},{name},{acc},600.00,2025-01-10,低保金\n");
    }
    std::fs::write(data.join("allocations.csv"), alloc).unwrap();
    std::fs::write(data.join("payments.csv"), pay).unwrap();
    let out = dir.path().join("out");
    crate::common::fundaudit()
        .args([
            "run",
            "--quiet",
            "--no-ledger",
            "--as-of",
            "2025-12-31",
            "--data",
        ])
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let findings = crate::common::read_csv(&out.join("findings.csv"));
    let cadre_findings = of_rule(&findings, "DIV_CADRE_HOUSEHOLD");
    // The wife in the village he serves; not his namesake elsewhere, not the relative in
    // a township he does not serve.
    assert_eq!(cadre_findings.len(), 1, "{findings:?}");
    assert_eq!(cadre_findings[0]["beneficiary_ids"], "B2");
    assert!(cadre_findings[0]["evidence"].contains("同户（户编号H1）"));
    assert_eq!(cadre_findings[0]["refs"], "officials:2");
}

/// Charges that fit (issue 26): an official drawing a universal entitlement (高龄津贴,
/// 耕地地力保护补贴) draws it lawfully; the same official on 低保金 does not. The config
/// says which programs are means-tested.
#[test]
fn officials_may_draw_universal_entitlements_but_not_means_tested_aid() {
    let acc = "6228480000000000001";
    let official = id_number(1958, 2, 3, 211);
    let mut f = Fixture::default();
    f.person("B1", "王建国", &official, "东村", acc, "");
    f.allocation(
        "A1",
        "高龄津贴",
        "2025Q1",
        "B1",
        "300.00",
        "2025-01-01",
        "2025-01-31",
    )
    .payment("P1", "A1", "B1", "王建国", acc, "300.00", "2025-01-10");
    f.allocation(
        "A2",
        "耕地地力保护补贴",
        "2025",
        "B1",
        "500.00",
        "2025-01-01",
        "2025-01-31",
    )
    .payment("P2", "A2", "B1", "王建国", acc, "500.00", "2025-01-12");
    f.officials
        .push(format!("王建国,{official},城关镇东村村委会,村支书"));
    let findings = f.audit("2025-03-31", None);
    assert!(
        of_rule(&findings, "DIV_OFFICIAL").is_empty(),
        "universal entitlements alone: {findings:?}"
    );
    // A county that counts 高龄津贴 as means-tested says so in its config.
    let strict = f.audit(
        "2025-03-31",
        Some("[programs.\"高龄津贴\"]\nmeans_tested = true\n"),
    );
    let flagged = of_rule(&strict, "DIV_OFFICIAL");
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0]["payment_ids"], "P1");
    // The same official drawing 低保金: flagged, on that money only.
    f.allocation(
        "A3",
        "低保金",
        "2025Q1",
        "B1",
        "600.00",
        "2025-01-01",
        "2025-01-31",
    )
    .payment("P3", "A3", "B1", "王建国", acc, "600.00", "2025-01-15");
    let findings = f.audit("2025-03-31", None);
    let flagged = of_rule(&findings, "DIV_OFFICIAL");
    assert_eq!(flagged.len(), 1, "{findings:?}");
    assert_eq!(flagged[0]["payment_ids"], "P3");
    assert_eq!(flagged[0]["amount_at_risk"], "600.00");
}
