"""Backtests as bounded background jobs: one at a time per service, each with a wall-clock limit; the latest few
are kept in memory (a restart forgets them: a backtest is cheap to run again)."""

import asyncio
import time
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from portcullis.analytics.backtest.lanes import RandomDraw
from portcullis.analytics.backtest.replay import BacktestTimeoutError, Capacity, Progress, run_backtest
from portcullis.analytics.backtest.schemas import BacktestJob, BacktestResult, JobStatus
from portcullis.analytics.reports.period import Period
from portcullis.analytics.store.files import StoreLayout
from portcullis.analytics.store.reader import connect
from portcullis.shared.logging import get_logger
from portcullis.shared.rules import CompiledRule

if TYPE_CHECKING:  # the model (LightGBM, pandas) is imported only when a model backtest is asked for
    from portcullis.analytics.backtest.models import ModelUnderTest

log = get_logger(__name__)

#: Finished jobs kept for `GET /v1/backtests/{id}`.
KEPT_JOBS = 50


class BacktestBusyError(Exception):
    """Another backtest is running."""


@dataclass
class _Job:
    id: str
    period: Period
    rule_ids: list[str]
    model: "ModelUnderTest | None" = None  # dropped when the job starts (a model takes megabytes)
    model_version: str | None = None
    status: JobStatus = JobStatus.QUEUED
    progress: Progress = field(default_factory=Progress)
    error: str | None = None
    result: BacktestResult | None = None

    def view(self) -> BacktestJob:
        return BacktestJob(
            id=self.id,
            status=self.status,
            period_from=self.period.first,
            period_to=self.period.last,
            rule_ids=self.rule_ids,
            model_version=self.model_version,
            records_done=self.progress.done,
            records_total=self.progress.total,
            error=self.error,
            result=self.result,
        )


class BacktestRunner:
    """Runs one backtest at a time over the store, in a thread, within `max_seconds`."""

    def __init__(self, layout: StoreLayout, capacity: Capacity, random: RandomDraw, max_seconds: float) -> None:
        self._layout = layout
        self._capacity = capacity
        self._random = random
        self._max_seconds = max_seconds
        self._jobs: OrderedDict[str, _Job] = OrderedDict()
        self._running: asyncio.Task[None] | None = None

    def submit(
        self, period: Period, rules: Sequence[CompiledRule], model: "ModelUnderTest | None" = None
    ) -> BacktestJob:
        """Start a backtest (of rules, and of a model version with `model`); raise BacktestBusyError while another
        one runs."""
        if self._running is not None and not self._running.done():
            raise BacktestBusyError
        job = _Job(f"bt-{uuid.uuid4().hex[:12]}", period, [rule.rule_id for rule in rules], model)
        job.model_version = model.version if model is not None else None
        self._jobs[job.id] = job
        while len(self._jobs) > KEPT_JOBS:
            self._jobs.popitem(last=False)
        self._running = asyncio.create_task(self._run(job, list(rules)), name=f"backtest-{job.id}")
        return job.view()

    def busy(self) -> bool:
        """Whether a backtest is running."""
        return self._running is not None and not self._running.done()

    def get(self, job_id: str) -> BacktestJob | None:
        """A job's status, progress and result; None when unknown."""
        job = self._jobs.get(job_id)
        return job.view() if job is not None else None

    async def close(self) -> None:
        """Stop waiting for a running job (its thread ends at its next batch, past its deadline)."""
        if self._running is not None:
            self._running.cancel()
            await asyncio.gather(self._running, return_exceptions=True)

    async def _run(self, job: _Job, rules: list[CompiledRule]) -> None:
        job.status = JobStatus.RUNNING
        deadline = time.monotonic() + self._max_seconds
        model, job.model = job.model, None  # the kept jobs do not keep their models
        log.info(
            "backtest_started",
            job_id=job.id,
            rules=len(rules),
            model_version=job.model_version,
            first=job.period.first.isoformat(),
        )

        def compute() -> BacktestResult:
            with connect(self._layout) as connection:
                return run_backtest(
                    connection,
                    job.period,
                    rules,
                    self._capacity,
                    self._random,
                    job.progress,
                    deadline,
                    model=model,
                )

        try:
            job.result = await asyncio.to_thread(compute)
        except BacktestTimeoutError:
            job.status, job.error = (
                JobStatus.FAILED,
                f"ran past the limit of {self._max_seconds:g} s: shorten the period",
            )
            log.warning("backtest_timed_out", job_id=job.id, records_done=job.progress.done)
            return
        except Exception as error:  # a failed job says so; the service goes on
            job.status, job.error = JobStatus.FAILED, f"failed: {type(error).__name__}"
            log.exception("backtest_failed", job_id=job.id)
            return
        job.status = JobStatus.DONE
        log.info("backtest_done", job_id=job.id, records=job.result.records, seconds=job.result.seconds)
