"""Brand rules: the machine-checkable part of a brand's guidelines, in `rules.toml`.

A rules file is a list of ``[[rule]]`` tables. Every rule has ``name``, ``kind``
and ``message`` and may have ``severity`` (info | warn | alert, default warn)
and ``platforms`` (apply only on these). The kinds:

* ``existence``: flag each use of ``terms`` (literal words or phrases; a term
  starting with ``re:`` is a regular expression). ``ignorecase`` (default true).
* ``substitution``: ``swap = { "wrong" = "right", ... }``; each hit carries the
  replacement (capitalised like the word it replaces). ``ignorecase`` (default true).
* ``occurrence``: at most ``max`` matches of ``pattern`` per post; pattern is one
  of hashtag, mention, link, emoji, exclamation, question, or ``re:REGEX``. The
  matches past the limit are flagged.
* ``length``: ``limits = { x = 280, ... }`` characters per platform (and an
  optional ``default`` used when the platform is unknown); the overflow is flagged.
* ``person``: the account speaks as ``expect = "we"`` (default) or ``"i"``;
  each word of the other person is flagged with its replacement.
* ``required``: ``pattern`` must appear, either always or only when ``when``
  matches (then the trigger is the hit's span; otherwise the end of the post).

Messages may use placeholders: {match} and {replacement} (existence,
substitution, person, occurrence), {count} and {max} (occurrence), {length},
{limit} and {platform} (length).

`load_rules(text, filename)` validates the whole file and raises `RulesError`
naming the file, the rule (1-based index and name) and the field.

Every pattern and term of the file is run by RE2 (google-re2), whose time is
linear in the text whatever the pattern, so no rule can freeze the agent: a
``re:`` pattern is written in RE2's syntax (no lookaround, no backreferences;
``\\w``, ``\\d``, ``\\s`` and ``\\b`` are ASCII) and one RE2 refuses is refused at
load with its reason. The file's size, its number of rules, terms and the size
of each pattern are limited (the MAX_ constants below; docs/quality.md).
"""

from __future__ import annotations

import re
import string
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import re2  # type: ignore[import-untyped]

from agent.findings import Hint, Severity
from agent.platforms import PLATFORM_ALIASES, PLATFORMS
from agent.text.style import EMOJI, HASHTAG, MENTION, URL, marks

KINDS = ("existence", "substitution", "occurrence", "length", "person", "required")
SEVERITIES = ("info", "warn", "alert")
NAMED_PATTERNS: dict[str, re.Pattern[str]] = {
    "hashtag": HASHTAG,
    "mention": MENTION,
    "link": URL,
    "url": URL,
    "emoji": EMOJI,
    "exclamation": re.compile("!"),
    "question": re.compile(r"\?"),
}
# Limits of a rules file (docs/quality.md): each refusal is one line that names
# the file (and the rule and field).
MAX_RULES_BYTES = 256 * 1024  # of UTF-8
MAX_RULES = 500
MAX_TERMS = 2_000  # terms of an existence rule, entries of a substitution's swap
MAX_PATTERN_CHARS = 1_000  # each term and each pattern
# RE2 program size (instructions) of one compiled matcher, and of all of them:
# a huge program can leave RE2's fast DFA for its slower (still linear) NFA.
MAX_PROGRAM = 20_000
MAX_PROGRAM_TOTAL = 100_000
COMMON = {"name", "kind", "message", "severity", "platforms"}
FIELDS: dict[str, set[str]] = {
    "existence": COMMON | {"terms", "ignorecase"},
    "substitution": COMMON | {"swap", "ignorecase"},
    "occurrence": COMMON | {"pattern", "max", "ignorecase"},
    "length": COMMON | {"limits", "default"},
    "person": COMMON | {"expect"},
    "required": COMMON | {"pattern", "when"},
}
PLACEHOLDERS: dict[str, set[str]] = {
    "existence": {"match"},
    "substitution": {"match", "replacement"},
    "occurrence": {"match", "count", "max"},
    "length": {"length", "limit", "platform"},
    "person": {"match", "replacement"},
    "required": set(),
}

