//! Each rule's edge cases on hand-made ledgers, through the real binary: exactly on the
//! due date, one fen short, installments, spellings, households, homonyms.

use crate::common;

use common::{allocations_flagged, beneficiaries_flagged, id_number, of_rule, Fixture};

#[test]
fn delayed_counts_days_after_due_plus_grace() {
    let mut f = Fixture::one_person();
    let acc = "6228480000000000001";
    // Explicit due date 2025-01-31, grace 5 days.
    f.allocation(
        "A1",
        "低保金",
        "2025Q1",
        "B1",
        "100.00",
        "2025-01-01",
        "2025-01-31",
    )
    .payment("P1", "A1", "B1", "张伟", acc, "100.00", "2025-01-31"); // on the due date
    f.allocation(
        "A2",
        "低保金",
        "2025Q2",
        "B1",
        "100.00",
        "2025-01-01",
        "2025-01-31",
    )
    .payment("P2", "A2", "B1", "张伟", acc, "100.00", "2025-02-05"); // last day of grace
    f.allocation(
        "A3",
        "低保金",
        "2025Q3",
        "B1",
        "100.00",
        "2025-01-01",
        "2025-01-31",
    )
    .payment("P3", "A3", "B1", "张伟", acc, "100.00", "2025-02-06"); // one day too late
                                                                     // No due date: funds received + 15 days for 低保金 = 2025-01-16.
    f.allocation("A4", "低保金", "2025Q4", "B1", "100.00", "2025-01-01", "")
        .payment("P4", "A4", "B1", "张伟", acc, "100.00", "2025-01-21");
    f.allocation("A5", "低保金", "2026Q1", "B1", "100.00", "2025-01-01", "")
        .payment("P5", "A5", "B1", "张伟", acc, "100.00", "2025-01-22");
    // Installments: the second, late one completes the amount.
    f.allocation(
        "A6",
        "低保金",
        "2026Q2",
        "B1",
        "100.00",
        "2025-01-01",
        "2025-01-31",
    )
    .payment("P6", "A6", "B1", "张伟", acc, "50.00", "2025-01-20")
    .payment("P7", "A6", "B1", "张伟", acc, "50.00", "2025-03-02");
    let findings = f.audit("2026-01-01", None);
    assert_eq!(
        allocations_flagged(&findings, "DELAY_LATE"),
        ["A3", "A5", "A6"]
    );
    let late = of_rule(&findings, "DELAY_LATE");
    let a3 = late.iter().find(|x| x["allocation_ids"] == "A3").unwrap();
    assert_eq!(a3["days_late"], "6");
    assert_eq!(a3["category"], "delayed");
    assert!(a3["evidence"].contains("逾期6天"), "{}", a3["evidence"]);
    assert!(
        findings.iter().all(|x| x["category"] == "delayed"),
        "nothing else to find: {findings:?}"
    );
}

#[test]
fn unpaid_only_once_past_due_plus_grace_at_as_of() {
    let mut f = Fixture::one_person();
    f.allocation(
        "A1",
        "低保金",
        "2025Q1",
        "B1",
        "620.00",
        "2025-01-01",
        "2025-01-31",
    );
    // Another allocation, paid on time: a payments ledger with no rows at all would be a
    // broken export (DATA_INCOMPLETE, exit 4), not this rule's case.
    f.allocation(
        "A0",
        "高龄津贴",
        "2024Q4",
        "B1",
        "100.00",
        "2024-10-01",
        "2024-10-31",
    )
    .payment(
        "P0",
        "A0",
        "B1",
        "张伟",
        "6228480000000000001",
        "100.00",
        "2024-10-10",
    );
    assert!(f.audit("2025-02-05", None).is_empty());
    let findings = f.audit("2025-02-06", None);
    assert_eq!(allocations_flagged(&findings, "DELAY_UNPAID"), ["A1"]);
    assert_eq!(
        of_rule(&findings, "DELAY_UNPAID")[0]["amount_at_risk"],
        "620.00"
    );
    // Not yet due: nothing.
    assert!(f.audit("2025-01-15", None).is_empty());
}

