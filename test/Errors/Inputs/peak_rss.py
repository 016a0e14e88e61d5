#!/usr/bin/python3
"""peak_rss.py MIB COMMAND ARGS...: runs COMMAND (its output passed through), then prints
"exit N" and "peak rss under MIB MiB" or "peak rss N MiB, over MIB MiB": a check that a
refused input was refused before anything of the size it claims was allocated."""
import resource
import subprocess
import sys

limit = int(sys.argv[1])
rc = subprocess.call(sys.argv[2:])
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024  # KiB on Linux
print(f"exit {rc}", flush=True)
print(f"peak rss under {limit} MiB" if peak < limit else f"peak rss {peak} MiB, over {limit} MiB")
