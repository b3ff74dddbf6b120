"""The peers a run cannot trust besides the target's answers: compressed answers,
cookies, the environment's proxy variables and certificates, the identifiers of the
options, and a report folder an earlier run filled. Each way through (issue 22, items 3
to 8) is shown closed against a peer the test starts on loopback, every wait bounded."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import socket
import subprocess
import sys
import threading
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from conformance.client.proxies import masked, proxy_for
from conformance.client.target import Credentials, Target, TargetClient
from conformance.client.wire import DEFAULT_MAX_BODY, NoAnswer, UntrustedCertificate, Wire
from contract.failures import ConfigurationError
from emulator import Account, start
from emulator.app import create_app
from emulator.hostile import (
    COOKIE,
    ENV,
    SID,
    TOKEN,
    Behaviour,
    gzip_bomb,
    hostile,
    on_creates,
    set_cookies,
)
from emulator.serving import serve_in_thread
from emulator.store import Call, Store
from power.runner import ROOT, pytest_in_process, run_suite, run_suite_in_process

QUICK = ("--retries", "0", "--request-timeout", "2", "--coverage-strength", "1")
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
BOMB = 256 << 20  # decoded size of the test's bomb: 256 times the read bound


def _environment(env: dict[str, str]) -> dict[str, str]:
    """This process's environment without credentials or proxy variables, `env` over it."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SIGNALWIRE_") and k.lower() not in PROXY_VARIABLES
    }
    clean.pop("SSL_CERT_FILE", None)
    return {**clean, **env}


def _run(
    *args: str, env: dict[str, str] | None = None, process: bool = False
) -> subprocess.CompletedProcess[str]:
    """`pytest conformance ARGS` with exactly the environment `_environment(env)`: by
    `pytest.main` in this process (the run reads its variables as it starts), or with
    `process` in a process of its own, for what is read once a process (SSL_CERT_FILE:
    the suite builds its TLS context once for every run of the process)."""
    args = ("conformance", "-p", "no:cacheprovider", *args)
    if not process:
        return pytest_in_process(list(args), _environment(env or {}), timeout=300)
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=_environment(env or {}),
        timeout=300,
        check=False,
    )


