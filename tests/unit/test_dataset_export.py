"""The dataset export on a feedback store filled through its API: which findings are
kept, dropped or corrected, clean sampling, duplicates, the split and the card."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from siyada import __version__
from siyada.dataset.card import CARD_JSON, CARD_MARKDOWN, TRAIN_FILE, VALIDATION_FILE
from siyada.dataset.examples import Example
from siyada.dataset.export import Dataset, NothingToExport, build_dataset
from siyada.dataset.files import CannotWrite, check_out_folder, write_dataset
from siyada.dataset.options import ExportOptions
from siyada.feedback.fingerprint import finding_key
from siyada.feedback.store import EventKind, FeedbackEvent, FeedbackStore, ReviewRecord
from siyada.review.answer import read_answer, validate
from siyada.review.findings import (
    FINDINGS_SCHEMA,
    MAX_REPLACEMENT_CHARS,
    Finding,
)
from siyada.review.prompt import build_messages

MODEL = "qwen2.5-coder:7b"
PATH = "src/app.py"


def found(evidence: str, category: str = "bug", replacement: str | None = None) -> Finding:
    return Finding(
        category=category,
        severity="warning",
        title=f"{category} in {evidence.strip()[:20]}",
        explanation="It goes wrong.",
        evidence=evidence,
        replacement=replacement,
        confidence=0.8,
        start_line=1,
        end_line=1,
        fix_title="fix it" if replacement is not None else None,
    )


def review(
    store: FeedbackStore,
    function: str,
    *findings: Finding,
    model: str = MODEL,
    at: float = 1000.0,
    language: str = "en",
    body: str = "    return x",
) -> ReviewRecord:
    code = f"def {function}(x):\n{body}"
    record = ReviewRecord(
        key_path=PATH,
        function=function,
        function_hash=f"hash-{function}-{body}",
        language="python",
        model=model,
        messages=tuple(
            build_messages(
                language="python",
                function_name=function,
                code=code,
                explanation_language=language,
            )
        ),
        findings=findings,
        created_at=at,
    )
    store.record_review(record)
    return record


def event(
    kind: EventKind,
    record: ReviewRecord,
    finding: Finding,
    *,
    at: float = 2000.0,
    final_text: str | None = None,
    evidence: str | None = None,
    function_hash: str | None = None,
) -> FeedbackEvent:
    key = finding_key(
        path=record.key_path,
        function=record.function,
        function_hash=function_hash or record.function_hash,
        category=finding.category,
        evidence=finding.evidence if evidence is None else evidence,
    )
    return FeedbackEvent(
        kind=kind,
        key=key,
        language="python",
        title=finding.title,
        explanation=finding.explanation,
        replacement=finding.replacement,
        final_text=final_text,
        model=record.model,
        created_at=at,
    )


def export(store: FeedbackStore, **options: Any) -> Dataset:
    options.setdefault("validation_fraction", 0.0)
    options.setdefault("clean_sample", 1.0)
    return build_dataset(store.reviews(), list(store.events()), ExportOptions(**options))


def answer_of(example: Example) -> list[dict[str, Any]]:
    """The assistant turn's findings, after checking it is an answer in the schema
    that Siyada's own reader accepts unchanged."""
    data = json.loads(example.answer)
    assert set(data) == {"findings"}
    item_schema = FINDINGS_SCHEMA["properties"]["findings"]["items"]
    for item in data["findings"]:
        assert set(item_schema["required"]) <= set(item) <= set(item_schema["properties"])
        for name, value in item.items():
            assert conforms(value, item_schema["properties"][name]), (name, value)
    assert [validate(item) is not None for item in read_answer(example.answer)] == [True] * len(
        data["findings"]
    )
    findings: list[dict[str, Any]] = data["findings"]
    return findings


