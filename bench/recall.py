#!/usr/bin/env python3
"""Recall per rule and precision per rule and category of a run against the generator's
truth.csv, scored as tests/it/common.rs scores them: a planted anomaly is found when a
finding of its category names one of its ids (of the kind truth names; a project in the
finding's refs as projects:<id>); a posted row no registered person fits is found when a
finding's evidence quotes its ID as posted.

    python3 bench/recall.py DATA_DIR OUT_DIR [RULE_PREFIX ...]

Prints one line per rule; exits 1 when a rule given by prefix is below 1.000 either way.
"""
import csv
import sys
from collections import defaultdict

COLUMN = {"allocation": "allocation_ids", "payment": "payment_ids", "project": "projects"}


def ids(cell):
    return {x for x in (cell or "").split(";") if x}


def main():
    data, out, *exact = sys.argv[1:]
    truth = list(csv.DictReader(open(f"{data}/truth.csv", encoding="utf-8")))
    findings = list(csv.DictReader(open(f"{out}/findings.csv", encoding="utf-8")))
    # Index findings by (category, id) so a province's truth scores in seconds.
    by_id = defaultdict(set)
    for i, f in enumerate(findings):
        for col in ("allocation_ids", "payment_ids", "beneficiary_ids"):
            for x in ids(f[col]):
                by_id[(f["category"], col, x)].add(i)
        for r in ids(f["refs"]):
            if r.startswith("projects:"):
                by_id[(f["category"], "projects", r[len("projects:"):])].add(i)
    posted = [(i, f) for i, f in enumerate(findings) if f["rule"] == "PUB_POSTED_NOT_ELIGIBLE"]

    def hits(t):
        if t["key_type"] == "posted":
            return {i for i, f in posted if f["category"] == t["category"] and t["ids"] in f["evidence"]}
        col = COLUMN.get(t["key_type"], "beneficiary_ids")
        out = set()
        for x in ids(t["ids"]):
            out |= by_id.get((t["category"], col, x), set())
        return out

    recall = defaultdict(lambda: [0, 0])
    true_findings = set()
    for t in truth:
        h = hits(t)
        recall[t["rule"]][1] += 1
        recall[t["rule"]][0] += bool(h)
        true_findings |= h
    precision = defaultdict(lambda: [0, 0])
    for i, f in enumerate(findings):
        precision[f["rule"]][1] += 1
        precision[f["rule"]][0] += i in true_findings
    bad = False
    for rule in sorted(set(recall) | set(precision)):
        r, p = recall.get(rule, [0, 0]), precision.get(rule, [0, 0])
        rr = r[0] / r[1] if r[1] else float("nan")
        pp = p[0] / p[1] if p[1] else float("nan")
        print(f"{rule:<26} recall {r[0]:>6}/{r[1]:<6} {rr:.3f}   precision {p[0]:>6}/{p[1]:<6} {pp:.3f}")
        if any(rule.startswith(x) for x in exact) and (r[0] != r[1] or p[0] != p[1] or not r[1]):
            bad = True
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
