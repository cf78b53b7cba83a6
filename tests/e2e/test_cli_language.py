"""`siyada check` speaks the language the environment names (LANG and the others, the
POSIX way): its error line and its summary in Arabic, its report and exit code as ever."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from siyada.i18n import FSI, PDI
from tests.e2e.conftest import MODEL, finding, run_siyada
from tests.model_server import OllamaDouble

SOURCE = "def load(path):\n    f = open(path)\n    return f.read()\n"
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def isolated(value: object) -> str:
    return f"{FSI}{value}{PDI}"


def _check(*args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """The command with the locale `variables` only (and a cache folder, when given)."""
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARIABLES} | variables
    return run_siyada("check", *args, env=env)


def test_unreachable_endpoint_is_one_arabic_line(tmp_path: Path) -> None:
    (tmp_path / "io.py").write_text(SOURCE)
    with OllamaDouble(models=[MODEL]) as double:
        url = double.url
    result = _check(str(tmp_path), "--endpoint", url, LANG="ar_SA.UTF-8")

    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line == (
        f"siyada: تعذّر الوصول إلى Ollama على {isolated(url)}. شغّله بالأمر `ollama serve` "
        "(ثبّته من ollama.com) أو اضبط siyada.endpoint."
    )


def test_summary_in_arabic_report_unchanged(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "io.py").write_text(SOURCE)
    cache = str(tmp_path / "cache")
    with OllamaDouble(models=[MODEL]) as double:
        double.add_rule("def load", content={"findings": [finding("    f = open(path)")]})
        # The findings' language is fixed: LANG alone would also choose it, and this test
        # is about the messages around the report.
        review = (str(project), "--endpoint", double.url, "--explanation-language", "en")
        arabic = _check(*review, LANG="ar_SA.UTF-8", XDG_CACHE_HOME=cache)
        # The same review, its answer now from the cache the first run filled.
        english = _check(*review, LANG="C.UTF-8", XDG_CACHE_HOME=cache)

    assert arabic.returncode == english.returncode == 1
    # The report is for machines and people alike, in the model's words: not translated.
    assert arabic.stdout == english.stdout
    assert "io.py:2: warning [bug] File handle is never closed (in load)" in arabic.stdout
    # Read without the isolates around each value (every one of them is closed).
    lines = arabic.stderr.splitlines()
    assert all(line.count(FSI) == line.count(PDI) for line in lines)
    assert [line.replace(FSI, "").replace(PDI, "") for line in lines] == [
        "ملاحظة واحدة.",
        "رُوجعت دالة واحدة في ملف واحد (0 من الذاكرة المؤقتة)؛ وتُخطّي 0 ملف.",
        "0 سطر خارج الدوال لم يُراجَع.",
    ]
    assert english.stderr.splitlines() == [
        "1 finding.",
        "Reviewed 1 function in 1 file (1 cached); skipped 0 files.",
        "0 lines outside functions not reviewed.",
    ]


def test_language_list_and_precedence(tmp_path: Path) -> None:
    """`LANGUAGE` comes first and may list several; "C" means English."""
    missing = str(tmp_path / "none")
    listed = _check(missing, LANGUAGE="fr:ar", LANG="C")
    plain = _check(missing, LC_ALL="C", LANG="ar_EG.UTF-8")
    unset = _check(missing)

    assert listed.returncode == plain.returncode == unset.returncode == 2
    reason = isolated("لا يوجد ملف أو مجلد بهذا الاسم")
    assert listed.stderr == f"siyada: {isolated(missing)}: {reason}\n"
    assert plain.stderr == unset.stderr == f"siyada: {missing}: no such file or folder\n"
