"""The adapters: each place the project leans on another package's internals, for want
of a public way, checked against the installed release. A failure here names what
upstream moved, before a run stops in some other test."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import socket
import sys
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from emulator.adapters.uvicorn import RUNNING_ATTRIBUTES, SERVER_METHODS, FastStoppingServer
from emulator.serving import serve_in_thread

ROOT = Path(__file__).resolve().parent.parent


def _app() -> Starlette:
    return Starlette(routes=[Route("/", lambda _: PlainTextResponse("ok"))])


@pytest.mark.parametrize("name", sorted(SERVER_METHODS))
def test_uvicorn_server_still_has_the_methods_the_adapter_replaces_or_calls(name: str) -> None:
    method = getattr(uvicorn.Server, name, None)
    assert method is not None, f"uvicorn {uvicorn.__version__}: Server.{name} is gone"
    assert inspect.iscoroutinefunction(method), f"uvicorn: Server.{name} is no longer async"
    parameters = list(inspect.signature(method).parameters)
    assert parameters == SERVER_METHODS[name], f"uvicorn: Server.{name}{parameters}"


def test_a_running_uvicorn_server_has_the_state_the_adapter_reads() -> None:
    running = serve_in_thread(_app())
    server = running._server
    try:
        assert isinstance(server, FastStoppingServer)
        missing = [a for a in RUNNING_ATTRIBUTES if not hasattr(server, a)]
        assert not missing, f"uvicorn {uvicorn.__version__}: Server has no {missing}"
        assert isinstance(server.server_state.connections, set)
        assert isinstance(server.server_state.tasks, set)
        assert all(isinstance(s, asyncio.AbstractServer) for s in server.servers)
        assert inspect.iscoroutinefunction(server.lifespan.shutdown)
        assert isinstance(server.config.timeout_graceful_shutdown, int | float | None)
        # A kept-alive connection is one the shutdown must close: it is counted.
        with httpx.Client() as client:
            assert client.get(running.url).text == "ok"
            assert len(server.server_state.connections) == 1
            started = time.monotonic()
            running.stop()
            took = time.monotonic() - started
        assert not running._thread.is_alive(), "the server's thread outlived its stop"
        # uvicorn's own shutdown takes 100 ms at least; the adapter's, polled every 10 ms,
        # is done well before (2 s is its join's bound, where force_exit would step in).
        assert took < 2, f"stop took {took:.2f} s"
    finally:
        running.stop()


def test_the_adapter_serves_on_a_socket_it_is_given() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(_app(), log_config=None, lifespan="off", log_level="warning")
    server = FastStoppingServer(config)

    async def serve_then_stop() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            await asyncio.sleep(0.005)
        server.should_exit = True
        await asyncio.wait_for(task, timeout=2)

    asyncio.run(serve_then_stop())
    assert server.started and server.should_exit


def test_mutmut_state_still_keeps_the_functions_called_since_the_last_test() -> None:
    mutmut_state = importlib.import_module("mutmut.state")  # mutmut/__init__ shadows it
    state = mutmut_state.state()
    for name in ("duration_by_test", "tests_by_mangled_function_name", "_stats"):
        assert hasattr(state, name), f"mutmut: MutmutState has no {name}"
    sys.path.insert(0, str(ROOT))
    try:
        adapter = importlib.import_module("benchmarks.mutmut_adapter")
    finally:
        sys.path.remove(str(ROOT))
    called = adapter.called_since_last_test(state)
    assert isinstance(called, set), f"mutmut: _stats is a {type(called).__name__}, not a set"
    assert adapter.running_state() is state


def test_hypothesis_still_names_the_variables_by_which_it_knows_ci() -> None:
    # Read by tests/test_earned_verdicts.py (only there): a test that must run outside CI.
    from hypothesis import _settings

    names = getattr(_settings, "_CI_VARS", None)
    assert isinstance(names, dict), "hypothesis: _settings._CI_VARS is gone"
    assert {"CI", "GITHUB_ACTIONS"} <= set(names), f"hypothesis: _CI_VARS is {sorted(names)}"
