from __future__ import annotations

import io
import time

from bhyvetpl.progress import Spinner


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_spins_on_a_terminal_and_clears_the_line() -> None:
    out = Terminal()
    spinner = Spinner(out, "[3/5] running: jail j1: bastille pkg", interval=0.01).start()
    time.sleep(0.08)
    assert spinner.stop() >= 0.08
    text = out.getvalue()
    assert "\r[3/5] running: jail j1: bastille pkg |" in text and text.endswith("\r\033[K")


def test_silent_off_a_terminal() -> None:
    out = io.StringIO()
    spinner = Spinner(out, "x", interval=0.01).start()
    time.sleep(0.03)
    spinner.stop()
    assert out.getvalue() == ""
