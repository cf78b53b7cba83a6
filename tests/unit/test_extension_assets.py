"""What the marketplace shows of the extension: its icon and its README for users."""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import re
import struct
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MANIFEST: dict[str, Any] = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
# The manifest's words, as VS Code shows them in English (`%key%` references resolved).
ENGLISH: dict[str, str] = json.loads((ROOT / "package.nls.json").read_text(encoding="utf-8"))
USERS_README = ROOT / "client" / "README.md"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def vscodeignore_keeps(path: str) -> bool:
    """Whether .vscodeignore (everything out, then `!` exceptions) lets `path` in."""
    lines = (ROOT / ".vscodeignore").read_text(encoding="utf-8").splitlines()
    kept = [line[1:] for line in lines if line.startswith("!")]
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in kept)


def test_the_icon_is_a_square_png_of_a_marketplace_size() -> None:
    icon = ROOT / MANIFEST["icon"]
    assert png_size(icon.read_bytes()) in ((128, 128), (256, 256))
    assert vscodeignore_keeps(MANIFEST["icon"])


def test_the_committed_icon_is_what_the_drawing_script_makes() -> None:
    spec = importlib.util.spec_from_file_location("draw_icon", ROOT / "scripts" / "draw-icon.py")
    assert spec is not None and spec.loader is not None
    drawing = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(drawing)
    rows = [b"".join(drawing.pixel(x, y) for x in range(drawing.SIZE)) for y in range(drawing.SIZE)]
    assert drawing.png(drawing.SIZE, drawing.SIZE, rows) == (ROOT / MANIFEST["icon"]).read_bytes()


def test_the_package_uses_the_users_readme_not_the_developers() -> None:
    package = MANIFEST["scripts"]["package"]
    assert "--readme-path client/README.md" in package
    # The developers' README.md stays out of the .vsix; vsce adds the users' as readme.md.
    assert not vscodeignore_keeps("README.md")


def test_the_package_carries_every_string_catalog() -> None:
    catalogs = [ROOT / "package.nls.json", *ROOT.glob("package.nls.*.json")]
    catalogs += (ROOT / MANIFEST["l10n"]).glob("bundle.l10n.*.json")
    names = sorted(path.relative_to(ROOT).as_posix() for path in catalogs)
    assert names == ["l10n/bundle.l10n.ar.json", "package.nls.ar.json", "package.nls.json"]
    for name in names:
        assert vscodeignore_keeps(name), name
    assert not vscodeignore_keeps("l10n/notes.txt")


def test_the_users_readme_covers_what_a_new_user_needs() -> None:
    text = USERS_README.read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, flags=re.MULTILINE)
    assert {"Privacy", "Setup", "Commands", "Settings"} <= set(headings)
    assert "ollama pull" in text and "ollama.com" in text
    for command in MANIFEST["contributes"]["commands"]:
        if command["command"] in ("siyada.reviewFile", "siyada.selectModel", "siyada.pullModel"):
            title = ENGLISH[command["title"].strip("%")]
            assert f"**Siyada: {title}**" in text, title
    # Only absolute links: relative ones would point into a repository the user never sees.
    for target in re.findall(r"\]\(([^)]+)\)", text):
        assert target.startswith("https://"), target
    assert "developer" not in text.lower() and "pytest" not in text