def _one_line(done: subprocess.CompletedProcess[str]) -> str:
    """The run's one error line; it stopped with exit 4 and no traceback."""
    output = done.stdout + done.stderr
    assert done.returncode == 4, output[-3000:]
    assert "Traceback" not in output and "INTERNALERROR" not in output, output[-3000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("ERROR: "), done.stderr[-3000:]
    return lines[0]


def _post(wire: Wire, url: str) -> object:
    return wire.request("POST", url, content=b"", headers={}, auth=(SID, TOKEN))


# -- 3. compressed answers ---------------------------------------------------------


def test_a_gzip_bomb_stops_at_the_read_bound_not_after_decoding() -> None:
    """1,8 KB that decode to 256 MiB: read up to the bound, no stage holding more."""
    with hostile(on_creates(lambda: gzip_bomb(BOMB))) as target:
        wire = Wire(timeout=30)
        url = f"{target.base_url}/Accounts/{SID}/Calls/CA1/Recordings.json"
        try:
            tracemalloc.start()
            try:
                answer = wire.request("POST", url, content=b"", headers={}, auth=None)
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
        finally:
            wire.close()
    assert answer.oversized and answer.body == bytes(DEFAULT_MAX_BODY)
    # Decoded whole, the bomb would have held 256 MiB at once; bounded, a few MiB.
    assert peak < 32 << 20, f"{peak >> 20} MiB traced while reading a bomb"


async def _once(body: bytes) -> AsyncIterator[bytes]:
    yield body  # a stream, as from the network: httpx decodes a whole `content` at once


JSON = b'{"sid": "RE1"}'


@pytest.mark.parametrize(
    ("coding", "body"),
    [
        pytest.param("gzip", gzip.compress(JSON, mtime=0), id="gzip"),
        pytest.param("x-gzip", gzip.compress(JSON, mtime=0), id="x-gzip"),
        pytest.param("deflate", zlib.compress(JSON), id="deflate"),
        # Raw deflate, without zlib's wrapper, as some servers send it.
        pytest.param("deflate", zlib.compress(JSON)[2:-4], id="raw-deflate"),
        pytest.param("gzip, gzip", gzip.compress(gzip.compress(JSON, mtime=0), mtime=0), id="2x"),
        pytest.param("identity", JSON, id="identity"),
    ],
)
def test_a_compressed_answer_is_read_decoded(coding: str, body: bytes) -> None:
    answer = httpx.Response(200, headers={"content-encoding": coding}, content=_once(body))
    wire = Wire(timeout=5, transport=httpx.MockTransport(lambda request: answer))
    try:
        got = wire.request("GET", "http://t.test/", content=None, headers={}, auth=None)
    finally:
        wire.close()
    assert got.body == b'{"sid": "RE1"}' and not got.oversized
    assert got.header("content-encoding") == ""  # undone, so no longer announced


@pytest.mark.parametrize(
    ("coding", "why"),
    [("br", "did not ask for"), ("gzip, " * 5 + "gzip", "too many codings")],
)
def test_a_coding_the_suite_cannot_undo_is_no_answer(coding: str, why: str) -> None:
    answer = httpx.Response(200, headers={"content-encoding": coding}, content=_once(b"?"))
    wire = Wire(timeout=5, transport=httpx.MockTransport(lambda request: answer))
    try:
        with pytest.raises(NoAnswer, match=why):
            wire.request("GET", "http://t.test/", content=None, headers={}, auth=None)
    finally:
        wire.close()


def test_an_inner_coding_past_the_bound_is_no_answer_not_a_short_body() -> None:
    """`gzip, gzip` whose inner stream is a short body and 200 KB of trailing junk (which
    gzip ignores): the inner stage stops at its bound, so the body's size is unknown."""
    inner = gzip.compress(b'{"sid": "RE1"}') + bytes(200_000)
    answer = httpx.Response(
        200, headers={"content-encoding": "gzip, gzip"}, content=_once(gzip.compress(inner))
    )
    wire = Wire(timeout=5, max_body=1024, transport=httpx.MockTransport(lambda request: answer))
    try:
        with pytest.raises(NoAnswer, match="an inner coding decodes past the bound"):
            wire.request("GET", "http://t.test/", content=None, headers={}, auth=None)
    finally:
        wire.close()


def test_a_run_against_a_gzip_bomb_ends_with_a_reason(tmp_path: Path) -> None:
    # In a process of its own: the bomb's server would share this one's interpreter lock
    # with the run reading it, within a 2 s deadline.
    with hostile(on_creates(lambda: gzip_bomb(BOMB))) as target:
        run = run_suite(
            "--base-url", target.base_url, *QUICK, report_dir=tmp_path, env=ENV, timeout=300
        )
        calls = [c.status for c in target.emulator.store.calls.values()]
    assert calls == ["completed"] * len(calls)
    assert "Traceback" not in run.output and "INTERNALERROR" not in run.output
    assert run.returncode == 1 and run.report is not None
    report = (tmp_path / "conformance.json").read_text()
    assert f"larger than {DEFAULT_MAX_BODY} bytes" in report


# -- 4. cookies --------------------------------------------------------------------


def test_no_cookie_the_target_sets_is_ever_sent_back(tmp_path: Path) -> None:
    behaviour = Behaviour(alter=set_cookies)
    with hostile(behaviour) as target:
        run = run_suite_in_process(
            "--base-url", target.base_url, *QUICK, report_dir=tmp_path, env=ENV, timeout=300
        )
    seen = behaviour.seen
    assert len(seen) > 50, run.output[-3000:]
    assert [s for s in seen if s.cookie] == []
    assert COOKIE not in run.output
    # The probes without credentials, or with a wrong token, were judged on themselves.
    verdicts = {c["id"]: c["verdict"] for c in json.loads(run_json(tmp_path))["clauses"]}
    assert verdicts["AUTH-MISSING-401"] == "pass" and verdicts["AUTH-WRONG-TOKEN-401"] == "pass"


def run_json(tmp_path: Path) -> str:
    return (tmp_path / "conformance.json").read_text()


# -- 5. proxy variables ------------------------------------------------------------


@dataclass
class Trap:
    """A loopback port that counts who connects to it, and answers nothing."""

    port: int = 0
    connections: int = 0
    _sock: socket.socket = field(default_factory=socket.socket)

    def serve(self) -> None:
        self._sock.settimeout(0.2)
        while self._sock.fileno() != -1:
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()


@contextmanager
def trap() -> Iterator[Trap]:
    caught = Trap()
    caught._sock.bind(("127.0.0.1", 0))
    caught._sock.listen()
    caught.port = caught._sock.getsockname()[1]
    thread = threading.Thread(target=caught.serve, daemon=True)
    thread.start()
    try:
        yield caught
    finally:
        caught._sock.close()
        thread.join(timeout=5)


def test_proxy_variables_never_touch_loopback(tmp_path: Path) -> None:
    """A faithful run with every proxy variable set: neither the suite's requests nor
    the embedded emulator's callbacks to the receiver go through the proxy."""
    with trap() as proxy:
        url = f"http://127.0.0.1:{proxy.port}"
        env = {"HTTP_PROXY": url, "HTTPS_PROXY": url, "http_proxy": url}
        env |= {"ALL_PROXY": f"socks5://127.0.0.1:{proxy.port}"}
        # Exactly this environment: a NO_PROXY of the machine's would make it vacuous.
        done = _run("--report-dir", str(tmp_path), env=env)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert proxy.connections == 0


class ForwardProxy:
    """An HTTP forward proxy on loopback that sends every request to `upstream`, one
    connection per request, and notes the request lines and proxy credentials."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.lines: list[str] = []
        self.authorizations: list[str] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            line, *headers = head.decode("latin-1").split("\r\n")
            method, target, version = line.split(" ")
            self.lines.append(f"{method} {target}")
            path = "/" + target.split("://", 1)[1].split("/", 1)[1]
            kept = [h for h in headers if h and not h.lower().startswith(("proxy-", "connection"))]
            self.authorizations += [h for h in headers if h.lower().startswith("proxy-auth")]
            length = next(
                (int(h.split(":")[1]) for h in kept if h.lower().startswith("content-length")), 0
            )
            body = await asyncio.wait_for(reader.readexactly(length), 10)
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
            request = "\r\n".join(
                [f"{method} {path} {version}", *kept, "Connection: close", "", ""]
            )
            up_writer.write(request.encode("latin-1") + body)
            writer.write(await asyncio.wait_for(up_reader.read(), 10))
            up_writer.close()
            await writer.drain()
        finally:
            writer.close()


@contextmanager
def forward_proxy(upstream_port: int) -> Iterator[tuple[ForwardProxy, int]]:
    proxy = ForwardProxy(upstream_port)
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(asyncio.start_server(proxy.handle, "127.0.0.1", 0))
    port = server.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield proxy, port
    finally:
        loop.call_soon_threadsafe(server.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)


def test_a_remote_target_is_reached_through_the_environment_proxy(tmp_path: Path) -> None:
    """As curl: HTTP_PROXY for an http target, said in the run's first lines, the
    proxy's password masked there and everywhere."""
    emulator = start(accounts=(Account(SID, TOKEN),))
    try:
        with forward_proxy(emulator.server.port) as (proxy, port):
            remote = "http://remote.invalid/api/laml/2010-04-01"
            env = {**ENV, "HTTP_PROXY": f"http://user:proxy-secret-41@127.0.0.1:{port}"}
            done = _run(
                "--base-url", remote, "--allow-remote", "--report-dir", str(tmp_path),
                "--clause", "AUTH-WRONG-TOKEN-401", "--fail-on", "must", *QUICK,
                env=env,
            )  # fmt: skip
    finally:
        emulator.stop()
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    said = f"remote target at {remote}, through proxy http://user:***@127.0.0.1:{port} from"
    assert said in output
    summary = json.loads((tmp_path / "run.json").read_text())
    assert summary["proxy"] == f"through proxy http://user:***@127.0.0.1:{port} from HTTP_PROXY"
    assert len(proxy.lines) >= 3 and all(" http://remote.invalid/" in line for line in proxy.lines)
    assert len(proxy.authorizations) == len(proxy.lines)
    written = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]
    assert all(b"proxy-secret-41" not in blob for blob in [output.encode(), *written])


