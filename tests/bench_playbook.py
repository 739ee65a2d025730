"""Benchmark: emitting the playbook for 50 hosts x 10 jails x 10 guests (target: under 2 s).

Run: .venv/bin/python tests/bench_playbook.py [--check SECONDS]. The plan of one host is
built from a spec of 10 jails with 10 guests each against the demo facts; 50 hosts get
it (each its own play), and only the emitting is timed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bhyvetpl.facts.demo import demo_facts, demo_root
from bhyvetpl.plan.converge import converge_spec
from bhyvetpl.playbook import HostPlan, emit_playbook
from bhyvetpl.spec.load import parse_spec


def spec_text(jails: int, guests: int) -> str:
    out = ["version = 1", "[host]", 'release = "auto"', 'uplink = "auto"']
    for j in range(jails):
        out += [f"[jails.j{j}]", 'network = "vnet"', 'address = "SYNCDHCP"',
                'vm_dir = "/vms"']
        for g in range(guests):
            out += [f"[jails.j{j}.guests.g{g}]", 'preset = "freebsd"']
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", type=float, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        spec = parse_spec(spec_text(10, 10), "bench.toml")
        plan = converge_spec(spec, demo_facts(), demo_root(Path(scratch))).plan
        plans = [HostPlan(f"host{n}", plan) for n in range(50)]
        start = time.perf_counter()
        text = emit_playbook(plans)
        took = time.perf_counter() - start
    print(f"{len(plans)} hosts x {len(plan.steps)} steps: {len(text.splitlines())} lines, "
          f"{len(text) / 1e6:.1f} MB in {took:.2f} s")
    return 1 if args.check is not None and took > args.check else 0


if __name__ == "__main__":
    sys.exit(main())
