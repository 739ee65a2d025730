"""The doctor's answer for people (a table, then the fixes) and for machines (JSON)."""

from __future__ import annotations

import json
from collections import Counter

from bhyvetpl.doctor.result import CheckResult
from bhyvetpl.output import table


def as_table(results: list[CheckResult]) -> str:
    """STATUS / CHECK / DETAIL rows, then one `fix:` line for every non-PASS check."""
    rows = [(res.status, res.check, res.detail) for res in results]
    text = table(("status", "check", "detail"), rows)
    fixes = [f"  {res.status} {res.check}: {res.fix}" for res in results
             if res.status != "PASS" and res.fix]
    if fixes:
        text += "\n\nfixes:\n" + "\n".join(fixes)
    counts = Counter(res.status for res in results)
    return text + (f"\n\n{counts['PASS']} pass, {counts['WARN']} warn, {counts['FAIL']} fail")


def as_json(results: list[CheckResult]) -> str:
    """A JSON object: checks (check, status, detail, fix) and the status counts."""
    counts = Counter(res.status for res in results)
    return json.dumps({
        "ok": counts["FAIL"] == 0,
        "counts": {s: counts[s] for s in ("PASS", "WARN", "FAIL")},
        "checks": [{"check": res.check, "status": res.status, "detail": res.detail,
                    "fix": res.fix} for res in results],
    }, indent=2)
