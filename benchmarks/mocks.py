"""The suite against mocks of the vendor's and Twilio's OpenAPI documents, each run with
`--no-call-check` (a mock has no call in progress to show), one run per mock.

    npm install --prefix DIR @stoplight/prism-cli@5.16 @mockoon/cli@9.9 \\
        @twilio-alpha/mcp@0.7.0 @twilio/cli-core@9.0.0
    python benchmarks/mocks.py --npm-prefix DIR [--row NAME ...] [--out DIR]

Prints a Markdown table: per mock, the exit status, the suite's wall time, the verdict
counts, and the checks of issue 21 (no callback clause passes, no clause passes having
judged nothing, schemathesis' findings fail GENERIC-OPENAPI).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from power.mocks import free_port, serving
from power.runner import ROOT, run_suite

VENDOR = ROOT.parent / "shared" / "vendor" / "signalwire-call-recordings.openapi.yaml"
TWILIO_MCP = "node_modules/@twilio-alpha/mcp/twilio-oai/spec/json/twilio_api_v2010.json"
TWILIO_CLI_CORE = "node_modules/@twilio/cli-core/src/services/twilio-api/twilio_api_v2010.json"
# The vendor's excerpt types the path's sids as uuids, Twilio's documents as AC.../CA...
UUIDS = ("0b6a2a2e-61f1-4c8e-9a3b-3f0a8f0b6c11", "5d0c3f1e-2b7a-4f5e-8c1d-9e2f3a4b5c6d")
TWILIO_SIDS = ("AC" + "0123456789abcdef" * 2, "CA" + "0123456789abcdef" * 2)


@dataclass(frozen=True)
class Mock:
    command: Callable[[Path, int], list[str]]  # (npm prefix, port) -> the server's argv
    path: str  # the base URL's path
    suffix: str  # --path-suffix
    sids: tuple[str, str]  # (account, call)


def _prism(document: str) -> Callable[[Path, int], list[str]]:
    def command(prefix: Path, port: int) -> list[str]:
        path = document if document.startswith("/") else str(prefix / document)
        prism = str(prefix / "node_modules/.bin/prism")
        return [prism, "mock", "-h", "127.0.0.1", "-p", str(port), path]

    return command


def _mockoon(document: str) -> Callable[[Path, int], list[str]]:
    def command(prefix: Path, port: int) -> list[str]:
        path = document if document.startswith("/") else str(prefix / document)
        cli = str(prefix / "node_modules/.bin/mockoon-cli")
        served = ("-d", path, "-p", str(port), "-l", "127.0.0.1")
        return [cli, "start", *served, "--disable-log-to-file", "--disable-admin-api"]

    return command


ROWS = {
    "Prism 5.16, the vendor's excerpt": Mock(_prism(str(VENDOR)), "", "", UUIDS),
    "Prism 5.16, Twilio's spec (@twilio-alpha/mcp 0.7.0)": Mock(
        _prism(TWILIO_MCP), "/2010-04-01", ".json", TWILIO_SIDS
    ),
    "Mockoon 9.9, Twilio's spec (@twilio/cli-core 9.0.0)": Mock(
        _mockoon(TWILIO_CLI_CORE), "/2010-04-01", ".json", TWILIO_SIDS
    ),
    "Mockoon 9.9, the vendor's excerpt": Mock(
        _mockoon(str(VENDOR)), "/api/laml/2010-04-01", "", UUIDS
    ),
}


def measure(name: str, mock: Mock, prefix: Path, out: Path) -> str:
    port = free_port()
    base = f"http://127.0.0.1:{port}{mock.path}"
    reports = out / name.split(",")[0].replace(" ", "-").lower() / str(port)
    reports.mkdir(parents=True, exist_ok=True)
    account, call = mock.sids
    env = {"SIGNALWIRE_PROJECT_ID": account, "SIGNALWIRE_API_TOKEN": "mock-token"}
    # Prism reads Twilio's 4 MB document for ~20 s before it serves.
    with serving(mock.command(prefix, port), base, reports / "mock.log", wait=180):
        run = run_suite(
            *("--base-url", base, f"--path-suffix={mock.suffix}"),
            *("--no-call-check", "--call-sid", call),
            report_dir=reports,
            env=env,
            timeout=900,
        )
    path = reports / "conformance.json"
    if not path.exists():
        return f"| {name} | {run.returncode} | {run.seconds:.1f} | no conformance.json | | | |"
    clauses = json.loads(path.read_text())["clauses"]
    counts = Counter(c["verdict"] for c in clauses)
    passed = [c for c in clauses if c["verdict"] == "pass"]
    callbacks = [c["id"] for c in passed if c["family"] == "callbacks"]
    on_nothing = [c["id"] for c in passed if c["judged"] == 0]
    generic = next(c["verdict"] for c in clauses if c["id"] == "GENERIC-OPENAPI")
    verdicts = ", ".join(f"{counts[v]} {v}" for v in ("pass", "fail", "inconclusive", "not-tested"))
    return (
        f"| {name} | {run.returncode} | {run.seconds:.1f} | {verdicts} | "
        f"{', '.join(callbacks) or 'none'} | {', '.join(on_nothing) or 'none'} | {generic} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--npm-prefix", type=Path, required=True, help="where npm installed")
    parser.add_argument("--row", action="append", choices=list(ROWS), help="only these mocks")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "out" / "mocks")
    args = parser.parse_args()
    print(
        "| mock | exit | wall (s) | verdicts | callback clauses passed "
        "| passed having judged nothing | GENERIC-OPENAPI |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name in args.row or list(ROWS):
        print(measure(name, ROWS[name], args.npm_prefix.resolve(), args.out), flush=True)


if __name__ == "__main__":
    main()
