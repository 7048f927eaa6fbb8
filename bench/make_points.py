"""Write bench/points.txt: 200 fixed centres inside the old Vinh Long area
(lon 105.85-106.15, lat 10.05-10.35), as "lon lat" lines.

The centres are the R2 low-discrepancy sequence (no RNG state to reproduce), so pgbench
can compute exactly the same point from the index i (see pgbench/*.sql):
  lon_i = 105.85 + 0.3 * (0.5 + i*A1 - rint(i*A1)),  lat_i = 10.05 + 0.3 * (0.5 + i*A2 - rint(i*A2))
for i = 1..200 (R2 sequence shifted by 0.5; pgbench's int() of a double rounds like rint, and so
does Python's round).
"""

A1 = 0.7548776662466927
A2 = 0.5698402909980532
N = 200


def frac(x: float) -> float:
    """0.5 + x - rint(x): in [0, 1)."""
    return 0.5 + x - round(x)


def point(i: int) -> tuple[float, float]:
    return 105.85 + 0.3 * frac(i * A1), 10.05 + 0.3 * frac(i * A2)


if __name__ == "__main__":
    import pathlib

    out = pathlib.Path(__file__).with_name("points.txt")
    out.write_text("".join(f"{lon:.6f} {lat:.6f}\n" for lon, lat in map(point, range(1, N + 1))))
    print(f"{N} points -> {out}")
