"""Prints a run's stage timings from its summary.json: where the time went.

    python3 bench/stages.py RUN_FOLDER/summary.json
"""
import json
import sys

s = json.load(open(sys.argv[1]))
for name, secs in s["timings"]:
    print(f"  {secs:7.3f}  {name}")
print(f"  findings: {s['findings']}, rows read: {s['rows_read']}, parts: {s.get('parts', 1)}")
