"""Keyword content filter for image-generation prompts.

Pure logic: the only I/O is reading the word list(s) once, in
:meth:`ContentFilter.from_file`. Build one filter per Lambda container (module
level) and reuse it for every request.

Pipeline for both prompts and blocked terms (so they always agree):

1. Unicode: NFKD (compatibility decomposition; ``NFKD(NFKC(s)) == NFKD(s)``, so
   the NFKC step is implied), ``casefold``, then one ``str.translate`` pass that
   drops combining/enclosing marks (Mn, Me) and format characters (Cf: zero-width
   space/joiners, word joiner, BOM, soft hyphen, bidi controls), maps look-alike
   letters (Cyrillic, Greek, small capitals ...) to Latin, drops apostrophes and
   turns all other separators into spaces. Fullwidth, mathematical and circled
   letters become ASCII through NFKD. The translate table is a self-filling ``dict`` so
   arbitrary code points are classified once and then looked up in C.
2. Tokens are runs of letters, digits, ``@`` and ``$``; every other character
   (punctuation, symbols, ``_``, spaces) separates tokens. Matching is per token
   (word boundaries), so "Sussex", "therapist" or "Scunthorpe" never match
   "sex", "rapist" or "cunt".
3. Leetspeak (``0 3 4 5 7 @ $``) is mapped only inside tokens that contain a
   letter, so plain numbers ("455", "1999") never change. ``1`` is ambiguous
   (i or l): tokens containing it are compared with i/l folded onto ``1``.
4. Simple plurals: a term (the last word of a phrase) also matches with ``s``
   or ``es`` appended; other inflections are listed in the word list. A phrase
   also matches its words written together ("blow job" -> "blowjob").
5. Runs of three or more consecutive one-character tokens ("n a k e d",
   "n.s.f.w", "n-u-d-e", "n_u_d_e") are joined and searched for any term as a
   substring (so "a n u d e" is caught too). Spelling words out letter by
   letter is rare in genuine prompts, so this costs practically no false
   positives.

6. Look-alike letters with several Latin readings (Greek nu: "v" by shape, "n"
   by its capital and its sound) are written with one reading by ``normalize``;
   the tokens holding them are also tried with their other readings (bounded),
   so "\u03bdude" is caught while a Latin "vude" is not.
7. Co-occurrence rules block words that are fine alone but not together
   ("lingerie" near "child", "bloody" near "corpse", "kill all" near a people):
   one member of every group inside a window of N consecutive tokens.

Word-list format (``blocked_terms.txt``): one term or phrase per line, ``#``
starts a comment, blank lines are ignored. A line starting with ``!`` declares
an allowed phrase: a match lying completely inside an occurrence of an allowed
phrase is ignored (e.g. ``!naked eye`` keeps "seen with the naked eye" usable,
while "naked woman" is still blocked); group members inside one are ignored too.
``@name: member, member phrase, ...`` defines (or extends) a group and
``@a + @b within N`` a rule over groups.
"""

from __future__ import annotations

import bisect
import itertools
import math
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEFAULT_TERMS_FILE",
    "EXTRA_TERMS_ENV_VAR",
    "ContentFilter",
    "FilterResult",
    "Rule",
    "normalize",
]

DEFAULT_TERMS_FILE = Path(__file__).with_name("blocked_terms.txt")

#: Name of the environment variable the *caller* reads to find an operator's
#: extra word list (this module never reads ``os.environ``)::
#:
#:     ContentFilter.from_file(extra_paths=os.environ.get(EXTRA_TERMS_ENV_VAR))
EXTRA_TERMS_ENV_VAR = "CONTENT_FILTER_EXTRA_TERMS_FILE"

ALLOW_PREFIX = "!"
GROUP_PREFIX = "@"
_COMMENT = "#"

# Minimum length of a single-character run and of a term searched inside it.
_MIN_RUN = 3


@dataclass(frozen=True, slots=True)
class FilterResult:
    """Outcome of :meth:`ContentFilter.check`.

    ``term`` is the canonical matched term as written in the word list. It is
    meant for logs/metrics only and must never be shown to end users.
    """

    blocked: bool
    term: str | None = None