# First-person words and their counterparts, longest first so "I'm" is one hit.
_SINGULAR_TO_PLURAL = {
    "i am": "we are",
    "i was": "we were",
    "i'm": "we're",
    "i’m": "we’re",
    "i've": "we've",
    "i’ve": "we’ve",
    "i'll": "we'll",
    "i’ll": "we’ll",
    "i'd": "we'd",
    "i’d": "we’d",
    "myself": "ourselves",
    "mine": "ours",
    "my": "our",
    "me": "us",
    "i": "we",
    # Bahasa Indonesia: formal, everyday and Jakarta-slang "I" all become "kami"
    # (the "we" that leaves the reader out, as a company speaks).
    "saya": "kami",
    "aku": "kami",
    "gue": "kami",
    "gua": "kami",
    "gw": "kami",
}
_PLURAL_TO_SINGULAR = {
    "we are": "I am",
    "we were": "I was",
    "we're": "I'm",
    "we’re": "I’m",
    "we've": "I've",
    "we’ve": "I’ve",
    "we'll": "I'll",
    "we’ll": "I’ll",
    "we'd": "I'd",
    "we’d": "I’d",
    "ourselves": "myself",
    "ours": "mine",
    "our": "my",
    "us": "me",
    "we": "I",
    "kami": "saya",
}


# What a rule's check finds: start, end, the matched text, its replacement (None
# where there is none), and evidence for the hint.
Match = tuple[int, int, str, str | None, dict[str, Any]]


class RulesError(ValueError):
    """A rules file that cannot be used; the message names file, rule and field."""


@dataclass
class Rule:
    index: int
    name: str
    kind: str
    message: str
    severity: Severity
    platforms: frozenset[str] | None
    check: Callable[[str, str | None], list[Match]]
    cost: int = 0  # RE2 instructions of the rule's matchers

    def applies(self, platform: str | None) -> bool:
        return self.platforms is None or (platform is not None and platform in self.platforms)


@dataclass
class RuleSet:
    rules: list[Rule] = field(default_factory=list)
    filename: str = "rules.toml"
    text: str = ""  # the source, so it can be stored and shown as written

    def __len__(self) -> int:
        return len(self.rules)

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.rules]

    def check(self, text: str, platform: str | None = None) -> list[Hint]:
        """One hint per broken rule, in reading order of their first match. A
        hint's span is its first match; its evidence lists every match
        (`matches`: span, text, replacement) and the message says which words
        were caught ("Found: 'I' ×5 → 'we'")."""
        plat = _platform(platform)
        hints: list[Hint] = []
        for rule in self.rules:
            if not rule.applies(plat):
                continue
            found = sorted(rule.check(text, plat), key=lambda m: (m[0], m[1]))
            if found:
                hints.append(_rule_hint(rule, found))
        hints.sort(key=lambda h: (h.span or (0, 0), h.evidence["rule"]))
        return hints


MAX_SHOWN = 6  # distinct words a rule hint's message names; the rest are counted


def _rule_hint(rule: Rule, found: list[Match]) -> Hint:
    start, end, match, replacement, extra = found[0]
    values = {"match": match, "replacement": replacement or "", **extra}
    evidence: dict[str, Any] = {"rule": rule.name, "kind": rule.kind, "match": match}
    if replacement is not None:
        evidence["replacement"] = replacement
    evidence.update(extra)
    evidence["hits"] = len(found)
    evidence["matches"] = [
        {"span": [s, e], "text": m, **({"replacement": r} if r is not None else {})}
        for s, e, m, r, _ in found
    ]
    message = _fill(rule.message, values)
    words = _caught(rule.kind, found)
    fills = {ph for _, ph, _, _ in string.Formatter().parse(rule.message) if ph}
    if len(words) == 1 and fills & {"match", "replacement"}:
        n = words[0][2]
        message += f" (×{n})" if n > 1 else ""  # the message already names the word
    elif words:
        shown = [_say(m, r, n) for m, r, n in words[:MAX_SHOWN]]
        more = len(words) - MAX_SHOWN
        message += " Found: " + ", ".join(shown) + (f" and {more} more" if more > 0 else "") + "."
    return Hint(
        kind="rule",
        severity=rule.severity,
        message=message,
        span=(start, end),
        evidence=evidence,
    )


