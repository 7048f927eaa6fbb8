"""Counts of public work sites per map cell, kept exact on every write, so that a tile of the
whole province at low zoom reads a few thousand cells instead of 750,000 sites (2-3 s on
1,000,000 vacancies; bench/README.md, tiles).

A cell is 64 of a tile's 4096 units at its zoom (the cluster cell of app/tiles); cells are
stored for zooms 8 to 15 (a cell of zoom 7 or less is a block of zoom-8 cells). Each holds the
number of public sites, their positions and the sums of their Web Mercator coordinates and
squares (mean position and spread of a cluster). A statement trigger on vacancy_site adds the
new public rows and takes away the old ones, so the counts change in the transaction that
changes the sites. Expiry needs no write: readers take away the few sites still public after
their valid_through (until the expiry sweep closes them).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTIONS = (
    # Web Mercator (EPSG:3857) metres by the formula, cheaper than a transform per site.
    r"""
CREATE FUNCTION jobmap_mercator_x(geom geometry) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN ST_X(geom) * (20037508.342789244 / 180.0)
""",
    r"""
CREATE FUNCTION jobmap_mercator_y(geom geometry) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN ln(tan(pi() / 4 + radians(ST_Y(geom)) / 2)) * (20037508.342789244 / pi())
""",
    # The cell of a point at a zoom: 64 tile units, so 2^(zoom + 6) cells across the world,
    # numbered from the west and from the north like tiles (cell / 64 is the tile).
    r"""
CREATE FUNCTION jobmap_cell_x(geom geometry, zoom integer) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN floor((jobmap_mercator_x(geom) + 20037508.342789244)
             / (2 * 20037508.342789244) * (2 ^ (zoom + 6)))::integer
""",
    r"""
CREATE FUNCTION jobmap_cell_y(geom geometry, zoom integer) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN floor((20037508.342789244 - jobmap_mercator_y(geom))
             / (2 * 20037508.342789244) * (2 ^ (zoom + 6)))::integer
""",
)

# Per cell and zoom: the public sites a statement added (sign 1) and took away (sign -1), in
# key order (concurrent writers then wait for each other rather than deadlock). A site left
# unchanged adds and takes away the same and is left out. Statement triggers fire for
# statements that touch no row too (the vacancy trigger's site sync runs once per vacancy
# written): those return at once.
CELLS_CHANGE = r"""
CREATE FUNCTION jobmap_site_cells_{operation}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT ({any_public}) THEN
        RETURN NULL;
    END IF;
    INSERT INTO site_cell AS c (zoom, cx, cy, sites, positions, sum_x, sum_y, sum_xx, sum_yy)
    SELECT z, jobmap_cell_x(d.geom, z), jobmap_cell_y(d.geom, z),
           sum(d.sign), sum(d.sign * d.positions),
           sum(d.sign * m.x), sum(d.sign * m.y), sum(d.sign * m.x * m.x), sum(d.sign * m.y * m.y)
    FROM ({changes}) AS d
    CROSS JOIN LATERAL (SELECT jobmap_mercator_x(d.geom) AS x,
                               jobmap_mercator_y(d.geom) AS y) AS m
    CROSS JOIN generate_series(8, 15) AS z
    GROUP BY 1, 2, 3
    HAVING sum(d.sign) <> 0 OR sum(d.sign * d.positions) <> 0
        OR sum(d.sign * m.x) <> 0 OR sum(d.sign * m.y) <> 0
    ORDER BY 1, 2, 3
    ON CONFLICT (zoom, cx, cy) DO UPDATE SET
        sites = c.sites + excluded.sites,
        positions = c.positions + excluded.positions,
        -- Back to exact zeros when the cell empties, so rounding never accumulates.
        sum_x = CASE WHEN c.sites + excluded.sites = 0 THEN 0 ELSE c.sum_x + excluded.sum_x END,
        sum_y = CASE WHEN c.sites + excluded.sites = 0 THEN 0 ELSE c.sum_y + excluded.sum_y END,
        sum_xx = CASE WHEN c.sites + excluded.sites = 0 THEN 0 ELSE c.sum_xx + excluded.sum_xx END,
        sum_yy = CASE WHEN c.sites + excluded.sites = 0 THEN 0 ELSE c.sum_yy + excluded.sum_yy END;
    RETURN NULL;