_ALLOWED = FilterResult(blocked=False)

# --------------------------------------------------------------------------
# Character-level normalisation tables (built once at import).
# --------------------------------------------------------------------------

# Look-alike letters (after casefold) -> Latin. NFKD already handles fullwidth,
# mathematical alphanumerics, circled letters, superscripts, ligatures, etc.
_HOMOGLYPHS = {
    # Cyrillic
    "а": "a",
    "в": "b",
    "е": "e",
    "з": "3",
    "і": "i",
    "ј": "j",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "п": "n",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "ш": "w",
    "ь": "b",
    "ѕ": "s",
    "ԁ": "d",
    "һ": "h",
    "ӏ": "l",
    "ԛ": "q",
    "ԝ": "w",
    "ү": "y",
    "ұ": "y",
    "ҡ": "k",
    # Greek
    "α": "a",
    "β": "b",
    "γ": "y",
    "ε": "e",
    "η": "n",
    "ι": "i",
    "κ": "k",
    "μ": "u",
    "ν": "v",
    "ο": "o",
    "π": "n",
    "ρ": "p",
    "σ": "o",
    "τ": "t",
    "υ": "u",
    "χ": "x",
    "ω": "w",
    "δ": "d",
    "ζ": "z",
    "θ": "o",
    "ς": "s",
    "λ": "a",
    # Cyrillic (more)
    "б": "b",
    "г": "r",
    "д": "d",
    "и": "u",
    "л": "n",
    "я": "r",
    "э": "e",
    "ъ": "b",
    "щ": "w",
    # Cherokee capitals (casefold maps the small letters onto them)
    "Ꭺ": "a",
    "Ᏼ": "b",
    "Ꮯ": "c",
    "Ꭰ": "d",
    "Ꭼ": "e",
    "Ꮐ": "g",
    "Ꮋ": "h",
    "Ꭵ": "i",
    "Ꭻ": "j",
    "Ꮶ": "k",
    "Ꮮ": "l",
    "Ꮇ": "m",
    "Ꮑ": "n",
    "Ꮎ": "o",
    "Ꮲ": "p",
    "Ꭱ": "r",
    "Ꮪ": "s",
    "Ꭲ": "t",
    "Ꮩ": "v",
    "Ꮃ": "w",
    "Ꮓ": "z",
    # Lisu (capital-letter shapes)
    "ꓮ": "a",
    "ꓐ": "b",
    "ꓚ": "c",
    "ꓓ": "d",
    "ꓰ": "e",
    "ꓝ": "f",
    "ꓖ": "g",
    "ꓧ": "h",
    "ꓲ": "i",
    "ꓙ": "j",
    "ꓗ": "k",
    "ꓡ": "l",
    "ꓟ": "m",
    "ꓠ": "n",
    "ꓳ": "o",
    "ꓑ": "p",
    "ꓣ": "r",
    "ꓢ": "s",
    "ꓔ": "t",
    "ꓴ": "u",
    "ꓦ": "v",
    "ꓪ": "w",
    "ꓫ": "x",
    "ꓬ": "y",
    "ꓜ": "z",
    # Armenian
    "օ": "o",
    "ս": "u",
    "ո": "n",
    "հ": "h",
    "ց": "g",
    # Latin letters without a decomposition, IPA and small capitals
    "ı": "i",
    "ȷ": "j",
    "ł": "l",
    "đ": "d",
    "ħ": "h",
    "ø": "o",
    "ŧ": "t",
    "ƀ": "b",
    "ɑ": "a",
    "ɐ": "a",
    "ɛ": "e",
    "ɩ": "i",
    "ɪ": "i",
    "ɴ": "n",
    "ʀ": "r",
    "ʏ": "y",
    "ʙ": "b",
    "ʜ": "h",
    "ʟ": "l",
    "ᴀ": "a",
    "ᴄ": "c",
    "ᴅ": "d",
    "ᴇ": "e",
    "ᴊ": "j",
    "ᴋ": "k",
    "ᴍ": "m",
    "ᴏ": "o",
    "ᴘ": "p",
    "ᴛ": "t",
    "ᴜ": "u",
    "ᴠ": "v",
    "ᴡ": "w",
    "ᴢ": "z",
    "ꜰ": "f",
    "ꜱ": "s",
    "ɢ": "g",
    "ɡ": "g",
    "ʋ": "v",
    "ɾ": "r",
    "ɍ": "r",
    "ƅ": "b",
    "ɦ": "h",
    "ɱ": "m",
    "ɲ": "n",
    "ŋ": "n",
    "ɵ": "o",
    "ʂ": "s",
    "ʐ": "z",
    "ƶ": "z",
}

