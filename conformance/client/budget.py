"""A hard request budget: never exceeded, and never spent so far that what the suite
started cannot be cleaned up (each start reserves the request that ends it)."""

from __future__ import annotations

from dataclasses import dataclass

from contract.failures import Inconclusive


class BudgetExhausted(Inconclusive):
    """The request budget is spent: what was not asked is not tested."""


@dataclass
class Budget:
    limit: int | None = None  # None: no limit
    spent: int = 0
    reserved: int = 0  # requests kept back for clean-up

    def charge(self, cleanup: bool = False) -> None:
        """Count one request about to be sent; refuse it when it would break the budget.
        Clean-up requests may use the reserve; others may not."""
        if self.limit is not None:
            free = self.limit - self.spent - (0 if cleanup else self.reserved)
            if free < 1:
                raise BudgetExhausted(f"the request budget of {self.limit} is spent")
        self.spent += 1
        if cleanup and self.reserved:
            self.reserved -= 1

    def reserve(self, n: int = 1) -> None:
        """Keep `n` requests back for clean-up, if the budget has them to spare."""
        if self.limit is not None and self.limit - self.spent - self.reserved < n:
            raise BudgetExhausted(f"the request budget of {self.limit} is spent")
        self.reserved += n

    def release(self, n: int = 1) -> None:
        self.reserved = max(0, self.reserved - n)

    def describe(self) -> str:
        of = f" of a budget of {self.limit}" if self.limit is not None else ""
        return f"requests sent: {self.spent}{of}"
