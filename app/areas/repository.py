"""SQL for administrative areas. GeoJSON leaves PostgreSQL as finished text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    case,
    func,
    literal,
    literal_column,
    null,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import Insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute, aliased
from sqlalchemy.sql.dml import ReturningInsert

from app import geo
from app.areas.loader import AreaRecord
from app.areas.queries import properties, valid_at
from app.areas.schemas import AreaSummary, GeometryMode
from app.models import VacancySite
from app.models.area import Area, AreaLevel

# Most local first, in lookups and listings.
_LEVEL_RANK = case(
    {AreaLevel.commune.value: 0, AreaLevel.district.value: 1, AreaLevel.province.value: 2},
    value=Area.level,
)
_CHILD_LEVEL = {AreaLevel.province: AreaLevel.district, AreaLevel.district: AreaLevel.commune}

# geometry=simplified, for basemaps: the 124 communes' GeoJSON goes from 1.43 MB (369 KB
# gzipped) to 0.46 MB (102 KB).
# 0.0001 degrees is about 11 m here, a pixel at zoom 13; 5 decimals is about 1 m.
SIMPLIFY_TOLERANCE_DEG = 0.0001
SIMPLIFIED_DECIMALS = 5
SIMPLIFIED_GRID_DEG = 1e-5  # the grid of 5 decimals


def _simplified(geom: QueryableAttribute[Any]) -> ColumnElement[Any]:
    """Simplified, then snapped to the grid of 5 decimals by ST_ReducePrecision, which keeps
    polygons valid: rounding the simplified rings when printing them made one commune's
    boundary cross itself."""
    simple = func.ST_SimplifyPreserveTopology(geom, SIMPLIFY_TOLERANCE_DEG)
    snapped = func.ST_Multi(func.ST_ReducePrecision(simple, SIMPLIFIED_GRID_DEG))
    return geo.as_geojson(snapped, SIMPLIFIED_DECIMALS)


def _geometry(mode: GeometryMode) -> ColumnElement[Any]:
    if mode is GeometryMode.full:
        return geo.as_geojson(Area.geom)
    if mode is GeometryMode.simplified:
        return _simplified(Area.geom)
    if mode is GeometryMode.point:
        return geo.as_geojson(Area.label_point)
    return null()


def _feature(mode: GeometryMode, extra: ColumnElement[Any] | None = None) -> ColumnElement[Any]:
    merged = properties() if extra is None else properties().op("||")(extra)
    return func.json_build_object(
        "type", "Feature",
        "id", Area.code,
        "geometry", _geometry(mode),
        "properties", merged,
    )  # fmt: skip


# Built once: aliased classes are costly to create and stable ones keep SQL compile caching.
_COUNTED_SITE = aliased(VacancySite, name="cs")
_COUNTED_COMMUNE = aliased(Area, name="cc")


def _vacancy_counts() -> ColumnElement[Any]:
    """`open_vacancies` and `open_positions` of the unit, as a jsonb to merge into properties.

    Sites are recorded against the commune they lay in when posted: a commune counts its own
    sites, a province the sites of its communes of the same period, and any other unit (the
    pre-2025 districts) the sites inside its boundary."""
    site, commune = _COUNTED_SITE, _COUNTED_COMMUNE
    counts = func.jsonb_build_object(
        "open_vacancies", func.count(site.vacancy_id.distinct()),
        "open_positions", func.coalesce(func.sum(site.positions), 0),
    )  # fmt: skip
    public = and_(site.public, site.valid_through > func.now())
    own = select(counts).where(public, site.area_id == Area.id)
    children = (
        select(counts)
        .join(commune, commune.id == site.area_id)
        .where(
            public,
            commune.parent_code == Area.code,
            commune.validity.op("&&")(Area.validity),
        )
    )
    inside = select(counts).where(
        public, site.geom.op("&&")(Area.geom), func.ST_Covers(Area.geom, site.geom)
    )
    return case(
        (Area.level == AreaLevel.commune.value, own.scalar_subquery()),
        (Area.level == AreaLevel.province.value, children.scalar_subquery()),
        else_=inside.scalar_subquery(),
    )


async def feature_collection(
    session: AsyncSession,
    *,
    at: date,
    level: AreaLevel | None,
    parent_code: str | None,
    geometry: GeometryMode,
    with_vacancies: bool = False,
) -> bytes:
    """Units valid on `at` as one GeoJSON FeatureCollection, built by PostgreSQL."""
    feature = _feature(geometry, extra=_vacancy_counts() if with_vacancies else None)
    features = select(feature.label("feature")).where(valid_at(at))
    if level is not None:
        features = features.where(Area.level == level.value)
    if parent_code is not None:
        features = features.where(Area.parent_code == parent_code)
    features = features.order_by(_LEVEL_RANK, Area.code)
    rows = features.subquery()
    body = select(
        func.json_build_object(
            "type",
            "FeatureCollection",
            "features",
            func.coalesce(func.json_agg(rows.c.feature), literal_column("'[]'::json")),
        ).cast(Text)
    )
    return str(await session.scalar(body)).encode()


async def feature(
    session: AsyncSession, code: str, *, at: date | None, today: date, geometry: GeometryMode
) -> bytes | None:
    """One version of a unit: the one valid on `at`; without `at`, today's or else the latest."""
    query = select(_feature(geometry).cast(Text)).where(Area.code == code)
    if at is not None:
        query = query.where(valid_at(at))
    query = query.order_by(
        valid_at(today).desc(), Area.valid_from.desc().nulls_last(), _LEVEL_RANK
    ).limit(1)
    text = await session.scalar(query)
    return None if text is None else str(text).encode()


