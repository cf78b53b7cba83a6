"""Peak memory of a server holding 100 open, reviewed files."""

from __future__ import annotations

import time

from common import (
    Config,
    Outcome,
    Row,
    server_options,
    simulated_model,
    start_session,
    unit_count,
    wait_reviewed,
    write_module,
)
from inputs import generate

from tests.model_server import ModelSpeed

# Reviews are answered this much faster than the published speed: the figure is about
# the server holding 100 files, not about waiting for a model.
MEMORY_SPEED_SCALE = 1000.0
MEMORY_SLOTS = 4
TARGET_RSS_MB = 150.0


async def bench_memory(config: Config) -> Outcome:
    modules = [generate(f"memory{i:03}", lines=500) for i in range(100)]
    units = unit_count(modules)
    cache = config.workdir / "memory-cache"
    fast = ModelSpeed(scale=MEMORY_SPEED_SCALE)
    with simulated_model(fast, slots=MEMORY_SLOTS) as sim:
        options = server_options(sim, config, cache) | {"maxConcurrentRequests": MEMORY_SLOTS}
        session = await start_session(sim, options, cache, config.workdir)
        try:
            at_start = session.memory_kib()
            opened = time.monotonic()
            for module in modules:
                _path, uri = write_module(config.workdir / "memory", module)
                session.open(uri, module.text)
            await wait_reviewed(session, sim, opened, units, "the reviews of 100 files")
            seconds = time.monotonic() - opened
            at_end = session.memory_kib()
        finally:
            await session.close()
    peak_mb = at_end["VmHWM"] * 1024 / 1e6
    outcome = Outcome()
    outcome.rows.append(
        Row(
            f"Peak RSS, 100 open files x 500 lines ({units:,} functions reviewed)",
            f"{peak_mb:.1f} MB (at start {at_start['VmRSS'] * 1024 / 1e6:.1f} MB)",
            target=f"< {TARGET_RSS_MB:.0f} MB",
            passed=peak_mb < TARGET_RSS_MB,
        )
    )
    outcome.data = {
        "functions": units,
        "rss_start_kib": at_start["VmRSS"],
        "rss_end_kib": at_end["VmRSS"],
        "peak_rss_kib": at_end["VmHWM"],
        "review_seconds": seconds,
    }
    return outcome