def conforms(value: object, rule: dict[str, Any]) -> bool:
    """`value` meets its property's rule in FINDINGS_SCHEMA."""
    if rule["type"] == "number":
        return isinstance(value, float) and rule["minimum"] <= value <= rule["maximum"]
    if not isinstance(value, str):
        return False
    return value in rule.get("enum", [value]) and len(value) <= rule.get("maxLength", len(value))


@pytest.fixture
def store(tmp_path: Path) -> FeedbackStore:
    opened = FeedbackStore(tmp_path / "cache")
    yield opened  # type: ignore[misc]
    opened.close()


def test_dismissed_and_ignored_findings_are_left_out_and_the_rest_kept(
    store: FeedbackStore,
) -> None:
    dismissed = found("    open(path)")
    ignored = found("    eval(x)", "security")
    untouched = found("    return x", "performance")
    record = review(store, "load", dismissed, ignored, untouched)
    store.dismiss(event("dismissed", record, dismissed))
    store.record(event("ignore_comment", record, ignored))

    (example,) = export(store).train

    assert [item["evidence"] for item in answer_of(example)] == ["    return x"]
    assert example.to_json()["messages"] == [
        *record.messages,
        {"role": "assistant", "content": example.answer},
    ]
    assert json.loads(example.answer) == {
        "findings": [
            {
                "category": "performance",
                "severity": "warning",
                "title": untouched.title,
                "explanation": "It goes wrong.",
                "evidence": "    return x",
                "confidence": 0.8,
            }
        ]
    }


def test_a_corrected_fix_carries_the_users_text_and_an_accepted_fix_the_models(
    store: FeedbackStore,
) -> None:
    corrected = found("    open(path)", replacement="    with open(path) as f: ...")
    accepted = found("    eval(x)", "security", replacement="    ast.literal_eval(x)")
    record = review(store, "load", corrected, accepted)
    store.record(event("fix_applied", record, corrected, at=2000))
    store.record(event("fix_edited", record, corrected, at=2001, final_text="    read(path)"))
    store.record(event("fix_applied", record, accepted))

    dataset = export(store)

    items = answer_of(dataset.train[0])
    assert [(i["replacement"], i["fix_title"]) for i in items] == [
        ("    read(path)", "fix it"),
        ("    ast.literal_eval(x)", "fix it"),
    ]
    counts = dataset.card.counts
    assert dict(counts.findings_kept) == {
        "accepted": 1,
        "corrected": 1,
        "fixed_by_hand": 0,
        "untouched": 0,
    }
    assert counts.corrected_fixes == 1


def test_an_undone_dismissal_keeps_the_finding_and_a_near_identical_one_is_dropped(
    store: FeedbackStore,
) -> None:
    brought_back = found("    open(path)")
    near = found("    eval(x)   ", "security")
    record = review(store, "load", brought_back, near)
    dismissal = store.dismiss(event("dismissed", record, brought_back))
    assert store.undo(dismissal)
    # Dismissed on an earlier version of the function, with its evidence re-spaced.
    store.dismiss(event("dismissed", record, near, evidence="eval( x )", function_hash="old"))

    dataset = export(store)

    assert [item["evidence"] for item in answer_of(dataset.train[0])] == ["    open(path)"]
    assert dict(dataset.card.counts.findings_dropped) == {"dismissed": 1, "ignore_comment": 0}


def test_a_dismissal_in_another_function_or_category_does_not_drop_a_finding(
    store: FeedbackStore,
) -> None:
    kept = found("    open(path)")
    record = review(store, "load", kept)
    other = review(store, "save", found("    open(path)"), at=1001)
    store.dismiss(event("dismissed", other, kept, function_hash="elsewhere"))
    store.dismiss(event("dismissed", record, found("    open(path)", "security")))

    dataset = export(store)

    load = next(e for e in dataset.train if "function: load" in e.user)
    save = next(e for e in dataset.train if "function: save" in e.user)
    assert len(answer_of(load)) == 1
    assert answer_of(save) == []
    assert save.emptied and not save.clean


