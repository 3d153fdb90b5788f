"""Tests for utils.content_filter (keyword prompt filter)."""

from __future__ import annotations

import ast
import dataclasses
import re
import unicodedata
from pathlib import Path

import pytest

from utils import content_filter as cf
from utils.content_filter import (
    DEFAULT_TERMS_FILE,
    EXTRA_TERMS_ENV_VAR,
    ContentFilter,
    FilterResult,
    Rule,
    normalize,
)

DATA_DIR = Path(__file__).parent / "data"
_ESCAPE_RE = re.compile(r"\\u([0-9a-fA-F]{4})")


def load_corpus(name: str) -> list[str]:
    """Read a corpus file: one prompt per line, ``#`` comments, ``\\uXXXX`` escapes."""
    prompts = []
    for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        prompts.append(_ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), line))
    return prompts


SAFE_CORPUS = load_corpus("prompts_safe.txt")
UNSAFE_CORPUS = load_corpus("prompts_unsafe.txt")


@pytest.fixture(scope="module")
def default_filter() -> ContentFilter:
    return ContentFilter.from_file()


# ---------------------------------------------------------------------------
# Corpora: false-positive / false-negative rates
# ---------------------------------------------------------------------------


def test_corpora_have_expected_size() -> None:
    assert len(SAFE_CORPUS) >= 200
    assert len(UNSAFE_CORPUS) >= 100
    assert len(set(SAFE_CORPUS)) == len(SAFE_CORPUS), "duplicate safe prompts"
    assert len(set(UNSAFE_CORPUS)) == len(UNSAFE_CORPUS), "duplicate unsafe prompts"


def test_false_positive_and_false_negative_rates(default_filter: ContentFilter) -> None:
    """Tolerance is exactly zero for both rates on the shipped corpora."""
    false_positives = [p for p in SAFE_CORPUS if default_filter.is_blocked(p)]
    false_negatives = [p for p in UNSAFE_CORPUS if not default_filter.is_blocked(p)]
    fp_rate = len(false_positives) / len(SAFE_CORPUS)
    fn_rate = len(false_negatives) / len(UNSAFE_CORPUS)
    print(
        f"\ncontent filter: false-positive rate {fp_rate:.2%} "
        f"({len(false_positives)}/{len(SAFE_CORPUS)} safe prompts), "
        f"false-negative rate {fn_rate:.2%} "
        f"({len(false_negatives)}/{len(UNSAFE_CORPUS)} unsafe prompts)"
    )
    assert false_positives == []
    assert false_negatives == []
    assert fp_rate == 0.0
    assert fn_rate == 0.0


@pytest.mark.parametrize("prompt", SAFE_CORPUS)
def test_safe_corpus_prompt_passes(default_filter: ContentFilter, prompt: str) -> None:
    assert default_filter.check(prompt) == FilterResult(blocked=False, term=None)


@pytest.mark.parametrize("prompt", UNSAFE_CORPUS)
def test_unsafe_corpus_prompt_is_blocked(default_filter: ContentFilter, prompt: str) -> None:
    result = default_filter.check(prompt)
    assert result.blocked
    assert result.term in default_filter.terms + default_filter.rules


# ---------------------------------------------------------------------------
# Table-driven behaviour of the default list
# ---------------------------------------------------------------------------

