"""Benchmark: emitting the playbook for 50 hosts x 10 jails x 10 guests (target: under 2 s).

Run: .venv/bin/python tests/bench_playbook.py [--check SECONDS]. Each of the 50 hosts has
its own plan (its jails are named after it, so no two plans share a path or a command),
built from a spec of 10 jails with 10 guests each against the demo facts; only the
emitting is timed: the first time (checked), and the best of two more.

`--check SECONDS` holds on the machine the target was set on, where a bare
`import typer, jinja2, packaging` takes 68 ms of CPU; on a slower one the limit grows by
the same factor (never shrinks), so the check fails on a regression and not on a slow CI.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bhyvetpl.facts.demo import demo_facts, demo_root
from bhyvetpl.plan.converge import converge_spec
from bhyvetpl.playbook import HostPlan, emit_playbook
from bhyvetpl.spec.load import parse_spec
from tests.bench_plan import BASE, seconds

REFERENCE_IMPORT_CPU = 0.068   # s: the bare import's CPU where the 2 s target was met


def spec_text(jails: int, guests: int, host: int = 0) -> str:
    out = ["version = 1", "[host]", 'release = "auto"', 'uplink = "auto"']
    for j in range(jails):
        out += [f"[jails.h{host}j{j}]", 'network = "vnet"', 'address = "SYNCDHCP"',
                'vm_dir = "/vms"']
        for g in range(guests):
            out += [f"[jails.h{host}j{j}.guests.g{g}]", 'preset = "freebsd"']
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", type=float, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = demo_root(Path(scratch))
        plans = [HostPlan(f"host{n}", converge_spec(parse_spec(spec_text(10, 10, n), "bench.toml"),
                                                    demo_facts(), root).plan)
                 for n in range(50)]
        times = []
        for _ in range(3):
            start = time.perf_counter()
            text = emit_playbook(plans)
            times.append(time.perf_counter() - start)
    took = times[0]   # the one a user waits for: caches (bhyvetpl's own Jinja) still empty
    steps = len(plans[0].plan.steps)
    print(f"{len(plans)} hosts x {steps} steps: {len(text.splitlines())} lines, "
          f"{len(text) / 1e6:.1f} MB in {took:.2f} s (again: {min(times[1:]):.2f} s)")
    if args.check is None:
        return 0
    factor = max(1.0, statistics.median(seconds(BASE)[1] for _ in range(7))
                 / REFERENCE_IMPORT_CPU)
    limit = args.check * factor
    print(f"limit {args.check:.1f} s x {factor:.2f} (this machine's bare import against "
          f"{REFERENCE_IMPORT_CPU * 1000:.0f} ms) = {limit:.2f} s: "
          f"{'OK' if took <= limit else 'MISS'}")
    return 1 if took > limit else 0


if __name__ == "__main__":
    sys.exit(main())
