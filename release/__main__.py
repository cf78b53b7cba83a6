"""`python -m release build [target ...]` builds the per-platform packages (every
target when none is named); `python -m release lock` rewrites requirements.lock from
pyproject.toml's ranges."""

from __future__ import annotations

import argparse
import sys

from release.build import BuildError, build
from release.lock import LOCK_PATH, format_lock, project_metadata
from release.resolve import ResolveError, resolve_all
from release.targets import TARGETS, target_named


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m release")
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build", help="build the .vsix files and wheelhouses")
    build_parser.add_argument("targets", nargs="*", help="targets to build (default: all)")
    commands.add_parser("lock", help="resolve pyproject.toml's ranges into requirements.lock")
    args = parser.parse_args(argv)
    try:
        if args.command == "lock":
            _, requirements = project_metadata()
            LOCK_PATH.write_text(format_lock(resolve_all(requirements)), encoding="utf-8")
            print(f"wrote {LOCK_PATH.name}")
            return 0
        targets = [target_named(name) for name in args.targets] or list(TARGETS)
        return build(targets)
    except (BuildError, ResolveError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
