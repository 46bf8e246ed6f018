"""Where a profiled server spends its time: py-spy's raw (collapsed) stacks, summarised.

py-spy samples every thread of the real server processes from outside (no change to the code
under test, threads of the thread pool included); idle threads are left out, so the shares
below are of the time something was running. Shares of the event loop (Runner.run) include the C
code of uvloop and httptools, which py-spy does not see inside.
"""

import re
from collections import Counter
from pathlib import Path

FRAME_LINE = re.compile(r":\d+\)$")
# Leaf frames of a thread that waits (a thread-pool worker without work, uvicorn's supervisor):
# py-spy does not always see such threads as idle, and they say nothing about the work.
WAITING = ("Condition.wait ", "Event.wait ", "Connection._recv ", "Connection._poll ", "select ")


def _function(frame: str) -> str:
    """`name (path/to/file.py:123)` without the line number, and the path shortened."""
    frame = FRAME_LINE.sub(")", frame.strip())
    for marker in ("site-packages/", "/src/", "/lib/python3"):
        if marker in frame:
            head, _, tail = frame.partition(" (")
            return f"{head} ({tail.split(marker, 1)[-1]}"
    return frame


def summarise(raw: Path, top: int = 25) -> str:
    """A text report: the functions with the most samples, on top of the stack and anywhere."""
    own: Counter[str] = Counter()
    anywhere: Counter[str] = Counter()
    total = waiting = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        # py-spy starts each stack with the process and thread; frames follow, outermost first.
        frames = [_function(f) for f in stack.split(";") if "(" in f and ".py" in f]
        if not frames:
            continue
        if frames[-1].startswith(WAITING):
            waiting += count
            continue
        total += count
        own[frames[-1]] += count
        for name in set(frames):
            anywhere[name] += count
    if total == 0:
        return "no samples\n"
    lines = [
        f"{total} samples of work (py-spy, every process and thread; idle time and "
        f"{waiting} samples of threads waiting for work left out)",
        "",
    ]
    for title, counter in (("own time (top of the stack)", own), ("inclusive time", anywhere)):
        lines.append(f"Top {top} by {title}:")
        for name, count in counter.most_common(top):
            lines.append(f"  {100 * count / total:5.1f}%  {name}")
        lines.append("")
    return "\n".join(lines)
