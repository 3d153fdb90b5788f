"""Figure 7: the content filter's cost per prompt over a realistic mix.

10 000 prompts of 10 to 1000 characters (uniform lengths, fixed seed) cut from the test
corpora of safe and unsafe prompts (tests/data), about one in five unsafe, including the
obfuscated spellings the filter normalises. Each prompt is timed on its own for the p99; the
mean comes from timing the whole batch, the median of several rounds.
"""

from __future__ import annotations

import random
import re
import statistics
import time

from bench.harness import BACKEND, Figure, Settings, percentile
from utils.content_filter import ContentFilter

DATA = BACKEND / "tests" / "data"
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _corpus(name: str) -> list[str]:
    return [
        _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), line)
        for line in (DATA / name).read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def prompts(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    safe, unsafe = _corpus("prompts_safe.txt"), _corpus("prompts_unsafe.txt")
    mixed = []
    for _ in range(count):
        length = rng.randint(10, 1000)
        text = ""
        while len(text) < length:
            text += rng.choice(unsafe if rng.random() < 0.2 and not text else safe) + ", "
        mixed.append(text[:length])
    return mixed


def measure(settings: Settings) -> list[Figure]:
    count, rounds = settings.pick(10_000, 200), settings.pick(5, 1)
    batch = prompts(count)
    content_filter = ContentFilter.from_file()
    blocked = sum(content_filter.check(p).blocked for p in batch)
    means = []
    for _ in range(rounds):
        start = time.perf_counter()
        for prompt in batch:
            content_filter.check(prompt)
        means.append((time.perf_counter() - start) / count * 1e6)
    each = []
    for prompt in batch:
        start = time.perf_counter()
        content_filter.check(prompt)
        each.append((time.perf_counter() - start) * 1e6)
    params = {"prompts": count, "lengths": "10-1000", "blocked": blocked, "rounds": rounds}
    return [
        Figure("content filter, mean per prompt", round(statistics.median(means), 1), "us", params),
        Figure("content filter p99 per prompt", round(percentile(each, 0.99), 1), "us", params),
    ]