def test_which_proxy_a_target_gets() -> None:
    env = {"HTTPS_PROXY": "http://u:pw@proxy:3128", "HTTP_PROXY": "plain:8080"}
    assert proxy_for("http://127.0.0.1:8080/api", env) is None
    assert proxy_for("http://localhost:8080/api", env) is None
    assert proxy_for("http://[::1]:8080/api", env) is None
    chosen = proxy_for("https://space.example.com/api", env)
    assert chosen and chosen.variable == "HTTPS_PROXY"
    assert str(chosen) == "through proxy http://u:***@proxy:3128 from HTTPS_PROXY"
    plain = proxy_for("http://space.example.com/api", env)
    assert plain and plain.url == "http://plain:8080"
    assert proxy_for("https://space.example.com/api", {**env, "NO_PROXY": "example.com"}) is None
    assert proxy_for("https://space.example.com/api", {"no_proxy": "*", **env}) is None
    assert masked("socks5://u:pw@p:1080") == "socks5://u:***@p:1080"


@pytest.mark.parametrize(
    ("value", "says"),
    [("socks5://u:pw@p:1080", "needs the socksio package"), ("ftp://p:21", "not a proxy URL")],
)
def test_a_proxy_the_suite_cannot_use_is_one_line(value: str, says: str) -> None:
    with pytest.raises(ConfigurationError, match=says) as caught:
        proxy_for("https://space.example.com/api", {"ALL_PROXY": value})
    assert "pw" not in str(caught.value) and "\n" not in str(caught.value)