def _caught(kind: str, found: list[Match]) -> list[tuple[str, str | None, int]]:
    """The distinct words a rule caught, (as first written, replacement, times),
    in reading order; "I" -> "we" and a sentence's "I" -> "We" are one word,
    shown with its most frequent replacement (the lower-case one in a tie).
    None for a length (the overflow is no word) or a missing pattern."""
    if kind == "length":
        return []
    groups: dict[tuple[str, str | None], tuple[str, list[str | None]]] = {}
    for _, _, m, r, _ in found:
        if not m.strip():
            continue
        key = (" ".join(m.split()).casefold(), None if r is None else r.casefold())
        groups.setdefault(key, (m, []))[1].append(r)

    def usual(reps: list[str | None]) -> str | None:  # mid-sentence form wins a tie
        times = Counter(reps)
        return max(times, key=lambda r: (times[r], r == (r or "").lower()))

    return [(m, usual(reps), len(reps)) for m, reps in groups.values()]


def _say(match: str, replacement: str | None, times: int) -> str:
    shown = f"'{_show(' '.join(match.split()), 40)}'"
    if times > 1:
        shown += f" ×{times}"
    if replacement is not None:
        shown += f" → '{replacement}'" if replacement else " → delete"
    return shown


# -- loading -------------------------------------------------------------------
def load_rules(text: str, filename: str = "rules.toml") -> RuleSet:
    if len(text) > MAX_RULES_BYTES or len(text.encode("utf-8", "replace")) > MAX_RULES_BYTES:
        raise RulesError(
            f"{filename}: larger than {MAX_RULES_BYTES // 1024} KiB, the limit of a rules "
            "file; keep the rules the brand needs"
        )
    if "\x00" in text:
        raise RulesError(f"{filename}: binary data, not TOML; name a rules.toml text file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{filename}: not valid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses once per level of nested arrays and tables
        raise RulesError(
            f"{filename}: not valid rules: arrays or tables nested too deeply"
        ) from None
    unknown = set(data) - {"rule"}
    if unknown:
        key = sorted(unknown)[0]
        hint = " (rules are written as [[rule]] tables)" if key in ("rules", "Rule") else ""
        raise RulesError(f"{filename}: unknown top-level key '{key}'{hint}")
    raw = data.get("rule", [])
    if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        raise RulesError(f"{filename}: 'rule' must be written as [[rule]] tables")
    if len(raw) > MAX_RULES:
        raise RulesError(
            f"{filename}: {len(raw):,} rules, over the limit of {MAX_RULES:,}; "
            "keep the rules the brand needs"
        )
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    cost = 0
    for i, spec in enumerate(raw, start=1):
        rule = _parse_rule(spec, i, filename)
        if rule.name in seen:
            raise RulesError(
                f"{filename}: rule {i} '{_show(rule.name)}': field 'name' repeats rule "
                f"{seen[rule.name]}"
            )
        seen[rule.name] = i
        rules.append(rule)
        cost += rule.cost
        if cost > MAX_PROGRAM_TOTAL:
            raise RulesError(
                f"{filename}: rule {i} '{_show(rule.name)}': the rules' patterns and terms "
                f"together are too large ({cost:,} RE2 instructions by this rule, over the "
                f"limit of {MAX_PROGRAM_TOTAL:,}); use fewer or shorter terms"
            )
    return RuleSet(rules=rules, filename=filename, text=text)


class _Fields:
    """Typed access to one rule's table, with errors that say where."""

    def __init__(self, spec: dict[str, Any], index: int, filename: str) -> None:
        self.spec = spec
        self.index = index
        self.filename = filename
        self.cost = 0  # RE2 instructions of the matchers compiled so far
        name = spec.get("name")
        self.label = (
            f"rule {index} '{_show(name)}'" if isinstance(name, str) and name else f"rule {index}"
        )

    def fail(self, fld: str, problem: str) -> RulesError:
        return RulesError(f"{self.filename}: {self.label}: field '{fld}' {problem}")

    def str_(self, fld: str, required: bool = True, default: str | None = None) -> str | None:
        v = self.spec.get(fld)
        if v is None:
            if required:
                raise self.fail(fld, "is required")
            return default
        if not isinstance(v, str):
            raise self.fail(fld, f"must be a string, not {_tname(v)}")
        if not v.strip():
            raise self.fail(fld, "must not be empty")
        return v

    def table(self, fld: str, shape: str) -> dict[str, Any]:
        """A required, non-empty table; `shape` says what it must be."""
        v = self.spec.get(fld)
        if v is None:
            raise self.fail(fld, "is required")
        if not isinstance(v, dict) or not v:
            raise self.fail(fld, f"must be {shape}")
        return v

    def bool_(self, fld: str, default: bool) -> bool:
        v = self.spec.get(fld, default)
        if not isinstance(v, bool):
            raise self.fail(fld, f"must be true or false, not {_tname(v)}")
        return v

    def int_(self, fld: str, required: bool = True, minimum: int = 0) -> int | None:
        v = self.spec.get(fld)
        if v is None:
            if required:
                raise self.fail(fld, "is required")
            return None
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.fail(fld, f"must be an integer, not {_tname(v)}")
        if v < minimum:
            raise self.fail(fld, f"must be at least {minimum}, not {v}")
        return v

    def pattern(self, fld: str, source: str, ignorecase: bool = False, count: bool = True) -> Any:
        """A user's regular expression compiled alone, for a precise error."""
        if len(source) > MAX_PATTERN_CHARS:
            raise self.fail(
                fld,
                f"has a pattern of {len(source):,} characters, over the limit of "
                f"{MAX_PATTERN_CHARS:,}",
            )
        return self.compile(fld, source, ignorecase, user=True, count=count)

    def compile(
        self, fld: str, source: str, ignorecase: bool, user: bool = False, count: bool = True
    ) -> Any:
        """`source` compiled by RE2, or the field refused with RE2's reason."""
        opts = re2.Options()
        opts.log_errors = False
        opts.case_sensitive = not ignorecase
        try:
            rx = re2.compile(source, opts)
        except re2.error as exc:
            reason = _re2_reason(exc)
            if user:
                try:  # Python's message says where a plain syntax error is
                    re.compile(source, re.I if ignorecase else 0)
                except re.error as py:
                    where = f" at position {py.pos}" if py.pos is not None else ""
                    raise self.fail(
                        fld, f"is not a valid regular expression: {py.msg}{where}"
                    ) from None
                except (RecursionError, OverflowError):
                    pass
            if "too large" in reason:
                raise self.fail(
                    fld, "is too large to compile; use fewer or shorter terms"
                ) from None
            raise self.fail(
                fld,
                f"uses what onbrand's pattern engine (RE2) does not run: {reason} "
                "(no lookaround or backreferences; see docs/quality.md)",
            ) from None
        size = int(rx.programsize)
        if size > MAX_PROGRAM:
            raise self.fail(
                fld,
                f"is too large ({size:,} RE2 instructions, over the limit of {MAX_PROGRAM:,}); "
                "use fewer or shorter terms",
            )
        if count:
            self.cost += size
        return rx


def _re2_reason(exc: Exception) -> str:
    msg = exc.args[0] if exc.args else str(exc)
    if isinstance(msg, bytes):
        msg = msg.decode("utf-8", "replace")
    return _show(str(msg), 120)


def _show(value: str, limit: int = 60) -> str:
    """A user's value quoted in a one-line message: control characters escaped,
    long values cut."""
    out = "".join(c if c.isprintable() else repr(c)[1:-1] for c in value[: limit + 1])
    return out if len(value) <= limit else out[:limit] + "..."


class _Utf8:
    """A text as RE2 reads it (UTF-8 bytes) and the way back from byte offsets
    to Python string offsets."""

    def __init__(self, text: str) -> None:
        # "replace" keeps one byte per lone surrogate, so offsets still line up
        self.data = text.encode("utf-8", "replace")
        self.ascii = len(self.data) == len(text)
        self._byte = 0
        self._char = 0

    def char(self, byte: int) -> int:
        """The string offset of a byte offset (cheapest when asked in order)."""
        if self.ascii:
            return byte
        while byte < len(self.data) and self.data[byte] & 0xC0 == 0x80:
            byte += 1  # inside a character (RE2's \C matches one byte): to its end
        if byte < self._byte:
            self._byte = self._char = 0
        self._char += len(self.data[self._byte : byte].decode("utf-8"))
        self._byte = byte
        return self._char


class Regex:
    """A user's pattern run by RE2: time linear in the text, whatever the pattern."""

    def __init__(self, rx: Any) -> None:
        self.rx = rx

    def spans(self, text: str) -> list[tuple[int, int]]:
        t = _Utf8(text)
        out = []
        for m in self.rx.finditer(t.data):
            s, e = m.span()
            out.append((t.char(s), t.char(e)))
        return out

    def search(self, text: str) -> tuple[int, int] | None:
        t = _Utf8(text)
        m = self.rx.search(t.data)
        return None if m is None else (t.char(m.start()), t.char(m.end()))


def _word_class() -> str:
    """Python's \\w as an RE2 class: exact up to U+07FF (Latin, Greek, Cyrillic,
    Armenian, Hebrew, Arabic), by Unicode block beyond; the exact class would
    cost RE2 some 1,300 instructions on each side of every term list."""
    exact: list[tuple[int, int]] = []
    for c in range(0x800):
        if re.match(r"\w", chr(c)):
            if exact and exact[-1][1] == c - 1:
                exact[-1] = (exact[-1][0], c)
            else:
                exact.append((c, c))
    blocks = [
        (0x800, 0x167F),  # Syriac to Canadian syllabics (not U+1680, a space)
        (0x1681, 0x180D),
        (0x180F, 0x1FFF),  # to Greek extended; U+2000-2BFF: punctuation and symbols
        (0x2C00, 0x2DFF),  # Glagolitic to Cyrillic extended
        (0x3040, 0xD7FF),  # kana, CJK, Hangul (U+3000-303F: CJK punctuation)
        (0xF900, 0xFDFF),
        (0xFE70, 0xFEFE),
        (0xFF10, 0xFF19),  # fullwidth digits and letters, halfwidth kana and Hangul
        (0xFF21, 0xFF3A),
        (0xFF3F, 0xFF3F),
        (0xFF41, 0xFF5A),
        (0xFF66, 0xFFDC),
        (0x10000, 0x1EFFF),  # U+1F000-1FFFF: emoji and symbols
        (0x20000, 0x3FFFF),
    ]
    return "".join(
        f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in exact + blocks
    )


_W = _word_class()
# Python's \s exactly (str.isspace): a space in a term matches any run of these.
_SPACE = (
    r"[\t-\r\x{1C}-\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}"
    r"\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]+"
)


class Terms:
    """Whole words or phrases (and `re:` patterns) matched by one RE2 program;
    a match is not preceded or followed by a word character. RE2 has no
    lookaround, so the program takes the characters around the match (or the
    text's start and end) and the span is its group 1."""

    def __init__(self, rx: Any, alternatives: str) -> None:
        self.rx = rx
        self.alternatives = alternatives

    @staticmethod
    def source(alternatives: str, start: bool = True) -> str:
        before = f"(?:^|[^{_W}])" if start else f"[^{_W}]"
        return f"{before}({alternatives})(?:[^{_W}]|$)"

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        t = _Utf8(text)
        data, pos, rx = t.data, 0, self.rx
        while pos <= len(data):
            m = rx.search(data, pos)
            if m is None:
                return
            s, e = m.span(1)
            rx = self.rx
            if e > s:
                yield t.char(s), t.char(e)
                # Resume on the match's last character, which the next match may
                # take as the character before it ("##", "ad!#sponsored").
                pos = e - 1
                while pos > s and data[pos] & 0xC0 == 0x80:
                    pos -= 1
                if pos == 0:  # where ^ would find the same match again
                    rx = self._not_at_start()
            else:
                pos = max(pos + 1, e)

    def _not_at_start(self) -> Any:
        """The same program without the text's start as a word boundary (RE2
        caches it, and only a one-character match at 0 needs it)."""
        return re2.compile(Terms.source(self.alternatives, start=False), self.rx.options)


def _tname(v: object) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(v), type(v).__name__)


