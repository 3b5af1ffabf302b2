#!/usr/bin/env python3
"""Cases versus findings, the officers' curve: on a generated county, how much of the
planted money an officer reaches after reviewing the top k cases, against the top k
findings (k = 10, 50, 100, 500), and how many findings a case holds.

Planted money is counted on the findings that match a planted anomaly (as
tests/it/planted.rs decides a finding is true): each such finding's amount at risk spread
over its payments in proportion to them, each payment counted once (at its largest
share), findings without payments counted by allocation. Reviewing a case reviews all
its findings.

Also: for each scheme the generator plants with several faces (a pooled account and its
people's payee mismatches, a dead beneficiary paid to a stranger, a second registration
paid to an official's card), how many cases its findings fall into.

    python3 bench/cases.py [BENEFICIARIES] [SEED]      (default 20000 3)
"""

import csv
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def read(path):
    with open(path, encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def ids(s):
    return {x for x in (s or "").split(";") if x}


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    seed = sys.argv[2] if len(sys.argv) > 2 else "3"
    target = os.environ.get("CARGO_TARGET_DIR", str(Path.home() / ".cache/fundaudit/target"))
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True,
                   env={**os.environ, "CARGO_TARGET_DIR": target})
    binary = str(Path(target) / "release/fundaudit")
    base = Path(os.environ.get("BENCH_DIR", "/tmp/fundaudit-bench")) / f"cases-{n}-{seed}"
    data, out = base / "data", base / "out"
    if not (data / "truth.csv").exists():
        subprocess.run([binary, "generate", "--beneficiaries", str(n), "--seed", seed, "--out", str(data)],
                       check=True, stdout=subprocess.DEVNULL)
    if out.exists():
        for f in out.iterdir():
            f.unlink()
        out.rmdir()
    ledger = Path(str(out) + ".ledger.sqlite")
    if ledger.exists():
        ledger.unlink()
    subprocess.run([binary, "run", "--quiet", "--as-of", "2026-03-31", "--data", str(data), "--out", str(out),
                    "--config", str(data / "standards.toml")], check=False)
    truth = read(data / "truth.csv")
    findings = read(out / "findings.csv")
    cases = read(out / "cases.csv")
    payments = {p["payment_id"]: float(p["amount"]) for p in read(data / "payments.csv")}

    column = {"allocation": "allocation_ids", "payment": "payment_ids"}
    def hits(t, f):
        return f["category"] == t["category"] and ids(f[column.get(t["key_type"], "beneficiary_ids")]) & ids(t["ids"])
    true = [f for f in findings if any(hits(t, f) for t in truth)]

    # Planted money per unit (payment, else allocation, else finding), counted once.
    unit_money = {}
    def units(f):
        paid = [(p, payments[p]) for p in ids(f["payment_ids"]) if p in payments]
        amount = float(f["amount_at_risk"])
        total = sum(a for _, a in paid)
        if total > 0:
            return [("pay:" + p, amount * a / total) for p, a in paid]
        allocs = sorted(ids(f["allocation_ids"]))
        return [("alloc:" + allocs[0], amount)] if len(allocs) == 1 else [("finding:" + f["finding_id"], amount)]
    true_ids = {f["finding_id"] for f in true}
    for f in true:
        for u, v in units(f):
            unit_money[u] = max(unit_money.get(u, 0.0), v)
    planted = sum(unit_money.values())
    by_id = {f["finding_id"]: f for f in findings}

    def reached(reviewed):
        got = set()
        for fid in reviewed:
            f = by_id[fid]
            if fid in true_ids:
                got.update(u for u, _ in units(f))
        return sum(unit_money[u] for u in got) / planted

    ranked_findings = [f["finding_id"] for f in sorted(findings, key=lambda f: int(f["rank"]))]
    ranked_cases = sorted(cases, key=lambda c: int(c["rank"]))
    sizes = [int(c["findings"]) for c in cases]
    print(f"county: {n} beneficiaries, seed {seed}: {len(findings)} findings in {len(cases)} cases "
          f"({len(findings) / len(cases):.2f} findings per case; largest {max(sizes)}; "
          f"{sum(1 for s in sizes if s > 1)} cases of several findings hold {sum(s for s in sizes if s > 1)} findings)")
    print(f"planted money (true findings, each payment once): {planted:,.2f} yuan; true findings {len(true)}")
    print(f"{'k':>5} | {'top k findings':>15} | {'top k cases':>12} | findings inside the top k cases")
    for k in (10, 50, 100, 500):
        a = reached(ranked_findings[:k])
        members = [fid for c in ranked_cases[:k] for fid in ids(c["finding_ids"])]
        b = reached(members)
        print(f"{k:>5} | {a:>14.1%} | {b:>11.1%} | {len(members)}")
    for share in (0.5, 0.8, 0.9):
        def first(ranked, expand):
            seen = []
            for i, item in enumerate(ranked, 1):
                seen.extend(expand(item))
                if reached(seen) >= share:
                    return i
            return None
        fk = first(ranked_findings, lambda fid: [fid])
        ck = first(ranked_cases, lambda c: list(ids(c["finding_ids"])))
        print(f"to reach {share:.0%} of planted money: {fk} findings, or {ck} cases")

    # Schemes with several faces: in how many cases do their findings fall?
    case_of = {f["finding_id"]: f["case_id"] for f in findings}
    notes = defaultdict(list)
    for t in truth:
        notes[t["note"]].append(t)
    def spread(rows_a, rule_b=None):
        out = []
        for t in rows_a:
            fs = [f for f in findings if hits(t, f)]
            if rule_b:
                # The other face: findings of rule_b sharing a beneficiary or payment.
                bens = set().union(*(ids(f["beneficiary_ids"]) for f in fs)) if fs else set()
                pays = set().union(*(ids(f["payment_ids"]) for f in fs)) if fs else set()
                fs += [f for f in findings if f["rule"] == rule_b and (ids(f["beneficiary_ids"]) & bens or ids(f["payment_ids"]) & pays)]
            out.append(len({case_of[f["finding_id"]] for f in fs}))
        return out
    pooled = [t for t in truth if t["rule"] == "DIV_SHARED_ACCOUNT"]
    print(f"pooled accounts: {len(pooled)}; cases per scheme: {sorted(spread(pooled, 'DIV_PAYEE_MISMATCH'))}")
    dead = notes.get("a dead beneficiary's money paid to a stranger's card", [])
    print(f"dead paid to a stranger: {len(dead)}; cases per scheme: {sorted(spread(dead, 'GHOST_DECEASED'))}")
    dup = notes.get("a second registration paid to an official's card", [])
    print(f"second registration on an official's card: {len(dup)}; cases per scheme: {sorted(spread(dup, 'DUP_PERSON_PERIOD'))}")


if __name__ == "__main__":
    main()
