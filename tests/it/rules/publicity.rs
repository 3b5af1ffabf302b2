//! The posted lists (公示名单) against the payments, the amount against its basis, and
//! whose card a per-person subsidy went to, on hand-made ledgers through the real binary.

use crate::common;

use common::{allocations_flagged, beneficiaries_flagged, id_number, of_rule, Fixture};

/// 后楼村 posts its 2025Q1 低保金 list; 前楼村 delivers none.
fn county() -> Fixture {
    let mut f = Fixture::default();
    // Two 张伟 of 后楼村 with one birthday: the posted number's last digits tell them apart.
    let (a, b) = (id_number(1960, 3, 4, 101), id_number(1960, 3, 4, 102));
    f.person("B1", "张伟", &a, "后楼村", "6228480000000000001", "")
        .person("B2", "张伟", &b, "后楼村", "6228480000000000002", "")
        .person(
            "B3",
            "李娜",
            &id_number(1970, 5, 6, 7),
            "后楼村",
            "6228480000000000003",
            "",
        )
        .person(
            "B4",
            "王芳",
            &id_number(1950, 1, 2, 8),
            "后楼村",
            "6228480000000000004",
            "2024-12-01",
        )
        .person(
            "B5",
            "赵强",
            &id_number(1965, 1, 2, 9),
            "前楼村",
            "6228480000000000005",
            "",
        )
        .person(
            "B6",
            "孙丽",
            &id_number(1966, 1, 2, 11),
            "后楼村",
            "6228480000000000006",
            "",
        );
    for (k, who) in ["B1", "B2", "B3", "B5", "B6"].iter().enumerate() {
        let (alloc, pay) = (format!("A{k}"), format!("P{k}"));
        f.allocation(
            &alloc,
            "低保金",
            "2025Q1",
            who,
            "900.00",
            "2025-01-01",
            "2025-02-28",
        )
        .payment(
            &pay,
            &alloc,
            who,
            "",
            &format!("622848000000000000{}", &who[1..]),
            "900.00",
            "2025-01-20",
        );
    }
    // B5 (前楼村, no list) paid 100.00 short: a finding with or without the lists.
    f.payments[3] = f.payments[3].replace(",900.00,", ",800.00,");
    // B6 paid 900.00, posted 900.50: within the yuan of tolerance.
    let masked = |id: &str| format!("{}**********{}", &id[..4], &id[14..]);
    let list = [
        format!("张伟,{},900.00", masked(&a)),
        format!("李娜,{},1000.00", masked(&id_number(1970, 5, 6, 7))),
        format!("王芳,{},900.00", masked(&id_number(1950, 1, 2, 8))),
        "钱多多,410102199001011234,900.00".to_string(),
        format!("孙丽,{},900.50", masked(&id_number(1966, 1, 2, 11))),
    ];
    let mut text = String::from("姓名,身份证号,金额,村,补贴项目,所属期,公示起止日期\n");
    for row in list {
        text.push_str(&format!(
            "{row},后楼村三组,低保金,2025年第一季度,2025-01-10至2025-01-17\n"
        ));
    }
    f.files
        .push(("notices/后楼村2025年一季度公示.csv".into(), text));
    f
}

#[test]
fn what_was_paid_is_held_against_what_was_posted() {
    let findings = county().audit("2025-03-31", None);
    // B2 was paid and never posted; the posted 张伟 is B1 by the digits shown.
    assert_eq!(allocations_flagged(&findings, "PUB_NOT_POSTED"), ["A1"]);
    // 前楼村 delivered no list: B5 is not accused.
    // 李娜 posted 1000.00, paid 900.00; 孙丽's 0.50 is within tolerance.
    let differs = of_rule(&findings, "PUB_AMOUNT_DIFFERS");
    assert_eq!(differs.len(), 1, "{differs:?}");
    assert_eq!(differs[0]["beneficiary_ids"], "B3");
    assert_eq!(differs[0]["category"], "partial");
    assert!(
        differs[0]["evidence"].contains("少发100.00元"),
        "{}",
        differs[0]["evidence"]
    );
    // Posted 2025-01-10, first paid 2025-01-20: ten days, not late.
    assert!(of_rule(&findings, "PUB_POSTED_LATE").is_empty());
    // 王芳 died before the period; 钱多多 is no one registered.
    let ghosts = of_rule(&findings, "PUB_POSTED_NOT_ELIGIBLE");
    assert_eq!(ghosts.len(), 2, "{ghosts:?}");
    assert_eq!(
        beneficiaries_flagged(&findings, "PUB_POSTED_NOT_ELIGIBLE"),
        ["", "B4"]
    );
    // 钱多多 is no one registered: the finding is of the list's township (城关镇, its
    // other rows' people's), for that township's worklist.
    let nobody = ghosts.iter().find(|g| g["evidence"].contains("钱多多"));
    assert_eq!(
        nobody.map(|g| g["township"].as_str()),
        Some("城关镇"),
        "{ghosts:?}"
    );
    // 前楼村 was paid 低保金 2025Q1 and delivered no list, where 后楼村's was delivered:
    // one finding for the township, program and period, naming the village and what was
    // paid.
    let missing = of_rule(&findings, "PUB_LIST_MISSING");
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert_eq!(missing[0]["allocation_ids"], "A3");
    assert_eq!(missing[0]["amount_at_risk"], "0.00");
    for said in ["前楼村（1笔、800.00元）", "低保金2025Q1", "1个村"] {
        assert!(
            missing[0]["evidence"].contains(said),
            "{}",
            missing[0]["evidence"]
        );
    }
}

