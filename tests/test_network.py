"""The request budget, retries and timeouts: the suite's side of a real network."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from conformance.client.budget import Budget, BudgetExhausted
from conformance.client.target import Credentials, RetryPolicy, Target, TargetClient
from conformance.run.calls import CallSetupError, Harness
from contract.failures import Inconclusive
from emulator.serving import RunningServer, serve_in_thread
from power.runner import run_suite_in_process


def test_budget_is_never_exceeded_and_keeps_its_reserve_for_cleanup() -> None:
    budget = Budget(limit=3)
    budget.reserve()  # one start, whose stop must stay possible
    budget.charge()
    budget.charge()
    with pytest.raises(BudgetExhausted):
        budget.charge()  # the last request is the reserve's
    budget.charge(cleanup=True)
    assert (budget.spent, budget.reserved) == (3, 0)
    with pytest.raises(BudgetExhausted):
        budget.charge(cleanup=True)


def test_unlimited_budget_counts() -> None:
    budget = Budget()
    for _ in range(5):
        budget.charge()
    assert budget.describe() == "requests sent: 5"


class Script:
    """A server that answers from a script of (status, headers), then 200."""

    def __init__(self, *answers: tuple[int, dict[str, str]]) -> None:
        self.answers = list(answers)
        self.seen = 0

    async def handle(self, request: Request) -> Response:
        self.seen += 1
        if self.answers:
            status, headers = self.answers.pop(0)
            return JSONResponse({"status": status}, status_code=status, headers=headers)
        return JSONResponse({"ok": True})


@pytest.fixture
def scripted() -> Iterator[tuple[Script, RunningServer]]:
    script = Script()
    server = serve_in_thread(
        Starlette(routes=[Route("/{p:path}", script.handle, methods=["GET", "POST"])])
    )
    yield script, server
    server.stop()


def _client(base: str, budget: Budget, retry: RetryPolicy, sleeps: list[float]) -> TargetClient:
    target = Target(base, Credentials("AC", "secret"), timeout=2.0)
    return TargetClient(target, budget=budget, retry=retry, sleep=sleeps.append)


def test_503_and_429_are_retried_honouring_retry_after_and_counted(
    scripted: tuple[Script, RunningServer],
) -> None:
    script, server = scripted
    script.answers = [(503, {"Retry-After": "3"}), (429, {})]
    sleeps: list[float] = []
    budget = Budget(limit=10)
    client = _client(server.url, budget, RetryPolicy(attempts=3, base_delay=0.5), sleeps)
    exchange = client.send("GET", f"{server.url}/x")
    assert exchange.response.status == 200
    assert sleeps == [3.0, 1.0]  # Retry-After, then backoff 0.5 * 2
    assert budget.spent == 3 == script.seen


def test_rate_limit_past_the_bound_is_inconclusive(scripted: tuple[Script, RunningServer]) -> None:
    script, server = scripted
    script.answers = [(429, {"Retry-After": "120"})]
    client = _client(server.url, Budget(), RetryPolicy(attempts=3, max_wait=30), [])
    with pytest.raises(Inconclusive, match="HTTP 429; waiting 120s more would pass"):
        client.send("GET", f"{server.url}/x")


def test_a_server_error_is_a_verdict_never_retried(scripted: tuple[Script, RunningServer]) -> None:
    script, server = scripted
    script.answers = [(500, {}), (500, {})]
    client = _client(server.url, Budget(), RetryPolicy(attempts=3), [])
    assert client.send("GET", f"{server.url}/x").response.status == 500
    assert script.seen == 1


def test_unreachable_target_is_inconclusive_after_its_tries() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    budget, sleeps = Budget(), []
    client = _client(f"http://127.0.0.1:{port}", budget, RetryPolicy(attempts=2), sleeps)
    with pytest.raises(Inconclusive, match=r"ConnectError.* after 2 tries"):
        client.send("GET", f"http://127.0.0.1:{port}/x")
    assert budget.spent == 2 and len(sleeps) == 1


def test_budget_stops_requests_before_they_are_sent(scripted: tuple[Script, RunningServer]) -> None:
    script, server = scripted
    client = _client(server.url, Budget(limit=1), RetryPolicy(), [])
    client.send("GET", f"{server.url}/x")
    with pytest.raises(BudgetExhausted):
        client.send("GET", f"{server.url}/x")
    assert script.seen == 1


def test_a_budgeted_run_never_exceeds_its_budget_and_still_cleans_up(tmp_path: Path) -> None:
    # Partial by design (the budget leaves clauses untested): only a MUST failure fails it.
    run = run_suite_in_process("--max-requests", "40", "--fail-on", "must", report_dir=tmp_path)
    assert run.returncode == 0, run.output[-3000:]
    assert run.requests is not None and run.requests <= 40
    assert f"requests sent: {run.requests} of a budget of 40" in run.output
    started = re.search(r"recordings started (\d+), stopped (\d+)", run.output)
    assert started and started.group(1) == started.group(2) != "0"
    assert "calls created 1, ended 1" in run.output
    assert "inconclusive: the request budget of 40 is spent" in (tmp_path / "junit.xml").read_text()


def test_a_start_the_target_never_answered_gives_its_reserve_back() -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    budget = Budget(limit=10)
    target = Target("http://target.test/api", Credentials("AC", "secret"))
    client = TargetClient(target, httpx.MockTransport(unreachable), budget, RetryPolicy(1))
    harness = Harness(client)
    with pytest.raises(CallSetupError):
        harness.call_sid()  # the call the suite would create
    with pytest.raises(Inconclusive):
        harness.create((), call_sid="call-1")
    assert (budget.spent, budget.reserved) == (2, 0)