def _platform(value: str | None) -> str | None:
    if not value:
        return None
    v = value.strip().lower()
    return PLATFORM_ALIASES.get(v, v)


def _parse_rule(spec: dict[str, Any], index: int, filename: str) -> Rule:
    f = _Fields(spec, index, filename)
    name = f.str_("name")
    assert name is not None
    kind = f.str_("kind")
    if kind not in KINDS:
        raise f.fail("kind", f"must be one of {', '.join(KINDS)}, not '{kind}'")
    unknown = sorted(set(spec) - FIELDS[kind])
    if unknown:
        raise f.fail(
            unknown[0],
            f"is not a field of a '{kind}' rule (known: {', '.join(sorted(FIELDS[kind]))})",
        )
    message = f.str_("message")
    assert message is not None
    for _, ph, _, _ in string.Formatter().parse(message):
        if ph is not None and ph not in PLACEHOLDERS[kind]:
            allowed = ", ".join("{" + p + "}" for p in sorted(PLACEHOLDERS[kind])) or "none"
            raise f.fail("message", f"uses unknown placeholder '{{{ph}}}' (allowed: {allowed})")
    severity = f.str_("severity", required=False, default="warn")
    if severity not in SEVERITIES:
        raise f.fail("severity", f"must be one of {', '.join(SEVERITIES)}, not '{severity}'")
    platforms = None
    if "platforms" in spec:
        raw = spec["platforms"]
        if not isinstance(raw, list) or not raw or not all(isinstance(p, str) for p in raw):
            raise f.fail("platforms", "must be a non-empty list of platform names")
        platforms = frozenset(_known_platform(f, "platforms", p) for p in raw)
    build = {
        "existence": _existence,
        "substitution": _substitution,
        "occurrence": _occurrence,
        "length": _length,
        "person": _person,
        "required": _required,
    }[kind]
    check = build(f)
    return Rule(index, name, kind, message, severity, platforms, check, f.cost)  # type: ignore[arg-type]


