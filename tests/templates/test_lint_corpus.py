"""The wording lint measured on a labelled corpus of collection messages (`tests/data/`).

The corpus was written by hand, before the rules, in three splits (see docs/templates.md): the
rules were tuned on `tune` only; `holdout` was set aside by a hash of the text before any rule
existed; `fresh` was written after the rules were frozen and has never been tuned on. The rates
of every split are printed at the end of the run.
"""

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.templates.lint import Severity, lint_wording
from tests.conftest import MEASURED

CORPUS = Path(__file__).parents[1] / "data" / "lint_corpus.jsonl"
TUNED_SPLITS = ("tune", "holdout")
MIN_ABUSIVE_REFUSED = 0.95
MAX_POLITE_REFUSED = 0.02


@dataclass(frozen=True)
class Example:
    text: str
    language: str
    label: str
    category: str
    split: str


def corpus() -> list[Example]:
    with CORPUS.open(encoding="utf-8") as lines:
        return [Example(**json.loads(line)) for line in lines if line.strip()]


def refused(example: Example) -> bool:
    findings = lint_wording(example.text, field="body", phrases={})
    return any(finding.severity == Severity.ERROR for finding in findings)


def rate(examples: list[Example], label: str) -> tuple[int, int]:
    labelled = [example for example in examples if example.label == label]
    return sum(map(refused, labelled)), len(labelled)


def table(examples: list[Example]) -> str:
    groups: list[tuple[str, Callable[[Example], bool]]] = [
        ("tune + holdout", lambda e: e.split in TUNED_SPLITS),
        *((split, lambda e, s=split: e.split == s) for split in ("tune", "holdout", "fresh")),
        *((f"language {lang}", lambda e, x=lang: e.language == x) for lang in ("zh", "en")),
    ]
    lines = [f"{'':16} {'abusive refused':>22} {'polite refused':>22}"]
    for name, keep in groups:
        chosen = [example for example in examples if keep(example)]
        cells = []
        for label in ("abusive", "polite"):
            hits, total = rate(chosen, label)
            cells.append(f"{hits}/{total} = {hits / total:6.1%}")
        lines.append(f"{name:16} {cells[0]:>22} {cells[1]:>22}")
    return "\n".join(lines)


def test_corpus_holds_150_polite_and_150_abusive_messages_in_chinese_and_english() -> None:
    counts = Counter((example.label, example.language) for example in corpus())
    for label in ("abusive", "polite"):
        assert counts[label, "zh"] + counts[label, "en"] >= 150
        assert min(counts[label, "zh"], counts[label, "en"]) >= 60
    assert len({example.text for example in corpus()}) == len(corpus())


def test_lint_refuses_95_percent_of_abusive_and_at_most_2_percent_of_polite_messages(
    record_property: Callable[[str, object], None],
) -> None:
    examples = corpus()
    record_property(MEASURED, f"wording lint on {CORPUS.name}:\n{table(examples)}")
    tuned = [example for example in examples if example.split in TUNED_SPLITS]
    held_out = [example for example in examples if example.split == "holdout"]
    for chosen in (tuned, held_out):
        hits, total = rate(chosen, "abusive")
        assert hits / total >= MIN_ABUSIVE_REFUSED
        hits, total = rate(chosen, "polite")
        assert hits / total <= MAX_POLITE_REFUSED


def test_lint_over_blocks_at_most_2_percent_of_polite_messages_it_was_never_tuned_on() -> None:
    """Only the polite side is asserted on `fresh`: its abusive rate is printed, and is low."""
    hits, total = rate([example for example in corpus() if example.split == "fresh"], "polite")
    assert hits / total <= MAX_POLITE_REFUSED