# (prompt, canonical term reported)
BLOCKED_CASES = [
    ("nude", "nude"),
    ("nudes", "nude"),
    ("naked", "naked"),
    ("sex scene", "sex"),
    ("Sex", "sex"),
    ("rapes", "rape"),
    ("orgies", "orgies"),
    ("penises", "penis"),
    ("bloodbath", "blood bath"),
    ("blood-bath", "blood bath"),
    ("gangbang", "gangbang"),
    ("non consensual", "non consensual"),
    ("nonconsensual", "non consensual"),  # joined form of the listed phrase
    ("severed heads", "severed head"),
    # obfuscation
    ("n a k e d", "naked"),
    ("n.s.f.w", "nsfw"),
    ("n-u-d-e", "nude"),
    ("n_u_d_e", "nude"),
    ("a n u d e", "nude"),  # leading single-letter word joined into the run
    ("n\u200bu\u200cd\u200de", "nude"),
    ("nu\u2060de", "nude"),
    ("nu\ufeffde", "nude"),
    ("nu\u00adde", "nude"),
    ("n\u0332u\u0332d\u0332e\u0332", "nude"),
    ("nu\u0308de", "nude"),
    ("NÜDE", "nude"),
    ("\uff2e\uff35\uff24\uff25", "nude"),  # fullwidth
    ("\u0455\u0435\u0445", "sex"),  # Cyrillic dze, ie, ha
    ("\u0440\u043ern", "porn"),  # Cyrillic er, o + Latin rn
    ("h\u0456nt\u0430i", None),  # "hintai" is not a term: homoglyphs map exactly
    ("p0rn", "porn"),
    ("s3x", "sex"),
    ("$ex", "sex"),
    ("@nal", "anal"),
    ("1oli", "loli"),
    ("l0l1", "loli"),
    ("n1pple", "nipple"),
    ("5 3 x", "sex"),  # spaced leetspeak
    ("s.3.x", "sex"),
    ("p-0-r-n", "porn"),
]


@pytest.mark.parametrize(("prompt", "term"), BLOCKED_CASES)
def test_blocked_cases(default_filter: ContentFilter, prompt: str, term: str | None) -> None:
    if term is None:
        assert not default_filter.is_blocked(prompt)
    else:
        assert default_filter.check(prompt) == FilterResult(blocked=True, term=term)


ALLOWED_CASES = [
    "whatever",
    "chateau",
    "Scunthorpe",
    "assassin's creed",
    "cocktail",
    "blood orange",
    "therapist",
    "Sussex",
    "Essex",
    "Middlesex",
    "grape",
    "analysis",
    "cumulus clouds",
    "button",
    "shitake",  # decision: "shit" is profanity, not NSFW imagery, and is not listed
    "shiitake mushrooms",
    "hello kitty",
    "peacock",
    "spice rack",
    "title",
    # numbers are never leetspeak
    "455",
    "1999",
    "5 3 0",
    "7 5 5",
    "$55",
    # allowed phrases
    "the naked eye",
    "naked mole rats",
    "Gore-Tex",
    "Al Gore's house",
    "oilseed rape",
    # only runs of single characters are joined, not word fragments
    "the pen is mightier",
]


@pytest.mark.parametrize("prompt", ALLOWED_CASES)
def test_allowed_cases(default_filter: ContentFilter, prompt: str) -> None:
    assert default_filter.check(prompt) == FilterResult(blocked=False, term=None)


def test_allowed_phrase_only_covers_its_own_occurrence(default_filter: ContentFilter) -> None:
    assert not default_filter.is_blocked("visible to the naked eye")
    assert default_filter.check("a naked man, visible to the naked eye").term == "naked"
    assert default_filter.check("visible to the naked eye: a naked man").term == "naked"
    assert default_filter.check("Al Gore and gore").term == "gore"


def test_known_trade_off_alphanumeric_codes_are_treated_as_leetspeak(
    default_filter: ContentFilter,
) -> None:
    # Accepted false positive: a code like "5EX" cannot be told apart from "sex".
    assert default_filter.check("licence plate 5EX 455").term == "sex"


# ---------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------

