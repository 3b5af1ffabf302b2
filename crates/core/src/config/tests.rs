use super::*;

#[test]
fn defaults_parse_and_carry_documented_values() {
    let c = Config::default();
    assert_eq!(c.deadlines.default_days, 30);
    assert_eq!(c.deadline_days("低保金"), 15);
    assert_eq!(c.deadline_days("unknown program"), 30);
    assert_eq!(c.delayed.grace_days, 5);
    assert_eq!(c.weights.of("DIV_OFFICIAL"), 1.0);
}

#[test]
fn partial_file_keeps_other_defaults() {
    let c = Config::from_toml_str("[delayed]\ngrace_days = 9\n", "t.toml").unwrap();
    assert_eq!(c.delayed.grace_days, 9);
    assert_eq!(c.partial, Config::default().partial);
}

#[test]
fn column_mappings_are_checked() {
    let ok = Config::from_toml_str(
        "[columns.payments]\n\"交易编号\" = \"payment_id\"\n",
        "t.toml",
    )
    .unwrap();
    assert_eq!(ok.columns["payments"]["交易编号"], "payment_id");
    let e = Config::from_toml_str(
        "[columns.payments]\n\"交易编号\" = \"paymentid\"\n",
        "t.toml",
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("paymentid") && e.to_string().contains("payment_id"),
        "{e}"
    );
    let e = Config::from_toml_str("[sheets]\npayment = \"Sheet1\"\n", "t.toml").unwrap_err();
    assert!(e.to_string().contains("sheets.payment"), "{e}");
}

#[test]
fn unknown_key_is_named() {
    let e = Config::from_toml_str("[delayed]\ngrace_dayz = 9\n", "t.toml").unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("grace_dayz"), "{msg}");
    assert!(msg.contains("t.toml"), "{msg}");
}

#[test]
fn a_type_error_names_the_line_of_the_users_file() {
    let e = Config::from_toml_str("# mine\n[delayed]\ngrace_days = \"x\"\n", "c.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 3") && e.contains("grace_days"), "{e}");
    let e = Config::from_toml_str("\n\n[matching]\nname_cutoff = \"high\"\n", "c.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 4"), "{e}");
}

#[test]
fn numbers_out_of_their_meaningful_range_are_refused_by_key() {
    for (text, key) in [
        ("[deadlines.programs]\n\"低保金\" = 4294967295\n", "低保金"),
        (
            "[deadlines]\ndefault_days = 99999\n",
            "deadlines.default_days",
        ),
        ("[delayed]\ngrace_days = 4000\n", "delayed.grace_days"),
        ("[identity]\nmatch_score = -1000\n", "identity.match_score"),
        (
            "[identity]\ncluster_min_score = 0\n",
            "identity.cluster_min_score",
        ),
        ("[identity]\nid_same = -8\n", "identity.id_same"),
        (
            "[identity]\nbirth_different = 10\n",
            "identity.birth_different",
        ),
        ("[identity]\nname_exact = 1e9\n", "identity.name_exact"),
    ] {
        let e = Config::from_toml_str(text, "t.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains(key), "{text}: {e}");
    }
    let ok = "[deadlines.programs]\n\"危房改造补助\" = 365\n[identity]\nmatch_score = 4\n";
    Config::from_toml_str(ok, "t.toml").unwrap();
}

#[test]
fn bad_value_is_named() {
    let old = Config::from_toml_str(
        "[identity]\nname_agree = 2.5\nbirth_diff = -7.0\n",
        "t.toml",
    )
    .unwrap();
    assert_eq!(old.identity.name_exact, 2.5);
    assert_eq!(old.identity.birth_different, -7.0);
    let e = Config::from_toml_str("[identity]\nid_exact = 9.0\n", "t.toml").unwrap_err();
    assert!(e.to_string().contains("id_same"), "{e}");
    let e = Config::from_toml_str("[matching]\nname_cutoff = 1.5\n", "t.toml").unwrap_err();
    assert!(e.to_string().contains("matching.name_cutoff"), "{e}");
    let e = Config::from_toml_str("[delayed]\ngrace_days = \"x\"\n", "t.toml").unwrap_err();
    assert!(e.to_string().contains("grace_days"), "{e}");
}

#[test]
fn project_settings_are_checked_and_named() {
    let c =
        Config::from_toml_str("[projects]\ntender_threshold_yuan = 1000000\n", "p.toml").unwrap();
    assert_eq!(c.projects.tender_threshold_yuan, 1_000_000.0);
    assert_eq!(c.projects.open_methods, ["公开招标"]);
    for (text, named) in [
        (
            "[projects]\nadvance_share = 1.5\n",
            "projects.advance_share",
        ),
        (
            "[projects]\nadvance_share = 0.8\n",
            "projects.progress_share",
        ),
        ("[projects]\nopen_methods = []\n", "projects.open_methods"),
        (
            "[projects]\ntender_threshold_yuan = -1\n",
            "projects.tender_threshold_yuan",
        ),
    ] {
        let e = Config::from_toml_str(text, "p.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains(named), "{text}: {e}");
    }
}