def _known_platform(f: _Fields, fld: str, value: str) -> str:
    p = _platform(value)
    if p not in PLATFORMS:
        raise f.fail(fld, f"names unknown platform '{value}' (known: {', '.join(PLATFORMS)})")
    return p


_BOUNDARY_COST = re2.compile(Terms.source("x")).programsize - re2.compile("(x)").programsize


def _terms(f: _Fields, fld: str, terms: list[str], ignorecase: bool) -> Terms:
    """One alternation, longest literal first, bounded so that 'users' does not fire
    inside 'superusers' but '#ad' and '10x' still match."""
    if len(terms) > MAX_TERMS:
        raise f.fail(fld, f"has {len(terms):,} terms, over the limit of {MAX_TERMS:,}")
    parts = []
    for t in sorted(terms, key=lambda s: (-len(s), s)):
        if len(t) > MAX_PATTERN_CHARS:
            raise f.fail(
                fld,
                f"has a term of {len(t):,} characters, over the limit of {MAX_PATTERN_CHARS:,}",
            )
        if t.startswith("re:"):
            f.pattern(fld, t[3:], ignorecase, count=False)  # alone, for a precise error
            parts.append(f"(?:{t[3:]})")
        else:  # a literal; a run of spaces matches any run of whitespace
            parts.append(_SPACE.join(re2.escape(w) for w in t.split()))
    alternatives = "|".join(parts)
    rx = f.compile(fld, Terms.source(alternatives), ignorecase, count=False)
    # The word-boundary classes are the same for every list and cheap to run (a
    # character takes one path through them): the budget counts the terms.
    f.cost += max(0, int(rx.programsize) - _BOUNDARY_COST)
    return Terms(rx, alternatives)


