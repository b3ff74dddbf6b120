"""The table of decisions (docs/decisions.md) and the rule of each kind of wrong value,
generated from the contract so the page and the data cannot drift
(tests/test_contract.py keeps the page in step)."""

from __future__ import annotations

from contract.terms import DECISIONS, MISS_RULES, ValueShape


def decisions_markdown() -> str:
    """The table of decisions (docs/decisions.md), then the rule of each kind of wrong value,
    generated so the two cannot drift."""
    rows = ["| clause | severity | decision | why |", "| --- | --- | --- | --- |"]
    rows += [f"| `{c.id}` | {c.severity} | {c.sentence} | {c.reason} |" for c in DECISIONS]
    rows += [
        "",
        "The rule of each kind of wrong value: a target that accepts one of a MUST kind breaks "
        "its parameter's `REJECT-*` clause, one of a SHOULD kind `REJECT-NEAR-MISS`. A kind "
        "*in the domain* is one RFC 3986 accepts though URL parsers disagree on it: "
        "`Parameter.accepts` takes it, `Parameter.accepts(careful=True)` does not, and "
        "accepting it breaks no MUST.",
        "",
        "| wrong value | of | in the domain | refusing it is | why |",
        "| --- | --- | --- | --- | --- |",
    ]
    rows += [
        f"| {r.kind} | {', '.join(_SHAPE_NAMES[s] for s in r.applies_to)} | "
        f"{'yes' if r.in_domain else 'no'} | {r.severity} | {r.reason} |"
        for r in MISS_RULES
    ]
    return "\n".join(rows)


_SHAPE_NAMES: dict[ValueShape, str] = {"enum": "enums", "url": "URLs"}