# Look-alikes that stand for more than one Latin letter (after casefold): Greek nu is drawn
# like "v" but its capital is "N" and it is the Greek n, so "\u03bdude" must read as "nude" too.
# The letter in ``_HOMOGLYPHS`` is what ``normalize`` writes; a token holding one of these is
# also tried with every combination of the letters below (see ``_readings``). Only tokens
# with such a character pay for it, and a plain-ASCII prompt never does.
_ALSO_LOOKS_LIKE = {
    # Greek: the lower case and the capital look like different Latin letters
    "ν": "n",  # v / N
    "η": "h",  # n / H
    "μ": "m",  # u / M
    "ι": "l",  # i / l
    "ρ": "r",  # p / rho
    "σ": "s",  # o / sigma
    "ς": "c",  # s / c
    "υ": "yv",  # u / Y / v
    "γ": "r",  # y / Gamma
    "π": "p",  # n / pi
    "ω": "o",  # w / omega
    "β": "s",  # b / eszett-like
    # Cyrillic: shape versus sound
    "н": "n",  # h / en
    "п": "p",  # n / pe
    "р": "r",  # p / er
    "с": "s",  # c / es
    "у": "u",  # y / u
    "и": "n",  # u / mirrored N
    "в": "v",  # b / ve
    "х": "h",  # x / kha
    "з": "z",  # 3 / ze
    "ь": "l",  # b / soft sign
    "г": "g",  # r / ge
    "ӏ": "i",  # l / palochka
    "і": "l",  # i / l
}

# Invisible characters removed even if a future Unicode version re-categorises
# them (the category-based rule below covers the rest of Cf/Mn/Me).
_INVISIBLE = "\u00ad\u034f\u180e\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff"
# Apostrophes are dropped so "it's" -> "its" and "n'u'd'e" -> "nude".
_APOSTROPHES = "'`\u2018\u2019\u02bc\u02bb\u2032\uff07"
_DROP_CATEGORIES = frozenset({"Mn", "Me", "Cf"})
_TABLE_CACHE_LIMIT = 1 << 16


class _CharTable(dict):
    """``str.translate`` table that classifies unknown code points on first use.

    Marks and format characters are dropped, letters, numbers and spacing marks
    are kept, everything else (punctuation, symbols, spaces, controls) becomes a
    space. Known code points are looked up in C; ``__missing__`` runs once per
    distinct code point (the cache is bounded to keep memory flat).
    """

    def __missing__(self, cp: int) -> int | str | None:
        category = unicodedata.category(chr(cp))
        value: int | str | None
        if category in _DROP_CATEGORIES:
            value = None
        elif category[0] in "LN" or category == "Mc":
            value = cp
        else:
            value = " "
        if len(self) < _TABLE_CACHE_LIMIT:
            self[cp] = value
        return value


def _build_char_table() -> _CharTable:
    table = _CharTable()
    for cp in range(128):  # ASCII is pre-seeded: the common case never misses
        ch = chr(cp)
        table[cp] = cp if ch.isalnum() or ch in "@$" else " "
    for ch in _INVISIBLE + _APOSTROPHES:
        table[ord(ch)] = None
    for src, dst in _HOMOGLYPHS.items():
        table[ord(src)] = dst
    return table


_CHAR_TABLE = _build_char_table()