def _protected(text: str, hashtags: bool) -> list[tuple[int, int]]:
    """Spans a word rule must not touch: links and mentions (and hashtags, where a
    replacement would break the tag)."""
    found = marks(text)
    return [*found.links, *found.mentions, *(found.hashtags if hashtags else ())]


def _inside(span: tuple[int, int], protected: list[tuple[int, int]]) -> bool:
    return any(s < span[1] and span[0] < e for s, e in protected)


def _word_matches(
    found: Iterable[tuple[int, int]], text: str, hashtags: bool
) -> Iterator[tuple[int, int, str]]:
    """The spans `found` in `text` (with their text) outside the spans a word rule
    must not touch."""
    keep = _protected(text, hashtags)
    return ((s, e, text[s:e]) for s, e in found if not _inside((s, e), keep))


def _existence(f: _Fields) -> Callable[..., list]:
    terms = f.spec.get("terms")
    if terms is None:
        raise f.fail("terms", "is required")
    if not isinstance(terms, list) or not terms:
        raise f.fail("terms", "must be a non-empty list of strings")
    for n, t in enumerate(terms, start=1):
        if not isinstance(t, str) or not t.strip():
            raise f.fail("terms", f"item {n} must be a non-empty string")
    rx = _terms(f, "terms", terms, f.bool_("ignorecase", True))

    def check(text: str, platform: str | None) -> list:
        return [(s, e, m, None, {}) for s, e, m in _word_matches(rx.spans(text), text, False)]

    return check


