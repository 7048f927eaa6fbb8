"""The department's bulk import of placements: a CSV or XLSX file, checked whole by the rules of
the JSON API, then recorded at once with COPY, or not at all. Reading the file is
`import_rows`'s; here the rows meet the database."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import date
from typing import Any

import asyncpg
from sqlalchemy import any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import Uuid

from app.audit import service as audit
from app.auth.principal import Principal
from app.config import Settings
from app.metrics.tasks import task
from app.models import Employer
from app.placements import references, repository, rules, sheets
from app.placements.import_rows import ImportRow, RowErrors, read_rows
from app.placements.persons import person_hash
from app.placements.references import References
from app.placements.repository import FilledVacancy
from app.placements.schemas import PlacementImportResult

# The import's limits: a file of more rows is refused unread; its errors are all counted, the
# first ones listed.
MAX_ROWS = 100_000
MAX_LISTED_ERRORS = 1_000
ENTITY = "placement_import"
# What COPY writes; `age` is generated, created_at/updated_at/version take their defaults.
COPY_COLUMNS = (
    "id",
    "placed_on",
    "vacancy_id",
    "employer_id",
    "employer_name",
    "person_hash",
    "sex",
    "birth_year",
    "trained",
    "residence_area_id",
    "work_area_id",
    "destination",
    "destination_country",
    "occupation_code",
    "industry_code",
    "industry_version",
    "channel",
    "import_batch_id",
    "recorded_by_key_id",
)
Record = tuple[Any, ...]


async def _lock_vacancies(
    session: AsyncSession, rows: list[ImportRow], errors: RowErrors
) -> tuple[dict[uuid.UUID, FilledVacancy], dict[uuid.UUID, int]]:
    """Each vacancy named, locked once (in id order, so two imports never deadlock), with the
    rules of a single hire: published, and not filled beyond its positions by this file."""
    linked: dict[uuid.UUID, list[ImportRow]] = {}
    for row in rows:
        if row.vacancy_id is not None:
            linked.setdefault(row.vacancy_id, []).append(row)
    found: dict[uuid.UUID, FilledVacancy] = {}
    filled: dict[uuid.UUID, int] = {}
    for vacancy_id in sorted(linked):
        hires = linked[vacancy_id]
        vacancy = await repository.lock_vacancy(session, vacancy_id)
        if vacancy is None:
            for row in hires:
                errors.add(row.line, "vacancy_id", f"no vacancy {vacancy_id}", "unknown_vacancy")
            continue
        found[vacancy_id] = vacancy
        for row in hires:
            if row.employer_id not in (None, vacancy.employer_id):
                errors.add(
                    row.line, "employer_id", "not the employer of the vacancy", "employer_mismatch"
                )
        if not vacancy.published:
            for row in hires:
                errors.add(
                    row.line,
                    "vacancy_id",
                    "the vacancy was never published: no one can be hired for it",
                    "not_published",
                )
            continue
        filled[vacancy_id] = done = await repository.filled_positions(session, vacancy_id)
        free = max(vacancy.positions - done, 0)
        for row in hires[free:]:
            errors.add(
                row.line,
                "vacancy_id",
                f"the vacancy has {vacancy.positions} positions and {done} are filled: "
                f"{free} more can be hired, this file has {len(hires)}",
                "over_filled",
            )
    return found, filled


async def _check_employers(session: AsyncSession, rows: list[ImportRow], errors: RowErrors) -> None:
    """Registered employers named without a vacancy exist (one query for the whole file)."""
    wanted = {
        row.employer_id for row in rows if row.vacancy_id is None and row.employer_id is not None
    }
    if not wanted:
        return
    # One array parameter: an IN list of 100,000 would pass asyncpg's 32,767 parameters.
    ids = bindparam("ids", sorted(wanted), type_=ARRAY(Uuid()))
    known = set((await session.scalars(select(Employer.id).where(Employer.id == any_(ids)))).all())
    for row in rows:
        employer_id = row.employer_id
        if row.vacancy_id is None and employer_id is not None and employer_id not in known:
            errors.add(row.line, "employer_id", f"no employer {employer_id}", "unknown_employer")


def _records(
    rows: list[ImportRow],
    vacancies: dict[uuid.UUID, FilledVacancy],
    refs: References,
    today: date,
    errors: RowErrors,
    *,
    secret: str,
    batch_id: uuid.UUID,
    key_id: int,
) -> list[Record]:
    """The rules of `rules.check` for every row, and the rows as COPY writes them."""
    records: list[Record] = []
    for row in rows:
        vacancy = None
        if row.vacancy_id is not None:
            vacancy = vacancies.get(row.vacancy_id)
            if vacancy is None:  # reported already: no vacancy to check against
                continue
        occupation = row.occupation_code or (vacancy.occupation_code if vacancy else None)
        industry, industry_version = rules.industry_of(
            row.industry_code,
            row.placed_on,
            (vacancy.industry_code, vacancy.industry_version) if vacancy else None,
        )
        resolved, problems = rules.check(
            rules.Facts(
                placed_on=row.placed_on,
                birth_year=row.birth_year,
                residence_code=row.residence_commune_code,
                destination=row.destination,
                work_commune_code=row.work_commune_code,
                occupation_code=occupation,
                industry_code=industry,
                industry_version=industry_version,
            ),
            refs,
            today,
            site_communes=vacancy.site_communes if vacancy else None,
            field=f"rows.{row.line}.".__add__,
        )
        if resolved is None:
            errors.extend(row.line, problems)
            continue
        records.append(
            (
                uuid.uuid4(),
                row.placed_on,
                row.vacancy_id,
                vacancy.employer_id if vacancy else row.employer_id,
                row.employer_name,
                person_hash(secret, row.person_ref),
                row.sex,
                row.birth_year,
                row.trained,
                resolved.residence_area_id,
                resolved.work_area_id,
                row.destination,
                row.destination_country,
                occupation,
                industry,
                industry_version,
                row.channel,
                batch_id,
                key_id,
            )
        )
    return records


async def _copy(session: AsyncSession, records: list[Record]) -> None:
    """COPY into the request's transaction: committed with the rest, or rolled back."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    if driver is None:  # only a closed connection has none
        raise RuntimeError("no database connection for COPY")
    try:
        await driver.copy_records_to_table("placement", records=records, columns=list(COPY_COLUMNS))
    except asyncpg.PostgresError as exc:
        # Past SQLAlchemy: wrap it so the one translation of database errors answers it.
        raise DBAPIError("COPY placement", None, exc) from exc


