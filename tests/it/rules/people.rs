//! Whom the money went to: people not registered, dead or with invalid IDs, officials
//! enrolled as beneficiaries, a registration without an ID number.

use crate::common;

use common::{allocations_flagged, beneficiaries_flagged, id_number, of_rule, Fixture};

#[test]
fn ghosts_unregistered_dead_and_invalid_ids() {
    let mut f = Fixture::default();
    let bad_check = crate::common::id_with_bad_check(1950, 7, 8, 42);
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
