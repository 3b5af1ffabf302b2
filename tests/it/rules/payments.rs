//! Money late, short or twice: exactly on the due date, one fen short, installments,
//! one person registered twice.

use crate::common;

use common::{allocations_flagged, id_number, of_rule, Fixture};

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
