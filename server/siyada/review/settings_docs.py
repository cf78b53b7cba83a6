"""The VS Code manifest's settings and the README's settings table, made from SETTINGS.

After changing `SETTINGS` (review/settings_table.py), run from the repository root:

    python -m siyada.review.settings_docs --write

which rewrites `contributes.configuration` in package.json, the settings' English words
in package.nls.json and the table between the markers in README.md. Without `--write` it
only compares, and exits 1 naming each file that is out of date
(tests/unit/test_settings_manifest.py fails the same way).

The manifest holds `%key%` references, not words: VS Code shows them from
package.nls.json, or from package.nls.<language>.json in another display language
(written by hand, e.g. package.nls.ar.json). The keys of the settings start with
`setting.` and `section.`; package.nls.json's other keys (commands, the extension's
name) are written by hand and kept as they are.
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


# The schema fields VS Code shows as words; each becomes a `%key%` reference.
WORD_FIELDS: Final = ("title", "description", "markdownDescription")
GENERATED_PREFIXES: Final = ("setting.", "section.")


def section_key(section: Section) -> str:
    """`section.whenToReview`: the package.nls key of a section's title."""
    words: list[str] = re.findall(r"\w+", section.title)
    first, *rest = words
    return "section." + first.lower() + "".join(word.capitalize() for word in rest)


def localized(schema: Json, prefix: str, words: dict[str, str]) -> Json:
    """`schema` with each shown text replaced by `%prefix.field%`, the English in `words`.

    Nested properties (a switch of `triggers`) extend the prefix with their name; an
    enum's descriptions are keyed by the value they describe.
    """
    if not isinstance(schema, dict):
        return schema
    result: dict[str, Json] = {}
    for field, value in schema.items():
        if field in WORD_FIELDS and isinstance(value, str):
            result[field] = _reference(f"{prefix}.{field}", value, words)
        elif field == "enumDescriptions" and isinstance(value, list):
            enum = schema["enum"]
            assert isinstance(enum, list)
            result[field] = [
                _reference(f"{prefix}.enum.{option}", str(text), words)
                for option, text in zip(enum, value, strict=True)
            ]
        elif field == "properties" and isinstance(value, dict):
            result[field] = {
                name: localized(nested, f"{prefix}.{name}", words) for name, nested in value.items()
            }
        else:
            result[field] = value
    return result


def _reference(key: str, text: str, words: dict[str, str]) -> str:
    words[key] = text
    return f"%{key}%"


def property_schema(setting: Setting, order: int) -> dict[str, Json]:
    """One entry of a section's `properties`, in English words."""
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


def configuration(words: dict[str, str] | None = None) -> list[Json]:
    """The manifest's `contributes.configuration`: one titled section per heading, the
    server's settings and the editor's. Without `order` VS Code lists a section's
    settings alphabetically, which put allowRemoteEndpoint first.

    Its texts are `%key%` references; `words` (when given) receives their English."""
    english = {} if words is None else words
    sections: dict[Section, dict[str, Json]] = {}
    for order, setting in enumerate(presentation_order(), start=1):
        properties = sections.setdefault(setting.section, {})
        schema = property_schema(setting, order)
        properties[f"{SECTION}.{setting.key}"] = localized(
            schema, f"setting.{setting.key}", english
        )
    return [
        {
            "title": _reference(section_key(section), section.title, english),
            "order": section.order,
            "properties": properties,
        }
        for section, properties in sections.items()
    ]


def english_words() -> dict[str, str]:
    """The package.nls.json entries of the settings: `%key%` to its English text."""
    words: dict[str, str] = {}
    configuration(words)
    return words


def render_nls(text: str) -> str:
    """package.nls.json with the settings' entries made from the settings table, after
    the entries written by hand (those whose keys are not the settings')."""
    current = json.loads(text)
    if not isinstance(current, dict):
        raise ValueError("package.nls.json must be a JSON object of key to text")
    kept = {key: value for key, value in current.items() if not key.startswith(GENERATED_PREFIXES)}
    return json.dumps({**kept, **english_words()}, indent=2, ensure_ascii=False) + "\n"


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
    package, nls, readme = root / "package.json", root / "package.nls.json", root / "README.md"
    package_text = package.read_text(encoding="utf-8")
    nls_text = nls.read_text(encoding="utf-8")
    readme_text = readme.read_text(encoding="utf-8")
    return {
        package: (package_text, render_package_json(package_text)),
        nls: (nls_text, render_nls(nls_text)),
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
        description="Check (or --write) package.json's settings, their English words in "
        "package.nls.json and README.md's settings table against the settings table of the "
        "server.",
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
