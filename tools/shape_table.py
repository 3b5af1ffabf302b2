#!/usr/bin/env python3
"""Builds crates/identity/src/data/shape.bin: the shape of every CJK character fundaudit
normalises (U+3400..U+9FFF), from the Unicode Han Database (Unihan), so that look-alike
characters (形近字: 己/已, 戊/戌, 王/玉, 未/末, 土/士) can be told from strangers.

Per code point, four bytes: the four-corner code's first four digits as a u16 (0xFFFF:
none), the Kangxi radical number (kRSUnicode, 0: none) and the total stroke count
(kTotalStrokes, 0: none). Source: Debian's `unicode-data` package
(/usr/share/unicode/Unihan_*.txt.bz2; `apt-get download unicode-data` and `dpkg -x`
it when not installed). The data is under the Unicode License (see NOTICE in the data
folder).

    python3 tools/shape_table.py /usr/share/unicode crates/identity/src/data/shape.bin
"""
import bz2
import struct
import sys
from pathlib import Path

START, END = 0x3400, 0x9FFF


def fields(path, wanted):
    opener = bz2.open if str(path).endswith(".bz2") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            code, key, value = line.rstrip("\n").split("\t", 2)
            if key in wanted:
                yield int(code[2:], 16), key, value


def main():
    src, out = Path(sys.argv[1]), Path(sys.argv[2])
    find = lambda stem: next(p for p in (src / f"{stem}.txt.bz2", src / f"{stem}.txt") if p.exists())
    corner, radical, strokes = {}, {}, {}
    for cp, key, value in fields(find("Unihan_DictionaryLikeData"), {"kFourCornerCode"}):
        corner[cp] = int(value.split()[0][:4])
    for cp, key, value in fields(find("Unihan_IRGSources"), {"kRSUnicode", "kTotalStrokes"}):
        first = value.split()[0]
        if key == "kRSUnicode":
            radical[cp] = int(first.split(".")[0].rstrip("'\""))
        else:
            strokes[cp] = int(first)
    data = bytearray()
    for cp in range(START, END + 1):
        data += struct.pack("<HBB", corner.get(cp, 0xFFFF), radical.get(cp, 0), min(strokes.get(cp, 0), 255))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(bytes(data))
    print(f"{out}: {len(data)} bytes, {sum(1 for c in range(START, END + 1) if c in corner)} four-corner codes")


if __name__ == "__main__":
    main()