#[test]
fn a_dead_person_posted_on_two_lists_is_one_finding_citing_both() {
    let mut f = county();
    let id = id_number(1950, 1, 2, 8);
    f.files.push((
        "notices/后楼村2025年二季度公示.csv".into(),
        format!(
            "姓名,身份证号,金额,村,补贴项目,所属期,公示起止日期\n王芳,{}**********{},900.00,后楼村,低保金,2025年第二季度,2025-04-01至2025-04-08\n",
            &id[..4],
            &id[14..]
        ),
    ));
    let findings = f.audit("2025-06-30", None);
    let dead: Vec<_> = of_rule(&findings, "PUB_POSTED_NOT_ELIGIBLE")
        .into_iter()
        .filter(|g| g["beneficiary_ids"] == "B4")
        .collect();
    assert_eq!(dead.len(), 1, "{dead:?}");
    let evidence = &dead[0]["evidence"];
    for said in [
        "2025年第一季度、2025年第二季度",
        "一季度公示",
        "二季度公示",
        "2024-12-01死亡",
    ] {
        assert!(evidence.contains(said), "{said}: {evidence}");
    }
    assert_eq!(dead[0]["amount_at_risk"], "1800.00", "{:?}", dead[0]);
}

#[test]
fn missing_lists_are_one_finding_per_township_program_and_period_and_none_posted_is_no_gap() {
    let mut f = county();
    // Ten more villages paid 低保金 2025Q1, none with its list; and 临时救助, which no
    // village posts, is no gap.
    for k in 0..10 {
        let (b, a, p) = (format!("C{k}"), format!("CA{k}"), format!("CP{k}"));
        let card = format!("62284800000000001{k:02}");
        f.person(
            &b,
            "周平",
            &id_number(1970, 1, 1, 200 + k as u32),
            &format!("新庄{k}村"),
            &card,
            "",
        )
        .allocation(
            &a,
            "低保金",
            "2025Q1",
            &b,
            "900.00",
            "2025-01-01",
            "2025-02-28",
        )
        .payment(&p, &a, &b, "", &card, "900.00", "2025-01-20")
        .allocation(
            &format!("{a}T"),
            "临时救助",
            "2025Q1",
            &b,
            "500.00",
            "2025-01-01",
            "2025-02-28",
        )
        .payment(
            &format!("{p}T"),
            &format!("{a}T"),
            &b,
            "",
            &card,
            "500.00",
            "2025-01-20",
        );
    }
    let findings = f.audit("2025-03-31", None);
    let missing = of_rule(&findings, "PUB_LIST_MISSING");
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert_eq!(missing[0]["program"], "低保金");
    assert!(
        missing[0]["evidence"].contains("11个村已发放11笔"),
        "{}",
        missing[0]["evidence"]
    );
    // None of the unposted villages' people is accused of being left off a list.
    assert_eq!(allocations_flagged(&findings, "PUB_NOT_POSTED"), ["A1"]);
}

