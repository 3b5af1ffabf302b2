//! What programs allow: exclusive programs in one period, one program in two townships,
//! the standard a program pays, the reference lists.

use crate::common;

use common::{beneficiaries_flagged, id_number, of_rule, Fixture};

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
    crate::common::fundaudit()
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
    let findings = crate::common::read_csv(&out.join("findings.csv"));
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