# -- 6. odd identifiers ------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "says"),
    [
        (["--call-sid", "CA1\r\nX-Injected: 1"], {}, "--call-sid 'CA1\\r\\nX-Injected: 1' holds"),
        (["--project-id", "AC\nx", "--api-token", "t"], {}, "--project-id 'AC\\nx' holds"),
        (
            ["--base-url", "http://127.0.0.1:9/api"],
            {"SIGNALWIRE_PROJECT_ID": "AC\r\n", "SIGNALWIRE_API_TOKEN": "t"},
            "SIGNALWIRE_PROJECT_ID 'AC\\r\\n' holds",
        ),
        (["--other-account-call-sid", "CA\tx"], {}, "holds a control character"),
        (["--call-sid", "CA" + "9" * 10_000], {}, "(10002 characters)' is too long"),
    ],
)
def test_an_odd_identifier_is_one_bounded_line(
    args: list[str], env: dict[str, str], says: str
) -> None:
    line = _one_line(_run(*args, env=env))
    assert says in line and len(line) < 300, line[:400]


def test_a_sid_is_one_path_segment_whatever_it_holds() -> None:
    client = TargetClient(Target("http://t.test/api", Credentials("AC 1", "secret")))
    try:
        url = client.url("Calls", "CA?x=1#y/../z", "Recordings")
    finally:
        client.close()
    assert url == "http://t.test/api/Accounts/AC%201/Calls/CA%3Fx%3D1%23y%2F..%2Fz/Recordings.json"


def test_a_call_sid_with_a_query_or_fragment_character_names_that_call(tmp_path: Path) -> None:
    """The faithful emulator holds a call `CA?odd#sid`: the creates reach that call (not
    the call resource, as `/Calls/CA?odd#sid/...` unencoded would), and are accepted.
    Its SID is no uuid, which the contract wants of `call_sid`: that, and only that, is
    failed."""
    emulator = start(accounts=(Account(SID, TOKEN),))
    odd = "CA?odd#sid"
    emulator.store.add_call(Call(odd, SID, "+15550100003", "+15550100004", "http://127.0.0.1:9/"))
    try:
        _run(
            "--base-url", emulator.base_url, "--call-sid", odd, "--report-dir", str(tmp_path),
            "--clause", "VALID-ACCEPTED", *QUICK,
            env=ENV,
        )  # fmt: skip
        recordings = [r for r in emulator.store.recordings.values() if r.call_sid == odd]
    finally:
        emulator.stop()
    verdicts = {c["id"]: c["verdict"] for c in json.loads(run_json(tmp_path))["clauses"]}
    assert len(recordings) >= 5
    assert {c for c, v in verdicts.items() if v == "fail"} == {"SCHEMA-UUID"}


def test_an_unknown_call_sid_with_a_query_character_is_a_configuration_error() -> None:
    line = _one_line(_run("--call-sid", "x?y#z"))
    assert "--call-sid x?y#z" in line


# -- 7. the report folder of a run stopped by a configuration error ------------------