async def import_placements(
    session: AsyncSession,
    principal: Principal,
    settings: Settings,
    today: date,
    body: bytes,
    content_type: str,
) -> PlacementImportResult:
    """Check every row of the file; record them all in one batch, or raise the errors."""
    with task("placements_import") as run:
        result = await _import(session, principal, settings, today, body, content_type)
        run.rows(result.imported)
    return result


async def _import(
    session: AsyncSession,
    principal: Principal,
    settings: Settings,
    today: date,
    body: bytes,
    content_type: str,
) -> PlacementImportResult:
    fmt = sheets.FORMATS[content_type]
    errors = RowErrors(MAX_LISTED_ERRORS)
    # Reading and validating is CPU work of a second or two: off the event loop.
    rows = await asyncio.to_thread(read_rows, body, fmt, errors, max_rows=MAX_ROWS)
    vacancies, filled = await _lock_vacancies(session, rows, errors)
    await _check_employers(session, rows, errors)
    refs = await references.load(session)
    batch_id = uuid.uuid4()
    records = await asyncio.to_thread(
        _records,
        rows,
        vacancies,
        refs,
        today,
        errors,
        secret=settings.person_ref_secret.get_secret_value(),
        batch_id=batch_id,
        key_id=principal.key_id,
    )
    errors.raise_if_any()

    await _copy(session, records)
    hires: dict[uuid.UUID, int] = {}
    for record in records:
        if record[2] is not None:
            hires[record[2]] = hires.get(record[2], 0) + 1
    closed: list[uuid.UUID] = []
    for vacancy_id, vacancy in vacancies.items():
        if filled[vacancy_id] + hires[vacancy_id] == vacancy.positions and vacancy.open_now:
            await repository.close_as_filled(session, vacancy)
            closed.append(vacancy_id)
    await audit.record(
        session,
        principal,
        action="import",
        entity_type=ENTITY,
        entity_id=str(batch_id),
        before=None,
        after={
            "rows": len(records),
            "format": fmt,
            "sha256": hashlib.sha256(body).hexdigest(),
            "vacancies": [str(v) for v in vacancies],
            "vacancies_filled": [str(v) for v in closed],
        },
    )
    return PlacementImportResult(
        import_batch_id=batch_id, imported=len(records), vacancies_filled=closed
    )
