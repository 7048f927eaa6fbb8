"""Loading the shipped administrative units: counts, validity, idempotence, bad files."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.loader import AreaDataError, read_admin_dir
from app.areas.service import load_areas
from app.models import Area

TOTAL_VERSIONS = (
    124 + 1 + 8 + 102 + 1
)  # 2025 communes + province; 2024 districts, communes, province


async def _count(session: AsyncSession, *conditions: object) -> int:
    query = select(func.count()).select_from(Area).where(*conditions)  # type: ignore[arg-type]
    return int(await session.scalar(query) or 0)


async def test_communes_since_merger_and_districts_before(session: AsyncSession) -> None:
    current = (Area.valid_from == date(2025, 7, 1), Area.valid_to.is_(None))
    assert await _count(session, Area.level == "commune", *current) == 124
    assert await _count(session, Area.level == "commune", *current, Area.geom.is_not(None)) == 124
    before = (Area.valid_from.is_(None), Area.valid_to == date(2025, 7, 1))
    assert await _count(session, Area.level == "district", *before, Area.geom.is_not(None)) == 8
    assert await _count(session, Area.level == "commune", *before, Area.geom.is_(None)) == 102
    assert await _count(session, Area.level == "district", Area.valid_to.is_(None)) == 0
    districts = await session.scalars(
        select(Area.code).where(Area.level == "district").order_by(Area.code)
    )
    assert list(districts) == ["855", "857", "858", "859", "860", "861", "862", "863"]


async def test_pre_merger_province_is_the_union_of_its_districts(session: AsyncSession) -> None:
    province = (
        await session.execute(
            select(
                Area.valid_to,
                func.ST_Area(func.Geography(Area.geom)) / 1e6,
            ).where(Area.level == "province", Area.valid_from.is_(None))
        )
    ).one()
    districts_km2 = await session.scalar(
        select(func.sum(func.ST_Area(func.Geography(Area.geom))) / 1e6).where(
            Area.level == "district"
        )
    )
    assert province.valid_to == date(2025, 7, 1)
    assert province[1] == pytest.approx(districts_km2, rel=1e-6)
    assert province[1] == pytest.approx(1486.1, abs=1)


async def test_codes_keep_leading_zeros_and_extras(session: AsyncSession) -> None:
    row = (
        await session.execute(
            select(Area.attributes).where(Area.code == "29551", Area.valid_to == date(2025, 7, 1))
        )
    ).scalar_one()
    assert row["successor_codes"] == ["29551"]
    assert row["snapshot_date"] == "2025-03-01"


async def _row_versions(session: AsyncSession) -> list[tuple[int, str]]:
    rows = await session.execute(text("SELECT id, xmin::text FROM area ORDER BY id"))
    return [(row[0], row[1]) for row in rows]


async def test_reloading_changes_nothing(session: AsyncSession, admin_data_dir: Path) -> None:
    before = await _row_versions(session)
    report = await load_areas(session, admin_data_dir)
    assert (report.inserted, report.updated, report.unchanged) == (0, 0, TOTAL_VERSIONS)
    assert await _row_versions(session) == before  # not even rewritten


async def test_load_into_empty_table(session: AsyncSession, admin_data_dir: Path) -> None:
    await session.execute(text("DELETE FROM area"))
    report = await load_areas(session, admin_data_dir)
    assert report.inserted == TOTAL_VERSIONS
    assert await _count(session) == TOTAL_VERSIONS
    # The derived province found its districts although all were inserted in the same run.
    assert await _count(session, Area.level == "province", Area.geom.is_(None)) == 0


def _copy_renaming_first_district(source: Path, target: Path, full_name: str) -> None:
    for path in source.iterdir():
        shutil.copy(path, target)
    districts = target / "vinh_long_districts_2024.geojson"
    collection = json.loads(districts.read_text(encoding="utf-8"))
    collection["features"][0]["properties"]["full_name"] = full_name
    districts.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")


async def test_changed_file_updates_only_what_changed(
    session: AsyncSession, admin_data_dir: Path, tmp_path: Path
) -> None:
    _copy_renaming_first_district(admin_data_dir, tmp_path, "Thành phố Vĩnh Long (sửa)")
    report = await load_areas(session, tmp_path)
    assert (report.inserted, report.updated) == (0, 1)
    name = await session.scalar(select(Area.full_name).where(Area.code == "855"))
    assert name == "Thành phố Vĩnh Long (sửa)"


def _write_collection(path: Path, properties: dict[str, object], geometry: object) -> None:
    feature = {"type": "Feature", "properties": properties, "geometry": geometry}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))


GOOD_PROPERTIES: dict[str, object] = {
    "code": "99001",
    "name": "Thử",
    "full_name": "Xã Thử",
    "type": "Xã",
    "name_ascii": "Thu",
    "level": "commune",
    "parent_code": "86",
    "valid_from": "2030-01-01",
    "valid_to": None,
}
SQUARE = {"type": "Polygon", "coordinates": [[[106, 10], [106.01, 10], [106.01, 10.01], [106, 10]]]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"level": "hamlet"}, "unknown level"),
        ({"valid_from": "2030-13-01"}, "not a YYYY-MM-DD date"),
        ({"valid_to": "2029-01-01"}, "is not before"),
        ({"code": "12a"}, "digits"),
        ({"name": ""}, "missing name"),
    ],
)
def test_bad_properties_are_rejected(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    _write_collection(tmp_path / "bad.geojson", {**GOOD_PROPERTIES, **change}, SQUARE)
    with pytest.raises(AreaDataError, match=message):
        read_admin_dir(tmp_path)


def test_point_geometry_is_rejected(tmp_path: Path) -> None:
    _write_collection(
        tmp_path / "bad.geojson", GOOD_PROPERTIES, {"type": "Point", "coordinates": [106, 10]}
    )
    with pytest.raises(AreaDataError, match="Polygon"):
        read_admin_dir(tmp_path)


async def test_invalid_geometry_is_rejected(session: AsyncSession, tmp_path: Path) -> None:
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[106, 10], [106.01, 10.01], [106.01, 10], [106, 10.01], [106, 10]]],
    }
    _write_collection(tmp_path / "bowtie.geojson", GOOD_PROPERTIES, bowtie)
    with pytest.raises(AreaDataError, match="invalid geometries for codes: 99001"):
        async with session.begin_nested():
            await load_areas(session, tmp_path)
    assert await _count(session, Area.code == "99001") == 0


async def test_overlapping_versions_of_a_unit_are_refused(session: AsyncSession) -> None:
    # 29557 is valid from 2025-07-01 on; a second version from 2026-01-01 would overlap it.
    with pytest.raises(IntegrityError, match="ex_area_versions_overlap"):
        async with session.begin_nested():
            session.add(
                Area(
                    code="29557",
                    level="commune",
                    name="Phước Hậu",
                    full_name="Phường Phước Hậu",
                    name_ascii="Phuoc Hau",
                    type="Phường",
                    parent_code="86",
                    valid_from=date(2026, 1, 1),
                    source="test",
                )
            )
