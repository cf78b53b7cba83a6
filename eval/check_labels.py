"""Check a corpus's labels.json against Siyada's own extraction, and count its cases.

    python eval/check_labels.py [CORPUS_DIR]    (default: eval/corpus next to this file)

Every case must name a source file of the corpus and a function that Siyada extracts
from it; every problem's category must be one of the model schema's categories and its
lines (1-based, inclusive) must be lines the function itself reviews. Every function of
every source file in the corpus must be labelled exactly once, so the counts printed are
the whole corpus. Exit status 0 when the labels hold, 1 with one line per error.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from siyada.code.functions import FunctionUnit, extract_functions
from siyada.code.languages import language_for
from siyada.review.findings import CATEGORIES


@dataclass(frozen=True)
class SourceFile:
    language: str
    units: dict[str, FunctionUnit]


def own_lines(unit: FunctionUnit) -> set[int]:
    """1-based document lines the unit reviews itself (not the bodies of nested units)."""
    if unit.runs is None:
        return set(range(unit.start_line + 1, unit.end_line + 2))
    return {doc0 + 1 + offset for _, doc0, count in unit.runs for offset in range(count)}


def source_files(corpus: Path) -> dict[str, SourceFile]:
    """Every file of the corpus Siyada reviews, by its path relative to the corpus."""
    found: dict[str, SourceFile] = {}
    for path in sorted(corpus.rglob("*")):
        spec = language_for(None, path.name) if path.is_file() else None
        if spec is None:
            continue
        units = extract_functions(spec, path.read_text(encoding="utf-8"))
        found[path.relative_to(corpus).as_posix()] = SourceFile(
            spec.id, {unit.name: unit for unit in units}
        )
    return found


def problem_errors(where: str, problem: Any, unit: FunctionUnit) -> list[str]:
    if not isinstance(problem, dict):
        return [f"{where}: a problem must be an object"]
    errors: list[str] = []
    if problem.get("category") not in CATEGORIES:
        errors.append(f"{where}: category {problem.get('category')!r} is not one of {CATEGORIES}")
    lines = problem.get("lines")
    if (
        not isinstance(lines, list)
        or len(lines) != 2
        or not all(isinstance(line, int) for line in lines)
        or lines[0] > lines[1]
    ):
        errors.append(f"{where}: lines must be [first, last], 1-based and inclusive")
    elif not set(range(lines[0], lines[1] + 1)) <= own_lines(unit):
        errors.append(
            f"{where}: lines {lines[0]}-{lines[1]} are not all lines of {unit.name} "
            f"({unit.start_line + 1}-{unit.end_line + 1})"
        )
    fix = problem.get("fix_contains", [])
    if not isinstance(fix, list) or not all(isinstance(text, str) and text for text in fix):
        errors.append(f"{where}: fix_contains must be a list of non-empty strings")
    return errors


def check(corpus: Path) -> tuple[list[str], list[tuple[str, dict[str, Any]]]]:
    """The errors, and each valid case with its file's language."""
    files = source_files(corpus)
    cases = json.loads((corpus / "labels.json").read_text(encoding="utf-8")).get("cases")
    if not isinstance(cases, list):
        return ["labels.json: `cases` must be a list"], []
    errors: list[str] = []
    valid: list[tuple[str, dict[str, Any]]] = []
    labelled: Counter[tuple[str, str]] = Counter()
    for index, case in enumerate(cases):
        file, function = case.get("file"), case.get("function")
        where = f"case {index} ({file}, {function})"
        source = files.get(file) if isinstance(file, str) else None
        if source is None:
            errors.append(f"{where}: no such source file in the corpus")
            continue
        unit = source.units.get(function) if isinstance(function, str) else None
        if unit is None:
            errors.append(f"{where}: Siyada extracts no such function from {file}")
            continue
        labelled[(file, function)] += 1
        problems = case.get("problems")
        if not isinstance(problems, list):
            errors.append(f"{where}: problems must be a list")
            continue
        case_errors = [e for p in problems for e in problem_errors(where, p, unit)]
        errors.extend(case_errors)
        if not case_errors:
            valid.append((source.language, case))
    for file, source in files.items():
        for name in source.units:
            if labelled[(file, name)] != 1:
                errors.append(
                    f"{file}: {name} is labelled {labelled[(file, name)]} times, not once"
                )
    return errors, valid


def summary(valid: list[tuple[str, dict[str, Any]]]) -> list[str]:
    clean: Counter[str] = Counter()
    problems: Counter[tuple[str, str]] = Counter()
    for language, case in valid:
        if not case["problems"]:
            clean[language] += 1
        for problem in case["problems"]:
            problems[(language, problem["category"])] += 1
    languages = sorted({language for language, _ in valid})
    rows = [f"{'language':<12}{'clean':>7}" + "".join(f"{c:>17}" for c in CATEGORIES)]
    for language in [*languages, "total"]:
        chosen = languages if language == "total" else [language]
        cells = [sum(problems[(lang, c)] for lang in chosen) for c in CATEGORIES]
        total_clean = sum(clean[lang] for lang in chosen)
        rows.append(f"{language:<12}{total_clean:>7}" + "".join(f"{n:>17}" for n in cells))
    return rows


def main(argv: list[str]) -> int:
    corpus = Path(argv[1]) if len(argv) > 1 else Path(__file__).parent / "corpus"
    errors, valid = check(corpus)
    for error in errors:
        print(error, file=sys.stderr)
    for row in summary(valid):
        print(row)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
