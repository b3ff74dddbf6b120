"""The mutation benchmark's bookkeeping (benchmarks/mutant_register.py): mutmut's exit
codes read as outcomes, survivors judged from the hand-kept register, the score. The
mutation run itself is `python benchmarks/mutation_score.py`, not run here."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location(
    "mutant_register", ROOT / "benchmarks" / "mutant_register.py"
)
assert _spec and _spec.loader
mr = importlib.util.module_from_spec(_spec)
sys.modules["mutant_register"] = mr  # dataclasses look their module up by name
_spec.loader.exec_module(mr)


def _mutant(code: int, original: str = "a = 1", mutated: str = "a = 2", fn: str = "f") -> object:
    return mr.Mutant(
        f"emulator.app.x_{fn}__mutmut_1", "emulator/app.py", fn, 3, original, mutated, code
    )


REGISTER = """
[[survivor]]
file = "emulator/app.py"
function = "f"
line = "a = 1"
mutant = "a = 2"
verdict = "equivalent"
reason = "a is never read"

[[function]]
file = "emulator/app.py"
function = "g"
verdict = "outside-the-contract"
reason = "another endpoint"
"""


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        (0, "survived"),
        (1, "killed"),
        (3, "killed"),
        (6, "killed"),
        (33, "not run"),
        (5, "not run"),
        (-24, "timeout"),
        (36, "timeout"),
    ],
)
def test_exit_codes_read_as_outcomes(code: int, outcome: str) -> None:
    assert mr.outcome_of(code) == outcome


def test_an_unchecked_mutant_means_an_unfinished_run() -> None:
    with pytest.raises(ValueError, match="did not finish"):
        mr.outcome_of(None)


def test_survivors_are_judged_by_line_or_by_whole_function_and_killed_ones_never() -> None:
    register = mr.parse_register(REGISTER)
    judged = mr.classify(
        [
            _mutant(0),  # judged by its line
            _mutant(0, mutated="a = 3"),  # the same line, mutated otherwise: nobody judged it
            _mutant(33, fn="g"),  # not run, in a function judged whole
            _mutant(1),  # killed: its judgement does not apply
        ],
        register,
    )
    assert [c.verdict for c in judged] == [
        "equivalent",
        "unclassified",
        "outside-the-contract",
        "killed",
    ]
    assert judged[0].reason == "a is never read"


def test_the_score_leaves_equivalent_mutants_out() -> None:
    register = mr.parse_register(REGISTER)
    result = mr.score(
        mr.classify([_mutant(0), _mutant(1), _mutant(-24), _mutant(0, fn="g")], register)
    )
    assert (result.mutants, result.killed, result.equivalent) == (4, 2, 1)
    assert result.ratio == pytest.approx(2 / 3)
    # g's survivor is outside the contract: of the two mutants the contract covers, both killed
    assert (result.within_contract, result.within_contract_ratio) == (2, 1.0)


def test_a_judgement_that_matches_no_survivor_is_reported() -> None:
    register = mr.parse_register(REGISTER)
    stale = mr.unused_judgements(register, mr.classify([_mutant(1)], register))
    assert stale == ["emulator/app.py | f | a = 1 | a = 2", "emulator/app.py | g"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (REGISTER.replace('"equivalent"', '"harmless"'), "not one of"),
        (REGISTER.replace('"a is never read"', '" "'), "gives its reason"),
        (REGISTER.replace('"outside-the-contract"', '"gap"'), "not a whole function"),
        (REGISTER + REGISTER.split("[[function]]")[0], "judged twice"),
    ],
)
def test_a_malformed_register_is_refused(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        mr.parse_register(text)


def test_a_mutant_is_told_by_the_lines_it_changed() -> None:
    original = "def x_f__mutmut_orig(a):\n    b = a + 1\n    return b\n"
    mutated = "def x_f__mutmut_1(a):\n    b = a - 1\n    return b\n"
    assert mr.difference(original, mutated) == (1, "b = a + 1", "b = a - 1")
    one_line = ("def x_f__mutmut_orig(a=1): return a", "def x_f__mutmut_2(a=2): return a")
    assert mr.difference(*one_line) == (0, "def (a=1): return a", "def (a=2): return a")
    assert mr.function_of("xǁEmulatorǁ_routes") == "Emulator._routes"
    assert mr.function_of("x__echo") == "_echo"


def test_every_judgement_of_the_register_names_code_that_is_there() -> None:
    """A judgement of a line that no longer exists judges nothing: keep them in step."""
    register = mr.load_register(ROOT / "benchmarks" / "mutant_register.toml")
    for file, function, line, _ in register.by_line:
        source = (ROOT / file).read_text(encoding="utf-8")
        assert function in mr.original_lines(source), (file, function)
        stripped = {s.strip() for s in source.splitlines()}
        assert all(part in stripped for part in line.split(" ⏎ ") if part), (file, line)
    for file, function in register.by_function:
        assert function in mr.original_lines((ROOT / file).read_text(encoding="utf-8"))