NORMALIZE_CASES = [
    ("Hello, World!", "hello  world "),
    ("ｆｕｌｌｗｉｄｔｈ", "fullwidth"),
    ("naïve café", "naive cafe"),
    ("n\u0332u\u0332d\u0332e\u0332", "nude"),
    ("zero\u200bwidth\u2060joined\ufeff", "zerowidthjoined"),
    ("soft\u00adhyphen", "softhyphen"),
    ("snake_case-word", "snake case word"),
    ("it's", "its"),
    ("\u0430\u0435\u043e\u0440\u0441\u0445\u0443\u0456\u0455", "aeopcxyis"),  # Cyrillic
    ("\u03b1\u03bf\u03c1\u03c4\u03ba", "aoptk"),  # Greek
    ("STRASSE straße", "strasse strasse"),
    ("\U0001d427\U0001d42e\U0001d41d\U0001d41e", "nude"),  # mathematical bold
    ("\u24dd\u24e4\u24d3\u24d4", "nude"),  # circled
    ("p0rn $5 @x", "p0rn $5 @x"),  # leetspeak is token-dependent, not done here
]


@pytest.mark.parametrize(("text", "expected"), NORMALIZE_CASES)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_normalize_is_idempotent_for_every_code_point() -> None:
    # Uses a private table so the shared cache is not filled by this test.
    table = cf._build_char_table()

    def norm(text: str) -> str:
        return unicodedata.normalize("NFKD", text).casefold().translate(table)

    unstable = []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        once = norm(chr(cp))
        if norm(once) != once:
            unstable.append(hex(cp))
    assert unstable == []


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("p0rn", "porn"),
        ("s3x", "sex"),
        ("$ex", "sex"),
        ("@ss", "ass"),
        ("h4x0r", "haxor"),
        ("n1pple", "n1pple"),  # "1" is resolved by i/l folding, not here
        ("455", "455"),
        ("$50", "$50"),
        ("@", "@"),
    ],
)
def test_leet_only_applies_to_tokens_with_letters(token: str, expected: str) -> None:
    assert cf._leet(token) == expected


# ---------------------------------------------------------------------------
# Construction, word-list files and operator extension
# ---------------------------------------------------------------------------


def test_default_list_is_shipped_beside_module() -> None:
    assert DEFAULT_TERMS_FILE.name == "blocked_terms.txt"
    assert DEFAULT_TERMS_FILE.parent == Path(cf.__file__).parent
    assert DEFAULT_TERMS_FILE.is_file()


def test_default_list_contents(default_filter: ContentFilter) -> None:
    terms = set(default_filter.terms)
    for term in ("nude", "naked", "nsfw", "porn", "sex", "hentai", "gore", "rape", "csam", "loli"):
        assert term in terms
    assert len(default_filter) == len(default_filter.terms) > 100
    assert "terms" in repr(default_filter)
    assert "rules" in repr(default_filter)


def test_constructor_takes_any_iterable_of_terms() -> None:
    f = ContentFilter(t for t in ["Banana Split", "kiwi"])
    assert f.terms == ("Banana Split", "kiwi")
    assert f.check("a BANANA-SPLIT sundae") == FilterResult(True, "Banana Split")
    assert f.check("bananasplit").term == "Banana Split"
    assert f.check("kiwis").term == "kiwi"
    assert not f.is_blocked("banana")


def test_constructor_ignores_duplicates_and_unmatchable_terms() -> None:
    f = ContentFilter(["kiwi", "KIWI", " kiwi ", "", "   ", "!!!", "---"])
    assert f.terms == ("kiwi",)


def test_empty_term_list_blocks_nothing() -> None:
    f = ContentFilter([])
    assert len(f) == 0
    assert f.check("nude") == FilterResult(False, None)
    assert f.check("n u d e") == FilterResult(False, None)


def test_from_lines_handles_comments_blanks_and_allowed_phrases() -> None:
    f = ContentFilter.from_lines(
        [
            "# full-line comment",
            "",
            "   ",
            "kiwi  # inline comment",
            "  mango  ",
            "!kiwi bird",
            "!   ",
            "#papaya",
        ]
    )
    assert f.terms == ("kiwi", "mango")
    assert not f.is_blocked("papaya")
    assert not f.is_blocked("a kiwi bird in New Zealand")
    assert f.check("kiwi bird eating a kiwi").term == "kiwi"
    assert f.check("MANGO").term == "mango"


