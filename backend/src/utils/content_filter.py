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

Word-list format (``blocked_terms.txt``): one term or phrase per line, ``#``
starts a comment, blank lines are ignored. A line starting with ``!`` declares
an allowed phrase: a match lying completely inside an occurrence of an allowed
phrase is ignored (e.g. ``!naked eye`` keeps "seen with the naked eye" usable,
while "naked woman" is still blocked).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEFAULT_TERMS_FILE",
    "EXTRA_TERMS_ENV_VAR",
    "ContentFilter",
    "FilterResult",
    "normalize",
]

DEFAULT_TERMS_FILE = Path(__file__).with_name("blocked_terms.txt")

#: Name of the environment variable the *caller* reads to find an operator's
#: extra word list (this module never reads ``os.environ``)::
#:
#:     ContentFilter.from_file(extra_paths=os.environ.get(EXTRA_TERMS_ENV_VAR))
EXTRA_TERMS_ENV_VAR = "CONTENT_FILTER_EXTRA_TERMS_FILE"

ALLOW_PREFIX = "!"
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


# --------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Phrase:
    """A term or allowed phrase as a sequence of normalised tokens."""

    canonical: str
    # Per position: accepted token forms, and the same folded for tokens with "1".
    forms: tuple[frozenset[str], ...]
    folded: tuple[frozenset[str], ...]

    @classmethod
    def build(cls, canonical: str, tokens: list[str]) -> _Phrase:
        forms = []
        for i, tok in enumerate(tokens):
            accepted = {tok}
            if i == len(tokens) - 1:  # simple plural on the last word only
                accepted.update((tok + "s", tok + "es"))
            forms.append(frozenset(accepted))
        folded = tuple(frozenset(_fold_il(f) for f in accepted) for accepted in forms)
        return cls(canonical, tuple(forms), folded)

    def __len__(self) -> int:
        return len(self.forms)

    def matches_at(self, tokens: list[str], start: int) -> bool:
        if start + len(self.forms) > len(tokens):
            return False
        for offset, (forms, folded) in enumerate(zip(self.forms, self.folded, strict=True)):
            tok = tokens[start + offset]
            if tok not in forms and ("1" not in tok or _fold_il(tok) not in folded):
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

    def starts(self, tokens: list[str], has_one: bool) -> frozenset[str]:
        """Tokens that can start a phrase (mostly set operations in C).

        ``has_one`` tells whether any token contains "1" (then i/l folding applies).
        """
        found = self._first.intersection(tokens)
        if has_one:
            folded = self.by_first_folded
            found = found.union([t for t in tokens if "1" in t and _fold_il(t) in folded])
        return found

    def spans(
        self, tokens: list[str], starts: frozenset[str]
    ) -> Iterator[tuple[int, int, _Phrase]]:
        """Yield ``(start, end, phrase)`` for every occurrence, in token order."""
        for i, tok in enumerate(tokens):
            if tok in starts:
                for phrase in self.candidates(tok):
                    if phrase.matches_at(tokens, i):
                        yield i, i + len(phrase), phrase


def _split_lines(lines: Iterable[str]) -> tuple[list[str], list[str]]:
    """Parse word-list lines into (terms, allowed phrases)."""
    terms: list[str] = []
    allowed: list[str] = []
    for raw in lines:
        line = raw.split(_COMMENT, 1)[0].strip()
        if not line:
            continue
        if line.startswith(ALLOW_PREFIX):
            phrase = line[len(ALLOW_PREFIX) :].strip()
            if phrase:
                allowed.append(phrase)
        else:
            terms.append(line)
    return terms, allowed


def _read_lines(path: str | os.PathLike[str]) -> list[str]:
    with open(path, encoding="utf-8-sig") as handle:
        return handle.read().splitlines()


class ContentFilter:
    """Blocks prompts containing any configured term (see module docstring).

    >>> f = ContentFilter(["nude", "sex"])
    >>> f.check("N U D E beach").term
    'nude'
    >>> f.is_blocked("a map of Sussex and Essex")
    False
    """

    def __init__(self, terms: Iterable[str], allowed_phrases: Iterable[str] = ()) -> None:
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

        allowed = []
        for phrase in allowed_phrases:
            tokens = _tokens(normalize(phrase))
            if tokens:
                allowed.append(_Phrase.build(phrase.strip(), tokens))
        self._allowed = _PhraseIndex(allowed)

    # -- construction -----------------------------------------------------

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> ContentFilter:
        """Build from word-list lines (comments, blanks and ``!`` allowed phrases)."""
        terms, allowed = _split_lines(lines)
        return cls(terms, allowed)

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
        A missing file raises ``FileNotFoundError`` (misconfiguration is loud).
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

    def __len__(self) -> int:
        return len(self._terms)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self._terms)} terms)"

    # -- checking ---------------------------------------------------------

    def is_blocked(self, prompt: str) -> bool:
        return self.check(prompt).blocked

    def check(self, prompt: str) -> FilterResult:
        if not prompt:
            return _ALLOWED
        text = normalize(prompt)
        tokens = _tokens(text)
        has_one = "1" in text
        starts = self._index.starts(tokens, has_one)
        term = self._match_tokens(tokens, starts, has_one) if starts else None
        if term is None:
            term = self._match_runs(tokens)
        return _ALLOWED if term is None else FilterResult(blocked=True, term=term)

    def _match_tokens(self, tokens: list[str], starts: frozenset[str], has_one: bool) -> str | None:
        allowed_spans: list[tuple[int, int]] | None = None
        for start, end, phrase in self._index.spans(tokens, starts):
            if allowed_spans is None:  # computed lazily, on the first hit only
                allowed_starts = self._allowed.starts(tokens, has_one) if self._allowed else None
                allowed_spans = (
                    [(a, b) for a, b, _ in self._allowed.spans(tokens, allowed_starts)]
                    if allowed_starts
                    else []
                )
            if not any(a <= start and end <= b for a, b in allowed_spans):
                return phrase.canonical
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
