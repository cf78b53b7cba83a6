"""Every test gets its own cache folder: answers remembered by one test (or by the
developer's own use of Siyada) must never answer for another. And the same locale."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    folder = tmp_path_factory.mktemp("xdg-cache")
    # Server and CLI processes started by a test inherit this environment.
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    # The command line explains findings in the language of the locale variables: the
    # tests' commands run in the C locale (English) whatever the developer's is.
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    return folder / "siyada"
