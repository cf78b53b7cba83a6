"""Check the bundled corpus: its labels hold, and it labels every function it has.

    python eval/check_labels.py [CORPUS_DIR]    (default: eval/corpus next to this file)

The labels are read and checked as `siyada eval` reads them (`load_corpus`: every case
names a file and a function Siyada extracts, with valid categories and lines of that
function). On top of that, every function of every source file in this corpus must be
labelled, so the counts printed are the whole corpus; a corpus of your own may label
only some functions. Exit status 0 when both hold, 1 with one line per error.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from siyada.code.functions import extract_functions
from siyada.code.languages import language_for
from siyada.evaluation.labels import Corpus, LabelError, load_corpus
from siyada.review.findings import CATEGORIES
from siyada.review.settings import Settings


def unlabelled(corpus: Corpus) -> list[str]:
    """Functions of the corpus's source files that no case names."""
    labelled = {(case.file, case.function) for case in corpus.cases}
    missing: list[str] = []
    for path in sorted(corpus.folder.rglob("*")):
        spec = language_for(None, path.name) if path.is_file() else None
        if spec is None:
            continue
        file = path.relative_to(corpus.folder).as_posix()
        for unit in extract_functions(spec, path.read_text(encoding="utf-8")):
            if (file, unit.name) not in labelled:
                missing.append(f"{file}: {unit.name} is not labelled")
    return missing


def summary(corpus: Corpus) -> list[str]:
    """Clean functions and problems per category, one row per language and a total."""
    counts: Counter[tuple[str, str]] = Counter()
    for case in corpus.cases:
        for column in [p.category for p in case.problems] or ["clean"]:
            counts[(case.language, column)] += 1
    columns = ["clean", *CATEGORIES]
    languages = sorted({case.language for case in corpus.cases})
    rows = [f"{'language':<12}" + "".join(f"{c:>17}" for c in columns)]
    for language in [*languages, "total"]:
        chosen = languages if language == "total" else [language]
        cells = [sum(counts[(lang, c)] for lang in chosen) for c in columns]
        rows.append(f"{language:<12}" + "".join(f"{n:>17}" for n in cells))
    return rows


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else Path(__file__).parent / "corpus"
    try:
        corpus = load_corpus(folder, Settings())
    except LabelError as error:
        print(error, file=sys.stderr)
        return 1
    errors = unlabelled(corpus)
    for error in errors:
        print(error, file=sys.stderr)
    print("\n".join(summary(corpus)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
