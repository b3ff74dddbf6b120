"""Typed outcomes a check can raise, carrying everything a report renders."""

from __future__ import annotations

from contract.exchange import Exchange
from contract.terms import CLAUSE, OPERATION, Clause, Severity


class Violation(AssertionError):
    """The target broke a clause: what was expected, what came, and the exchange. The one
    type from the check that finds it to the report that shows it. A check raises it
    naming no clause (`clause` is None), or only where a rule overrides its entry's (a
    5xx is always NO-SERVER-ERROR, conformance/checks/outcome.py); the registry entry
    that ran the check stamps its own (`against`)."""

    def __init__(
        self,
        expected: str,
        actual: str,
        exchange: Exchange | None = None,
        clause: Clause | str | None = None,
    ) -> None:
        self.clause = CLAUSE[clause] if isinstance(clause, str) else clause
        self.expected = expected
        self.actual = actual
        self.exchange = exchange
        super().__init__(self.render() if self.clause else f"expected {expected}; actual {actual}")

    def against(self, clause: Clause) -> Violation:
        """Stamped with the clause of the entry that ran its check, unless it names one."""
        if self.clause is not None:
            return self
        return Violation(self.expected, self.actual, self.exchange, clause)

    @property
    def clause_id(self) -> str:
        return self.clause.id if self.clause else ""

    @property
    def severity(self) -> Severity | None:
        return self.clause.severity if self.clause else None

    def render(self) -> str:
        c = self.clause
        if c is None:
            return f"expected {self.expected}; actual {self.actual}"
        lines = [
            f"[{c.id}] {c.severity} ({c.family}) {OPERATION}",
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
