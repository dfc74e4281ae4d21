"""Backtest jobs: one at a time per service, a status to poll, and a failed job says why."""

import asyncio
from datetime import date
from pathlib import Path

import pytest

from portcullis.analytics.backtest.jobs import BacktestBusyError, BacktestRunner
from portcullis.analytics.backtest.lanes import RandomDraw
from portcullis.analytics.backtest.replay import Capacity
from portcullis.analytics.backtest.schemas import JobStatus
from portcullis.analytics.reports.period import Period
from portcullis.analytics.store.files import StoreLayout
from portcullis.shared.random_selection import RandomSelector
from portcullis.shared.schemas import Lane

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))


def _runner(folder: Path) -> BacktestRunner:
    layout = StoreLayout(folder / "history", folder / "personal")
    draw = RandomDraw(RandomSelector(0.01, b"secret"), Lane.RED)
    return BacktestRunner(layout, Capacity(0.05, 0.10), draw, max_seconds=60)


async def _finished(runner: BacktestRunner, job_id: str) -> JobStatus:
    for _ in range(200):
        job = runner.get(job_id)
        assert job is not None
        if job.status in (JobStatus.DONE, JobStatus.FAILED):
            return job.status
        await asyncio.sleep(0.05)
    raise AssertionError("the job did not finish")


async def test_a_second_backtest_waits_for_the_first_and_each_job_can_be_read(tmp_path: Path) -> None:
    runner = _runner(tmp_path)
    first = runner.submit(OCTOBER, [])
    assert first.status is JobStatus.QUEUED
    with pytest.raises(BacktestBusyError):
        runner.submit(OCTOBER, [])
    assert await _finished(runner, first.id) is JobStatus.DONE
    done = runner.get(first.id)
    assert done is not None
    assert done.result is not None
    assert done.result.records == 0
    second = runner.submit(OCTOBER, [])  # the first is done: the next one runs
    assert await _finished(runner, second.id) is JobStatus.DONE
    assert runner.get("bt-unknown") is None
    await runner.close()


async def test_a_job_that_fails_says_so_and_the_next_one_runs(tmp_path: Path) -> None:
    runner = _runner(tmp_path)
    (tmp_path / "history" / "decisions" / "day=2026-10-01").mkdir(parents=True)
    (tmp_path / "history" / "decisions" / "day=2026-10-01" / "decisions-0-broken.parquet").write_text("not parquet")
    failed = runner.submit(OCTOBER, [])
    assert await _finished(runner, failed.id) is JobStatus.FAILED
    job = runner.get(failed.id)
    assert job is not None
    assert job.error is not None
    assert job.error.startswith("failed: ")
    await runner.close()
