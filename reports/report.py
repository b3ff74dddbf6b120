"""The conformance report of one run, as types: what `reports/verdicts.py` builds and the
renderings (HTML, Markdown, comparison, chart, exit status) read. Its JSON form,
conformance.json, is a published format: `report_json` writes it, `report_from_json`
reads it back (`reports.schema.load_report` checks a file first), and its JSON Schema,
conformance.schema.json, is generated from these types (`python -m reports.schema`).
Enums come from the contract (family, severity, source, credential label) or are
defined here once (verdict, outcome, result)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from contract.exchange import Auth
from contract.terms import Family, Severity, Source
from reports.typed_json import from_json_data, spec, to_json_data

FORMAT = "recording-conformance/conformance-report/v1"


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"
    NOT_TESTED = "not-tested"
    EXPECTED_DEVIATION = "expected-deviation"


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"  # a contract violation
    INCONCLUSIVE = "inconclusive"  # the target could not be judged
    ERROR = "error"  # the suite itself broke: no verdict on the target


class Result(StrEnum):
    SUCCESS = "success"
    PARTIAL = "partial"
    FAILURE = "failure"


COUNT = spec(minimum=0)


@dataclass(frozen=True)
class Implementation:
    """Who is tested, as the --implementation-* options name it."""

    organization: str | None = None
    project: str | None = None
    version: str | None = None
    url: str | None = None
    contact: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hypothesis:
    seed: str | None
    derandomized: bool


@dataclass(frozen=True)
class Statistics:
    """Clauses counted by verdict; the score is passed / tested."""

    clauses: int = field(metadata=COUNT)
    testable: int = field(metadata=COUNT)
    tested: int = field(metadata=COUNT)
    passed: int = field(metadata=spec(key=Verdict.PASS.value, minimum=0))
    fail: int = field(metadata=COUNT)
    inconclusive: int = field(metadata=COUNT)
    not_tested: int = field(metadata=COUNT)
    expected_deviation: int = field(metadata=COUNT)
    score: float | None = field(
        metadata=spec(
            description="passed / tested; null when nothing could be tested", minimum=0, maximum=1
        )
    )

    def count(self, verdict: Verdict) -> int:
        return int(getattr(self, _STATISTICS_FIELD[verdict]))


# A verdict's count, by field name: `pass` is a Python keyword, so that one is `passed`.
_STATISTICS_FIELD = {v: v.value.replace("-", "_") for v in Verdict} | {Verdict.PASS: "passed"}


@dataclass(frozen=True)
class RunStatistics(Statistics):
    by_severity: Mapping[Severity, Statistics] = field(default_factory=dict)
    by_family: Mapping[Family, Statistics] = field(default_factory=dict)


@dataclass(frozen=True)
class TestResult:
    __test__ = False  # not a test class, whatever pytest makes of its name

    test: str
    outcome: Outcome
    judged: int = field(default=0, metadata=spec(optional=True, minimum=0))


@dataclass(frozen=True, kw_only=True)
class ExchangeRequest:
    method: str
    url: str
    form: tuple[tuple[str, str], ...]
    auth: Auth = field(
        metadata=spec(
            description="which credential the request carried (never the credential itself)"
        )
    )
    headers: tuple[tuple[str, str], ...] = field(
        default=(),
        metadata=spec(
            optional=True,
            description="headers sent as spelled (name case, parameters), never the credentials",
        ),
    )
    curl: str = field(
        metadata=spec(description="reproduces the request; credentials come from the environment")
    )


@dataclass(frozen=True, kw_only=True)
class ExchangeResponse:
    status: int
    content_type: str
    body: str
    utf8: bool = field(
        default=True, metadata=spec(optional=True, description="the body was valid UTF-8")
    )
    oversized: bool = field(
        default=False,
        metadata=spec(
            optional=True,
            description="the body passed the suite's read bound; body is its start",
        ),
    )


@dataclass(frozen=True, kw_only=True)
class Reproduce:
    request: str | None
    emulator: str | None = field(
        default=None,
        metadata=spec(
            optional=True,
            description="for the embedded emulator, gone after the run: shell lines that "
            "start the same one (faults, port, account, call), so the request's curl works; "
            "null for a target that outlives the run",
        ),
    )
    check: str


@dataclass(frozen=True)
class Evidence:
    test: str
    expected: str
    actual: str
    request: ExchangeRequest | None
    response: ExchangeResponse | None
    reproduce: Reproduce


@dataclass(frozen=True)
class ClauseDeviation:
    """The implementation's declared deviation from a clause, and whether it still fails."""

    reason: str
    link: str
    still_fails: bool


@dataclass(frozen=True)
class ClauseVerdict:
    id: str = field(
        metadata=spec(description="the clause's stable ID", pattern="^[A-Z0-9]+(-[A-Z0-9]+)*$")
    )
    family: Family
    severity: Severity
    source: Source
    sentence: str = field(metadata=spec(description="what the contract says"))
    testable: bool
    verdict: Verdict
    judged: int = field(
        metadata=spec(
            minimum=0, description="exchanges its tests judged; a pass needs at least one"
        )
    )
    tests: tuple[TestResult, ...]
    evidence: tuple[Evidence, ...]
    deviation: ClauseDeviation | None
    note: str


@dataclass(frozen=True)
class ExpectationsResult:
    """The same run judged against the implementation's declared deviations."""

    implementation: str
    file: str
    result: Result
    no_longer_failing: tuple[str, ...] = field(
        metadata=spec(description="declared deviations that did not fail")
    )


@dataclass(frozen=True)
class Report:
    format: str = field(metadata=spec(const=FORMAT))
    implementation: Implementation = field(
        metadata=spec(description="What was tested, as the --implementation-* options declared it")
    )
    target: str = field(metadata=spec(description="the base URL the run was pointed at"))
    operation: str
    suite_version: str
    contract_version: str
    profile: str = field(metadata=spec(description="the Hypothesis profile of the run"))
    hypothesis: Hypothesis = field(
        metadata=spec(
            description="how to draw the same requests again: pass --hypothesis-seed SEED "
            "(null when derandomized)"
        )
    )
    date: str = field(metadata=spec(format="date-time"))
    requests: int = field(metadata=spec(minimum=0, description="HTTP requests sent to the target"))
    command: str = field(
        metadata=spec(description="the command that reproduces the run, credentials redacted")
    )
    result: Result = field(
        metadata=spec(
            description="against the contract: success when every MUST clause passes; "
            "partial when only SHOULD clauses fail, some testable clauses could not be "
            "tested, or a pass rests on the first look alone (an interrupted run); failure "
            "otherwise (an expected deviation counts as a failure here)"
        )
    )
    expectations: ExpectationsResult | None
    statistics: RunStatistics
    clauses: tuple[ClauseVerdict, ...]

    @property
    def name(self) -> str:
        """The implementation's project and version, or else the target."""
        impl = self.implementation
        return " ".join(x for x in (impl.project, impl.version) if x) or self.target


def report_json(report: Report) -> dict[str, Any]:
    """The report as conformance.json holds it."""
    data: dict[str, Any] = to_json_data(report)
    return data


def report_from_json(data: dict[str, Any]) -> Report:
    """A report from JSON already valid against the schema (`reports.schema.report_errors`)."""
    report: Report = from_json_data(Report, data)
    return report