def _match_case(src: str, rep: str) -> str:
    """'Users' -> 'Riders', 'USERS' -> 'RIDERS'; a replacement with its own capitals
    ('Ferrow & Pine') is kept as written."""
    if rep != rep.lower():
        return rep
    if len(src) > 1 and src.isupper():
        return rep.upper()
    if src[:1].isupper():
        return rep[:1].upper() + rep[1:]
    return rep


def _substitution(f: _Fields) -> Callable[..., list]:
    swap = f.table("swap", 'a non-empty table of "wrong" = "right"')
    for k, v in swap.items():
        if not isinstance(v, str):
            raise f.fail("swap", f"entry '{k}' must map to a string, not {_tname(v)}")
        if not k.strip():
            raise f.fail("swap", "has an empty key")
    ignorecase = f.bool_("ignorecase", True)
    rx = _terms(f, "swap", list(swap), ignorecase)
    norm = {
        re.sub(r"\s+", " ", k.strip()).lower() if ignorecase else re.sub(r"\s+", " ", k.strip()): v
        for k, v in swap.items()
    }

    def check(text: str, platform: str | None) -> list[Match]:
        out: list[Match] = []
        for s, e, match in _word_matches(rx.spans(text), text, hashtags=True):
            key = re.sub(r"\s+", " ", match)
            rep = norm.get(key.lower() if ignorecase else key)
            if rep is None or rep == match:
                continue
            out.append((s, e, match, _match_case(match, rep), {}))
        return out

    return check


