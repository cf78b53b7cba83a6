"""What git says about the files `siyada check` reviews: which lines changed since a
ref (`--diff REF`), which files it ignores, and where the work tree starts.

git is started only inside a git work tree (a folder with `.git` at or above it), and
never in a way that runs another program: no external diff or text conversion, no
file-system monitor, whatever the repository's configuration says.

The changes are those of `git diff REF` (the commit against the work tree: committed,
staged and unstaged edits alike), read with no context lines, plus every untracked file
that git does not ignore, which counts as wholly changed. A function is reviewed when
one of its lines changed, or when lines were deleted inside it.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

# "@@ -a[,b] +c[,d] @@": the new file's first line c and line count d (1 when omitted).
_HUNK: Final = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_GIT_TIMEOUT: Final = 120.0
# Paths as they are (UTF-8, not octal escapes); and no program named by the
# repository's configuration is run.
_SAFE_CONFIG: Final = ("-c", "core.quotePath=false", "-c", "core.fsmonitor=false")


class GitProblem(Exception):
    """`--diff` cannot be used here; the message says why in one line."""


@dataclass(frozen=True)
class LineRange:
    """Lines first..last of a file, 1-based and inclusive."""

    first: int
    last: int


@dataclass(frozen=True)
class Changes:
    """What changed since the ref, by resolved file path: the changed line ranges, or
    None for a file that is wholly new."""

    files: dict[str, tuple[LineRange, ...] | None] = field(default_factory=dict)

    def touches(self, path: Path) -> bool:
        return _key(path) in self.files

    def overlaps(self, path: Path, first: int, last: int) -> bool:
        """Whether lines first..last (1-based, inclusive) of `path` changed."""
        key = _key(path)
        if key not in self.files:
            return False
        ranges = self.files[key]
        if ranges is None:
            return True
        return any(r.first <= last and first <= r.last for r in ranges)


def changes_since(ref: str, paths: Sequence[Path]) -> Changes:
    """The changes since `ref` in the repositories holding `paths`. Raises GitProblem
    when a path is not in a git work tree or the ref is not a commit there."""
    files: dict[str, tuple[LineRange, ...] | None] = {}
    for root in _roots(paths):
        _verify_ref(root, ref)
        diff = _git(
            root,
            "diff",
            "-U0",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--no-renames",
            ref,
            "--",
        )
        for name, ranges in parse_diff(diff).items():
            files[_key(root / name)] = ranges
        untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z")
        for name in filter(None, untracked.split("\0")):
            files[_key(root / name)] = None
    return Changes(files)


def parse_diff(diff: str) -> dict[str, tuple[LineRange, ...]]:
    """Changed line ranges of the new side of a `git diff -U0`, by path. A deletion
    marks the lines on either side of it, so the function it was cut from counts as
    changed. A deleted file has no new side and is left out."""
    files: dict[str, list[LineRange]] = {}
    current: list[LineRange] | None = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            name = _diff_path(line[4:])
            current = None if name is None else files.setdefault(name, [])
            continue
        match = _HUNK.match(line)
        if match is None or current is None:
            continue
        start, count = int(match[1]), 1 if match[2] is None else int(match[2])
        if count == 0:
            current.append(LineRange(max(start, 1), start + 1))
        else:
            current.append(LineRange(start, start + count - 1))
    return {name: tuple(ranges) for name, ranges in files.items()}


def _diff_path(header: str) -> str | None:
    """The path of a `+++ b/...` header; None for /dev/null."""
    header = header.rstrip("\t")
    if header == "/dev/null":
        return None
    if header.startswith('"'):
        header = _unquote(header)
    return header[2:] if header.startswith("b/") else header


_ESCAPES: Final = {b"a": 7, b"b": 8, b"t": 9, b"n": 10, b"v": 11, b"f": 12, b"r": 13}


def _unquote(quoted: str) -> str:
    """A C-quoted path as git writes it for unusual names (a tab, a quote, octal bytes)."""
    body = quoted[1:-1].encode("utf-8", "surrogateescape")
    out = bytearray()
    at = 0
    while at < len(body):
        char = body[at : at + 1]
        if char != b"\\":
            out += char
            at += 1
        elif body[at + 1 : at + 2].isdigit():
            out.append(int(body[at + 1 : at + 4], 8))
            at += 4
        else:
            escaped = body[at + 1 : at + 2]
            out.append(_ESCAPES.get(escaped, escaped[0] if escaped else 92))
            at += 2
    return out.decode("utf-8", "surrogateescape")


def ignored_by_git(folder: Path, paths: Sequence[Path]) -> set[str] | None:
    """Which of `paths`, all under `folder`, git ignores (every source: .gitignore
    files, .git/info/exclude, the user's core.excludesFile), as absolute paths. Tracked
    files are never ignored. None when `folder` is not in a git work tree, or git is
    missing or fails: the caller's own reading of .gitignore files stands then."""
    if work_tree_root(folder) is None:
        return None
    listed = "".join(os.path.abspath(path) + "\0" for path in paths)
    try:
        output = _git(folder, "check-ignore", "--stdin", "-z", stdin=listed, also_fine=(1,))
    except GitProblem:
        return None
    return set(filter(None, output.split("\0")))


def source_root(folder: Path) -> Path:
    """The root of the git work tree holding `folder`, else `folder`: where SARIF
    paths start, so a code-scanning service finds the files in the repository."""
    return work_tree_root(folder) or folder


def work_tree_root(folder: Path) -> Path | None:
    """The nearest folder at or above `folder` holding `.git` (a folder, or a file in
    a linked worktree), found without starting git."""
    here = Path(os.path.abspath(folder))
    return next((p for p in (here, *here.parents) if (p / ".git").exists()), None)


def _roots(paths: Iterable[Path]) -> list[Path]:
    roots: list[Path] = []
    for path in paths:
        folder = path if path.is_dir() else path.parent
        if work_tree_root(folder) is None:
            raise GitProblem(f"--diff needs a git work tree, and {path} is not in one")
        try:
            top = _git(folder, "rev-parse", "--show-toplevel").strip()
        except GitProblem:
            raise GitProblem(f"--diff needs a git work tree, and {path} is not in one") from None
        root = Path(top)
        if root not in roots:
            roots.append(root)
    return roots


def _verify_ref(root: Path, ref: str) -> None:
    try:
        _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    except GitProblem:
        raise GitProblem(
            f"--diff: {ref!r} is not a commit known to the repository at {root}"
        ) from None


def _git(
    folder: Path, *args: str, stdin: str | None = None, also_fine: tuple[int, ...] = ()
) -> str:
    command = ["git", *_SAFE_CONFIG, "-C", str(folder), *args]
    try:
        done = subprocess.run(
            command,
            input=stdin,
            capture_output=True,
            encoding="utf-8",
            errors="surrogateescape",
            timeout=_GIT_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise GitProblem("--diff needs git, and no `git` command was found") from None
    except subprocess.TimeoutExpired:
        raise GitProblem(f"git {args[0]} did not answer in {_GIT_TIMEOUT:.0f} s") from None
    if done.returncode != 0 and done.returncode not in also_fine:
        raise GitProblem(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "")
    return done.stdout


def _key(path: Path) -> str:
    return os.path.realpath(path)
