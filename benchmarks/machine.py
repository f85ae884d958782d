"""The machine a benchmark ran on, for the first line of its report."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def describe(*tools: str) -> str:
    """CPU model, usable cores, Python, then `tools` (versions the caller read)."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return ", ".join([cpu, f"{cores} cores", f"Python {platform.python_version()}", *tools])
