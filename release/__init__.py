"""Builds Siyada for machines without a network: per-platform .vsix files and wheelhouse
archives that carry every wheel the server needs, pinned by `requirements.lock`."""
