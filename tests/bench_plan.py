"""Benchmark (not a test): `bhyvetpl plan` of 10 jails x 100 guests, start to exit.

Run: .venv/bin/python tests/bench_plan.py [RUNS]
     .venv/bin/python tests/bench_plan.py --check RATIO [RUNS]   (CI: exit 1 over it)
Target (issue 10): within 2x `python -c "import typer, jinja2, packaging"`. The spec is
generated: jail `bhyve` of the recorded demo host (its guests fbsd1 and grub1 exist) and nine
new jails, 100 guests each over the five presets; the facts and host files are the ones
`bhyvetpl demo --plan` uses (bhyvetpl/data). The two commands run interleaved, so a
neighbour's load on a shared machine slows both alike. Without --check it also shows where
the time goes: the imports alone, and the same jails without guests.
"""

from __future__ import annotations

import argparse
import compileall
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
BASE = [sys.executable, "-c", "import typer, jinja2, packaging"]
# The same, plus every module `bhyvetpl plan` imports: start-up before any work.
IMPORTS = [sys.executable, "-c", "import typer, jinja2, packaging, bhyvetpl.cli.entry, "
           "bhyvetpl.cli.spec"]
PRESETS = ("freebsd", "linux", "linux-grub", "windows", "openbsd")
JAILS, GUESTS = 10, 100


def spec_text(jails: int = JAILS, guests: int = GUESTS) -> str:
    """A spec of `jails` jails with `guests` guests each; the first is the demo host's jail."""
    lines = ["version = 1", "", "[host]", 'release = "auto"', 'uplink = "auto"', ""]
    for j in range(jails):
        jail = "bhyve" if j == 0 else f"lab{j}"
        lines += [f"[jails.{jail}]", 'network = "vnet"', 'address = "SYNCDHCP"',
                  'vm_dir = "/vms"', 'presets = ["freebsd", "linux"]', ""]
        for g in range(guests):
            preset = PRESETS[g % len(PRESETS)]
            # The demo host's guests are in the spec too: those are left alone.
            name = {(0, 0): "fbsd1", (0, 2): "grub1"}.get((j, g), f"g{g}")
            # No two guests alike: a plan may not gain from guests repeated across jails.
            lines += [f"[jails.{jail}.guests.{name}]", f'preset = "{preset}"',
                      f"cpu = {1 + g % 4}", f'memory = "{256 + j * guests + g}M"',
                      f'disks = ["disk0.img,size={10 + g % 30}G"]', ""]
    return "\n".join(lines)


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def seconds(argv: list[str], ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Wall and CPU time of one run of argv (its exit code must be one of ok)."""
    cpu, start = _cpu(), time.perf_counter()
    done = subprocess.run(argv, capture_output=True, check=False)
    took = time.perf_counter() - start
    if done.returncode not in ok:
        sys.exit(f"{argv[:3]}... exited {done.returncode}: {done.stderr.decode()[-400:]}")
    return took, _cpu() - cpu


def interleaved(plan: list[str], runs: int) -> tuple[list[tuple[float, float]], ...]:
    """Wall and CPU times of BASE and plan, run in turns (after one warm-up run each)."""
    seconds(BASE)
    seconds(plan, ok=(3,))
    base, cli = [], []
    for _ in range(runs):
        base.append(seconds(BASE))
        cli.append(seconds(plan, ok=(3,)))   # 3: the plan has changes (new jails, guests)
    return base, cli


def spread(times: list[float]) -> str:
    """Median with the quartiles, in ms."""
    q1, median, q3 = statistics.quantiles(times, n=4)
    return f"median {median * 1000:6.1f} ms (quartiles {q1 * 1000:.1f}-{q3 * 1000:.1f})"


def breakdown(plan: list[str], spec: Path, base: list[tuple[float, float]], runs: int) -> None:
    """Start-up alone, and the plan of the same ten jails with no guests, against BASE."""
    no_guests = spec.with_name("no-guests.toml")
    no_guests.write_text(spec_text(JAILS, 0), encoding="utf-8")
    rows = (("imports only", IMPORTS, (0,)),
            ("plan, 10 jails, no guests", [*plan[:3], str(no_guests), *plan[4:]], (3,)))
    wall = statistics.median(w for w, _ in base)
    cpu = statistics.median(c for _, c in base)
    for name, argv, ok in rows:
        times = [seconds(argv, ok) for _ in range(runs)]
        w, c = (statistics.median(t[i] for t in times) for i in (0, 1))
        print(f"{name:31}  wall median {w * 1000:6.1f} ms ({w / wall:.2f}x), "
              f"cpu {c * 1000:6.1f} ms ({c / cpu:.2f}x)")


def main() -> None:
    """Print the figures and whether the target is met; with --check, exit 1 on a miss."""
    parser = argparse.ArgumentParser(description="bhyvetpl plan benchmark")
    parser.add_argument("runs", nargs="?", type=int, default=11)
    parser.add_argument("--check", type=float, metavar="RATIO",
                        help="exit 1 when plan's median is over RATIO x the bare import")
    args = parser.parse_args()
    import bhyvetpl
    from bhyvetpl.facts.demo import FACTS_FILE, demo_root

    # As bench_render.py: a wheel install byte-compiles bhyvetpl; an editable checkout
    # under PYTHONDONTWRITEBYTECODE=1 never would.
    compileall.compile_dir(Path(bhyvetpl.__file__).parent, quiet=1)
    limit = args.check or 2.0
    with tempfile.TemporaryDirectory(prefix="bhyvetpl-bench-") as scratch:
        spec = Path(scratch) / "spec.toml"
        spec.write_text(spec_text(), encoding="utf-8")
        root = demo_root(Path(scratch) / "root")
        plan = [str(BIN / "bhyvetpl"), "plan", "-f", str(spec), "--facts", str(FACTS_FILE),
                "--root", str(root)]
        # A load spike on a shared machine can miss once; a regression misses every time.
        for _ in range(3 if args.check else 1):
            base, cli = interleaved(plan, args.runs)
            ratio = statistics.median(w for w, _ in cli) / statistics.median(w for w, _ in base)
            cpu = statistics.median(c for _, c in cli) / statistics.median(c for _, c in base)
            verdict = "OK" if ratio <= limit else "MISS"
            print(f"{JAILS} jails x {GUESTS} guests, {args.runs} interleaved runs each")
            for name, times in (("import typer, jinja2, packaging", base),
                                ("bhyvetpl plan", cli)):
                print(f"{name:31}  wall {spread([w for w, _ in times])}\n{'':31}  "
                      f"cpu  {spread([c for _, c in times])}")
            print(f"ratio: wall {ratio:.2f} (limit {limit:.2f}) {verdict}; cpu {cpu:.2f} "
                  "(user+sys: what a loaded machine does not inflate)")
            if verdict == "OK":
                break
        if not args.check:
            breakdown(plan, spec, base, args.runs)
    if args.check:
        sys.exit(0 if verdict == "OK" else 1)


if __name__ == "__main__":
    main()
