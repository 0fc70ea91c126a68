"""One line describing the machine a benchmark ran on (CPU, cores, Python, torch, OS)."""

from __future__ import annotations

import os
import platform


def machine() -> str:
    """CPU model, core count, Python, torch and kernel versions."""
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu)
    except OSError:
        pass
    try:
        import torch

        torch_version = torch.__version__
    except ImportError:
        torch_version = "n/a"
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()},"
            f" torch {torch_version}, {platform.system()} {platform.release()}")
