"""Request dependencies: the store, the settings, the report period."""

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request

from portcullis.analytics.reports.period import Period
from portcullis.analytics.settings import AnalyticsSettings
from portcullis.analytics.store.files import StoreLayout
from portcullis.shared.http import ErrorBody

#: Longest period a report or history read covers: a bound on the work one request may ask for.
MAX_PERIOD_DAYS = 3 * 366


async def _layout(request: Request) -> StoreLayout:
    layout: StoreLayout = request.app.state.layout
    return layout


async def _settings(request: Request) -> AnalyticsSettings:
    settings: AnalyticsSettings = request.app.state.settings
    return settings


def unprocessable(field: str, reason: str) -> HTTPException:
    """A 422 naming one field, in the common error format."""
    return HTTPException(422, detail=[{"field": field, "reason": reason}])


async def _period(
    first: Annotated[date, Query(alias="from", description="First day of the period (ISO date, UTC)")],
    last: Annotated[date, Query(alias="to", description="Last day of the period, included (ISO date, UTC)")],
) -> Period:
    if last < first:
        raise unprocessable("to", "is before from")
    if (last - first).days >= MAX_PERIOD_DAYS:
        raise unprocessable("to", f"the period is longer than {MAX_PERIOD_DAYS} days")
    if first.year < 2000 or last.year > 2100:
        raise unprocessable("from", "the period lies outside 2000..2100")
    return Period(first, last)


LayoutDep = Annotated[StoreLayout, Depends(_layout)]
SettingsDep = Annotated[AnalyticsSettings, Depends(_settings)]
PeriodDep = Annotated[Period, Depends(_period)]

INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorBody, "description": "A parameter is invalid: `detail` names each one"}
}
