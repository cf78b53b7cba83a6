"""Which files `siyada check` reviews, found the way git sees a project.

A path named on the command line is reviewed whatever its name. In a folder, Siyada
enters what git would track: `.gitignore` files apply (in the folder walked, its
subfolders, and its parents up to the repository's root, with `.git/info/exclude`),
hidden files and folders are left out, and so are `node_modules` and Python virtual
environments (a folder holding `pyvenv.cfg`), which hold installed code rather than
the user's own even where no `.gitignore` says so. Symlinked folders are not followed.

Inside a git work tree, git then has the last word on the files found in a folder: a
file it ignores (through any of its sources, such as the user's global excludes file)
is not reviewed either.

Only regular files are read: a FIFO or a device is never opened, since reading it
could block forever. A file reached twice (named twice, or both named and inside a
named folder) is reviewed once.
"""

from __future__ import annotations

import errno
import os
import stat
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from siyada.code.languages import LanguageSpec, language_for
from siyada.git_changes import ignored_by_git, work_tree_root
from siyada.i18n import _
from siyada.review.limits import size_over_limit
from siyada.review.settings import Settings

IGNORE_FILE = ".gitignore"
# Folders of installed packages, never the user's own code.
PACKAGE_FOLDERS = frozenset({"node_modules"})
VIRTUAL_ENV_MARKER = "pyvenv.cfg"


class PathProblem(Exception):
    """A path named on the command line that cannot be reviewed; the message says why."""


@dataclass(frozen=True)
class SourceFile:
    path: Path
    spec: LanguageSpec


@dataclass(frozen=True)
class Skipped:
    """A file of a reviewed language that is not reviewed: `kind` groups it in the
    summary, `reason` says it for this file (empty when the kind says it all)."""

    path: Path
    kind: str
    reason: str = ""


@dataclass
class Found:
    files: list[SourceFile] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    # Folders not entered, by why ("hidden", "listed in .gitignore", ...).
    folders_left_out: Counter[str] = field(default_factory=Counter)
    # Problems with the ignore files themselves, said once each.
    notes: list[str] = field(default_factory=list)


def find_source_files(paths: list[Path]) -> Found:
    """Every file to review under `paths`, each once, in the order named (folders
    sorted). Raises PathProblem for a named path that does not exist or cannot be read."""
    found = Found()
    seen: set[str] = set()
    for path in paths:
        mode = _named_mode(path)
        if stat.S_ISDIR(mode):
            walked = list(_walk(path, _rules_above(path, found), found))
            candidates: Iterator[Path] = iter(_not_ignored_by_git(path, walked, found))
        else:
            candidates = iter([path])
        for candidate in candidates:
            _add_file(candidate, found, seen)
    return found


def _not_ignored_by_git(folder: Path, files: list[Path], found: Found) -> list[Path]:
    """`files` less those git ignores; all of them when git ignores `folder` itself,
    which the user named on purpose."""
    if not files:
        return files
    ignored = ignored_by_git(folder, [folder, *files])
    if not ignored or os.path.abspath(folder) in ignored:
        return files
    kept: list[Path] = []
    for file in files:
        if os.path.abspath(file) in ignored:
            found.skipped.append(Skipped(file, "ignored by git"))
        else:
            kept.append(file)
    return kept


def _named_mode(path: Path) -> int:
    try:
        return os.stat(path).st_mode
    except OSError as error:
        raise PathProblem(
            _("{path}: {reason}", path=path, reason=_describe(path, error))
        ) from error