def _stale(directory: Path) -> None:
    """The reports of an earlier, successful run."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("conformance.json", "conformance.md", "conformance.html", "junit.xml"):
        (directory / name).write_text("stale: success\n")


def _says_the_error(directory: Path, line: str) -> None:
    message = line.removeprefix("ERROR: ")
    assert sorted(p.name for p in directory.iterdir()) == [
        "conformance.html",
        "junit.xml",
        "run.json",
    ]
    assert json.loads((directory / "run.json").read_text())["configuration_error"] == message
    junit = (directory / "junit.xml").read_text()
    assert 'errors="1"' in junit and "stale" not in junit
    page = (directory / "conformance.html").read_text()
    assert "configuration error" in page and "stale" not in page


def test_wrong_credentials_leave_reports_that_say_so(tmp_path: Path) -> None:
    _stale(tmp_path)
    emulator = start(accounts=(Account(SID, TOKEN),))
    try:
        env = {"SIGNALWIRE_PROJECT_ID": SID, "SIGNALWIRE_API_TOKEN": "wrong-token-0"}
        done = _run("--base-url", emulator.base_url, "--report-dir", str(tmp_path), env=env)
    finally:
        emulator.stop()
    line = _one_line(done)
    assert "check the credentials" in line
    _says_the_error(tmp_path, line)


def test_an_unreachable_target_leaves_reports_that_say_so(tmp_path: Path) -> None:
    _stale(tmp_path)
    with trap() as closed:  # accepts and closes: no HTTP answer
        url = f"http://127.0.0.1:{closed.port}/api/laml/2010-04-01"
        done = _run("--base-url", url, "--report-dir", str(tmp_path), "--retries", "0", env=ENV)
    line = _one_line(done)
    assert "is unreachable" in line
    _says_the_error(tmp_path, line)


# -- 8. a private certificate authority ----------------------------------------------


@pytest.fixture
def tls_target(throwaway_tls: tuple[tuple[str, str], str]) -> Iterator[tuple[str, str]]:
    """The emulator over HTTPS with a certificate from a CA no system trusts; its base
    URL and the CA's certificate file."""
    tls, cafile = throwaway_tls
    store = Store()
    store.add_account(SID, TOKEN)
    server = serve_in_thread(create_app(store), tls=tls)
    try:
        yield f"{server.url}/api/laml/2010-04-01", cafile
    finally:
        server.stop()


def test_an_untrusted_certificate_is_named_as_such(tls_target: tuple[str, str]) -> None:
    base_url, _ = tls_target
    line = _one_line(_run("--base-url", base_url, env=ENV))
    assert "unreachable" not in line
    assert f"target {base_url}: its TLS certificate not trusted" in line
    assert "--ca-bundle FILE (or SSL_CERT_FILE=FILE)" in line


def test_the_wire_says_when_the_certificate_is_the_trouble(tls_target: tuple[str, str]) -> None:
    base_url, cafile = tls_target
    wire, trusting = Wire(timeout=5), Wire(timeout=5, ca_bundle=cafile)
    try:
        with pytest.raises(UntrustedCertificate, match="certificate"):
            wire.request("GET", base_url, content=None, headers={}, auth=None)
        assert trusting.request("GET", base_url, content=None, headers={}, auth=None).status
    finally:
        wire.close()
        trusting.close()


@pytest.mark.parametrize("way", ["--ca-bundle", "SSL_CERT_FILE"])
def test_a_private_ca_given_runs(tls_target: tuple[str, str], way: str, tmp_path: Path) -> None:
    base_url, cafile = tls_target
    given = ["--ca-bundle", cafile] if way == "--ca-bundle" else []
    env = {**ENV, "SSL_CERT_FILE": cafile} if way == "SSL_CERT_FILE" else ENV
    done = _run(
        "--base-url", base_url, *given, "--report-dir", str(tmp_path),
        "--clause", "AUTH-WRONG-TOKEN-401", "--fail-on", "must", *QUICK,
        env=env, process=way == "SSL_CERT_FILE",
    )  # fmt: skip
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]


@pytest.mark.parametrize("way", ["--ca-bundle", "SSL_CERT_FILE"])
def test_a_ca_file_that_is_no_certificate_is_one_line(way: str, tmp_path: Path) -> None:
    """The option, or the environment's variable (which httpx reads, and which broke the
    run with a traceback)."""
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate\n" * 1000)
    if way == "--ca-bundle":
        line = _one_line(_run("--ca-bundle", str(bad)))
    else:
        line = _one_line(_run(env={"SSL_CERT_FILE": str(bad)}, process=True))
    assert f"{way}" in line and "is not a file of PEM certificates" in line
    assert len(line) < 400
