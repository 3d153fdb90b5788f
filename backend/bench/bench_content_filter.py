"""Micro-benchmark for utils.content_filter: prints microseconds per prompt.

Usage (from backend/):  python bench/bench_content_filter.py [--number N] [--repeat R]

Each figure is the best of R rounds of N calls (the minimum is the least noisy
estimate on a shared machine). The target is "well under 1 ms" for a prompt of
1000 characters.
"""

from __future__ import annotations

import argparse
import re
import sys
import timeit
from pathlib import Path

BACKEND = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BACKEND / "src"))

from utils.content_filter import ContentFilter  # noqa: E402

DATA = BACKEND / "tests" / "data"
PROMPT_CHARS = 1000
_ESCAPE_RE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _corpus(name: str) -> list[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [
        _ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), line)
        for line in lines
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _fill(parts: list[str], size: int = PROMPT_CHARS) -> str:
    """Join corpus lines into one prompt of exactly ``size`` characters."""
    text = ""
    i = 0
    while len(text) < size:
        text += parts[i % len(parts)] + ", "
        i += 1
    return text[:size]


def _cases() -> dict[str, str]:
    safe = _corpus("prompts_safe.txt")
    unsafe = _corpus("prompts_unsafe.txt")
    ascii_safe = [p for p in safe if p.isascii()]
    clean = _fill(ascii_safe)
    return {
        "safe, ASCII": clean,
        "safe, with digits": _fill([p for p in ascii_safe if any(c.isdigit() for c in p)]),
        "safe, accented Latin": _fill(["naïve café crème brûlée, Zürich, smörgåsbord, Rhône"]),
        "safe, Cyrillic": _fill(["Москва зимой, Красная площадь в снегу"]),
        "safe, CJK": _fill(["富士山と桜、浮世絵風。一只熊猫在竹林里吃竹子。"]),
        "blocked, term at end": clean[: PROMPT_CHARS - 5] + " nude",
        "blocked, obfuscated at end": clean[: PROMPT_CHARS - 12] + " n\u200b a\u0332 k 3 d",
        "obfuscated unsafe mix": _fill(unsafe),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=2000, help="calls per round")
    parser.add_argument("--repeat", type=int, default=5, help="rounds (best is reported)")
    args = parser.parse_args(argv)

    build = min(timeit.repeat(ContentFilter.from_file, number=1, repeat=args.repeat))
    content_filter = ContentFilter.from_file()
    print(f"content_filter: {len(content_filter)} terms, construction {build * 1e3:.2f} ms")
    print(f"best of {args.repeat} x {args.number} calls, prompts of {PROMPT_CHARS} chars:")

    worst = 0.0
    for name, prompt in _cases().items():
        result = content_filter.check(prompt)
        seconds = min(
            timeit.repeat(
                lambda p=prompt: content_filter.check(p), number=args.number, repeat=args.repeat
            )
        )
        micros = seconds / args.number * 1e6
        worst = max(worst, micros)
        verdict = "blocked" if result.blocked else "allowed"
        print(f"  {name:<28} {micros:8.1f} us/prompt  ({verdict})")

    short = _corpus("prompts_safe.txt") + _corpus("prompts_unsafe.txt")
    rounds = max(1, args.number // 100)
    seconds = min(
        timeit.repeat(
            lambda: [content_filter.check(p) for p in short], number=rounds, repeat=args.repeat
        )
    )
    per_prompt = seconds / (rounds * len(short)) * 1e6
    label = f"test corpora ({len(short)} short prompts)"
    print(f"  {label:<28} {per_prompt:8.1f} us/prompt")
    print(f"worst 1000-char case: {worst:.1f} us/prompt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
