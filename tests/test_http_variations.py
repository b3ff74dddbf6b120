"""HTTP-level variations a client may legitimately send (a charset on the form type,
header and scheme case, unknown parameters beside known ones, a parameter repeated):
they reach the wire as spelled, and a target that mishandles one is caught, named by
the clause that judges its answer."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from pathlib import Path

from starlette.responses import JSONResponse

from conformance.clauses.variations import REPEATED, SPELLED, VARIATIONS
from conformance.client.target import Credentials, Target, TargetClient
from contract.exchange import Auth
from emulator.hostile import ENV, Behaviour, Seen, hostile, is_create
from power.runner import run_suite_in_process

# The variation tests, by the clause each is judged by first (conformance/clauses/registry.py).
SPELLED_TEST = "variation and VALID-ACCEPTED"
REPEATED_TEST = "variation and NO-SERVER-ERROR"


def _raw_request(send: Callable[[str], None]) -> bytes:
    """The bytes of the one request `send(base_url)` makes, as a server reads them."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    got: list[bytes] = []

    def answer() -> None:
        conn, _ = server.accept()
        got.append(conn.recv(65536))
        conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")
        conn.close()

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    send(f"http://127.0.0.1:{server.getsockname()[1]}")
    thread.join(timeout=5)
    server.close()
    return got[0]


def test_a_spelled_variation_reaches_the_wire_as_spelled() -> None:
    def send(base: str) -> None:
        with TargetClient(Target(base, Credentials("sid", "token-123456"))) as client:
            exchange = client.create_recording(
                "call", SPELLED.form, auth=SPELLED.auth, headers=SPELLED.headers
            )
        assert "-H 'content-type: Application/X-WWW-Form-URLEncoded; Charset=UTF-8'" in (
            exchange.request.as_curl()
        )

    raw = _raw_request(send).decode()
    assert "\r\ncontent-type: Application/X-WWW-Form-URLEncoded; Charset=UTF-8\r\n" in raw
    assert "\r\nAuthorization: basic " in raw
    assert "Content-Type" not in raw  # replaced, not sent twice
    assert SPELLED.auth is Auth.ACCOUNT_SCHEME_LOWERCASE


def test_every_variation_is_a_request_of_its_own_in_the_plan() -> None:
    assert len({v.form for v in VARIATIONS}) == len(VARIATIONS)
    assert [k for k, _ in REPEATED.form].count("Trim") == 2


def test_a_form_refused_for_its_charset_is_caught_naming_valid_accepted(tmp_path: Path) -> None:
    run = run_suite_in_process(
        "--emulator-fault", "form-charset-refused", "-k", SPELLED_TEST, report_dir=tmp_path
    )
    assert run.violated == {"VALID-ACCEPTED"}, run.output[-3000:]


def _repeated_crashes(seen: Seen) -> JSONResponse | None:
    trims = [v for k, v in seen.form if k == "Trim"]
    if is_create(seen) and len(trims) > 1:
        return JSONResponse({"message": "list has no attribute strip"}, status_code=500)
    return None


def test_a_repeated_parameter_answered_5xx_is_caught_naming_no_server_error(
    tmp_path: Path,
) -> None:
    with hostile(Behaviour(answer=_repeated_crashes)) as target:
        run = run_suite_in_process(
            "--base-url", target.base_url, "-k", REPEATED_TEST, report_dir=tmp_path, env=ENV
        )
    assert run.violated == {"NO-SERVER-ERROR"}, run.output[-3000:]