#[test]
fn partial_to_the_fen_and_installments() {
    let mut f = Fixture::one_person();
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
    .payment("P1", "A1", "B1", "张伟", acc, "99.99", "2025-01-10"); // one fen short
    f.allocation(
        "A2",
        "低保金",
        "2025Q2",
        "B1",
        "100.00",
        "2025-01-01",
        "2025-01-31",
    )
    .payment("P2", "A2", "B1", "张伟", acc, "50.00", "2025-01-10")
    .payment("P3", "A2", "B1", "张伟", acc, "50.00", "2025-01-12"); // installments, in full
    f.allocation(
        "A3",
        "低保金",
        "2025Q3",
        "B1",
        "100.00",
        "2025-01-01",
        "2025-01-31",
    )
    .payment("P4", "A3", "B1", "张伟", acc, "50.00", "2025-01-10")
    .payment("P5", "A3", "B1", "张伟", acc, "40.00", "2025-01-12"); // split, short
    let findings = f.audit("2025-03-01", None);
    assert_eq!(
        allocations_flagged(&findings, "PARTIAL_SHORT"),
        ["A1", "A3"]
    );
    let a1 = of_rule(&findings, "PARTIAL_SHORT")
        .into_iter()
        .find(|x| x["allocation_ids"] == "A1")
        .unwrap();
    assert_eq!(a1["amount_at_risk"], "0.01");
    let a3 = of_rule(&findings, "PARTIAL_SHORT")
        .into_iter()
        .find(|x| x["allocation_ids"] == "A3")
        .unwrap();
    assert_eq!(a3["payment_ids"], "P4;P5");
    assert_eq!(a3["amount_at_risk"], "10.00");
    assert_eq!(findings.len(), 2);
    // A tolerance of one fen lets the one-fen shortfall pass, not the ten yuan.
    let tolerant = f.audit("2025-03-01", Some("[partial]\nabs_tolerance_yuan = 0.01\n"));
    assert_eq!(allocations_flagged(&tolerant, "PARTIAL_SHORT"), ["A3"]);
}

#[test]
fn duplicate_payment_of_one_allocation_but_not_installments() {
    let mut f = Fixture::one_person();
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
    .payment("P1", "A1", "B1", "张伟", acc, "100.00", "2025-01-10")
    .payment("P2", "A1", "B1", "张伟", acc, "100.00", "2025-01-15");
    f.allocation(
        "A2",
        "低保金",
        "2025Q2",
        "B1",
        "100.00",
        "2025-01-01",
        "2025-01-31",
    )
    .payment("P3", "A2", "B1", "张伟", acc, "60.00", "2025-01-10")
    .payment("P4", "A2", "B1", "张伟", acc, "40.00", "2025-01-15");
    let findings = f.audit("2025-03-01", None);
    assert_eq!(allocations_flagged(&findings, "DUP_ALLOCATION"), ["A1"]);
    assert_eq!(
        of_rule(&findings, "DUP_ALLOCATION")[0]["amount_at_risk"],
        "100.00"
    );
    assert_eq!(findings.len(), 1);
}

#[test]
fn one_person_registered_twice_is_paid_twice_homonyms_are_not() {
    let mut f = Fixture::default();
    let same = id_number(1960, 3, 4, 101);
    f.person("B1", "张伟", &same, "东村", "6228480000000000001", "")
        .person("B2", "張偉", &same, "西村", "6228480000000000002", "") // same ID, traditional
        .person(
            "B3",
            "王芳",
            &id_number(1970, 5, 6, 200),
            "东村",
            "6228480000000000003",
            "",
        )
        .person(
            "B4",
            "王芳",
            &id_number(1970, 5, 6, 873),
            "西村",
            "6228480000000000004",
            "",
        ) // homonym, same birthday
        .person(
            "B5",
            "李静",
            &id_number(1980, 1, 2, 300),
            "南村",
            "6228480000000000005",
            "",
        )
        .person(
            "B6",
            "李晶",
            &id_number(1980, 1, 2, 915),
            "南村",
            "6228480000000000006",
            "",
        ); // homophone, same village
    for (i, b) in ["B1", "B2", "B3", "B4", "B5", "B6"].iter().enumerate() {
        let a = format!("A{i}");
        let name = ["张伟", "張偉", "王芳", "王芳", "李静", "李晶"][i];
        f.allocation(
            &a,
            "低保金",
            "2025Q1",
            b,
            "300.00",
            "2025-01-01",
            "2025-01-31",
        )
        .payment(
            &format!("P{i}"),
            &a,
            b,
            name,
            &format!("622848000000000000{}", i + 1),
            "300.00",
            "2025-01-10",
        );
    }
    let findings = f.audit("2025-03-01", None);
    let dup = of_rule(&findings, "DUP_PERSON_PERIOD");
    let mut pairs: Vec<&str> = dup.iter().map(|x| x["beneficiary_ids"].as_str()).collect();
    pairs.sort();
    assert_eq!(pairs, ["B1;B2", "B5;B6"]);
    let b5 = dup
        .iter()
        .find(|x| x["beneficiary_ids"] == "B5;B6")
        .unwrap();
    assert_eq!(b5["similarity"], "0.92", "homophone decided by pinyin");
    assert!(b5["evidence"].contains("同音"), "{}", b5["evidence"]);
    assert_eq!(dup[0]["amount_at_risk"], "300.00");
    assert_eq!(findings.len(), 2, "{findings:?}");
}