#[test]
fn a_list_posted_short_of_its_days_is_late_and_seven_days_is_not() {
    let posted = |span: &str| {
        let mut f = county();
        let (_, text) = f.files.pop().unwrap();
        f.files.push((
            "notices/list.csv".into(),
            text.replace("2025-01-10至2025-01-17", span),
        ));
        f.audit("2025-03-31", None)
    };
    let late = posted("2025-01-15至2025-01-22");
    let l = of_rule(&late, "PUB_POSTED_LATE");
    assert_eq!(l.len(), 1, "{l:?}");
    assert!(
        l[0]["evidence"].contains("公示仅5天"),
        "{}",
        l[0]["evidence"]
    );
    assert!(of_rule(&posted("2025-01-13至2025-01-20"), "PUB_POSTED_LATE").is_empty());
    let after = posted("2025-01-25至2025-02-01");
    assert!(of_rule(&after, "PUB_POSTED_LATE")[0]["evidence"].contains("公示晚于首笔发放5天"));
}

/// Findings and summary.json of a fixture run as of 2025-03-31.
fn run(f: &Fixture) -> (Vec<std::collections::HashMap<String, String>>, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = f.run_in(dir.path(), "2025-03-31", None);
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    (common::read_csv(&out.join("findings.csv")), summary)
}

#[test]
fn without_lists_the_findings_are_todays_and_the_summary_says_so() {
    let mut f = county();
    let (with, summary_with) = run(&f);
    assert!(!summary_with.contains("PUB_* (公示): no posted lists"));
    // The township page's table: 后楼村's list delivered, 前楼村 paid without one.
    let json: serde_json::Value = serde_json::from_str(&summary_with).unwrap();
    let lists = json["posted_lists"].as_array().expect("posted_lists");
    let row = |village: &str| {
        lists
            .iter()
            .find(|l| l["village"] == village)
            .unwrap_or_else(|| panic!("no {village} in {lists:?}"))
    };
    assert_eq!(row("后楼村")["delivered"], true);
    assert_eq!(row("后楼村")["rows"], 5);
    assert_eq!(row("前楼村")["delivered"], false);
    assert_eq!(row("前楼村")["rows"], 1, "the payments made there");
    f.files.clear();
    let (without, summary) = run(&f);
    assert!(without.iter().all(|x| !x["rule"].starts_with("PUB_")));
    let ids = |f: &[std::collections::HashMap<String, String>]| -> Vec<String> {
        let mut v: Vec<String> = f
            .iter()
            .filter(|x| !x["rule"].starts_with("PUB_"))
            .map(|x| x["finding_id"].clone())
            .collect();
        v.sort();
        v
    };
    assert!(!ids(&with).is_empty());
    assert_eq!(ids(&with), ids(&without));
    assert!(
        summary.contains("PUB_* (公示): no posted lists"),
        "{summary}"
    );
    assert!(!summary.contains("\"posted_lists\""));
}

