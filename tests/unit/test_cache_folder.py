"""Unit tests for where the cache lives when `siyada.cacheDir` is not set."""

from __future__ import annotations

from pathlib import Path

from siyada.review.cache_folder import default_cache_dir


def test_default_dir_linux_uses_xdg_cache_home() -> None:
    env = {"XDG_CACHE_HOME": "/xdg/cache", "HOME": "/home/u"}
    assert default_cache_dir(env, "linux") == Path("/xdg/cache/siyada")


def test_default_dir_linux_falls_back_to_home_cache() -> None:
    assert default_cache_dir({"HOME": "/home/u"}, "linux") == Path("/home/u/.cache/siyada")
    # XDG paths must be absolute; a relative one is ignored, as the spec says.
    env = {"HOME": "/home/u", "XDG_CACHE_HOME": "relative"}
    assert default_cache_dir(env, "linux") == Path("/home/u/.cache/siyada")


def test_default_dir_macos() -> None:
    env = {"HOME": "/Users/u", "XDG_CACHE_HOME": "/xdg"}
    assert default_cache_dir(env, "darwin") == Path("/Users/u/Library/Caches/siyada")


def test_default_dir_windows() -> None:
    local = r"C:\Users\u\AppData\Local"
    assert default_cache_dir({"LOCALAPPDATA": local}, "win32") == Path(local) / "siyada" / "Cache"
    home = r"C:\Users\u"
    expected = Path(home) / "AppData" / "Local" / "siyada" / "Cache"
    assert default_cache_dir({"USERPROFILE": home}, "win32") == expected


def test_default_dir_without_home_variable_uses_the_real_home() -> None:
    assert default_cache_dir({}, "linux") == Path.home() / ".cache" / "siyada"
