"""Benchmark (not a test): `bhyvetpl render guest` start-up and 200 guests via the API.

Run: .venv/bin/python tests/bench_render.py [RUNS]
Targets (issue 2): CLI median within 1.5x of `python -c "import typer, jinja2, packaging"`;
200 guests rendered through the Python API in under 0.5 s.
"""

from __future__ import annotations

import compileall
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def median_seconds(argv: list[str], runs: int) -> float:
    """Median wall time of argv over runs (after one warm-up run)."""
    subprocess.run(argv, capture_output=True, check=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def api_200_guests() -> float:
    """Seconds to build and render 200 distinct guests in a fresh interpreter."""
    code = (
        "import time; t=time.perf_counter()\n"
        "from bhyvetpl.model.options import GuestOptions, build_guest\n"
        "from bhyvetpl.render import render_guest\n"
        "presets=['freebsd','linux','linux-grub','windows','openbsd']\n"
        "texts=[render_guest(build_guest(GuestOptions(name=f'guest{i}', preset=presets[i%5],"
        " cpu=1+i%4, memory=f'{256+i}M', nics=(f'public,mac=58:9c:fc:00:{i//256:02x}:"
        "{i%256:02x}',)))) for i in range(200)]\n"
        "print(time.perf_counter()-t)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return float(out.stdout)


def main() -> None:
    """Print the figures and whether each target is met."""
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 21
    # A wheel install byte-compiles bhyvetpl as it does typer and jinja2; an editable
    # checkout under PYTHONDONTWRITEBYTECODE=1 never would, so compile it as pip would.
    import bhyvetpl

    compileall.compile_dir(Path(bhyvetpl.__file__).parent, quiet=1)
    base = median_seconds([sys.executable, "-c", "import typer, jinja2, packaging"], runs)
    cli = median_seconds([str(BIN / "bhyvetpl"), "render", "guest", "bench1", "--preset",
                          "windows", "--cpu", "2"], runs)
    api = statistics.median(api_200_guests() for _ in range(5))
    print(f"import typer, jinja2, packaging  median {base * 1000:7.1f} ms  ({runs} runs)")
    print(f"bhyvetpl render guest            median {cli * 1000:7.1f} ms  "
          f"ratio {cli / base:.2f} (target <= 1.50) {'OK' if cli <= 1.5 * base else 'MISS'}")
    print(f"200 guests via the Python API    median {api * 1000:7.1f} ms  "
          f"(target < 500 ms) {'OK' if api < 0.5 else 'MISS'}")


if __name__ == "__main__":
    main()
