"""Typed outcomes a check can raise, carrying everything a report renders."""

from __future__ import annotations

from contract.exchange import Exchange
from contract.terms import CLAUSE, OPERATION, Clause, Severity


class ContractViolation(AssertionError):
    """The target broke a clause. Carries the clause, expectation, evidence."""

    def __init__(
        self,
        clause: Clause | str,
        *,
        expected: str,
        actual: str,
        exchange: Exchange | None = None,
        operation: str = OPERATION,
    ) -> None:
        self.clause = clause if isinstance(clause, Clause) else CLAUSE[clause]
        self.expected = expected
        self.actual = actual
        self.exchange = exchange
        self.operation = operation
        super().__init__(self.render())

    @property
    def severity(self) -> Severity:
        return self.clause.severity

    def render(self) -> str:
        c = self.clause
        lines = [
            f"[{c.id}] {c.severity} ({c.family}) {self.operation}",
            f"contract: {c.sentence}",
            f"expected: {self.expected}",
            f"actual:   {self.actual}",
        ]
        if self.exchange is not None:
            lines.append(self.exchange.render())
        return "\n".join(lines)


class Inconclusive(Exception):
    """The target could not be judged: unreachable, timed out, or a step before the check
    failed. Never reported as non-conformance."""


class ConfigurationError(Exception):
    """A bad option, a missing credential, an unreachable target: one line for the user."""
