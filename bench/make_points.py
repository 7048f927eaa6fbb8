"""Write bench/points.txt: 200 fixed centres inside the old Vinh Long area
(lon 105.85-106.15, lat 10.05-10.35), and bench/points_dense.txt: 200 over its dense part
(lon 105.88-106.10, lat 10.10-10.30, issue 22's area), as "lon lat" lines.

The centres are the R2 low-discrepancy sequence (no RNG state to reproduce), so pgbench
can compute exactly the same point from the index i (see pgbench/*.sql):
  lon_i = 105.85 + 0.3 * (0.5 + i*A1 - rint(i*A1)),  lat_i = 10.05 + 0.3 * (0.5 + i*A2 - rint(i*A2))
for i = 1..200 (R2 sequence shifted by 0.5; pgbench's int() of a double rounds like rint, and so
does Python's round).
"""

A1 = 0.7548776662466927
A2 = 0.5698402909980532
N = 200
# name -> (west, south, width, height): the file and the area its centres cover.
SETS = {
    "points.txt": (105.85, 10.05, 0.3, 0.3),
    # Issue 22's area: the dense old Vinh Long (lon 105.88-106.10, lat 10.10-10.30).
    "points_dense.txt": (105.88, 10.10, 0.22, 0.20),
}


def frac(x: float) -> float:
    """0.5 + x - rint(x): in [0, 1)."""
    return 0.5 + x - round(x)


def point(
    i: int, west: float = 105.85, south: float = 10.05, width: float = 0.3, height: float = 0.3
) -> tuple[float, float]:
    return west + width * frac(i * A1), south + height * frac(i * A2)


if __name__ == "__main__":
    import pathlib

    for name, area in SETS.items():
        out = pathlib.Path(__file__).with_name(name)
        lines = (
            f"{lon:.6f} {lat:.6f}\n" for lon, lat in (point(i, *area) for i in range(1, N + 1))
        )
        out.write_text("".join(lines))
        print(f"{N} points -> {out}")
