"""Right-to-left findings shown right (issue 17, item 2), over the real server and the
real `siyada check` against the model double answering in Arabic: the code the words
quote stays in Unicode isolates (FSI ... PDI), a right-to-left line is isolated as a
whole (RLI ... PDI), and a stray isolate or an override from the model is repaired or
removed before anything shows it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import MODEL, finding, initialize, open_document, wait_for_diagnostics
from tests.model_server import OllamaDouble

FSI, PDI, RLI, RLO = "\u2068", "\u2069", "\u2067", "\u202e"

# Arabic comments around the flagged call: the range still counts UTF-16 units.
PYTHON = """import subprocess


def run(cmd):
    # تشغيل الأمر المعطى
    rc = subprocess.call(cmd, shell=True)  # النتيجة
    return rc
"""
EVIDENCE = "subprocess.call(cmd, shell=True)"
# The model's words as the double sends them: an isolate it never closed in the title,
# an override in the explanation (which would show `dmc` for `cmd`), a code fence.
TITLE = f"{FSI}حقن أوامر عبر `shell=True`"
EXPLANATION = (
    f"`subprocess.call` يمرر {RLO}الأمر{PDI} إلى الصدفة. استخدم قائمة وسائط.\n\n"
    "```python\nsubprocess.run([cmd])\n```"
)
ARABIC = {**finding(EVIDENCE, title=TITLE, category="security"), "explanation": EXPLANATION}

# The title stays in the isolate the model opened (now closed), its code isolated in it.
SHOWN_TITLE = f"{FSI}حقن أوامر عبر {FSI}shell=True{PDI}{PDI}"
SHOWN_SENTENCE = f"{FSI}subprocess.call{PDI} يمرر الأمر إلى الصدفة."


async def test_arabic_finding_in_the_message_and_the_hover(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def run", content={"findings": [ARABIC]})
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "run.py", PYTHON)

    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    line = PYTHON.split("\n")[5]
    start = line.index(EVIDENCE)
    assert (diagnostic.range.start.line, diagnostic.range.start.character) == (5, start)
    assert diagnostic.range.end.character == start + len(EVIDENCE)
    # What Problems and the squiggle's hover show: one line, the code isolated, the
    # right-to-left body isolated as a whole; the model's open isolate closed, its
    # override gone, its stray PDI dropped.
    assert diagnostic.message == (f"{RLI}{SHOWN_TITLE} \u2014 {SHOWN_SENTENCE}{PDI}")
    assert RLO not in diagnostic.message

    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=5, character=start + 3),
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind == types.MarkupKind.Markdown
    title, facts, explanation, fence = hover.contents.value.split("\n\n")[:4]
    assert title == f"**{SHOWN_TITLE}**"
    assert facts.endswith(f"`{MODEL}`") and FSI not in facts
    # In Markdown the isolates stand outside the backticks, and never enter the fence.
    assert explanation == (
        f"{RLI}{FSI}`subprocess.call`{PDI} يمرر الأمر إلى الصدفة. استخدم قائمة وسائط.{PDI}"
    )
    assert fence == "```python\nsubprocess.run([cmd])\n```"


def test_arabic_finding_in_siyada_check_text_output(tmp_path: Path) -> None:
    path = tmp_path / "run.py"
    path.write_text(PYTHON, encoding="utf-8")
    with OllamaDouble(models=[MODEL]) as double:
        double.add_rule("def run", content={"findings": [ARABIC]})
        result = subprocess.run(
            [sys.executable, "-m", "siyada", "check", str(path), "--endpoint", double.url],
            capture_output=True,
            encoding="utf-8",
            timeout=120,
            check=False,
        )

    assert result.returncode == 1, result.stderr
    head, explanation, *rest = result.stdout.split("\n")
    assert head == (
        f"{path}:6: warning [security] {FSI}حقن أوامر عبر {FSI}`shell=True`{PDI}{PDI} (in run)"
    )
    assert explanation == (
        f"    {RLI}{FSI}`subprocess.call`{PDI} يمرر الأمر إلى الصدفة. استخدم قائمة وسائط.{PDI}"
    )
    # The fence's lines are Latin: left as they are.
    assert rest[:4] == ["", "```python", "subprocess.run([cmd])", "```"]
    assert RLO not in result.stdout
