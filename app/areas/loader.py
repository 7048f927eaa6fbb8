"""Read the shipped administrative-unit files (GeoJSON and code-list CSV) into records."""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from app.models.area import AreaLevel

# Columns/properties with a column of their own; everything else goes to `attributes`.
_CORE_FIELDS = {
    "code",
    "name",
    "full_name",
    "type",
    "name_ascii",
    "level",
    "parent_code",
    "valid_from",
    "valid_to",
    "area_km2",
    "source",
    "source_id",
    "geometry_from",
}
# Load order: children before parents, so a parent can take the union of its children.
LEVEL_ORDER = {AreaLevel.commune: 0, AreaLevel.district: 1, AreaLevel.province: 2}


class AreaDataError(ValueError):
    """A shipped file does not describe valid administrative units."""


@dataclass(frozen=True)
class AreaRecord:
    code: str
    level: AreaLevel
    name: str
    full_name: str
    name_ascii: str
    type: str
    parent_code: str | None
    valid_from: date | None
    valid_to: date | None
    source: str
    source_id: str | None = None
    area_km2: float | None = None
    geometry_json: str | None = None
    # True: no geometry of its own; use the union of its children valid in the same period.
    geometry_from_children: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)


def read_admin_dir(directory: Path) -> list[AreaRecord]:
    """Every `*.geojson` and `*.csv` in the folder, children first."""
    if not directory.is_dir():
        raise AreaDataError(f"{directory} is not a folder")
    records: list[AreaRecord] = []
    for path in sorted(directory.iterdir()):
        if path.suffix == ".geojson":
            records.extend(read_geojson(path))
        elif path.suffix == ".csv":
            records.extend(read_csv(path))
    if not records:
        raise AreaDataError(f"no .geojson or .csv area files in {directory}")
    _check_unique(records)
    return sorted(records, key=lambda r: (LEVEL_ORDER[r.level], r.code, str(r.valid_from)))


def read_geojson(path: Path) -> Iterator[AreaRecord]:
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AreaDataError(f"{path.name}: not valid UTF-8 JSON ({exc})") from exc
    if collection.get("type") != "FeatureCollection":
        raise AreaDataError(f"{path.name}: not a GeoJSON FeatureCollection")
    for index, feature in enumerate(collection.get("features", [])):
        where = f"{path.name} feature {index}"
        geometry = feature.get("geometry")
        if geometry is not None and geometry.get("type") not in ("Polygon", "MultiPolygon"):
            raise AreaDataError(f"{where}: geometry must be a (Multi)Polygon")
        yield _record(
            feature.get("properties") or {},
            where=where,
            default_source=path.stem,
            geometry_json=json.dumps(geometry) if geometry else None,
        )


def read_csv(path: Path) -> Iterator[AreaRecord]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            yield _record(row, where=f"{path.name} line {line}", default_source=path.stem)


def _record(
    props: Mapping[str, Any], *, where: str, default_source: str, geometry_json: str | None = None
) -> AreaRecord:
    def text(key: str, *, required: bool = True) -> str | None:
        value = props.get(key)
        value = "" if value is None else unicodedata.normalize("NFC", str(value)).strip()
        if required and not value:
            raise AreaDataError(f"{where}: missing {key}")
        return value or None

    level_text = str(text("level"))
    try:
        level = AreaLevel(level_text)
    except ValueError as exc:
        raise AreaDataError(f"{where}: unknown level {level_text!r}") from exc
    code = str(text("code"))
    if not code.isdigit():
        raise AreaDataError(f"{where}: code {code!r} is not a string of digits")
    valid_from = _date(text("valid_from", required=False), where)
    valid_to = _date(text("valid_to", required=False), where)
    if valid_from and valid_to and valid_from >= valid_to:
        raise AreaDataError(f"{where}: valid_from {valid_from} is not before valid_to {valid_to}")
    geometry_from = text("geometry_from", required=False)
    if geometry_from not in (None, "children"):
        raise AreaDataError(f"{where}: geometry_from must be empty or 'children'")
    area = props.get("area_km2")
    return AreaRecord(
        code=code,
        level=level,
        name=str(text("name")),
        full_name=str(text("full_name")),
        name_ascii=str(text("name_ascii")),
        type=str(text("type")),
        parent_code=text("parent_code", required=False),
        valid_from=valid_from,
        valid_to=valid_to,
        source=text("source", required=False) or default_source,
        source_id=text("source_id", required=False),
        area_km2=float(area) if area not in (None, "") else None,
        geometry_json=geometry_json,
        geometry_from_children=geometry_from == "children",
        attributes=_attributes(props),
    )


def _attributes(props: Mapping[str, Any]) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    for key, value in props.items():
        if key in _CORE_FIELDS or value in (None, ""):
            continue
        if key.endswith("_codes") and isinstance(value, str):
            value = value.split("|")  # the CSV joins code lists with '|'
        extras[key] = value
    return extras


def _date(value: str | None, where: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise AreaDataError(f"{where}: {value!r} is not a YYYY-MM-DD date") from exc


def _check_unique(records: list[AreaRecord]) -> None:
    seen: set[tuple[str, str, date | None]] = set()
    for record in records:
        key = (record.level, record.code, record.valid_from)
        if key in seen:
            raise AreaDataError(f"{record.level} {record.code} from {record.valid_from} twice")
        seen.add(key)
