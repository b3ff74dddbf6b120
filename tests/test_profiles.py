"""The Hypothesis profiles the suite's plugin registers: dev, ci, deep, and live, the
last fit for a remote, rate-limited, paid-for target."""

from __future__ import annotations

from hypothesis import Phase, settings


def test_live_profile_is_reproducible_bounded_and_never_shrinks() -> None:
    live = settings.get_profile("live")
    assert live.derandomize and live.deadline is None
    assert live.max_examples <= 10
    assert Phase.shrink not in live.phases and Phase.explain not in live.phases


def test_ci_profile_is_reproducible() -> None:
    # (dev inherits Hypothesis' own defaults, which are derandomized where CI is set.)
    assert settings.get_profile("ci").derandomize
    assert settings.get_profile("dev").max_examples == settings.get_profile("ci").max_examples


def test_deep_profile_searches_further_than_a_default_run() -> None:
    assert settings.get_profile("deep").max_examples > 10 * settings.get_profile("dev").max_examples
