from __future__ import annotations

from bhyvetpl.plan.passthru import passthrough_problems

JAIL_CONF = "bhyve {\n  devfs_ruleset = 25;\n  securelevel = -1;\n}\n"
DEVFS = "[devfs_rules_bhyve_jail=25]\nadd include $devfsrules_jail\nadd path 'pci' unhide\n"


def test_a_ready_jail_has_no_problem() -> None:
    loader = 'pptdevs="1/0/0"\n'
    assert passthrough_problems("bhyve", ["1/0/0"], JAIL_CONF, DEVFS, loader) == ()


def test_only_the_last_pptdevs_counts() -> None:
    # two bhyvetpl blocks (two jails) each wrote pptdevs: the loader keeps the last one
    loader = 'pptdevs="1/0/0"\npptdevs="2/0/0"\n'
    problems = passthrough_problems("bhyve", ["1/0/0"], JAIL_CONF, DEVFS, loader)
    assert len(problems) == 1 and "does not give 1/0/0 to ppt(4)" in problems[0]


def test_pptdevs2_and_pptdevs3_count_too() -> None:
    # the admin's own pptdevs, and ours beside it in pptdevs2 / pptdevs3 (host prepare)
    loader = 'pptdevs="9/0/0"\npptdevs2="1/0/0"\npptdevs3="2/0/0"\n'
    assert passthrough_problems("bhyve", ["1/0/0", "2/0/0"], JAIL_CONF, DEVFS, loader) == ()


def test_securelevel_and_ruleset_problems_name_the_fix() -> None:
    conf = "bhyve {\n  devfs_ruleset = 4;\n  securelevel = 2;\n}\n"
    problems = passthrough_problems("bhyve", ["1/0/0"], conf, DEVFS, 'pptdevs="1/0/0"\n')
    assert any("securelevel 2" in p for p in problems)
    assert any("devfs ruleset 4" in p for p in problems)
