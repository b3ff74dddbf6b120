"""What mutmut's mutants of the emulator came to, and the hand-kept judgement of each
survivor (`benchmarks/mutant_register.toml`), for `benchmarks/mutation_score.py`.

A survivor is judged by people, once: *equivalent* (no client can observe it),
*outside-the-contract* (a client can, but the contract says nothing of it) or *gap*
(the suite should have caught it: a gap is closed in the suite, never left judged).
A judgement is keyed by what does not shift when the code around it changes: the
file, the function, the line as written and the line as mutated; or, for a function
wholly outside the contract (the calls the suite sets up with), by file and function.
"""

from __future__ import annotations

import ast
import difflib
import json
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

VERDICTS = ("equivalent", "outside-the-contract", "gap")
UNCLASSIFIED = "unclassified"

# mutmut 3's exit codes of a mutant's run (mutmut/stats.py), as this benchmark reads
# them. A run that failed in any way found the mutant: the suite's exit 3 (it broke on
# an emulator that errs), 6 (its clean-up could not stop a recording) and a timeout are
# kills as much as 1 is. 33 and 5: no test reached the function, so no run was made.
KILLED, SURVIVED, NOT_RUN, TIMEOUT = "killed", "survived", "not run", "timeout"
TIMEOUT_CODES = {-24, 24, 36, 152, 255}
NOT_RUN_CODES = {5, 33}


def outcome_of(exit_code: int | None) -> str:
    if exit_code is None:
        raise ValueError("a mutant was not checked: the mutation run did not finish")
    if exit_code == 0:
        return SURVIVED
    if exit_code in NOT_RUN_CODES:
        return NOT_RUN
    return TIMEOUT if exit_code in TIMEOUT_CODES else KILLED


@dataclass(frozen=True)
class Mutant:
    name: str  # mutmut's, e.g. emulator.app.xǁEmulatorǁ_routes__mutmut_15 (it shifts)
    file: str  # emulator/app.py
    function: str  # Emulator._routes
    line: int  # where the original line is in the file (it shifts: not part of the key)
    original: str  # the line(s) as written, stripped
    mutated: str  # the line(s) as mutated, stripped
    exit_code: int

    @property
    def outcome(self) -> str:
        return outcome_of(self.exit_code)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.file, self.function, self.original, self.mutated)


@dataclass(frozen=True)
class Judgement:
    verdict: str
    reason: str


@dataclass
class Register:
    by_line: dict[tuple[str, str, str, str], Judgement] = field(default_factory=dict)
    by_function: dict[tuple[str, str], Judgement] = field(default_factory=dict)

    def judge(self, mutant: Mutant) -> Judgement | None:
        return self.by_line.get(mutant.key) or self.by_function.get((mutant.file, mutant.function))


def _judgement(entry: Mapping[str, str], where: str) -> Judgement:
    verdict, reason = entry.get("verdict", ""), entry.get("reason", "").strip()
    if verdict not in VERDICTS:
        raise ValueError(f"{where}: verdict {verdict!r} is not one of {', '.join(VERDICTS)}")
    if not reason:
        raise ValueError(f"{where}: a judgement gives its reason")
    return Judgement(verdict, reason)


def parse_register(text: str) -> Register:
    data = tomllib.loads(text)
    register = Register()
    for i, entry in enumerate(data.get("survivor", [])):
        key = (entry["file"], entry["function"], entry["line"], entry["mutant"])
        if key in register.by_line:
            raise ValueError(f"survivor {i}: {key} is judged twice")
        register.by_line[key] = _judgement(entry, f"survivor {i}")
    for i, entry in enumerate(data.get("function", [])):
        key2 = (entry["file"], entry["function"])
        judged = _judgement(entry, f"function {i}")
        if judged.verdict == "gap":
            raise ValueError(f"function {i}: a gap is a line to close, not a whole function")
        register.by_function[key2] = judged
    return register


