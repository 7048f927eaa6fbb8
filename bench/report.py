"""Print the results table of bench/run.sh (markdown) from its results.tsv."""

from __future__ import annotations

import contextlib
import sys

TARGET_P99_MS = 100.0
CEILING_SHARE = 0.30
TIPG_FACTOR = 10.0
LABELS = {
    "nearest": "nearest-20 within 10 km",
    "nearest_occ7": "nearest-20 within 10 km, occupation=7",
    "text_ke_toan": "text q=ke toan",
    "text_tai_xe": "text q=tai xe",
    "viewport_005": "viewport 0.05°, limit 100",
    "viewport_03": "viewport 0.3°, limit 500",
}


def parse(path: str) -> dict[tuple[str, str], dict[str, float]]:
    out: dict[tuple[str, str], dict[str, float]] = {}
    with open(path, encoding="utf-8") as results:
        lines = results.readlines()
    for line in lines:
        parts = line.split()
        if len(parts) < 3 or parts[2] != "RESULT":
            continue
        values = {}
        for item in parts[3:]:
            key, _, value = item.partition("=")
            with contextlib.suppress(ValueError):
                values[key] = float(value)
        out[(parts[0], parts[1])] = values
    return out


def ok_rps(v: dict[str, float]) -> float:
    """Successful responses per second (wrk counts non-2xx answers as requests)."""
    if "ok_rps" in v:
        return v["ok_rps"]
    n = v.get("requests", 0)
    return v["rps"] * (1 - v.get("non2xx", 0) / n) if n else v["rps"]


def num(x: float) -> str:
    return f"{x:.0f}" if x >= 10 else f"{x:.1f}"


def main(path: str) -> None:
    r = parse(path)
    names = [n for n in LABELS if ("ours", n) in r]
    second = any(key[0] == "ours2" for key in r)
    extra = " ours2 ok req/s | ours ÷ ours2 | ours2 / tipg |" if second else ""
    print(
        "| scenario | ours ok req/s | p50 ms | p99 ms | non-2xx | pgbench tps "
        "| p50/p99 ms (pgbench) | ours / ceiling | tipg req/s | tipg p50/p99 ms | ours / tipg |"
        + extra
        + " targets |"
    )
    print(
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---|---:|"
        + ("---:|" * 3 if second else "")
        + "---|"
    )
    for n in names:
        o = r[("ours", n)]
        pg = r.get(("pgbench", n))
        tp = r.get(("tipg", n))
        ratio_pg = ok_rps(o) / pg["rps"] if pg else None
        ratio_tp = ok_rps(o) / ok_rps(tp) if tp else None
        checks = [f"p99<100ms {'yes' if o['p99_ms'] < TARGET_P99_MS else 'NO'}"]
        if n.startswith(("nearest", "viewport")) and ratio_pg is not None:
            checks.append(f"≥30% ceiling {'yes' if ratio_pg >= CEILING_SHARE else 'NO'}")
        if ratio_tp is not None:
            checks.append(f"≥10× tipg {'yes' if ratio_tp >= TIPG_FACTOR else 'NO'}")
        if o.get("non2xx") or o.get("errors"):
            checks.append("ERRORS")
        cells = [
            LABELS[n],
            num(ok_rps(o)),
            f"{o['p50_ms']:.1f}",
            f"{o['p99_ms']:.1f}",
            str(int(o.get("non2xx", 0) + o.get("errors", 0))),
        ]
        cells += [num(pg["rps"]), f"{pg['p50_ms']:.1f} / {pg['p99_ms']:.1f}"] if pg else ["–", "–"]
        cells.append(f"{ratio_pg:.0%}" if ratio_pg is not None else "–")
        if tp:
            cells += [
                num(ok_rps(tp)),
                f"{tp['p50_ms']:.1f} / {tp['p99_ms']:.1f}",
                f"{ratio_tp:.1f}×",
            ]
        else:
            cells += ["–", "–", "–"]
        o2 = r.get(("ours2", n))
        if o2:  # the same service on the other state's database, in the same run
            cells += [num(ok_rps(o2)), f"{ok_rps(o) / ok_rps(o2):.0%}"]
            cells.append(f"{ok_rps(o2) / ok_rps(tp):.1f}×" if tp else "–")
        elif second:
            cells += ["–", "–", "–"]
        cells.append(", ".join(checks))
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