#[test]
fn an_amount_is_held_against_its_area_age_band_and_grade() {
    let mut f = Fixture::default();
    let old = id_number(1944, 6, 30, 21); // 80 on 2025-01-01
    let older = id_number(1934, 6, 30, 23); // 90
    f.person(
        "B1",
        "周一",
        &id_number(1960, 1, 1, 1),
        "东村",
        "6228480000000000001",
        "",
    )
    .person("B2", "吴二", &old, "东村", "6228480000000000002", "")
    .person("B3", "郑三", &older, "东村", "6228480000000000003", "")
    .person(
        "B4",
        "冯四",
        &id_number(1980, 1, 1, 4),
        "东村",
        "6228480000000000004",
        "",
    );
    // 周一: 10.00 mu registered, 12.00 claimed at 107.50 a mu.
    f.allocation(
        "A1",
        "耕地地力保护补贴",
        "2025",
        "B1",
        "1290.00",
        "2025-04-01",
        "2025-06-30",
    );
    // 吴二, 80: the 80 band pays 300; paid the 90 band's 600.
    f.allocation(
        "A2",
        "高龄津贴",
        "2025Q1",
        "B2",
        "600.00",
        "2025-01-01",
        "2025-03-31",
    );
    // 郑三, 90: 600 is right (near miss); the next quarter's 300 is short.
    f.allocation(
        "A3",
        "高龄津贴",
        "2025Q1",
        "B3",
        "600.00",
        "2025-01-01",
        "2025-03-31",
    );
    f.allocation(
        "A6",
        "高龄津贴",
        "2025Q2",
        "B3",
        "300.00",
        "2025-04-01",
        "2025-06-30",
    );
    // 冯四: 二级 pays 180, allocated 270 (一级).
    f.allocations
        .push("A4,残疾人两项补贴,2025Q1,B4,城关镇,270.00,2025-01-01,2025-03-31,,,二级".into());
    // An allocation that states its own area and rate and is not their product.
    f.allocations.push(
        "A5,耕地地力保护补贴,2025,B4,城关镇,500.00,2025-04-01,2025-06-30,4.00,100.00,".into(),
    );
    for a in f
        .allocations
        .iter_mut()
        .filter(|a| a.matches(',').count() == 7)
    {
        a.push_str(",,,");
    }
    f.files.push((
        "land.csv".into(),
        format!(
            "姓名,身份证号,确权面积\n周一,{},10.00\n",
            id_number(1960, 1, 1, 1)
        ),
    ));
    let config = r#"
[basis."耕地地力保护补贴"]
per_mu_yuan = 107.5
[basis."高龄津贴"]
age_bands = [{ min_age = 80, yuan = 300 }, { min_age = 90, yuan = 600 }]
[basis."残疾人两项补贴"]
grades = { "一级" = 270, "二级" = 180 }
"#;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    f.write(&data);
    let header = "allocation_id,program,period,beneficiary_id,township,amount,funds_received_date,due_date,确权面积,补贴标准,残疾等级";
    let body = std::fs::read_to_string(data.join("allocations.csv")).unwrap();
    let body = body.split_once('\n').unwrap().1;
    std::fs::write(data.join("allocations.csv"), format!("{header}\n{body}")).unwrap();
    let cfg = dir.path().join("basis.toml");
    std::fs::write(&cfg, config).unwrap();
    let out = dir.path().join("out");
    // Nothing is paid: the night is incomplete (exit 4), the allocations are what counts.
    let status = common::run_cmd(&data, &out)
        .arg("--config")
        .arg(&cfg)
        .output()
        .unwrap()
        .status;
    assert!(matches!(status.code(), Some(0 | 3 | 4)), "{status}");
    let findings = common::read_csv(&out.join("findings.csv"));
    let basis = of_rule(&findings, "AMOUNT_BASIS");
    let flagged: Vec<(&str, &str)> = basis
        .iter()
        .map(|f| (f["allocation_ids"].as_str(), f["category"].as_str()))
        .collect();
    // A1 claims 2 mu too many (ghost: 虚报); A2 a band too high; A4 a grade too high;
    // A5 is 4.00 mu × 107.50 (the config's rate) = 430.00, not 500.00; A6 is short.
    let mut flagged = flagged;
    flagged.sort();
    assert_eq!(
        flagged,
        [
            ("A1", "ghost"),
            ("A2", "ghost"),
            ("A4", "ghost"),
            ("A5", "ghost"),
            ("A6", "partial")
        ],
        "{basis:?}"
    );
    let a1 = basis.iter().find(|f| f["allocation_ids"] == "A1").unwrap();
    assert!(
        a1["evidence"].contains("面积10.00亩×每亩107.50元"),
        "{}",
        a1["evidence"]
    );
}

#[test]
fn a_per_person_subsidy_on_a_household_card_breaks_the_card_rule() {
    let mut f = Fixture::default();
    let card = "6228480000000000001";
    // 王大 and his mother 王母 share his card (one household).
    f.person("B1", "王大", &id_number(1960, 1, 1, 1), "东村", card, "")
        .person("B2", "王母", &id_number(1935, 1, 1, 2), "东村", card, "");
    f.allocation(
        "A1",
        "高龄津贴",
        "2025Q1",
        "B2",
        "300.00",
        "2025-01-01",
        "2025-03-31",
    )
    .payment("P1", "A1", "B2", "王大", card, "300.00", "2025-01-10");
    // 低保 is a household's: on the household head's card it is right.
    f.allocation(
        "A2",
        "低保金",
        "2025Q1",
        "B2",
        "900.00",
        "2025-01-01",
        "2025-03-31",
    )
    .payment("P2", "A2", "B2", "王大", card, "900.00", "2025-01-10");
    let findings = f.audit("2025-03-31", None);
    let card_rule = of_rule(&findings, "DIV_CARD_RULE");
    assert_eq!(card_rule.len(), 1, "{card_rule:?}");
    assert_eq!(card_rule[0]["payment_ids"], "P1");
    assert!(of_rule(&findings, "DIV_PAYEE_MISMATCH").is_empty());
}
