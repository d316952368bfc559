"""Progress of a long command: a bar on a terminal, plain lines everywhere else.

On a terminal the last line is redrawn in place (files done, rate, time left) at most ten
times a second, and messages are printed above it. Without a terminal (CI, cron, a pipe)
a plain line is printed at every tenth of the work (for jobs of 50 items or more), so logs
stay short and readable.
"""

import time

BAR_WIDTH = 24
# Plain lines only for jobs this long: a handful of files needs no progress report.
PLAIN_MINIMUM = 50


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes} min {seconds:02d} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


class Progress:
    def __init__(self, stream, total: int, noun: str = "files", tty: bool | None = None, clock=time.monotonic):
        self.stream, self.total, self.noun, self.clock = stream, total, noun, clock
        self.tty = stream.isatty() if tty is None else tty
        self.done = 0
        self.started = clock()
        self.drawn_at = 0.0
        self.next_line = 1  # plain mode: the next tenth to report
        self.bar_shown = False

    def status(self) -> str:
        elapsed = max(self.clock() - self.started, 1e-6)
        rate = self.done / elapsed
        text = f"{self.done:,}/{self.total:,} {self.noun} ({self.percent}%), {rate:,.0f} {self.noun}/s"
        if self.done < self.total and rate > 0:
            text += f", {_duration((self.total - self.done) / rate)} left"
        return text

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(self.done * 100 / self.total)

    def _write(self, text: str):
        self.stream.write(text)
        self.stream.flush()

    def _draw(self):
        filled = BAR_WIDTH if not self.total else int(BAR_WIDTH * self.done / self.total)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self._write(f"\r\x1b[2K[{bar}] {self.status()}")
        self.bar_shown = True
        self.drawn_at = self.clock()

    def message(self, text: str):
        """A line of its own (a file's result), printed above the bar."""
        if self.tty and self.bar_shown:
            # Replace the bar by the message; the next advance draws the bar again below it.
            self._write("\r\x1b[2K" + text + "\n")
            self.bar_shown = False
        else:
            self._write(text + "\n")

    def advance(self, count: int = 1):
        self.done += count
        if self.tty:
            if not self.bar_shown or self.done >= self.total or self.clock() - self.drawn_at >= 0.1:
                self._draw()
        elif self.total >= PLAIN_MINIMUM and self.done * 10 >= self.next_line * self.total:
            self.next_line = self.done * 10 // self.total + 1
            self._write(f"Progress: {self.status()}\n")

    def finish(self):
        """End the bar's line so what follows starts on a fresh one."""
        if self.tty and self.bar_shown:
            self._draw()
            self._write("\n")
            self.bar_shown = False