def _describe(path: Path, error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return _("a symlink loop (the link leads back to itself)")
    if error.errno == errno.ENOENT:
        if os.path.islink(path):
            return _("a symlink to {target}, which does not exist", target=os.readlink(path))
        return _("no such file or folder")
    return _("cannot be read ({reason})", reason=error.strerror or error)


def _add_file(path: Path, found: Found, seen: set[str]) -> None:
    key = os.path.realpath(path)
    if key in seen:
        return
    seen.add(key)
    spec = language_for(None, path.name)
    if spec is None:
        found.skipped.append(Skipped(path, "not in a language Siyada reviews"))
        return
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        found.skipped.append(Skipped(path, "unreadable", _describe(path, error)))
        return
    if not stat.S_ISREG(mode):
        found.skipped.append(Skipped(path, "not a regular file"))
        return
    found.files.append(SourceFile(path, spec))


# ----- .gitignore ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Rules:
    """The ignore files in force, outermost first; a deeper file overrides."""

    layers: tuple[tuple[str, pathspec.GitIgnoreSpec], ...] = ()

    def with_file(self, base: Path, ignore_file: Path, found: Found) -> _Rules:
        spec = _read_ignore_file(ignore_file, found)
        if spec is None:
            return self
        return _Rules((*self.layers, (os.path.abspath(base), spec)))

    def ignores(self, path: Path, is_folder: bool) -> bool:
        full = os.path.abspath(path)
        for base, spec in reversed(self.layers):
            relative = os.path.relpath(full, base).replace(os.sep, "/")
            if relative.startswith("../"):
                continue
            verdict = spec.check_file(relative + ("/" if is_folder else "")).include
            if verdict is not None:
                return verdict
        return False


def _read_ignore_file(ignore_file: Path, found: Found) -> pathspec.GitIgnoreSpec | None:
    try:
        if not stat.S_ISREG(os.stat(ignore_file).st_mode):
            return None
        lines = ignore_file.read_text(encoding="utf-8").splitlines()
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        found.notes.append(f"{ignore_file} is not used: {error}")
        return None


def _rules_above(folder: Path, found: Found) -> _Rules:
    """The ignore files of the repository above `folder`: none outside a repository,
    and none when they ignore `folder` itself, which the user named on purpose."""
    here = Path(os.path.abspath(folder))
    root = work_tree_root(here)
    if root is None or root == here:
        return _Rules()
    rules = _Rules()
    if (root / ".git").is_dir():  # in a linked worktree `.git` is a file naming the repository
        rules = rules.with_file(root, root / ".git" / "info" / "exclude", found)
    for ancestor in reversed(here.relative_to(root).parents):
        above = root / ancestor
        rules = rules.with_file(above, above / IGNORE_FILE, found)
    step = root
    for part in here.relative_to(root).parts:
        step = step / part
        if rules.ignores(step, is_folder=True):
            return _Rules()
    return rules


# ----- walking ------------------------------------------------------------------------


def _walk(folder: Path, rules: _Rules, found: Found) -> Iterator[Path]:
    """Files under `folder`, sorted by path, that git would track."""
    rules = rules.with_file(folder, folder / IGNORE_FILE, found)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as error:
        found.folders_left_out[f"unreadable ({error.strerror or error})"] += 1
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            reason = _folder_left_out(path, rules)
            if reason is not None:
                found.folders_left_out[reason] += 1
            else:
                yield from _walk(path, rules, found)
        elif entry.is_symlink() and _is_folder(path):
            found.folders_left_out["symlinked (not followed)"] += 1
        elif language_for(None, entry.name) is not None:
            reason = _file_left_out(path, rules)
            if reason is not None:
                found.skipped.append(Skipped(path, reason))
            else:
                yield path


def _folder_left_out(path: Path, rules: _Rules) -> str | None:
    if path.name.startswith("."):
        return "hidden"
    if rules.ignores(path, is_folder=True):
        return f"listed in {IGNORE_FILE}"
    if path.name in PACKAGE_FOLDERS:
        return path.name
    if (path / VIRTUAL_ENV_MARKER).exists():
        return "virtual environment"
    return None


def _file_left_out(path: Path, rules: _Rules) -> str | None:
    if path.name.startswith("."):
        return "hidden"
    if rules.ignores(path, is_folder=False):
        return f"listed in {IGNORE_FILE}"
    return None


def _is_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


# ----- reading ------------------------------------------------------------------------


class NotRead(Exception):
    """A found file that is not read after all; `kind` and the message say why."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind


def read_source(path: Path, settings: Settings) -> str:
    """The file's text, or NotRead. A file over the size limit is not read at all;
    O_NONBLOCK and the second check keep a file swapped for a FIFO since it was found
    from blocking the run."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        raise NotRead("unreadable", _describe(path, error)) from error
    with os.fdopen(descriptor, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise NotRead("not a regular file", "")
        _check_size(info.st_size, settings)
        try:
            data = file.read(settings.max_file_kb * 1024 + 1)
        except OSError as error:
            raise NotRead("unreadable", f"cannot be read ({error.strerror or error})") from error
    _check_size(len(data), settings)  # it may have grown since fstat
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotRead(
            "not UTF-8", f"it is not UTF-8 text ({error.reason} at byte {error.start})"
        ) from None


def _check_size(size: int, settings: Settings) -> None:
    exceeded = size_over_limit(size, settings)
    if exceeded is not None:
        raise NotRead(exceeded.kind, exceeded.reason)
