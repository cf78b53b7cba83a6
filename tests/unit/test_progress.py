"""The one work-done progress helper (lsp/progress.py), through a fake output."""

from __future__ import annotations

from lsprotocol import types

from siyada.lsp.progress import WorkDone, request_progress, server_progress
from tests.unit.lsp_fakes import FakeOutput


def test_progress_without_a_token_sends_nothing() -> None:
    output = FakeOutput()
    progress = WorkDone(output, None)
    progress.begin("Pulling")
    progress.report(message="half", percentage=50)
    progress.end("done")
    assert not progress.shown
    assert output.progress_sent == []


def test_begin_report_end_go_out_in_order_on_the_token() -> None:
    output = FakeOutput()
    progress = WorkDone(output, "t-1")
    progress.begin("Pulling m", percentage=0, cancellable=True)
    progress.report(message="12.0 MB / 24.0 MB", percentage=50)
    progress.end("Pulled m")
    begin, report, end = output.values_on("t-1")
    assert begin == types.WorkDoneProgressBegin(title="Pulling m", cancellable=True, percentage=0)
    assert report == types.WorkDoneProgressReport(message="12.0 MB / 24.0 MB", percentage=50)
    assert end == types.WorkDoneProgressEnd(message="Pulled m")


async def test_a_request_token_is_used_as_is_without_create() -> None:
    output = FakeOutput()
    progress = await request_progress(output, "pull-1", supported=True)
    assert progress.token == "pull-1"
    assert output.created == []


async def test_without_a_request_token_the_server_creates_one() -> None:
    output = FakeOutput()
    progress = await request_progress(output, None, supported=True)
    assert progress.shown
    assert output.created == [progress.token]


async def test_no_progress_when_the_client_does_not_support_it() -> None:
    output = FakeOutput()
    progress = await server_progress(output, supported=False)
    assert not progress.shown
    assert output.created == []


async def test_a_refused_token_means_no_progress_not_a_failure() -> None:
    output = FakeOutput()
    output.refuse_progress = True
    progress = await server_progress(output, supported=True)
    progress.begin("Siyada")
    assert not progress.shown
    assert output.progress_sent == []
