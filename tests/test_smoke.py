from __future__ import annotations

from bhyvetpl.model.lab import sample_lab
from bhyvetpl.render import render_guest


def test_sample_lab_renders() -> None:
    lab = sample_lab()
    assert all(render_guest(g).startswith('loader="') for g in lab.guests)