async def containing_point(
    session: AsyncSession, lon: float, lat: float, at: date
) -> list[AreaSummary]:
    """Units valid on `at` whose boundary covers the point (border points match both sides)."""
    query = (
        select(
            Area.code,
            Area.name,
            Area.full_name,
            Area.type,
            Area.level,
            Area.parent_code,
            Area.valid_from,
            Area.valid_to,
        )
        .where(valid_at(at), func.ST_Covers(Area.geom, geo.point(lon, lat)))
        .order_by(_LEVEL_RANK, Area.code)
    )
    rows = (await session.execute(query)).mappings()
    return [AreaSummary.model_validate(dict(row)) for row in rows]


@dataclass
class LoadReport:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    successions: int = 0  # rows of area_succession after the load

    def count(self, outcome: bool | None) -> None:
        if outcome is None:
            self.unchanged += 1
        elif outcome:
            self.inserted += 1
        else:
            self.updated += 1


_UPDATABLE = (
    "name",
    "full_name",
    "name_ascii",
    "type",
    "parent_code",
    "valid_to",
    "geom",
    "area_km2",
    "attributes",
    "source",
    "source_id",
)


def _children_union(record: AreaRecord) -> Select[Any]:
    child = aliased(Area)
    overlaps = func.daterange(child.valid_from, child.valid_to, "[)").op("&&")(
        func.daterange(literal(record.valid_from), literal(record.valid_to), "[)")
    )
    return select(func.ST_Multi(func.ST_Union(child.geom))).where(
        and_(
            child.parent_code == record.code,
            child.level == _CHILD_LEVEL[record.level].value,
            overlaps,
            child.geom.is_not(None),
        )
    )


async def upsert(session: AsyncSession, record: AreaRecord) -> bool | None:
    """Insert or refresh one unit version. True: inserted, False: updated, None: unchanged."""
    if record.geometry_from_children and record.level in _CHILD_LEVEL:
        geom: Any = _children_union(record).scalar_subquery()
    elif record.geometry_json is not None:
        geom = geo.multipolygon_from_geojson(record.geometry_json)
    else:
        geom = None
    values = {
        "code": record.code,
        "level": record.level.value,
        "name": record.name,
        "full_name": record.full_name,
        "name_ascii": record.name_ascii,
        "type": record.type,
        "parent_code": record.parent_code,
        "valid_from": record.valid_from,
        "valid_to": record.valid_to,
        "geom": geom,
        "area_km2": record.area_km2,
        "attributes": record.attributes,
        "source": record.source,
        "source_id": record.source_id,
    }
    insert: Insert = pg_insert(Area).values(values)
    current = tuple_(*(getattr(Area, name) for name in _UPDATABLE))
    incoming = tuple_(*(insert.excluded[name] for name in _UPDATABLE))
    statement: ReturningInsert[tuple[bool]] = insert.on_conflict_do_update(
        index_elements=["level", "code", "valid_from"],
        set_={name: insert.excluded[name] for name in _UPDATABLE},
        # Rewrite nothing that did not change: a reload leaves rows (and xmin) untouched.
        where=current.is_distinct_from(incoming),
    ).returning(literal_column("xmax = 0"))
    result = await session.execute(statement)
    outcome = result.scalar_one_or_none()
    return None if outcome is None else bool(outcome)


async def invalid_geometries(session: AsyncSession) -> list[str]:
    """Codes of stored units whose geometry PostGIS considers invalid."""
    query = select(Area.code).where(Area.geom.is_not(None), ~func.ST_IsValid(Area.geom))
    return list((await session.scalars(query)).all())


async def refresh_succession(session: AsyncSession) -> int:
    """Rewrite area_succession from the boundaries now in the table (PostGIS overlay,
    migrations/sql/jobmap_area_succession.sql); the number of rows written."""
    written = await session.scalar(select(func.jobmap_area_succession()))
    return int(written or 0)
