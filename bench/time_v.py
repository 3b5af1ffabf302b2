"""Wall time and peak memory of one run, from the report `/usr/bin/time -v` wrote.

    python3 bench/time_v.py TIME_FILE [DECIMALS]

prints `12.34 s, 1.17 GiB` (DECIMALS of seconds, default 2): the bench scripts' one
reading of that report.
"""
import re
import sys

text = open(sys.argv[1]).read()
decimals = int(sys.argv[2]) if len(sys.argv) > 2 else 2
wall = re.search(r"Elapsed \(wall clock\) time .*: (.*)", text).group(1).split(":")
secs = sum(float(x) * 60**i for i, x in enumerate(reversed(wall)))
peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
print(f"{secs:.{decimals}f} s, {peak / 2**20:.2f} GiB")
