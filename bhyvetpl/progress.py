"""A spinner with elapsed seconds for long steps (pkg install, vm install) on a terminal."""

from __future__ import annotations

import threading
import time
from typing import TextIO

FRAMES = "|/-\\"


class Spinner:
    """Redraws `text | 12s` (turning |, /, -) on one terminal line; silent off a terminal."""

    def __init__(self, stream: TextIO, text: str, interval: float = 0.2) -> None:
        """Remember where and what to draw; nothing is drawn before start()."""
        self.stream, self.text, self.interval = stream, text, interval
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Spinner:
        """Start redrawing in the background when the stream is a terminal."""
        if self.stream.isatty():
            self._thread = threading.Thread(target=self._spin, daemon=True)
            self._thread.start()
        return self

    def _spin(self) -> None:
        frame = 0
        while not self._stop.wait(self.interval):
            seconds = time.monotonic() - self.started
            self.stream.write(f"\r{self.text} {FRAMES[frame % 4]} {seconds:.0f}s")
            self.stream.flush()
            frame += 1

    def stop(self) -> float:
        """Stop, clear the line, and return the seconds since start()."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self.stream.write("\r\033[K")
            self.stream.flush()
        return time.monotonic() - self.started
