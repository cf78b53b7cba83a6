"""The VS Code manifest's settings and the README's settings table, made from SETTINGS.

After changing `SETTINGS` (review/settings_table.py), run from the repository root:

    python -m siyada.review.settings_docs --write

which rewrites `contributes.configuration` in package.json and the table between the
markers in README.md. Without `--write` it only compares, and exits 1 naming each
file that is out of date (tests/unit/test_settings_manifest.py fails the same way).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from siyada.review.setting_kinds import Json, OneOf, SettingError, Text
from siyada.review.settings_table import SETTINGS, Section, Setting

SECTION: Final = "siyada"
README_BEGIN: Final = (
    "<!-- settings table: generated from SETTINGS in server/siyada/review/settings_table.py by "
    "`python -m siyada.review.settings_docs --write`; edit there, not here -->"
)
README_END: Final = "<!-- end of the generated settings table -->"


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise SettingError("must be a string")
    return value


EDITOR_SECTION: Final = Section("Language server", 6)

# The extension's own settings, for finding and tracing the server process. The
# client (client/settings.ts, CLIENT_ONLY_PREFIXES) never sends them to the server.
EDITOR_ONLY: Final[tuple[Setting, ...]] = (
    Setting(
        key="server.path",
        title="Server path",
        section=EDITOR_SECTION,
        kind=Text(_string),
        default="",
        description="Path of a `siyada` executable to run as the language server (started "
        "as `siyada lsp`). Takes precedence over `#siyada.interpreter#`.",
        scope="machine-overridable",
    ),
    Setting(
        key="interpreter",
        title="Python interpreter",
        section=EDITOR_SECTION,
        kind=Text(_string),
        default="",
        description="Python interpreter with the `siyada` package, started as `python -m "
        "siyada lsp`. Empty means the interpreter selected in the Python extension, else "
        "`python3`.",
        scope="machine-overridable",
    ),
    Setting(
        key="trace.server",
        title="Server trace",
        section=EDITOR_SECTION,
        kind=OneOf((("off", ""), ("messages", ""), ("verbose", ""))),
        default="off",
        description="Detail of the messages between VS Code and the Siyada language server "
        "that are logged while the **Siyada** output's log level is Trace (Output panel, "
        "gear icon). Verbose traces contain source code.",
    ),
)


def property_schema(setting: Setting, order: int) -> dict[str, Json]:
    """One entry of a section's `properties`."""
    schema: dict[str, Json] = {"title": setting.title, **setting.kind.schema()}
    schema["default"] = setting.default
    schema["markdownDescription"] = setting.description
    schema["order"] = order
    if setting.scope:
        schema["scope"] = setting.scope
    return schema


def presentation_order() -> list[Setting]:
    """Every setting as the Settings editor shows it: by section, then as declared."""
    declared = (*SETTINGS, *EDITOR_ONLY)
    return sorted(declared, key=lambda s: (s.section.order, declared.index(s)))


def configuration() -> list[Json]:
    """The manifest's `contributes.configuration`: one titled section per heading, the
    server's settings and the editor's. Without `order` VS Code lists a section's
    settings alphabetically, which put allowRemoteEndpoint first."""
    sections: dict[Section, dict[str, Json]] = {}
    for order, setting in enumerate(presentation_order(), start=1):
        properties = sections.setdefault(setting.section, {})
        properties[f"{SECTION}.{setting.key}"] = property_schema(setting, order)
    return [
        {"title": section.title, "order": section.order, "properties": properties}
        for section, properties in sections.items()
    ]


def manifest_properties(manifest: dict[str, Any]) -> dict[str, Any]:
    """All settings of a manifest, whichever shape its `contributes.configuration` has."""
    configuration = manifest.get("contributes", {}).get("configuration", [])
    blocks = configuration if isinstance(configuration, list) else [configuration]
    return {name: schema for block in blocks for name, schema in block["properties"].items()}


def render_package_json(text: str) -> str:
    """package.json with its `contributes.configuration` made from the settings table."""
    manifest = json.loads(text)
    manifest.setdefault("contributes", {})["configuration"] = configuration()
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


COMMAND_LINK: Final = re.compile(r"\[([^\]]+)\]\(command:[\w.]+\)")


def _readme_text(markdown: str) -> str:
    """A manifest description as README table text: plain setting names, command titles
    in bold instead of links that only VS Code can follow, no bare pipes."""
    text = re.sub(rf"#{SECTION}\.([\w.]+)#", r"\1", markdown)
    return COMMAND_LINK.sub(r"**\1**", text).replace("|", "\\|")


def _readme_default(setting: Setting) -> str:
    if setting.default_text:
        return setting.default_text
    value = setting.default
    if isinstance(value, str):
        return f"`{value}`" if value else "empty"
    return f"`{json.dumps(value)}`"


def readme_table() -> str:
    rows = [
        "| key | type | default | what it does |",
        "|---|---|---|---|",
        *(
            f"| `{s.key}` | {s.kind.summary()} | {_readme_default(s)} "
            f"| {_readme_text(s.description)} |"
            for s in SETTINGS
        ),
    ]
    return "\n".join(rows)


class MarkersMissing(ValueError):
    """The README lacks the markers that enclose the generated table."""


def render_readme(text: str) -> str:
    """README.md with the table between the markers made from the settings table."""
    begin, end = text.find(README_BEGIN), text.find(README_END)
    if begin < 0 or end < begin:
        raise MarkersMissing(
            f"README.md needs the lines {README_BEGIN!r} and {README_END!r}, in this order, "
            "around the settings table"
        )
    head = text[: begin + len(README_BEGIN)]
    return f"{head}\n{readme_table()}\n{text[end:]}"


@dataclass(frozen=True)
class Outcome:
    path: Path
    current: bool


def _generated(root: Path) -> dict[Path, tuple[str, str]]:
    """For each generated file: (committed text, text generated now)."""
    package, readme = root / "package.json", root / "README.md"
    package_text = package.read_text(encoding="utf-8")
    readme_text = readme.read_text(encoding="utf-8")
    return {
        package: (package_text, render_package_json(package_text)),
        readme: (readme_text, render_readme(readme_text)),
    }


def update(root: Path, *, write: bool) -> list[Outcome]:
    outcomes = []
    for path, (committed, generated) in _generated(root).items():
        if write and committed != generated:
            path.write_text(generated, encoding="utf-8")
        outcomes.append(Outcome(path, committed == generated))
    return outcomes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m siyada.review.settings_docs",
        description="Check (or --write) package.json's settings and README.md's settings "
        "table against the settings table of the server.",
    )
    parser.add_argument("--write", action="store_true", help="rewrite the files that differ")
    parser.add_argument(
        "--root", type=Path, default=Path(), help="the repository (default: current folder)"
    )
    args = parser.parse_args(argv)
    try:
        outcomes = update(args.root, write=args.write)
    except (OSError, ValueError) as error:
        print(f"settings_docs: {error}", file=sys.stderr)
        return 2
    stale = [outcome.path for outcome in outcomes if not outcome.current]
    for path in stale:
        verb = "rewrote" if args.write else "out of date (run with --write):"
        print(f"settings_docs: {verb} {path}", file=sys.stderr)
    return 0 if args.write or not stale else 1


if __name__ == "__main__":
    sys.exit(main())
