"""`--diff REF`: reading `git diff -U0`, and the changes of a real repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from siyada.git_changes import (
    GitProblem,
    LineRange,
    changes_since,
    ignored_by_git,
    parse_diff,
    source_root,
)
from siyada.source_files import find_source_files

DIFF = """\
diff --git a/app.py b/app.py
index 1111111..2222222 100644
--- a/app.py
+++ b/app.py
@@ -3 +3 @@ def a():
-    return 1
+    return 2
@@ -10,0 +11,3 @@ def b():
+    x = 1
+    y = 2
+    z = 3
@@ -20,2 +22,0 @@ def c():
-    dead = 1
-    dead = 2
diff --git a/gone.py b/gone.py
deleted file mode 100644
--- a/gone.py
+++ /dev/null
@@ -1,2 +0,0 @@
-def gone():
-    pass
diff --git "a/we\\"ird\\tname.py" "b/we\\"ird\\tname.py"
--- "a/we\\"ird\\tname.py"
+++ "b/we\\"ird\\tname.py"
@@ -1 +1 @@
-x
+y
diff --git a/caf\\303\\251.py b/caf\\303\\251.py
--- "a/caf\\303\\251.py"
+++ "b/caf\\303\\251.py"
@@ -0,0 +1 @@
+z
"""


def test_parse_diff_gives_the_new_sides_changed_lines() -> None:
    files = parse_diff(DIFF)
    assert files["app.py"] == (LineRange(3, 3), LineRange(11, 13), LineRange(22, 23))
    assert "gone.py" not in files
    assert files['we"ird\tname.py'] == (LineRange(1, 1),)
    assert files["café.py"] == (LineRange(1, 1),)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    _git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / ".gitignore").write_text("*.log.py\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("def a():\n    return 1\n\n\ndef b():\n    return 2\n")
    (tmp_path / "src" / "same.py").write_text("def same():\n    return 0\n")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "one")
    return tmp_path


def test_changes_since_a_commit_include_edits_and_untracked_files(repo: Path) -> None:
    (repo / "src" / "a.py").write_text("def a():\n    return 1\n\n\ndef b():\n    return 3\n")
    (repo / "src" / "new.py").write_text("def new():\n    pass\n")
    (repo / "src" / "debug.log.py").write_text("def ignored():\n    pass\n")

    changes = changes_since("HEAD", [repo / "src"])

    assert changes.overlaps(repo / "src" / "a.py", 5, 6)
    assert not changes.overlaps(repo / "src" / "a.py", 1, 2)
    assert changes.overlaps(repo / "src" / "new.py", 1, 1)
    assert not changes.touches(repo / "src" / "same.py")
    assert not changes.touches(repo / "src" / "debug.log.py")


def test_staged_edits_count_and_a_branch_name_is_a_ref(repo: Path) -> None:
    _git(repo, "branch", "base")
    (repo / "src" / "same.py").write_text("def same():\n    return 9\n")
    _git(repo, "add", "src/same.py")
    assert changes_since("base", [repo]).overlaps(repo / "src" / "same.py", 1, 2)


def test_not_a_repository_or_an_unknown_ref_is_a_problem(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    plain = tmp_path_factory.mktemp("plain")
    with pytest.raises(GitProblem, match="needs a git work tree"):
        changes_since("HEAD", [plain])
    with pytest.raises(GitProblem, match="'nope' is not a commit"):
        changes_since("nope", [repo])
    with pytest.raises(GitProblem, match="is not a commit"):
        changes_since("--output=x", [repo])


def test_source_root_is_the_work_tree_root_or_the_folder_itself(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    plain = tmp_path_factory.mktemp("plain")
    assert source_root(repo / "src").resolve() == repo.resolve()
    assert source_root(plain) == plain


def test_ignored_by_git_sees_every_source_and_never_tracked_files(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    excludes = tmp_path_factory.mktemp("home") / "excludes"
    excludes.write_text("scratch/\n")
    _git(repo, "config", "core.excludesFile", str(excludes))
    (repo / "scratch").mkdir()
    (repo / "scratch" / "try.py").write_text("def t():\n    pass\n")
    (repo / "src" / "out.log.py").write_text("def o():\n    pass\n")
    (repo / "src" / "a.log.py").write_text("def a():\n    pass\n")
    _git(repo, "add", "-f", "src/a.log.py")
    asked = [repo / "scratch" / "try.py", repo / "src" / "out.log.py", repo / "src" / "a.log.py"]

    ignored = ignored_by_git(repo, [repo / "src" / "same.py", *asked])

    assert ignored == {str(repo / "scratch" / "try.py"), str(repo / "src" / "out.log.py")}
    assert ignored_by_git(tmp_path_factory.mktemp("plain"), [Path("x.py")]) is None


def test_a_walk_leaves_out_what_git_ignores_unless_the_folder_was_named(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    excludes = tmp_path_factory.mktemp("home") / "excludes"
    excludes.write_text("scratch/\n*.tmp.py\n")
    _git(repo, "config", "core.excludesFile", str(excludes))
    (repo / "scratch").mkdir()
    (repo / "scratch" / "try.py").write_text("def t():\n    pass\n")
    (repo / "src" / "x.tmp.py").write_text("def x():\n    pass\n")

    whole = find_source_files([repo])
    named = find_source_files([repo / "scratch"])

    assert sorted(f.path.name for f in whole.files) == ["a.py", "same.py"]
    assert sorted((s.path.name, s.kind) for s in whole.skipped) == [
        ("try.py", "ignored by git"),
        ("x.tmp.py", "ignored by git"),
    ]
    assert [f.path.name for f in named.files] == ["try.py"]