def test_a_corrected_fix_too_long_for_the_schema_keeps_its_finding_without_the_fix(
    store: FeedbackStore,
) -> None:
    finding = found("    open(path)", replacement="    read(path)")
    record = review(store, "load", finding)
    long_text = "    x = 1\n" * (MAX_REPLACEMENT_CHARS // 10 + 1)
    store.record(event("fix_edited", record, finding, final_text=long_text))

    dataset = export(store)

    (item,) = answer_of(dataset.train[0])
    assert "replacement" not in item and "fix_title" not in item
    assert dataset.card.counts.fixes_too_long == 1
    assert dataset.card.counts.corrected_fixes == 0


def test_clean_reviews_are_sampled_at_the_fraction_the_same_way_for_the_same_seed(
    store: FeedbackStore,
) -> None:
    for number in range(200):
        review(store, f"clean_{number}", at=1000 + number)
    review(store, "flagged", found("    return x"))

    def sampled(**options: Any) -> list[str]:
        dataset = export(store, **options)
        assert dataset.card.counts.clean_available == 200
        return [e.user for e in dataset.train if e.clean]

    first, again = sampled(clean_sample=0.3), sampled(clean_sample=0.3)
    other_seed = sampled(clean_sample=0.3, seed=7)
    assert first == again
    assert 40 <= len(first) <= 80 and 40 <= len(other_seed) <= 80
    assert first != other_seed
    assert sampled(clean_sample=0.0) == []
    assert len(sampled(clean_sample=1.0)) == 200
    # A smaller fraction samples a subset of a larger one.
    assert set(sampled(clean_sample=0.1)) <= set(first)


def test_only_clean_reviews_and_no_sample_is_nothing_to_export(store: FeedbackStore) -> None:
    review(store, "fine")

    with pytest.raises(NothingToExport, match="sampled none of them"):
        export(store, clean_sample=0.0)


def test_identical_turns_keep_the_newest_answer(store: FeedbackStore) -> None:
    review(store, "load", found("    return x"), model="old-model", at=1000)
    review(store, "load", found("    return x", "security"), model=MODEL, at=3000)
    review(store, "load", model="other-model", at=2000)

    dataset = export(store)

    (example,) = dataset.train
    assert example.model == MODEL
    assert [i["category"] for i in answer_of(example)] == ["security"]
    assert dataset.card.counts.duplicates_removed == 2
    assert dataset.card.models == {MODEL: 1}


def test_the_model_option_keeps_only_that_models_reviews(store: FeedbackStore) -> None:
    review(store, "load", found("    return x"), model="old-model")
    review(store, "save", found("    return x"), model=MODEL)

    dataset = export(store, model=MODEL)

    assert [e.model for e in dataset.train] == [MODEL]
    assert dataset.card.counts.reviews_of_other_models == 1
    with pytest.raises(NothingToExport) as missing:
        export(store, model="nope")
    assert str(missing.value) == (
        "nothing to export: no review by the model nope (the store has reviews by: "
        f"old-model, {MODEL})"
    )


def test_an_empty_store_says_to_review_some_code_first(store: FeedbackStore) -> None:
    with pytest.raises(NothingToExport) as empty:
        export(store)

    assert str(empty.value) == "nothing to export: review some code first"


def test_the_split_is_deterministic_and_keeps_a_function_on_one_side(
    store: FeedbackStore,
) -> None:
    for number in range(100):
        body = f"    return x + {number}"
        review(store, "f", found(body), body=body, at=1000 + number)
        # The same function asked for answers in Arabic: another system turn.
        review(store, "f", found(body), body=body, language="ar", at=5000 + number)

    dataset = export(store, validation_fraction=0.2)
    again = export(store, validation_fraction=0.2)
    other_seed = export(store, validation_fraction=0.2, seed=3)

    assert dataset.train == again.train and dataset.validation == again.validation
    assert dataset.validation != other_seed.validation
    train_users = {e.user for e in dataset.train}
    validation_users = {e.user for e in dataset.validation}
    assert not train_users & validation_users
    assert len(train_users | validation_users) == 100
    assert 2 * 8 <= len(dataset.validation) <= 2 * 35
    assert len(dataset.train) + len(dataset.validation) == 200
    assert dataset.card.counts.duplicates_removed == 0


def test_the_data_card_counts_what_was_read_kept_dropped_and_sampled(
    store: FeedbackStore,
) -> None:
    a, b, c = found("    a()"), found("    b()", replacement="    bb()"), found("    c()")
    first = review(store, "one", a, b, c, at=1000)
    store.dismiss(event("dismissed", first, a))
    store.record(event("fix_edited", first, b, final_text="    b2()"))
    store.record(event("changed_by_hand", first, c))
    second = review(store, "two", found("    d()"), at=1001)
    store.record(event("ignore_comment", second, found("    d()")))
    review(store, "two", found("    d()"), model="older", at=900)  # a duplicate
    for number in range(4):
        review(store, f"clean{number}", at=1100 + number)

    dataset = export(store, clean_sample=1.0, validation_fraction=0.0)
    card = dataset.card.to_json()

    assert card["counts"] == {
        "reviews_read": 7,
        "reviews_of_other_models": 0,
        "reviews_unusable": 0,
        "events_read": 4,
        "duplicates_removed": 1,
        "examples": 6,
        "train": 6,
        "validation": 0,
        "findings_kept": {"accepted": 0, "corrected": 1, "fixed_by_hand": 1, "untouched": 0},
        "findings_dropped": {"dismissed": 1, "ignore_comment": 1},
        "corrected_fixes": 1,
        "fixes_too_long": 0,
        "clean_available": 4,
        "clean_sampled": 4,
        "emptied_by_feedback": 1,
    }
    assert card["options"] == {
        "validation_fraction": 0.0,
        "clean_sample": 1.0,
        "seed": 0,
        "model": None,
    }
    assert card["models"] == {MODEL: 6}
    dated = build_dataset(store.reviews(), [], ExportOptions(), now=86400 * 365)
    assert dated.card.to_json()["created"] == "1971-01-01T00:00:00Z"
    assert dated.card.to_json()["siyada_version"] == __version__
    assert "Exported 1971-01-01T00:00:00Z by Siyada" in dated.card.to_markdown()
    assert card["files"] == {"train": TRAIN_FILE, "validation": VALIDATION_FILE}
    markdown = dataset.card.to_markdown()
    assert "| duplicates removed | 1 |" in markdown
    assert "| findings dropped: dismissed | 1 |" in markdown
    assert f"| {MODEL} | 6 |" in markdown
    assert "| --clean-sample | 1.0 |" in markdown


def test_the_files_are_written_and_a_folder_with_other_files_needs_force(
    store: FeedbackStore, tmp_path: Path
) -> None:
    review(store, "load", found("    return x"))
    dataset = export(store)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")

    with pytest.raises(CannotWrite) as refused:
        check_out_folder(out, force=False)
    assert str(refused.value) == (
        f"--out {out} is not empty (notes.txt); name a new or empty folder, or add --force "
        "to replace the dataset's files there (nothing else is touched)"
    )
    check_out_folder(out, force=True)
    written = write_dataset(dataset, out)

    assert sorted(p.name for p in written) == sorted(
        [TRAIN_FILE, VALIDATION_FILE, CARD_JSON, CARD_MARKDOWN]
    )
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["notes.txt", TRAIN_FILE, VALIDATION_FILE, CARD_JSON, CARD_MARKDOWN]
    )
    assert (out / "notes.txt").read_text() == "mine"
    lines = (out / TRAIN_FILE).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [dataset.train[0].to_json()]
    assert (out / VALIDATION_FILE).read_text() == ""
    assert json.loads((out / CARD_JSON).read_text()) == dataset.card.to_json()


def test_an_out_that_is_a_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    out.write_text("keep me")

    with pytest.raises(CannotWrite, match="is a file; name a folder"):
        check_out_folder(out, force=True)
    assert out.read_text() == "keep me"
