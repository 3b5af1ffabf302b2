#!/usr/bin/env python3
"""Calibration of `fundaudit dedup`'s match probability: the merged pairs of a run,
binned by the probability the model gave them, and the share of each bin that is truly
one person (by the folder's truth_pairs.csv).

    python3 bench/calibration.py DATA_DIR DEDUP_OUT_DIR [DATA_DIR DEDUP_OUT_DIR ...]

DATA_DIR holds truth_pairs.csv (a `fundaudit generate --registry-only` folder, or one
bench/febrl.py converted); DEDUP_OUT_DIR is where `fundaudit dedup --out` wrote
duplicates.csv. A model is calibrated when each bin's share is at least its lower edge:
pairs given 0.9 or more must be at least 0.9 true.
"""
import csv
import sys

BINS = [(0.0, 0.5), (0.5, 0.9), (0.9, 0.99), (0.99, 1.01)]


def pair(row):
    return tuple(sorted((row["beneficiary_id_a"], row["beneficiary_id_b"])))


def calibrate(data, out):
    with open(f"{data}/truth_pairs.csv", encoding="utf-8-sig") as f:
        truth = {pair(r) for r in csv.DictReader(f)}
    counts = {b: [0, 0] for b in BINS}
    with open(f"{out}/duplicates.csv", encoding="utf-8-sig") as f:
        for r in csv.DictReader(f):
            if r["status"] != "merged":
                continue
            p = float(r["match_probability"])
            for lo, hi in BINS:
                if lo <= p < hi:
                    counts[(lo, hi)][0] += 1
                    counts[(lo, hi)][1] += pair(r) in truth
    return counts


def main():
    args = sys.argv[1:]
    if not args or len(args) % 2:
        sys.exit(__doc__)
    print(f"{'run':40} " + " ".join(f"{f'{lo}-{min(hi, 1.0)}':>17}" for lo, hi in BINS) + f" {'>=0.9 true':>11}")
    for data, out in zip(args[::2], args[1::2]):
        counts = calibrate(data, out)
        cells = []
        for b in BINS:
            n, t = counts[b]
            cells.append(f"{t:>6}/{n:<6} {t / n:5.3f}" if n else f"{'-':>17}")
        n9 = sum(counts[b][0] for b in BINS[2:])
        t9 = sum(counts[b][1] for b in BINS[2:])
        share = f"{t9 / n9:.4f}" if n9 else "-"
        print(f"{out[-40:]:40} " + " ".join(cells) + f" {share:>11}")


if __name__ == "__main__":
    main()
