//! What the registry's people take in memory: held whole all night by every part, and by
//! every executor of a cluster, they are what sizes a province's machine (ten million
//! beneficiaries). summary.json says it (`people`), counted block by block.

use crate::common;

use common::{generate, read_csv, run_cmd};

#[test]
fn the_people_take_at_most_300_bytes_a_beneficiary() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Another county's names (hundreds share one), with the registry's usual ID numbers,
    // bank cards and deaths.
    generate(&data, 5000, 7, &["--names", "common"]);
    let out = dir.path().join("out");
    run_cmd(&data, &out).assert().success();
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let people = &summary["people"];
    let registered = read_csv(&data.join("beneficiaries.csv")).len() as u64;
    assert_eq!(people["beneficiaries"], registered, "{people}");
    let each = people["bytes_per_beneficiary"].as_u64().unwrap();
    assert_eq!(
        each,
        people["bytes"].as_u64().unwrap() / registered,
        "{people}"
    );
    // Four short texts, a name, places, an ID problem, dates and a line inline; the
    // name's parts in one block; an index slot, a cluster, a name count: 200-odd bytes.
    // A `String` per text or a slot per person for deaths would pass 300.
    assert!(
        (150..=300).contains(&each),
        "{each} bytes a beneficiary: {people}"
    );
}
