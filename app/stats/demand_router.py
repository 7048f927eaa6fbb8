"""HTTP route for demand against supply (app/stats/demand.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from app.auth.dependencies import StaffPrincipal
from app.db import SessionDep
from app.dependencies import IsoDate, SettingsDep
from app.stats import demand as demand_stats
from app.stats import export
from app.stats.checks import invalid
from app.stats.demand import GroupBy
from app.stats.export import FILE_RESPONSES, REPORT_ERRORS, Format
from app.stats.schemas import Number

router = APIRouter(tags=["statistics"])

MAX_DAYS = 3 * 366  # a window of up to three years


class DemandRowRead(BaseModel):
    code: str | None = Field(description="Occupation major group, commune or VSIC section.")
    name: str | None
    positions_posted: int
    open_positions: int = Field(description="Positions of vacancies still open at `to`.")
    placements: int = Field(description="Distinct people placed (not voided) in the window.")
    demand_supply_ratio: Number | None = Field(
        description="Positions posted per person placed; above 1, demand outran supply."
    )


class OutlookRead(BaseModel):
    code: str = Field(description="Occupation major group (ISCO-08).")
    expected_positions: int | None
    years: list[int] = Field(description="The past years the expectation rests on.")
    backtest_mape: Number | None = Field(
        description="Mean absolute percentage error of the method, each past year left out."
    )
    reason: str | None = Field(description="`not_enough_history` with fewer than 2 years.")


class DemandReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "from": "2026-01-01",
                    "to": "2026-06-30",
                    "group_by": "occupation_group",
                    "generated_at": "2026-07-01T08:00:00+07:00",
                    "rows": [
                        {
                            "code": "7",
                            "name": "Craft and Related Trades Workers",
                            "positions_posted": 1240,
                            "open_positions": 410,
                            "placements": 530,
                            "demand_supply_ratio": 2.34,
                        }
                    ],
                    "total": {
                        "code": None,
                        "name": None,
                        "positions_posted": 5210,
                        "open_positions": 1630,
                        "placements": 4120,
                        "demand_supply_ratio": 1.26,
                    },
                    "next_quarter": {"from": "2026-07-01", "to": "2026-09-30"},
                    "outlook": [
                        {
                            "code": "7",
                            "expected_positions": 690,
                            "years": [2023, 2024, 2025],
                            "backtest_mape": 8.4,
                            "reason": None,
                        }
                    ],
                }
            ]
        },
        populate_by_name=True,
    )

    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    group_by: GroupBy
    generated_at: datetime
    rows: list[DemandRowRead]
    total: DemandRowRead
    next_quarter: dict[str, date]
    outlook: list[OutlookRead] = Field(
        description="Per occupation group: positions expected in `next_quarter`."
    )


@router.get(
    "/stats/demand",
    response_model=DemandReport,
    response_model_by_alias=True,
    responses={**REPORT_ERRORS, **FILE_RESPONSES},
    summary="Demand against supply, and next quarter's postings (department, admin)",
)
async def demand_against_supply(
    session: SessionDep,
    _principal: StaffPrincipal,
    settings: SettingsDep,
    from_: Annotated[IsoDate, Query(alias="from", examples=["2026-01-01"])],
    to: Annotated[IsoDate, Query(examples=["2026-06-30"])],
    group_by: Annotated[GroupBy, Query(description="What a row is.")] = GroupBy.occupation_group,
    format: Annotated[Format, Query(description="Response format.")] = "json",
) -> Response:
    """Per group: positions posted in the window (a site's commune for `commune`), positions
    still open at `to`, people placed (their commune of residence for `commune`), and positions
    posted per person placed, where demand outruns supply most first. Then, per occupation
    group, the positions expected in the quarter after `to`: this year's postings to `to`
    times the mean share the same quarter had of the postings to the same day in past years
    (at least 2), with the method's backtest error. As JSON, CSV or XLSX."""
    if to < from_:
        raise invalid("query.to", "must not be before `from`")
    if (to - from_).days > MAX_DAYS:
        raise invalid("query.to", "the window is at most three years")
    found = await demand_stats.demand(session, from_, to, group_by, settings.timezone)
    report = DemandReport(
        from_=from_,
        to=to,
        group_by=group_by,
        generated_at=datetime.now(settings.tz),
        rows=[DemandRowRead(**vars(row)) for row in found.rows],
        total=DemandRowRead(**vars(found.total)),
        next_quarter={"from": found.next_quarter[0], "to": found.next_quarter[1]},
        outlook=[OutlookRead(**vars(item)) for item in found.outlook],
    )
    stem = f"demand_{group_by.value}_{from_:%Y%m%d}_{to:%Y%m%d}"
    return export.respond(format, lambda: report, lambda: _table(report), stem)


_COLUMNS = [
    export.Column("code", "Mã"),
    export.Column("name", "Tên"),
    export.Column("positions_posted", "Số chỗ làm việc đăng tuyển", "int"),
    export.Column("open_positions", "Còn tuyển cuối kỳ", "int"),
    export.Column("placements", "Số người được giải quyết việc làm", "int"),
    export.Column("demand_supply_ratio", "Chỗ làm việc / người được giải quyết", "number"),
    export.Column("expected_next_quarter", "Dự kiến đăng tuyển quý sau", "int"),
    export.Column("backtest_mape", "Sai số dự kiến (MAPE, %)", "number"),
]
_GROUP_VI = {"occupation_group": "nhóm nghề", "commune": "xã, phường", "industry": "ngành"}


def _table(report: DemandReport) -> export.Table:
    ahead = {item.code: item for item in report.outlook}
    rows = []
    for row in report.rows:
        item = ahead.get(row.code or "") if report.group_by is GroupBy.occupation_group else None
        rows.append(
            {
                **row.model_dump(mode="json"),
                "expected_next_quarter": item.expected_positions if item else None,
                "backtest_mape": item.model_dump(mode="json")["backtest_mape"] if item else None,
            }
        )
    return export.Table(
        title=f"Cung và cầu lao động theo {_GROUP_VI[report.group_by.value]}",
        period=f"{report.from_:%d/%m/%Y} - {report.to:%d/%m/%Y}",
        generated_at=report.generated_at,
        units="chỗ làm việc; người",
        columns=_COLUMNS,
        rows=rows,
        totals={**report.total.model_dump(mode="json"), "code": export.TOTAL_LABEL},
        notes=[
            "Cầu: số chỗ làm việc đăng tuyển (theo xã của nơi làm việc); cung: số người được "
            "giải quyết việc làm (theo xã nơi cư trú).",
            "Dự kiến quý sau: đăng tuyển lũy kế từ đầu năm nhân tỷ lệ bình quân của cùng quý "
            "các năm trước (ít nhất 2 năm).",
        ],
    )