def test_from_file_with_extra_operator_file(tmp_path: Path, default_filter: ContentFilter) -> None:
    extra = tmp_path / "extra_terms.txt"
    extra.write_text(
        "# operator additions\n\nkiwi\nbanana split\n!kiwi bird\n",
        encoding="utf-8",
    )
    assert not default_filter.is_blocked("kiwi")

    f = ContentFilter.from_file(extra_paths=extra)
    assert f.check("a kiwi").term == "kiwi"
    assert f.check("b a n a n a s p l i t").term == "banana split"
    assert not f.is_blocked("a kiwi bird")
    # the default list is still loaded
    assert f.check("nude").term == "nude"
    assert len(f) == len(default_filter) + 2


def test_from_file_accepts_str_list_none_and_empty_extra(tmp_path: Path) -> None:
    one = tmp_path / "one.txt"
    two = tmp_path / "two.txt"
    one.write_text("kiwi\n", encoding="utf-8")
    two.write_text("\ufeffmango\n", encoding="utf-8")  # BOM tolerated

    assert ContentFilter.from_file(extra_paths=str(one)).is_blocked("kiwi")
    both = ContentFilter.from_file(extra_paths=[one, str(two)])
    assert both.is_blocked("kiwi")
    assert both.is_blocked("mango")
    # unset / empty env var values are ignored
    base = len(ContentFilter.from_file())
    assert len(ContentFilter.from_file(extra_paths=None)) == base
    assert len(ContentFilter.from_file(extra_paths="")) == base
    assert len(ContentFilter.from_file(extra_paths=["", None])) == base


def test_from_file_with_custom_primary_list(tmp_path: Path) -> None:
    primary = tmp_path / "terms.txt"
    primary.write_text("# only fruit\nkiwi\n\n", encoding="utf-8")
    f = ContentFilter.from_file(primary)
    assert f.terms == ("kiwi",)
    assert not f.is_blocked("nude")


def test_from_file_missing_extra_file_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        ContentFilter.from_file(extra_paths=tmp_path / "missing.txt")


