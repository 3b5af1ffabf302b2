"""A province-sized data folder stitched from generated counties.

`fundaudit generate` holds a county in memory (about 4.7 GB per million beneficiaries),
so past two or three million it does not fit this machine. This script generates K
counties of N beneficiaries each (seeds 3, 4, …) and writes them as one data folder,
each county's ids made its own: beneficiary, allocation, payment and household ids get
the county's digit after their letter, ID numbers a county digit in front (check
character recomputed where it was right, kept wrong where the generator planted it
wrong), bank accounts a county digit after the bank's prefix, and place names a city name in
front (townships, and the payroll's units that name them: a province's counties do not
share their townships' names, the generated ones all do). Within a county every
planted anomaly stays (truth files are left out: their ids are the county's own).

    python3 bench/stitch.py BIN OUT K N

BIN is the fundaudit binary; OUT must not exist. Temporary counties go to OUT.tmp-K and
are removed once copied.
"""
import os
import re
import shutil
import subprocess
import sys

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"
ID = re.compile(r"^\d{17}[\dXx]$|^\d{15}$")
OWN = re.compile(r"^([BAPH])(\d{6,})$")
ACCOUNT_PREFIX = "622848"
CITIES = ["", "甲市", "乙市", "丙市", "丁市", "戊市", "己市", "庚市", "辛市", "壬市", "癸市"]
PLACES = {"township", "unit"}
LEDGERS = ["beneficiaries", "allocations", "payments", "deaths", "officials", "vehicles", "businesses"]


def check_char(first17):
    return CHECK[sum(int(c) * w for c, w in zip(first17, WEIGHTS)) % 11]


def rewrite(cell, k):
    m = OWN.match(cell)
    if m:
        return f"{m.group(1)}{k}{m.group(2)}"
    if cell.startswith(ACCOUNT_PREFIX) and cell.isdigit() and len(cell) >= 16:
        return cell[:6] + str(k) + cell[7:]
    if ID.match(cell):
        new = str((int(cell[0]) + k) % 10) + cell[1:]
        if len(cell) == 18:
            was_right = check_char(cell[:17]) == cell[17].upper()
            right = check_char(new[:17])
            if was_right:
                new = new[:17] + right
            elif new[17].upper() == right:
                new = new[:17] + CHECK[(CHECK.index(right) + 1) % 11]
        return new
    return cell


def main():
    binary, out, k_count, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    if os.path.exists(out):
        sys.exit(f"{out} exists: name a new folder")
    os.makedirs(out)
    for k in range(k_count):
        tmp = f"{out}.tmp-{k}"
        subprocess.run([binary, "generate", "--beneficiaries", str(n), "--seed", str(3 + k), "--out", tmp],
                       check=True, stdout=subprocess.DEVNULL)
        for name in LEDGERS:
            src = os.path.join(tmp, f"{name}.csv")
            if not os.path.exists(src):
                continue
            dst = os.path.join(out, f"{name}.csv")
            first = not os.path.exists(dst)
            with open(src, encoding="utf-8") as f, open(dst, "a", encoding="utf-8") as g:
                header = f.readline()
                if first:
                    g.write(header)
                places = [i for i, h in enumerate(header.rstrip("\n").split(",")) if h in PLACES]
                city = CITIES[k % len(CITIES)] + ("" if k < len(CITIES) else str(k))
                for line in f:
                    cells = [rewrite(c, k) for c in line.rstrip("\n").split(",")]
                    for i in places:
                        if cells[i]:
                            cells[i] = city + cells[i]
                    g.write(",".join(cells) + "\n")
        if k == 0:
            shutil.copy(os.path.join(tmp, "standards.toml"), out) if os.path.exists(
                os.path.join(tmp, "standards.toml")) else None
        shutil.rmtree(tmp)
        print(f"county {k + 1} of {k_count} written", flush=True)


if __name__ == "__main__":
    main()