def _occurrence(f: _Fields) -> Callable[..., list]:
    pattern = f.str_("pattern")
    assert pattern is not None
    limit = f.int_("max")
    assert limit is not None
    ignorecase = f.bool_("ignorecase", False)
    find: Callable[[str], list[tuple[int, int]]]
    if pattern.startswith("re:"):
        find = Regex(f.pattern("pattern", pattern[3:], ignorecase)).spans
    elif pattern in NAMED_PATTERNS:
        named_rx = NAMED_PATTERNS[pattern]  # ours, not the user's: Python's re is safe

        def find(text: str) -> list[tuple[int, int]]:
            return [m.span() for m in named_rx.finditer(text)]
    else:
        raise f.fail(
            "pattern",
            f"must be one of {', '.join(NAMED_PATTERNS)} or 're:REGEX', not '{_show(pattern)}'",
        )
    named = pattern if pattern in NAMED_PATTERNS else None

    def check(text: str, platform: str | None) -> list:
        found = [(s, e) for s, e in find(text) if e > s]
        count = len(found)
        if count <= limit:
            return []
        # Matches past the limit; touching ones ("!!!") become one hit.
        spans: list[list[int]] = []
        for start, end in found[limit:]:
            if spans and spans[-1][1] == start:
                spans[-1][1] = end
            else:
                spans.append([start, end])
        out = []
        for s, e in spans:
            match = text[s:e]
            rep = None
            if named == "exclamation":
                rep = "" if s > 0 and text[s - 1] == "!" else "."
            elif named is None and match.isupper() and len(match) > 1:
                rep = match.lower()
            out.append((s, e, match, rep, {"count": count, "max": limit}))
        return out

    return check


def _length(f: _Fields) -> Callable[..., list]:
    limits = f.table("limits", "a table of platform = maximum characters")
    table: dict[str, int] = {}
    for k, v in limits.items():
        p = _known_platform(f, "limits", k)
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise f.fail("limits", f"entry '{k}' must be a positive integer, not {v!r}")
        table[p] = v
    default = f.int_("default", required=False, minimum=1)

    def check(text: str, platform: str | None) -> list:
        limit = table.get(platform or "", default)
        if limit is None or len(text) <= limit:
            return []
        extra = {"length": len(text), "limit": limit, "platform": platform or "any platform"}
        return [(limit, len(text), text[limit:], None, extra)]

    return check


def _person(f: _Fields) -> Callable[..., list]:
    expect = f.str_("expect", required=False, default="we")
    assert expect is not None
    if expect.lower() not in ("we", "i"):
        raise f.fail("expect", f"must be 'we' or 'i', not '{expect}'")
    table = _SINGULAR_TO_PLURAL if expect.lower() == "we" else _PLURAL_TO_SINGULAR
    alts = "|".join(
        re.escape(k).replace(r"\ ", r"\s+") for k in sorted(table, key=len, reverse=True)
    )
    rx = re.compile(rf"(?<![\w'’])(?:{alts})(?![\w'’])", re.I)

    def check(text: str, platform: str | None) -> list[Match]:
        out: list[Match] = []
        # ours, not the user's: Python's re is safe here (and has the lookarounds)
        found = (m.span() for m in rx.finditer(text))
        for start, end, src in _word_matches(found, text, hashtags=True):
            rep = table[re.sub(r"\s+", " ", src.lower())]
            before = text[:start].rstrip()
            if len(src) > 1 and src.isupper():
                rep = rep.upper()
            elif not before or before[-1] in '.!?:\n"“':  # a sentence starts here
                rep = rep[:1].upper() + rep[1:]
            out.append((start, end, src, rep, {}))
        return out

    return check


def _required(f: _Fields) -> Callable[..., list]:
    pattern = f.str_("pattern")
    assert pattern is not None
    rx = Regex(f.pattern("pattern", pattern))
    when_src = f.str_("when", required=False)
    when = Regex(f.pattern("when", when_src)) if when_src else None

    def check(text: str, platform: str | None) -> list:
        if rx.search(text):
            return []
        if when is None:
            return [(len(text), len(text), "", None, {})]
        m = when.search(text)
        if m is None:
            return []
        return [(m[0], m[1], text[m[0] : m[1]], None, {})]

    return check


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(message: str, values: dict[str, Any]) -> str:
    try:
        return message.format_map(_Blank(values))
    except (ValueError, IndexError, AttributeError):
        return message