def test_env_var_name_is_exported_and_module_does_not_read_environ(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert EXTRA_TERMS_ENV_VAR == "CONTENT_FILTER_EXTRA_TERMS_FILE"
    extra = tmp_path / "extra.txt"
    extra.write_text("kiwi\n", encoding="utf-8")
    monkeypatch.setenv(EXTRA_TERMS_ENV_VAR, str(extra))
    assert not ContentFilter.from_file().is_blocked("kiwi")
    # the caller passes the path explicitly
    assert ContentFilter.from_file(extra_paths=str(extra)).is_blocked("kiwi")
    tree = ast.parse(Path(cf.__file__).read_text(encoding="utf-8"))
    names = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    names |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    assert not names & {"environ", "getenv", "environb"}


# ---------------------------------------------------------------------------
# Result type and edge cases
# ---------------------------------------------------------------------------


def test_filter_result_is_frozen() -> None:
    result = FilterResult(blocked=True, term="nude")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.blocked = False  # type: ignore[misc]


@pytest.mark.parametrize("prompt", ["", " ", "\n\t", "\u200b\u200b", "!!!", "___"])
def test_empty_or_blank_prompt_is_allowed(default_filter: ContentFilter, prompt: str) -> None:
    assert default_filter.check(prompt) == FilterResult(blocked=False, term=None)
    assert default_filter.is_blocked(prompt) is False


def test_very_long_prompt(default_filter: ContentFilter) -> None:
    # Prompts are kept further apart than the widest rule window: two safe prompts side by
    # side may combine into a refused one (a cut crystal watch on a wrist + a razor).
    safe = " and, in another picture with nothing in common, ".join(SAFE_CORPUS)
    long_safe = (safe + " ") * (200_000 // len(safe) + 1)
    assert len(long_safe) > 200_000
    assert not default_filter.is_blocked(long_safe)
    middle = len(long_safe) // 2
    assert default_filter.check(long_safe[:middle] + " nude " + long_safe[middle:]).term == "nude"
    assert default_filter.check(long_safe + " p0rn").term == "porn"


def test_very_long_single_character_run(default_filter: ContentFilter) -> None:
    run = " ".join("abcdefghijklmnopqrstuvwxyz" * 4000)
    assert not default_filter.is_blocked(run)
    assert default_filter.check(run + " s e x").term == "sex"


def test_many_distinct_code_points(default_filter: ContentFilter) -> None:
    prompt = "".join(chr(cp) for cp in range(0x4E00, 0x4E00 + 5000))
    assert not default_filter.is_blocked(prompt)
    assert default_filter.check(prompt + " nude").term == "nude"


# ---------------------------------------------------------------------------
# Look-alike letters with more than one Latin reading (issue 13, item 10)
# ---------------------------------------------------------------------------

LOOKALIKE_CASES = [
    ("\u03bdude", "nude"),  # Greek small nu, drawn like v, read as n
    ("\u039dUDE", "nude"),  # Greek capital Nu, casefolded to nu
    ("\u03bd u d e", "nude"),  # in a single-character run
    ("\u03bdaked", "naked"),
    ("\u03b7aked", "naked"),  # eta as n
    ("p\u03bfr\u03b7", "porn"),  # eta at the end
    ("\u03c1\u03bfrn", "porn"),  # rho as p
    ("s\u03b5\u03c7", "sex"),
    ("\u03c3ex", "sex"),  # sigma as s
    ("\u03b2\u03b9\u03b1\u03bd\u03bb", None),  # a Greek word that reads as nothing listed
    ("\u0438ude", "nude"),  # Cyrillic i, a mirrored N
    ("\u043fude", "nude"),  # Cyrillic pe, drawn like n
    ("\u13c1aked", "naked"),  # Cherokee
    ("\ua4e0\ua4f4\ua4d3\ua4f0", "nude"),  # Lisu
    ("\u0455uicide", "suicide"),
    ("\u03bd\u03c5\u03b4\u03b5 \u03bd\u03c5\u03b4\u03b5 \u03bd\u03c5\u03b4\u03b5", "nude"),
]


@pytest.mark.parametrize(("prompt", "term"), LOOKALIKE_CASES)
def test_lookalike_letters_of_other_scripts(
    default_filter: ContentFilter, prompt: str, term: str | None
) -> None:
    assert default_filter.check(prompt) == FilterResult(blocked=term is not None, term=term)


def test_lookalike_readings_stay_bounded() -> None:
    assert cf._readings("\u03bdude") == ("vude", {"nude"})  # tokens as _MARK_TABLE leaves them
    # nu (v, n) and upsilon (u, y, v): every combination
    assert cf._readings("\u03bd\u03c5") == ("vu", {"vy", "vv", "nu", "ny", "nv"})
    # 40 ambiguous letters: too many combinations, only the uniform readings
    assert cf._readings("\u03bd" * 40) == ("v" * 40, {"n" * 40})
    f = ContentFilter(["vn"])
    assert f.check("\u03bd\u03bd").term == "vn"  # a mixed reading of two letters
    assert f.check("v\u03bd").term == "vn"


def test_lookalike_readings_outside_the_word_list_are_dropped() -> None:
    f = ContentFilter(["nude"])
    reader = cf._Reader(cf.normalize("\u03bdude \u03bdote").replace("v", "\u03bd"), f._vocabulary)
    assert reader.tokens == ["vude", "vote"]
    assert reader.variants == {0: ("nude",)}  # "note" is no word of the list
    assert reader.uniform == []  # no single-letter token: runs need no other reading


def test_plain_latin_v_is_not_read_as_n(default_filter: ContentFilter) -> None:
    assert not default_filter.is_blocked("vude")
    assert not default_filter.is_blocked("vaked")


# ---------------------------------------------------------------------------
# Co-occurrence rules
# ---------------------------------------------------------------------------


def _rule_filter(window: int = 3) -> ContentFilter:
    return ContentFilter.from_lines(
        [
            "@fruit: kiwi, blood orange",
            "@knife: knife, cleaver",
            f"@fruit + @knife within {window}",
            "!kiwi bird",
        ]
    )


def test_rule_blocks_groups_inside_window_in_either_order() -> None:
    f = _rule_filter()
    rule = "@fruit + @knife within 3"
    assert f.rules == (rule,)
    assert f.check("a kiwi knife").term == rule  # span of 2 words
    assert f.check("knife on kiwis").term == rule  # plurals, either order
    assert f.check("a blood-orange cleaver").term == rule  # phrase member
    assert f.check("a bloodorange cleaver").term == rule  # joined phrase member
    assert f.check("a k1w1 kn1fe").term == rule  # leetspeak
    assert not f.is_blocked("kiwi on a wooden knife")  # span of 4 words
    assert not f.is_blocked("kiwi")
    assert not f.is_blocked("knife")


def test_rule_window_is_the_span_of_all_words() -> None:
    assert not _rule_filter(3).is_blocked("a blood orange cut knife")  # 2 + 1 + 1 words
    assert _rule_filter(4).is_blocked("a blood orange cut knife")


def test_rule_member_inside_allowed_phrase_does_not_count() -> None:
    f = _rule_filter()
    assert not f.is_blocked("a kiwi bird knife")
    assert f.is_blocked("a kiwi bird, kiwi knife")


def test_rule_with_three_groups_needs_all_in_one_window() -> None:
    f = ContentFilter.from_lines(["@a: red", "@b: green", "@c: blue", "@a + @b + @c within 3"])
    assert f.check("red green blue").term == "@a + @b + @c within 3"
    assert f.is_blocked("blue, red green")
    assert not f.is_blocked("red green and blue")  # span of 4
    assert not f.is_blocked("red green, green red")  # no blue


@pytest.mark.parametrize(
    "lines",
    [
        ["@a: kiwi", "@a + @missing within 3"],  # unknown group
        ["@a kiwi"],  # neither a group nor a rule
        ["@a: kiwi", "@a + @a"],  # rule without a window
    ],
)
def test_bad_group_or_rule_lines_raise(lines: list[str]) -> None:
    with pytest.raises(ValueError):
        ContentFilter.from_lines(lines)


def test_groups_without_a_rule_block_nothing() -> None:
    f = ContentFilter([], groups={"a": ["kiwi"], "b": ["knife"]})
    assert not f.is_blocked("kiwi knife")
    assert f.rules == ()


def test_rule_object_and_constructor() -> None:
    rule = Rule(("fruit", "knife"), 2)
    assert str(rule) == "@fruit + @knife within 2"
    f = ContentFilter([], groups={"Fruit": ["kiwi"], "knife": ["knife"]}, rules=[rule, rule])
    assert f.rules == ("@fruit + @knife within 2",)
    assert f.is_blocked("kiwi knife")


def test_default_list_has_a_rule_per_issue_category(default_filter: ContentFilter) -> None:
    cases = {
        "a little girl in lingerie": "@minor",
        "a bloody corpse": "@gore_state",
        "a woman hanging herself": "@self_hurt",
        "razor cuts on her wrist": "@cutting",
        "kill all muslims": "@hate_violence",
        "a racist caricature": "@hate_adj",
        "nazi propaganda": "@extremist",
    }
    for prompt, group in cases.items():
        term = default_filter.check(prompt).term
        assert term is not None and term.startswith(group + " + "), (prompt, term)
