"""HTTP routes for job seekers: `/v1/vacancies` (JSON) and `/v1/vacancies.geojson`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from app import cursors
from app.areas.router import GEOJSON
from app.db import SessionDep
from app.dependencies import TodayDep
from app.errors import FieldError, InvalidInputError, Problem
from app.search import facets as facet_counts
from app.search import geojson, repository, text
from app.search.params import SearchParams, Sort, search_params
from app.search.schemas import ResultSalary, ResultSite, SearchPage, SearchResult
from app.vacancies.schemas import CodeName

router = APIRouter(tags=["search"])
Params = Annotated[SearchParams, Depends(search_params)]
ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": Problem, "description": "Invalid parameter; `errors` names it."}
}


def _encode_cursor(params: SearchParams, built: repository.Built, row: dict[str, Any]) -> str:
    after = repository.next_after(row)
    key = after.key.isoformat() if isinstance(after.key, datetime) else after.key
    values = {"f": params.fingerprint(), "k": key, "i": after.site_id, "t": after.tier}
    if built.text_choice is not None:
        values["m"] = built.text_choice.match.value
        if built.text_choice.match is text.TextMatch.corrected:
            values["c"] = built.text_choice.query
    return cursors.encode(values)


def _decode_cursor(
    cursor: str, params: SearchParams
) -> tuple[repository.After, text.TextChoice | None]:
    """The position after which the page starts, and (with `q`) how the first page matched."""
    shape: dict[str, type] = {"f": str, "k": object, "i": int, "t": int}
    optional: dict[str, type] = {}
    if params.q is not None:
        shape["m"] = str
        optional["c"] = str  # the corrected query, with m = corrected
    values = cursors.decode(cursor, "query.cursor", shape, optional)
    if values["f"] != params.fingerprint():
        raise InvalidInputError(
            "This cursor belongs to another query: keep the parameters of the first page.",
            errors=[
                FieldError(field="query.cursor", message="other query", type="cursor_mismatch")
            ],
        )
    try:
        choice = None
        if params.q is not None:
            match = text.TextMatch(values["m"])
            if ("c" in values) != (match is text.TextMatch.corrected):
                raise ValueError("a corrected query goes with m = corrected only")
            choice = text.TextChoice(match, values.get("c", params.q))
        key = _cursor_key(values["k"], params.sort, choice)
    except ValueError as exc:
        raise cursors.invalid("query.cursor") from exc
    return repository.After(key=key, site_id=values["i"], tier=values["t"]), choice


def _cursor_key(value: Any, sort: Sort, choice: text.TextChoice | None) -> Any:
    """The sort key in the type its order compares (ValueError when it is not)."""
    by_time = sort is Sort.newest or (
        sort is Sort.relevance and choice is not None and choice.by_words
    )
    if by_time:
        if not isinstance(value, str):
            raise ValueError("not a time")
        return datetime.fromisoformat(value)
    if sort is Sort.salary:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError("not a whole number")
        return value
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ValueError("not a number")
    return float(value)


def _result(row: dict[str, Any]) -> SearchResult:
    return SearchResult(
        vacancy_id=row["vacancy_id"],
        title=row["title"],
        employer=CodeName(code=str(row["employer_id"]), name=row["employer_name"]),
        occupation_code=row["occupation_code"],
        industry_code=row["industry_code"],
        employment_type=row["employment_type"],
        positions=row["positions"],
        salary=ResultSalary(
            min=row["salary_min"],
            max=row["salary_max"],
            period=row["salary_period"],
            negotiable=row["salary_negotiable"],
            monthly_min=row["salary_monthly_min"],
            monthly_max=row["salary_monthly_max"],
        ),
        published_at=row["published_at"],
        valid_through=row["valid_through"],
        site=ResultSite(
            id=row["site_id"],
            lon=row["lon"],
            lat=row["lat"],
            positions=row["site_positions"],
            approximate=row["approximate"],
            commune=CodeName(code=row["commune_code"], name=row["commune_name"]),
        ),
        distance_m=round(row["distance_m"], 1) if row["distance_m"] is not None else None,
        url=f"/v1/vacancies/{row['vacancy_id']}",
    )


@router.get(
    "/vacancies",
    response_model=SearchPage,
    responses={**ERRORS, 200: {"content": {GEOJSON: {}}}},
    summary="Search open vacancies (JSON, or GeoJSON with Accept: application/geo+json)",
)
async def search_vacancies(
    request: Request,
    session: SessionDep,
    params: Params,
    today: TodayDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=cursors.MAX_CURSOR_LENGTH)] = None,
    facets: Annotated[bool, Query(description="Add counts by group.")] = False,
    count: Annotated[
        Literal["none", "exact"],
        Query(
            description="`exact`: count the results on the first page (`total`, exact up to "
            "1,000, beyond it `total_exact` false). Counting costs more than the page itself "
            "near a point, so it is done only on request."
        ),
    ] = "none",
) -> Response:
    """Open, unexpired vacancies of verified employers, one result per matching work site.
    Around a point (`near`, `radius_m`), in a viewport (`bbox`) or a commune (`area`), with
    free text `q` ("ke toan" finds "Kế toán") and filters. Page with `cursor`."""
    if GEOJSON in request.headers.get("accept", ""):
        return await search_vacancies_geojson(session, params, today, limit=limit)
    after, choice = _decode_cursor(cursor, params) if cursor else (None, None)
    built = await repository.build(session, params, today, text_choice=choice)
    rows = await repository.page(session, params, built, limit=limit + 1, after=after)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _encode_cursor(params, built, rows[-1]) if more else None
    total, exact = (None, None)
    if count == "exact" and cursor is None:
        total, exact = await repository.total(session, built)
    counted = await facet_counts.facets(session, built, total_exact=exact) if facets else None
    page = SearchPage(
        items=[_result(row) for row in rows],
        next_cursor=next_cursor,
        total=total,
        total_exact=exact,
        text_match=built.text_choice.match.value if built.text_choice else None,
        corrected_q=(
            built.text_choice.query
            if built.text_choice and built.text_choice.match is text.TextMatch.corrected
            else None
        ),
        facets=counted.counts if counted else None,
        facets_exact=counted.exact if counted else None,
    )
    return Response(page.model_dump_json().encode(), media_type="application/json")


@router.get(
    "/vacancies.geojson",
    response_class=Response,
    responses={**ERRORS, 200: {"content": {GEOJSON: {}}, "description": "FeatureCollection"}},
    summary="Search results as GeoJSON work-site points",
)
async def search_vacancies_geojson(
    session: SessionDep,
    params: Params,
    today: TodayDep,
    limit: Annotated[int, Query(ge=1, le=2000)] = 500,
) -> Response:
    """The same search as points for a map: light properties, `numberMatched` (exact up to
    1,000; beyond it `numberMatchedAtLeast`) and `numberReturned`. In a viewport without
    `sort`, the sites nearest its centre come first."""
    body = await geojson.feature_collection(session, params, today, limit=limit)
    return Response(body, media_type=GEOJSON)
