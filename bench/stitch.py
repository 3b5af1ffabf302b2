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

    python3 bench/stitch.py BIN OUT K N [--from COUNTY]

BIN is the fundaudit binary; OUT must not exist. Temporary counties go to OUT.tmp-K and
are removed once copied. With --from, no county is generated: the one in the folder
COUNTY (a generated county of N people) is copied K times, each copy's ids, ID numbers,
cards and places made its own as above (generating a million takes several minutes
here, a copy about one on each core). The counties are rewritten two at a time, a
process each, and put together in county order. Each copy after the first also has its
people's names rewritten, every character of a name through a permutation of the
characters the county's names use (one permutation per copy, the same in every file, so
a copy's own ledgers still agree). Without it each person had the same name and birth
date in every copy and ID numbers one digit apart, and identity resolution merged the
copies (2 copies of 1,000: 1,050 matched pairs against 20 for two seeds). The names'
frequencies stay the county's; homophones and look-alike characters do not, so the
copies' planted near-duplicates are found as the first county's are not. Copies are for
time and memory: their findings are not a province's.
"""
import os
import random
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
NAMES = {"name", "payee_name", "姓名"}
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


def name_permutation(src_dir, k):
    """County k's rewriting of names: each character the county's names use to another
    of them (none for the first county)."""
    if k == 0:
        return None
    chars = set()
    with open(os.path.join(src_dir, "beneficiaries.csv"), encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split(",")
        at = header.index("name")
        for line in f:
            chars.update(line.split(",")[at])
    # Han characters only: a minority name's middle dot stays where it is.
    chars = sorted(c for c in chars if "\u4e00" <= c <= "\u9fff")
    shuffled = chars[:]
    random.Random(k).shuffle(shuffled)
    return str.maketrans(dict(zip(chars, shuffled)))


def copy_county(src_dir, k, part):
    """County k's ledgers from src_dir, rewritten as county k's, into the folder part."""
    os.makedirs(part)
    names_of = name_permutation(src_dir, k)
    for name in LEDGERS:
        src = os.path.join(src_dir, f"{name}.csv")
        if not os.path.exists(src):
            continue
        with open(src, encoding="utf-8") as f, open(os.path.join(part, f"{name}.csv"), "w", encoding="utf-8") as g:
            header = f.readline()
            g.write(header)
            columns = header.rstrip("\n").split(",")
            places = [i for i, h in enumerate(columns) if h in PLACES]
            names = [i for i, h in enumerate(columns) if h in NAMES] if names_of else []
            city = CITIES[k % len(CITIES)] + ("" if k < len(CITIES) else str(k))
            for line in f:
                cells = [rewrite(c, k) for c in line.rstrip("\n").split(",")]
                for i in places:
                    if cells[i]:
                        cells[i] = city + cells[i]
                for i in names:
                    cells[i] = cells[i].translate(names_of)
                g.write(",".join(cells) + "\n")


def county(job):
    """Generates (or takes) county k and writes its rewritten ledgers to OUT.part-k."""
    binary, out, k, n, source = job
    src = source
    if src is None:
        src = f"{out}.tmp-{k}"
        subprocess.run([binary, "generate", "--beneficiaries", str(n), "--seed", str(3 + k), "--out", src],
                       check=True, stdout=subprocess.DEVNULL)
    copy_county(src, k, f"{out}.part-{k}")
    if k == 0 and os.path.exists(os.path.join(src, "standards.toml")):
        shutil.copy(os.path.join(src, "standards.toml"), out)
    if source is None:
        shutil.rmtree(src)
    return k


def main():
    args = [a for a in sys.argv[1:]]
    source = None
    if "--from" in args:
        i = args.index("--from")
        source = args[i + 1]
        del args[i:i + 2]
    binary, out, k_count, n = args[0], args[1], int(args[2]), int(args[3])
    if os.path.exists(out):
        sys.exit(f"{out} exists: name a new folder")
    os.makedirs(out)
    import multiprocessing
    jobs = [(binary, out, k, n, source) for k in range(k_count)]
    # Generating holds a county in memory (4.7 GB a million): one at a time then.
    workers = 2 if source is not None else 1
    with multiprocessing.Pool(workers) as pool:
        for k in pool.imap(county, jobs):
            part = f"{out}.part-{k}"
            for name in LEDGERS:
                src = os.path.join(part, f"{name}.csv")
                if not os.path.exists(src):
                    continue
                dst = os.path.join(out, f"{name}.csv")
                first = not os.path.exists(dst)
                with open(src, "rb") as f, open(dst, "ab") as g:
                    header = f.readline()
                    if first:
                        g.write(header)
                    shutil.copyfileobj(f, g, 1 << 20)
            shutil.rmtree(part)
            print(f"county {k + 1} of {k_count} written", flush=True)


if __name__ == "__main__":
    main()