def load_register(path: Path) -> Register:
    return parse_register(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Classified:
    mutant: Mutant
    verdict: str  # killed, timeout, or the survivor's judgement, or unclassified
    reason: str = ""


def classify(mutants: Iterable[Mutant], register: Register) -> list[Classified]:
    out = []
    for m in mutants:
        if m.outcome in (KILLED, TIMEOUT):
            out.append(Classified(m, m.outcome))
            continue
        judged = register.judge(m)
        out.append(
            Classified(m, judged.verdict, judged.reason) if judged else Classified(m, UNCLASSIFIED)
        )
    return out


@dataclass(frozen=True)
class Score:
    mutants: int
    killed: int  # timeouts included
    equivalent: int
    verdicts: Counter[str]

    @property
    def non_equivalent(self) -> int:
        return self.mutants - self.equivalent

    @property
    def ratio(self) -> float:
        return self.killed / self.non_equivalent if self.non_equivalent else 1.0

    @property
    def within_contract(self) -> int:
        """Mutants a conformance suite may kill: neither equivalent nor outside the
        contract (failing a server for those would be a false positive)."""
        return self.non_equivalent - self.verdicts["outside-the-contract"]

    @property
    def within_contract_ratio(self) -> float:
        return self.killed / self.within_contract if self.within_contract else 1.0


def score(classified: list[Classified]) -> Score:
    verdicts = Counter(c.verdict for c in classified)
    return Score(
        mutants=len(classified),
        killed=verdicts[KILLED] + verdicts[TIMEOUT],
        equivalent=verdicts["equivalent"],
        verdicts=verdicts,
    )


def unused_judgements(register: Register, classified: list[Classified]) -> list[str]:
    """Judgements that match no survivor: the mutant is killed now, or its line changed."""
    surviving = [c.mutant for c in classified if c.verdict not in (KILLED, TIMEOUT)]
    lines = {m.key for m in surviving}
    functions = {(m.file, m.function) for m in surviving}
    return [" | ".join(k) for k in register.by_line if k not in lines] + [
        " | ".join(k) for k in register.by_function if k not in functions
    ]


# -- reading mutmut's mutated files -------------------------------------------------

_SUFFIX = re.compile(r"__mutmut_(\d+|orig)$")
_GENERATED = re.compile(r"\bx\S*?__mutmut_(\d+|orig)\b")


def function_of(mangled: str) -> str:
    """mutmut's mangled name back to the function's: xǁEmulatorǁ_routes -> Emulator._routes."""
    if mangled.startswith("xǁ"):
        return ".".join(mangled.split("ǁ")[1:])
    return mangled.removeprefix("x_")


def mutated_functions(source: str) -> dict[str, str]:
    """The source of every function of a mutmut-generated file, by its generated name."""
    lines, found = source.splitlines(), {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _SUFFIX.search(node.name):
            # By lines: ast.get_source_segment reads the file from its start each time.
            found[node.name] = "\n".join(lines[node.lineno - 1 : node.end_lineno])
    return found


def difference(original: str, mutated: str) -> tuple[int, str, str]:
    """The offset of the first changed line, and the changed lines before and after."""
    # Beside the mutation, only the generated names differ.
    before = _GENERATED.sub("", original).splitlines()
    after = _GENERATED.sub("", mutated).splitlines()
    removed: list[str] = []
    added: list[str] = []
    first = None
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        first = i1 if first is None else first
        removed += [s.strip() for s in before[i1:i2]]
        added += [s.strip() for s in after[j1:j2]]
    return first or 0, " ⏎ ".join(removed), " ⏎ ".join(added)


def original_lines(source: str) -> dict[str, int]:
    """The line of each function's def in a source file, by Class.method or name."""
    lines = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef):
            for inner in node.body:
                if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef):
                    lines[f"{node.name}.{inner.name}"] = inner.lineno
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines[node.name] = node.lineno
    return lines


def read_mutants(project: Path, files: Iterable[str]) -> list[Mutant]:
    """The mutants of `files` (paths relative to the project) in mutmut's `mutants/`."""
    out = []
    for file in files:
        generated = mutated_functions((project / "mutants" / file).read_text(encoding="utf-8"))
        defs = original_lines((project / file).read_text(encoding="utf-8"))
        meta = json.loads((project / "mutants" / f"{file}.meta").read_text(encoding="utf-8"))
        for name, code in meta["exit_code_by_key"].items():
            if code is None:
                raise ValueError(f"{name} was not checked: the mutation run did not finish")
            mutant_function = name.rpartition(".")[2]
            mangled = _SUFFIX.sub("", mutant_function)
            function = function_of(mangled)
            offset, removed, added = difference(
                generated[f"{mangled}__mutmut_orig"], generated[mutant_function]
            )
            out.append(Mutant(name, file, function, defs[function] + offset, removed, added, code))
    return out


def toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def draft_entries(classified: list[Classified]) -> str:
    """Register entries to fill in, one per unclassified survivor."""
    out = []
    for c in classified:
        if c.verdict != UNCLASSIFIED:
            continue
        m = c.mutant
        out.append(
            "[[survivor]]\n"
            f"file = {toml_string(m.file)}\n"
            f"function = {toml_string(m.function)}\n"
            f"line = {toml_string(m.original)}\n"
            f"mutant = {toml_string(m.mutated)}\n"
            'verdict = ""\n'
            'reason = ""\n'
        )
    return "\n".join(out)
