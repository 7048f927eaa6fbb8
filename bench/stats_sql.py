"""Print the SQL the service runs for a grouped placement report, with values inlined, so
that pgbench and EXPLAIN measure exactly the service's statement (bench/placements.sh).

    .venv/bin/python bench/stats_sql.py 2025-07-01 2026-06-30 month,area,sex
"""

from __future__ import annotations

import sys
from datetime import date

from sqlalchemy.dialects import postgresql

from app.stats.definitions import Dimension
from app.stats.placements import StatsQuery, totals_statement


def main() -> None:
    start, end, dims = sys.argv[1], sys.argv[2], sys.argv[3]
    query = StatsQuery(
        start=date.fromisoformat(start),
        end=date.fromisoformat(end),
        group_by=tuple(Dimension(d) for d in dims.split(",") if d),
    )
    compiled = totals_statement(query).compile(
        dialect=postgresql.dialect(),  # type: ignore[no-untyped-call]
        compile_kwargs={"literal_binds": True},
    )
    sys.stdout.write(f"-- GET /v1/stats/placements?from={start}&to={end}&group_by={dims}\n")
    sys.stdout.write(f"{compiled};\n")


if __name__ == "__main__":
    main()