# Non-ASCII prompts are translated with this table: ambiguous look-alikes stay as they are
# (still letters), so the few tokens holding one are resolved on their own (see _Reader)
# instead of translating the whole prompt once per reading.
_MARK_TABLE = _build_char_table()
for _ch in _ALSO_LOOKS_LIKE:
    _MARK_TABLE[ord(_ch)] = ord(_ch)
# Every reading of each ambiguous letter, the one ``normalize`` writes first.
_READINGS = {ch: _HOMOGLYPHS[ch] + alternates for ch, alternates in _ALSO_LOOKS_LIKE.items()}
_PRIMARY = str.maketrans({ch: readings[0] for ch, readings in _READINGS.items()})
# Uniform readings ("the n-th reading of every letter"), for long tokens and letter runs.
_UNIFORM = tuple(
    str.maketrans({ch: r[min(n, len(r) - 1)] for ch, r in _READINGS.items()})
    for n in range(1, max(map(len, _READINGS.values())))
)
_AMBIGUOUS_RE = re.compile("[" + "".join(_ALSO_LOOKS_LIKE) + "]")
_MAX_VARIANTS = 16

# Leetspeak, applied only to tokens that contain at least one letter. "1" is
# kept: it is folded together with i/l at comparison time (see _fold_il).
_LEET = str.maketrans({"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_FOLD_IL = str.maketrans({"i": "1", "l": "1"})
_LEET_CHAR_RE = re.compile(r"[0-9@$]")
# _MIN_RUN or more one-character tokens in " ".join(tokens) padded with spaces;
# the literal leading space lets the regex engine skip ahead quickly.
_RUN_RE = re.compile(rf" \S(?: \S){{{_MIN_RUN - 1},}}(?= )")


def normalize(text: str) -> str:
    """Return the Unicode-normalised, casefolded, look-alike-mapped text.

    Separators (punctuation, symbols, ``_``, any space) become spaces, so the
    result splits into tokens with ``str.split``. Leetspeak is not applied here
    (it depends on the token, see :func:`_tokens`).
    """
    # One pass is enough: for every code point the result is already stable
    # under NFKD/casefold/translate (checked exhaustively in the tests).
    return unicodedata.normalize("NFKD", text).casefold().translate(_CHAR_TABLE)


def _leet(token: str) -> str:
    """Map leetspeak digits/symbols in a token that also contains a letter."""
    if any(map(str.isalpha, token)):
        return token.translate(_LEET)
    return token


def _fold_il(token: str) -> str:
    return token.translate(_FOLD_IL)


def _tokens(normalized: str) -> list[str]:
    """Split normalised text into tokens, applying leetspeak where it fits."""
    tokens = normalized.split()
    if _LEET_CHAR_RE.search(normalized) is not None:
        tokens = [t if t.isalpha() else _leet(t) for t in tokens]
    return tokens


def _single_char_runs(tokens: list[str]) -> Iterator[str]:
    """Yield runs of >= _MIN_RUN consecutive one-character tokens, joined."""
    for match in _RUN_RE.finditer(f" {' '.join(tokens)} "):
        yield _leet(match.group().replace(" ", ""))


def _settle(token: str) -> str:
    """Leetspeak as ``_tokens`` applies it, for one token."""
    return token if token.isalpha() else _leet(token)


def _readings(raw: str) -> tuple[str, set[str]]:
    """The reading ``normalize`` gives a token with ambiguous look-alikes, and the others.

    Every combination of the letters' readings while there are at most ``_MAX_VARIANTS``
    of them, else the uniform readings only (a whole Greek word, not an obfuscated one).
    """
    primary = _settle(raw.translate(_PRIMARY))
    # Leetspeak per character (the token holds a letter, so _leet would apply anyway).
    choices = [_READINGS.get(ch, ch).translate(_LEET) for ch in raw]
    if math.prod(map(len, choices)) <= _MAX_VARIANTS:
        forms = set(map("".join, itertools.product(*choices)))
    else:
        forms = {_settle(raw.translate(table)) for table in _UNIFORM}
    forms.discard(primary)
    return primary, forms


class _Reader:
    """Tokens of a non-ASCII prompt whose ambiguous look-alikes are still unresolved."""

    def __init__(self, marked: str, vocabulary: frozenset[str]) -> None:
        raw = marked.split()
        self.tokens = [_settle(t) for t in raw]
        self.variants: dict[int, tuple[str, ...]] = {}
        # Uniform readings of the whole prompt, for runs of single letters ("\u03bd u d e").
        self.uniform: list[list[str]] = []
        ambiguous = [i for i, t in enumerate(raw) if _AMBIGUOUS_RE.search(t)]
        if any(len(raw[i]) == 1 for i in ambiguous):
            self.uniform = [list(self.tokens) for _ in _UNIFORM]
        for i in ambiguous:
            primary, forms = _readings(raw[i])
            self.tokens[i] = primary
            for n, table in enumerate(_UNIFORM if self.uniform else ()):
                self.uniform[n][i] = _settle(raw[i].translate(table))
            # Only readings that are a word of some phrase can change the verdict.
            kept = vocabulary.intersection(forms)
            if any("1" in f for f in forms):
                kept = kept.union(f for f in forms if _fold_il(f) in vocabulary)
            if kept:
                self.variants[i] = tuple(sorted(kept))


# --------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------


class _View:
    """One prompt as matched: its tokens, whether any holds "1", the look-alike variants."""

    __slots__ = ("allowed", "has_one", "tokens", "variants")

    def __init__(
        self, tokens: list[str], has_one: bool, variants: dict[int, tuple[str, ...]]
    ) -> None:
        self.tokens = tokens
        self.has_one = has_one
        self.variants = variants
        self.allowed: list[tuple[int, int]] | None = None  # filled lazily, on the first hit


@dataclass(frozen=True, slots=True)
class _Phrase:
    """A term, group member or allowed phrase as a sequence of normalised tokens."""

    canonical: str
    # Per position: accepted token forms, and the same folded for tokens with "1".
    forms: tuple[frozenset[str], ...]
    folded: tuple[frozenset[str], ...]
    size: int  # number of tokens (a field: ``len()`` on a Python class costs a call)

    @classmethod
    def build(cls, canonical: str, tokens: list[str]) -> _Phrase:
        forms = []
        for i, tok in enumerate(tokens):
            accepted = {tok}
            if i == len(tokens) - 1:  # simple plural on the last word only
                accepted.update((tok + "s", tok + "es"))
            forms.append(frozenset(accepted))
        folded = tuple(frozenset(_fold_il(f) for f in accepted) for accepted in forms)
        return cls(canonical, tuple(forms), folded, len(forms))

    def __len__(self) -> int:
        return self.size

    def _accepts(self, offset: int, tok: str) -> bool:
        return tok in self.forms[offset] or ("1" in tok and _fold_il(tok) in self.folded[offset])

    def matches_at(self, view: _View, start: int) -> bool:
        tokens, variants = view.tokens, view.variants
        if start + self.size > len(tokens):
            return False
        for offset in range(self.size):
            if self._accepts(offset, tokens[start + offset]):
                continue
            others = variants.get(start + offset) if variants else None
            if not others or not any(self._accepts(offset, v) for v in others):
                return False
        return True


class _PhraseIndex:
    """Phrases indexed by every accepted form of their first token."""

    def __init__(self, phrases: Iterable[_Phrase]) -> None:
        self.by_first: dict[str, list[_Phrase]] = {}
        self.by_first_folded: dict[str, list[_Phrase]] = {}
        for phrase in phrases:
            for form in phrase.forms[0]:
                self.by_first.setdefault(form, []).append(phrase)
            for form in phrase.folded[0]:
                self.by_first_folded.setdefault(form, []).append(phrase)
        self._first = frozenset(self.by_first)

    def __bool__(self) -> bool:
        return bool(self.by_first)

    def candidates(self, token: str) -> list[_Phrase]:
        if "1" in token:
            return self.by_first_folded.get(_fold_il(token), [])
        return self.by_first.get(token, [])

    def starts(self, view: _View) -> frozenset[str]:
        """Tokens (or variants) that can start a phrase (mostly set operations in C)."""
        found = self._first.intersection(view.tokens)
        if view.has_one:
            folded = self.by_first_folded
            found = found.union([t for t in view.tokens if "1" in t and _fold_il(t) in folded])
        if view.variants:
            others = [v for vs in view.variants.values() for v in vs]
            found = found.union(self._first.intersection(others))
            folded = self.by_first_folded
            found = found.union([v for v in others if "1" in v and _fold_il(v) in folded])
        return found

    def spans(self, view: _View, starts: frozenset[str]) -> Iterator[tuple[int, int, _Phrase]]:
        """Yield ``(start, end, phrase)`` for every occurrence, in token order."""
        variants = view.variants
        if variants:
            positions = range(len(view.tokens))
        else:  # the common case: only where a start token is (comprehension, no yield)
            positions = [i for i, tok in enumerate(view.tokens) if tok in starts]  # type: ignore[assignment]
        for i in positions:
            tok = view.tokens[i]
            phrases = self.candidates(tok) if tok in starts else []
            if variants and i in variants:
                phrases = phrases + [
                    p for v in variants[i] if v in starts for p in self.candidates(v)
                ]
            for phrase in phrases:
                if phrase.size == 1 or phrase.matches_at(view, i):
                    yield i, i + phrase.size, phrase


@dataclass(frozen=True, slots=True)
class Rule:
    """Block when a member of every group occurs within ``within`` consecutive tokens.

    For words that are fine alone but not together: "lingerie" and "child", "bloody" and
    "corpse", "kill all" and a people. Written ``@a + @b within N`` in the word list.
    """

    groups: tuple[str, ...]
    within: int

    def __str__(self) -> str:
        return " + ".join(f"@{g}" for g in self.groups) + f" within {self.within}"

    def fires(self, occurrences: Mapping[str, list[tuple[int, int]]]) -> bool:
        """Whether one occurrence per group fits in the window (leftmost one anchors it)."""
        if not all(g in occurrences for g in self.groups):
            return False
        if len(self.groups) == 2:  # the usual case: every pair
            first, second = (occurrences[g] for g in self.groups)
            return any(
                max(e1, e2) - min(s1, s2) <= self.within for s1, e1 in first for s2, e2 in second
            )
        events = sorted((s, e, g) for g in self.groups for s, e in occurrences[g])
        starts = [s for s, _, _ in events]
        for s0, e0, g0 in events:
            limit = s0 + self.within
            if e0 > limit:
                continue
            need = set(self.groups) - {g0}
            for s1, e1, g1 in events[bisect.bisect_left(starts, s0) :]:
                if s1 > limit:
                    break
                if e1 <= limit:
                    need.discard(g1)
            if not need:
                return True
        return False


def _constant(value: str) -> Callable[[str], str]:
    """A canonical-form function that names every phrase of a rule group by the group."""
    return lambda _phrase: value


def _phrases(
    texts: Iterable[str], canonical: Callable[[str], str], joined: bool = False
) -> list[_Phrase]:
    """Phrases for word-list entries; ``joined`` adds the words written together."""
    phrases = []
    for text in texts:
        tokens = _tokens(normalize(text))
        if not tokens:
            continue
        phrases.append(_Phrase.build(canonical(text), tokens))
        if joined and len(tokens) > 1:
            phrases.append(_Phrase.build(canonical(text), [_leet("".join(tokens))]))
    return phrases


_GROUP_RE = re.compile(r"^@(\w+)\s*:(.*)$")
_RULE_RE = re.compile(r"^@\w+(?:\s*\+\s*@\w+)+\s+within\s+(\d+)$")


@dataclass
class _WordList:
    terms: list[str]
    allowed: list[str]
    groups: dict[str, list[str]]
    rules: list[Rule]


def _parse_lines(lines: Iterable[str]) -> _WordList:
    """Parse word-list lines: terms, ``!`` allowed phrases, ``@`` groups and rules."""
    parsed = _WordList([], [], {}, [])
    for raw in lines:
        line = raw.split(_COMMENT, 1)[0].strip()
        if not line:
            continue
        if line.startswith(ALLOW_PREFIX):
            phrase = line[len(ALLOW_PREFIX) :].strip()
            if phrase:
                parsed.allowed.append(phrase)
        elif line.startswith(GROUP_PREFIX):
            group = _GROUP_RE.match(line)
            rule = _RULE_RE.match(line)
            if group:
                members = [m.strip() for m in group.group(2).split(",") if m.strip()]
                parsed.groups.setdefault(group.group(1).lower(), []).extend(members)
            elif rule:
                names = tuple(n.lower() for n in re.findall(r"@(\w+)", line))
                parsed.rules.append(Rule(names, int(rule.group(1))))
            else:
                raise ValueError(f"word list: cannot read {line!r} (group or rule)")
        else:
            parsed.terms.append(line)
    return parsed


def _read_lines(path: str | os.PathLike[str]) -> list[str]:
    with open(path, encoding="utf-8-sig") as handle:
        return handle.read().splitlines()


class ContentFilter:
    """Blocks prompts containing any configured term or rule (see module docstring).

    >>> f = ContentFilter(["nude", "sex"])
    >>> f.check("N U D E beach").term
    'nude'
    >>> f.is_blocked("a map of Sussex and Essex")
    False
    """

    def __init__(
        self,
        terms: Iterable[str],
        allowed_phrases: Iterable[str] = (),
        groups: Mapping[str, Iterable[str]] | None = None,
        rules: Iterable[Rule] = (),
    ) -> None:
        phrases: list[_Phrase] = []
        # Needles for the single-character-run check (joined term, canonical).
        needles: dict[str, str] = {}
        seen: set[str] = set()
        for term in terms:
            canonical = term.strip()
            tokens = _tokens(normalize(canonical))
            key = " ".join(tokens)
            if not tokens or key in seen:
                continue  # nothing matchable left, or a duplicate
            seen.add(key)
            phrases.append(_Phrase.build(canonical, tokens))
            joined = _leet("".join(tokens))
            if len(tokens) > 1 and joined not in seen:
                # "blow job" also matches "blowjob"
                seen.add(joined)
                phrases.append(_Phrase.build(canonical, [joined]))
            if len(joined) >= _MIN_RUN:
                needles.setdefault(joined, canonical)

        self._terms = tuple(dict.fromkeys(p.canonical for p in phrases))
        self._index = _PhraseIndex(phrases)
        self._needles = tuple(needles.items())
        self._folded_needles = tuple((_fold_il(n), c) for n, c in needles.items())
        self._allowed = _PhraseIndex(_phrases(allowed_phrases, lambda p: p.strip()))

        groups = {name.lower(): list(members) for name, members in (groups or {}).items()}
        self._rules = tuple(dict.fromkeys(rules))
        for rule in self._rules:
            missing = [g for g in rule.groups if g not in groups]
            if missing:
                raise ValueError(f"rule {rule} names unknown group(s): {', '.join(missing)}")
        used = {g for rule in self._rules for g in rule.groups}
        self._groups = _PhraseIndex(
            phrase
            for name, members in groups.items()
            if name in used
            for phrase in _phrases(members, _constant(name), joined=True)
        )

        # Every word of every phrase, plain and "1"-folded: look-alike readings outside it
        # cannot match anything (see _Reader).
        self._vocabulary = frozenset(
            form
            for index in (self._index, self._groups, self._allowed)
            for phrases in index.by_first.values()
            for phrase in phrases
            for position in phrase.forms + phrase.folded
            for form in position
        )

    # -- construction -----------------------------------------------------

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> ContentFilter:
        """Build from word-list lines (comments, blanks, ``!`` allowed phrases, ``@`` rules)."""
        parsed = _parse_lines(lines)
        return cls(parsed.terms, parsed.allowed, parsed.groups, parsed.rules)

    @classmethod
    def from_file(
        cls,
        path: str | os.PathLike[str] | None = None,
        extra_paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None = None,
    ) -> ContentFilter:
        """Load the default list (or ``path``) plus optional operator files.

        ``extra_paths`` may be a single path or an iterable of paths; ``None``
        and empty strings are ignored so the value of an unset or empty
        ``CONTENT_FILTER_EXTRA_TERMS_FILE`` can be passed straight through.
        A missing file raises ``FileNotFoundError`` and an unreadable group or
        rule line ``ValueError`` (misconfiguration is loud).
        """
        if extra_paths is None:
            extras: list[str | os.PathLike[str]] = []
        elif isinstance(extra_paths, str | os.PathLike):
            extras = [extra_paths]
        else:
            extras = list(extra_paths)
        lines = _read_lines(DEFAULT_TERMS_FILE if path is None else path)
        for extra in extras:
            if extra is not None and str(extra).strip():
                lines.extend(_read_lines(extra))
        return cls.from_lines(lines)

    # -- introspection ----------------------------------------------------

    @property
    def terms(self) -> tuple[str, ...]:
        """Canonical terms, in load order, without duplicates."""
        return self._terms

    @property
    def rules(self) -> tuple[str, ...]:
        """The co-occurrence rules as written (``@a + @b within N``), in load order."""
        return tuple(str(rule) for rule in self._rules)

    def __len__(self) -> int:
        return len(self._terms)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self._terms)} terms, {len(self._rules)} rules)"

    # -- checking ---------------------------------------------------------

    def is_blocked(self, prompt: str) -> bool:
        return self.check(prompt).blocked

    def check(self, prompt: str) -> FilterResult:
        if not prompt:
            return _ALLOWED
        folded = unicodedata.normalize("NFKD", prompt).casefold()
        uniform: list[list[str]] = []
        variants: dict[int, tuple[str, ...]]
        if prompt.isascii():  # no look-alike letters at all (the common case)
            text = folded.translate(_CHAR_TABLE)  # == normalize(prompt)
            tokens, variants = _tokens(text), {}
        else:
            text = folded.translate(_MARK_TABLE)
            if _AMBIGUOUS_RE.search(text) is None:
                tokens, variants = _tokens(text), {}
            else:
                reader = _Reader(text, self._vocabulary)
                tokens, variants, uniform = reader.tokens, reader.variants, reader.uniform
        view = _View(tokens, "1" in text, variants)
        term = self._match_terms(view) or self._match_rules(view) or self._match_runs(tokens)
        for alternate in uniform:
            term = term or self._match_runs(alternate)
        return _ALLOWED if term is None else FilterResult(blocked=True, term=term)

    def _is_allowed(self, view: _View, start: int, end: int) -> bool:
        """Whether ``tokens[start:end]`` lies inside an occurrence of an allowed phrase."""
        if view.allowed is None:  # computed lazily, on the first hit only
            starts = self._allowed.starts(view) if self._allowed else None
            view.allowed = (
                [(a, b) for a, b, _ in self._allowed.spans(view, starts)] if starts else []
            )
        return any(a <= start and end <= b for a, b in view.allowed)

    def _match_terms(self, view: _View) -> str | None:
        starts = self._index.starts(view)
        if starts:
            for start, end, phrase in self._index.spans(view, starts):
                if not self._is_allowed(view, start, end):
                    return phrase.canonical
        return None

    def _match_rules(self, view: _View) -> str | None:
        starts = self._groups.starts(view) if self._groups else None
        if not starts:
            return None
        # A rule can only fire when every one of its groups has a first word in the prompt;
        # most prompts hold a member of some group ("man", "child") and of no partner group.
        present = {p.canonical for tok in starts for p in self._groups.candidates(tok)}
        possible = [rule for rule in self._rules if present.issuperset(rule.groups)]
        if not possible:
            return None
        occurrences: dict[str, list[tuple[int, int]]] = {}
        for start, end, phrase in self._groups.spans(view, starts):
            if not self._is_allowed(view, start, end):
                occurrences.setdefault(phrase.canonical, []).append((start, end))
        for rule in possible:
            if rule.fires(occurrences):
                return str(rule)
        return None

    def _match_runs(self, tokens: list[str]) -> str | None:
        for joined in _single_char_runs(tokens):
            if "1" in joined:
                joined, needles = _fold_il(joined), self._folded_needles
            else:
                needles = self._needles
            for needle, canonical in needles:
                if needle in joined:
                    return canonical
        return None
