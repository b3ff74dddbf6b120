"""Each test's result spoken in clauses: its violations, what it judged, expected
deviations, and inconclusive where nothing was judged."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace

import pytest

from conformance.clauses.schedule import LOOKS
from conformance.hooks.collection import corpus_stage
from conformance.hooks.keys import FIRST_FAILURE, JUDGED, SESSION
from contract.expectations import expected_deviations
from contract.failures import Inconclusive, Violation
from reports.plugin import PhaseFacts, record_phase


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # The phase's facts go to the clause report once (record_phase); pytest's own outputs
    # get them as properties on the item (JUnit XML reads them from the teardown report,
    # the HTML table its clause column). A look speaks for no clause: its violations
    # count, its passes wait for the whole. (An interrupted run, whose whole never came,
    # reports a look's passes as such.)
    marker = item.get_closest_marker("clause")
    look = corpus_stage(item) in LOOKS
    judged = item.config.stash.get(JUDGED, None)
    facts = PhaseFacts()
    if call.when == "setup":
        if marker:
            item.user_properties.append(("look" if look else "clause", marker.args[0]))
            facts = (
                replace(facts, look=marker.args[0])
                if look
                else replace(facts, clause=marker.args[0])
            )
        if judged is not None:
            judged.count = 0
    marker = None if look else marker
    error = call.excinfo.value if call.excinfo else None
    violations = _violations(error)
    facts = replace(facts, violations=tuple(violations))
    if call.when == "call" and judged is not None:
        item.user_properties.append(("judged", judged.count + len(violations)))
        facts = replace(facts, judged=judged.count + len(violations))
    for violation in violations:
        item.user_properties += [
            ("violated", violation.clause_id),
            ("severity", str(violation.severity)),
        ]
    suite = item.config.stash.get(SESSION, None)
    if violations and suite is not None:
        item.user_properties.append(("requests", suite.budget.spent))
    report = yield
    if violations:
        report.longrepr = "\n\n".join(_rendered(v) for v in violations)
        expected = _expected_deviations(item.config, violations)
        if expected:  # shown as such, never skipped silently, and the run judged both ways
            report.outcome, report.wasxfail = "skipped", f"expected deviation: {expected}"
        elif suite is not None and FIRST_FAILURE not in item.config.stash:
            item.config.stash[FIRST_FAILURE] = suite.budget.spent
    elif error is not None and all(isinstance(e, Inconclusive) for e in _leaves(error)):
        why = "; ".join(dict.fromkeys(str(e) for e in _leaves(error)))
        facts = replace(facts, inconclusive=_inconclusive(report, item, why))
    elif (
        report.passed and call.when == "call" and marker and judged is not None and not judged.count
    ):
        # A clause passes only on evidence: a test that judged nothing proves nothing.
        facts = replace(
            facts, inconclusive=_inconclusive(report, item, "the test judged no exchange")
        )
    record_phase(item.config, report, facts)
    return report


def _inconclusive(report: pytest.TestReport, item: pytest.Item, why: str) -> str:
    report.outcome = "skipped"
    report.longrepr = (str(item.path), item.location[1] or 0, f"inconclusive: {why}")
    return why


def _expected_deviations(config: pytest.Config, violations: list[Violation]) -> str:
    """The declared deviations these violations are, if every one of them is declared."""
    session = config.stash.get(SESSION, None)
    declared = session.expectations if session else None
    found = expected_deviations(declared, [v.clause_id for v in violations])
    return "; ".join(f"{d.clause} ({d.reason})" for d in found)


def _leaves(error: BaseException) -> list[BaseException]:
    """The exceptions an error stands for. Hypothesis groups distinct failures, and wraps
    one it could not reproduce (a request lost to the network, say) in a FlakyFailure."""
    if isinstance(error, BaseExceptionGroup):
        return [leaf for e in error.exceptions for leaf in _leaves(e)]
    return [error]


def _violations(error: BaseException | None) -> list[Violation]:
    """The stamped violations an error stands for (one no entry stamped is the suite's
    own error: a check run outside its entry)."""
    if error is None:
        return []
    return [e for e in _leaves(error) if isinstance(e, Violation) and e.clause is not None]


def _rendered(violation: Violation) -> str:
    notes = "\n".join(getattr(violation, "__notes__", []))
    return violation.render() + (f"\n{notes}" if notes else "")
