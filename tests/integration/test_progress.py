"""The live progress line of `wpm bench` on a real terminal (a pseudo-terminal): redrawn ten
times a second, it never shows "0/s | p99 -" while the run is answering. Before the first
complete measured second it says "warming up" / "first second in progress" instead."""
import os
import pty
import re
import select
import subprocess
import time

from wpmtest import kill_group


def run_on_a_terminal(argv, env, timeout):
    """Runs argv with stderr on a pseudo-terminal; returns (exit code, terminal output)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    out = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer of the terminal has closed it
                break
            if not chunk:
                break
            out += chunk
        code = proc.wait(timeout=max(1, deadline - time.monotonic()))
    finally:
        kill_group(proc)
        os.close(master)
    return code, out.decode(errors="replace")


def test_progress_line_says_why_rate_and_p99_are_missing(binary, runtime_dir, tmp_path):
    env = dict(os.environ, XDG_RUNTIME_DIR=runtime_dir)
    code, text = run_on_a_terminal(
        [binary, "bench", "--worker-class", "sync", "--warmup", "1s", "--duration", "2s",
         "--connections", "2", "--out", str(tmp_path / "out")], env, timeout=90)
    assert code == 0, text
    # Each redraw is "\r<line>\x1b[K"; log lines end with a newline.
    frames = [f for f in re.split(r"[\r\n]", text.replace("\x1b[K", "")) if " req | " in f]
    assert frames, text
    warmup = [f for f in frames if "warmup" in f]
    first = [f for f in frames if "measuring" in f and "first second in progress" in f]
    rated = [f for f in frames if re.search(r"measuring .* \| \d+/s \| p99 [\d.]+ (us|ms)", f)]
    assert warmup and all("warming up" in f for f in warmup), warmup
    assert first, frames
    assert rated, frames
    assert not [f for f in frames if re.search(r"\| 0/s \| p99 -", f)], frames