#[test]
fn ghosts_unregistered_dead_and_invalid_ids() {
    let mut f = Fixture::default();
    let bad_check = common::id_with_bad_check(1950, 7, 8, 42);
    f.person(
        "B1",
        "赵强",
        &id_number(1950, 1, 1, 1),
        "东村",
        "6228480000000000001",
        "2025-01-10",
    ) // died
    .person(
        "B2",
        "钱芳",
        &id_number(1950, 1, 2, 2),
        "东村",
        "6228480000000000002",
        "2025-03-01",
    ) // died after being paid
    .person(
        "B3",
        "孙丽华",
        &id_number(1950, 1, 3, 3),
        "东村",
        "6228480000000000003",
        "",
    ) // on the death list, no ID
    .person(
        "B4",
        "王芳",
        &id_number(1950, 1, 4, 4),
        "北村",
        "6228480000000000004",
        "",
    )
    .person(
        "B5",
        "王芳",
        &id_number(1951, 1, 4, 5),
        "北村",
        "6228480000000000005",
        "",
    ) // two 王芳 in 北村
    .person("B6", "周敏", &bad_check, "东村", "6228480000000000006", "");
    for (i, b) in ["B1", "B2", "B3", "B4", "B5", "B6", "B99"]
        .iter()
        .enumerate()
    {
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
        .payment(
            &format!("P{i}"),
            &a,
            b,
            "",
            &format!("622848000000000000{}", i + 1),
            "300.00",
            "2025-01-20",
        );
    }
    f.deaths.push("孫麗華,,2025-01-05,1950-01-03,,".into()); // traditional spelling + birth date
    f.deaths.push("王芳,,2025-01-05,,城关镇,北村".into()); // a common name, ambiguous in the village
    let findings = f.audit("2025-03-01", None);
    assert_eq!(
        beneficiaries_flagged(&findings, "GHOST_UNREGISTERED"),
        ["B99"]
    );
    assert_eq!(
        beneficiaries_flagged(&findings, "GHOST_DECEASED"),
        ["B1", "B3"]
    );
    assert_eq!(beneficiaries_flagged(&findings, "GHOST_INVALID_ID"), ["B6"]);
    let b3 = of_rule(&findings, "GHOST_DECEASED")
        .into_iter()
        .find(|x| x["beneficiary_ids"] == "B3")
        .unwrap();
    assert_eq!(b3["similarity"], "1.00");
    assert!(
        b3["evidence"].contains("出生日期相同"),
        "{}",
        b3["evidence"]
    );
}

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
fn official_enrolled_as_beneficiary_by_id_number() {
    let mut f = Fixture::one_person();
    f.allocation(
        "A1",
        "低保金",
        "2025Q1",
        "B1",
        "300.00",
        "2025-01-01",
        "2025-01-31",
    )
    .payment(
        "P1",
        "A1",
        "B1",
        "张伟",
        "6228480000000000001",
        "300.00",
        "2025-01-10",
    );
    f.officials.push(format!(
        "张伟,{},城关镇东村村委会,村主任",
        id_number(1960, 3, 4, 101)
    ));
    let findings = f.audit("2025-03-01", None);
    assert_eq!(beneficiaries_flagged(&findings, "DIV_OFFICIAL"), ["B1"]);
    assert!(of_rule(&findings, "DIV_OFFICIAL")[0]["evidence"].contains("身份证号一致"));
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
fn exclusive_programs_in_one_period_and_one_program_in_two_townships() {
    let mut f = Fixture::one_person();
    let acc = "6228480000000000001";
    // 特困 and 低保 in the same quarter: exclusive.
    f.allocation(
        "A1",
        "特困供养金",
        "2025Q1",
        "B1",
        "600.00",
        "2025-01-01",
        "2025-01-31",
    )
    .payment("P1", "A1", "B1", "张伟", acc, "600.00", "2025-01-10");
    f.allocation(
        "A2",
        "低保金",
        "2025-02",
        "B1",
        "300.00",
        "2025-02-01",
        "2025-02-28",
    )
    .payment("P2", "A2", "B1", "张伟", acc, "300.00", "2025-02-10");
    // Near miss: 低保 in the next quarter only, while 特困 stopped.
    f.allocation(
        "A3",
        "低保金",
        "2025Q2",
        "B1",
        "900.00",
        "2025-04-01",
        "2025-04-30",
    )
    .payment("P3", "A3", "B1", "张伟", acc, "900.00", "2025-04-10");
    // B2 draws 高龄津贴 (one township only by config below) in two townships at once.
    f.person(
        "B2",
        "刘强",
        &id_number(1940, 1, 1, 2),
        "东村",
        "6228480000000000002",
        "",
    );
    f.allocations
        .push("A4,高龄津贴,2025Q1,B2,城关镇,300.00,2025-01-01,2025-01-31".to_string());
    f.allocations
        .push("A5,高龄津贴,2025Q1,B2,黄寨镇,300.00,2025-01-01,2025-01-31".to_string());
    f.payment(
        "P4",
        "A4",
        "B2",
        "刘强",
        "6228480000000000002",
        "300.00",
        "2025-01-10",
    )
    .payment(
        "P5",
        "A5",
        "B2",
        "刘强",
        "6228480000000000002",
        "300.00",
        "2025-01-11",
    );
    let config = "[exclusive]\npairs = [[\"特困供养金\", \"低保金\"]]\none_township_programs = [\"高龄津贴\"]\n";
    let findings = f.audit("2025-12-31", Some(config));
    let ex = of_rule(&findings, "DUP_EXCLUSIVE");
    assert_eq!(ex.len(), 2, "{ex:?}");
    let both = ex
        .iter()
        .find(|x| x["payment_ids"] == "P1;P2")
        .expect("特困+低保");
    assert_eq!(both["amount_at_risk"], "300.00");
    assert_eq!(both["category"], "duplicate");
    let towns = ex
        .iter()
        .find(|x| x["payment_ids"] == "P4;P5")
        .expect("two townships");
    assert_eq!(towns["amount_at_risk"], "300.00");
    assert!(
        towns["evidence"].contains("城关镇、黄寨镇"),
        "{}",
        towns["evidence"]
    );
}

#[test]
fn over_the_programs_standard_by_allocation_or_by_payments() {
    let mut f = Fixture::one_person();
    let acc = "6228480000000000001";
    f.allocation(
        "A1",
        "低保金",
        "2025Q1",
        "B1",
        "3000.00",
        "2025-01-01",
        "2025-01-31",
    )
    .payment("P1", "A1", "B1", "张伟", acc, "3000.00", "2025-01-10"); // allocated over
    f.allocation(
        "A2",
        "低保金",
        "2025Q2",
        "B1",
        "2400.00",
        "2025-04-01",
        "2025-04-30",
    )
    .payment("P2", "A2", "B1", "张伟", acc, "2400.00", "2025-04-10"); // exactly: clean
    let config = "[standards]\n\"低保金\" = { max_yuan_per_period = 2400 }\n";
    let findings = f.audit("2025-12-31", Some(config));
    let over = of_rule(&findings, "OVER_STANDARD");
    assert_eq!(over.len(), 1, "{over:?}");
    assert_eq!(over[0]["allocation_ids"], "A1");
    assert_eq!(over[0]["amount_at_risk"], "600.00");
    // Without a standard the rule checks nothing.
    assert!(of_rule(&f.audit("2025-12-31", None), "OVER_STANDARD").is_empty());
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
    common::fundaudit()
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
    let findings = common::read_csv(&out.join("findings.csv"));
    let cadre_findings = of_rule(&findings, "DIV_CADRE_HOUSEHOLD");
    // The wife in the village he serves; not his namesake elsewhere, not the relative in
    // a township he does not serve.
    assert_eq!(cadre_findings.len(), 1, "{findings:?}");
    assert_eq!(cadre_findings[0]["beneficiary_ids"], "B2");
    assert!(cadre_findings[0]["evidence"].contains("同户（户编号H1）"));
    assert_eq!(cadre_findings[0]["refs"], "officials:2");
}

#[test]
fn reference_lists_by_id_number_or_name_and_birth_date() {
    let mut f = Fixture::one_person(); // 张伟 B1, born 1960-03-04, draws 低保金
    f.person(
        "B2",
        "刘强",
        &id_number(1961, 1, 1, 2),
        "东村",
        "6228480000000000002",
        "",
    );
    f.person(
        "B3",
        "王芳",
        &id_number(1962, 2, 2, 3),
        "东村",
        "6228480000000000003",
        "",
    );
    f.person(
        "B4",
        "赵敏",
        &id_number(1963, 3, 3, 4),
        "东村",
        "6228480000000000004",
        "",
    );
    for (k, (b, name, program)) in [
        ("B1", "张伟", "低保金"),
        ("B2", "刘强", "低保金"),
        ("B3", "王芳", "高龄津贴"),
        ("B4", "赵敏", "低保金"),
    ]
    .iter()
    .enumerate()
    {
        let acc = format!("622848000000000000{}", k + 1);
        f.allocation(
            &format!("A{k}"),
            program,
            "2025Q1",
            b,
            "500.00",
            "2025-01-01",
            "2025-01-31",
        )
        .payment(
            &format!("P{k}"),
            &format!("A{k}"),
            b,
            name,
            &acc,
            "500.00",
            "2025-01-10",
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    f.write(&data);
    std::fs::write(
        data.join("vehicles.csv"),
        format!(
            "车主,身份证号,出生日期\n\
             张伟,{},\n\
             刘强,,1961-01-01\n\
             王芳,{},\n\
             赵敏,,\n",
            id_number(1960, 3, 4, 101),
            id_number(1962, 2, 2, 3)
        ),
    )
    .unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(
        &config,
        "[[lists]]\nfile = \"vehicles\"\nlabel = \"车辆登记\"\nrule = \"LIST_VEHICLE\"\nprograms = [\"低保金\"]\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    common::fundaudit()
        .args([
            "run",
            "--quiet",
            "--no-ledger",
            "--as-of",
            "2025-12-31",
            "--config",
        ])
        .arg(&config)
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let findings = common::read_csv(&out.join("findings.csv"));
    // 张伟 by ID number, 刘强 by name and birth date; not 王芳 (not drawing 低保金), not
    // 赵敏 (a name alone).
    assert_eq!(
        beneficiaries_flagged(&findings, "LIST_VEHICLE"),
        ["B1", "B2"]
    );
    let one = &of_rule(&findings, "LIST_VEHICLE")[0];
    assert_eq!(one["category"], "ghost");
    assert!(
        one["evidence"].contains("车辆登记名单第"),
        "{}",
        one["evidence"]
    );
    assert!(one["refs"].starts_with("vehicles:"));
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

/// Charges that fit (issue 26): allocations for a man dead before their period began are
/// 死亡未销户 (GHOST_DECEASED), not money withheld (DELAY_UNPAID 涉嫌截留); an allocation
/// of a period he lived into is still owed and late.
#[test]
fn a_dead_man_left_on_the_list_is_a_ghost_not_withheld_money() {
    let acc = "6228480000000000001";
    let mut f = Fixture::default();
    f.person(
        "B1",
        "张伟",
        &id_number(1950, 3, 4, 101),
        "东村",
        acc,
        "2025-05-17",
    );
    // Q1 paid while he lived (a payments file with no row at all is a broken export).
    f.allocation(
        "A1",
        "低保金",
        "2025Q1",
        "B1",
        "620.00",
        "2025-01-01",
        "2025-01-31",
    )
    .payment("P1", "A1", "B1", "张伟", acc, "620.00", "2025-01-20");
    for (id, period, received, due) in [
        ("A2", "2025Q2", "2025-04-01", "2025-04-30"),
        ("A3", "2025Q3", "2025-07-01", "2025-07-31"),
        ("A4", "2025Q4", "2025-10-01", "2025-10-31"),
    ] {
        f.allocation(id, "低保金", period, "B1", "620.00", received, due);
    }
    let findings = f.audit("2025-12-31", None);
    let unpaid = allocations_flagged(&findings, "DELAY_UNPAID");
    assert_eq!(unpaid, vec!["A2"], "Q2 began before the death: still owed");
    let ghosts = of_rule(&findings, "GHOST_DECEASED");
    assert_eq!(ghosts.len(), 1, "{findings:?}");
    assert_eq!(ghosts[0]["allocation_ids"], "A3;A4");
    assert_eq!(ghosts[0]["amount_at_risk"], "1240.00");
    assert!(
        ghosts[0]["evidence"].contains("死亡未销户"),
        "{}",
        ghosts[0]["evidence"]
    );
    assert!(!ghosts[0]["evidence"].contains("截留"));
}

/// One person registered twice (one ID number, two beneficiary ids) is owed one
/// entitlement a period: overpaid through the second registration, the first's short
/// payment is no 克扣 (the net extra is the duplicate's); short in all, the net shortfall
/// is one PARTIAL_SHORT that names the other registration (issue 26).
#[test]
fn a_person_over_and_under_paid_in_one_period_gets_the_net() {
    let id = id_number(1960, 3, 4, 101);
    let acc = "6228480000000000001";
    let county = |first: &str, second: &str| {
        let mut f = Fixture::default();
        f.person("B1", "张伟", &id, "东村", acc, "");
        f.person("B2", "张伟", &id, "东村", acc, "");
        f.allocation(
            "A1",
            "低保金",
            "2025Q1",
            "B1",
            "2500.00",
            "2025-01-01",
            "2025-01-31",
        )
        .payment("P1", "A1", "B1", "张伟", acc, first, "2025-01-10");
        f.allocation(
            "A2",
            "低保金",
            "2025Q1",
            "B2",
            "2500.00",
            "2025-01-01",
            "2025-01-31",
        )
        .payment("P2", "A2", "B2", "张伟", acc, second, "2025-01-12");
        f.audit("2025-03-31", None)
    };
    let over = county("1250.00", "2500.00");
    assert!(of_rule(&over, "PARTIAL_SHORT").is_empty(), "{over:?}");
    let dup = of_rule(&over, "DUP_PERSON_PERIOD");
    assert_eq!(dup.len(), 1);
    assert_eq!(dup[0]["amount_at_risk"], "1250.00");

    let under = county("1000.00", "1000.00");
    assert!(of_rule(&under, "DUP_PERSON_PERIOD").is_empty(), "{under:?}");
    let short = of_rule(&under, "PARTIAL_SHORT");
    assert_eq!(short.len(), 1, "{under:?}");
    assert_eq!(short[0]["amount_at_risk"], "500.00");
    assert!(
        short[0]["evidence"].contains("合计实领2,000.00元，净少发500.00元"),
        "{}",
        short[0]["evidence"]
    );
}

/// A second registration made without an ID number (issue 27, item 6): its
/// GHOST_INVALID_ID names the registered person of the same village whose name sounds the
/// same and who drew the same program and period, and the case joins the two; no merge,
/// no DUP_PERSON_PERIOD. A villager of another name is not named.
#[test]
fn a_registration_without_an_id_number_names_whose_second_it_may_be() {
    let mut f = Fixture::one_person();
    f.person("B2", "张玮", "", "东村", "6228480000000000002", "");
    f.person(
        "B3",
        "李娜",
        &id_number(1961, 5, 6, 202),
        "东村",
        "6228480000000000003",
        "",
    );
    f.person("B4", "李娜", "", "西村", "6228480000000000004", "");
    for (a, who, acc) in [
        ("A1", "B1", "6228480000000000001"),
        ("A2", "B2", "6228480000000000002"),
        ("A3", "B3", "6228480000000000003"),
        ("A4", "B4", "6228480000000000004"),
    ] {
        f.allocation(
            a,
            "低保金",
            "2025Q1",
            who,
            "600.00",
            "2025-01-01",
            "2025-01-31",
        );
        f.payment(
            &a.replace('A', "P"),
            a,
            who,
            "",
            acc,
            "600.00",
            "2025-01-10",
        );
    }
    let findings = f.audit("2025-03-31", None);
    let invalid = of_rule(&findings, "GHOST_INVALID_ID");
    let b2 = invalid
        .iter()
        .find(|x| x["beneficiary_ids"].contains("B2"))
        .expect("B2's number is missing");
    assert_eq!(b2["beneficiary_ids"], "B1;B2");
    assert!(
        b2["evidence"].contains("疑似与张伟（B1）（同村、同音、同期同项目领取）为同一人重复登记"),
        "{}",
        b2["evidence"]
    );
    // 李娜 of 西村 is not 李娜 of 东村's second registration: another village.
    let b4 = invalid
        .iter()
        .find(|x| x["beneficiary_ids"].contains("B4"))
        .expect("B4's number is missing");
    assert_eq!(b4["beneficiary_ids"], "B4");
    assert!(!b4["evidence"].contains("疑似"));
    assert!(of_rule(&findings, "DUP_PERSON_PERIOD").is_empty());
}