END $$
"""
ADDED = "SELECT 1 AS sign, geom, positions FROM new_rows WHERE public"
REMOVED = "SELECT -1 AS sign, geom, positions FROM old_rows WHERE public"
CHANGES = {"insert": ADDED, "update": f"{ADDED} UNION ALL {REMOVED}", "delete": REMOVED}
ANY_ADDED = "EXISTS (SELECT FROM new_rows WHERE public)"
ANY_REMOVED = "EXISTS (SELECT FROM old_rows WHERE public)"
ANY_PUBLIC = {
    "insert": ANY_ADDED,
    "update": f"{ANY_ADDED} OR {ANY_REMOVED}",
    "delete": ANY_REMOVED,
}

TRIGGERS = (
    "CREATE TRIGGER vacancy_site_cells_insert AFTER INSERT ON vacancy_site "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION jobmap_site_cells_insert()",
    "CREATE TRIGGER vacancy_site_cells_update AFTER UPDATE ON vacancy_site "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION jobmap_site_cells_update()",
    "CREATE TRIGGER vacancy_site_cells_delete AFTER DELETE ON vacancy_site "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION jobmap_site_cells_delete()",
)


def upgrade() -> None:
    op.execute(
        sa.text(
            "CREATE TABLE site_cell (zoom smallint NOT NULL, cx integer NOT NULL, "
            "cy integer NOT NULL, sites integer NOT NULL, positions bigint NOT NULL, "
            "sum_x double precision NOT NULL, sum_y double precision NOT NULL, "
            "sum_xx double precision NOT NULL, sum_yy double precision NOT NULL, "
            "PRIMARY KEY (zoom, cx, cy))"
        )
    )
    # A tile's cells by its x and y (cells numbered 64 to a tile): the key alone would read a
    # whole column of cells across the province for each of the tile's 64 columns.
    op.execute(sa.text("CREATE INDEX ix_site_cell_tile ON site_cell (zoom, (cx >> 6), (cy >> 6))"))
    for statement in FUNCTIONS:
        op.execute(sa.text(statement))
    for operation, changes in CHANGES.items():
        function = CELLS_CHANGE.format(
            operation=operation, changes=changes, any_public=ANY_PUBLIC[operation]
        )
        op.execute(sa.text(function))
    # Readers take away sites still public after their expiry: found by this index.
    op.execute(
        sa.text(
            "CREATE INDEX ix_vacancy_site_public_valid_through ON vacancy_site (valid_through) "
            "WHERE public"
        )
    )
    op.execute(
        sa.text(
            "INSERT INTO site_cell SELECT z, jobmap_cell_x(geom, z), jobmap_cell_y(geom, z), "
            "count(*), sum(positions), sum(jobmap_mercator_x(geom)), "
            "sum(jobmap_mercator_y(geom)), sum(jobmap_mercator_x(geom) ^ 2), "
            "sum(jobmap_mercator_y(geom) ^ 2) "
            "FROM vacancy_site CROSS JOIN generate_series(8, 15) AS z WHERE public "
            "GROUP BY 1, 2, 3"
        )
    )
    for statement in TRIGGERS:
        op.execute(sa.text(statement))


def downgrade() -> None:
    for name in ("delete", "update", "insert"):
        op.execute(sa.text(f"DROP TRIGGER vacancy_site_cells_{name} ON vacancy_site"))
    op.execute(sa.text("DROP INDEX ix_vacancy_site_public_valid_through"))
    for operation in CHANGES:
        op.execute(sa.text(f"DROP FUNCTION jobmap_site_cells_{operation}()"))
    for name in ("cell_y", "cell_x", "mercator_y", "mercator_x"):
        args = "geometry, integer" if name.startswith("cell") else "geometry"
        op.execute(sa.text(f"DROP FUNCTION jobmap_{name}({args})"))
    op.execute(sa.text("DROP TABLE site_cell"))
