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
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

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
        """Every rule hit in `text`, in reading order."""
        plat = _platform(platform)
        hints: list[Hint] = []
        for rule in self.rules:
            if not rule.applies(plat):
                continue
            for start, end, match, replacement, extra in rule.check(text, plat):
                values = {"match": match, "replacement": replacement or "", **extra}
                evidence: dict[str, Any] = {"rule": rule.name, "kind": rule.kind, "match": match}
                if replacement is not None:
                    evidence["replacement"] = replacement
                evidence.update(extra)
                hints.append(
                    Hint(
                        kind="rule",
                        severity=rule.severity,
                        message=_fill(rule.message, values),
                        span=(start, end),
                        evidence=evidence,
                    )
                )
        hints.sort(key=lambda h: (h.span or (0, 0), h.evidence["rule"]))
        return hints


# -- loading -------------------------------------------------------------------
def load_rules(text: str, filename: str = "rules.toml") -> RuleSet:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{filename}: not valid TOML: {exc}") from None
    unknown = set(data) - {"rule"}
    if unknown:
        key = sorted(unknown)[0]
        hint = " (rules are written as [[rule]] tables)" if key in ("rules", "Rule") else ""
        raise RulesError(f"{filename}: unknown top-level key '{key}'{hint}")
    raw = data.get("rule", [])
    if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        raise RulesError(f"{filename}: 'rule' must be written as [[rule]] tables")
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for i, spec in enumerate(raw, start=1):
        rule = _parse_rule(spec, i, filename)
        if rule.name in seen:
            raise RulesError(
                f"{filename}: rule {i} '{rule.name}': field 'name' repeats rule {seen[rule.name]}"
            )
        seen[rule.name] = i
        rules.append(rule)
    return RuleSet(rules=rules, filename=filename, text=text)


class _Fields:
    """Typed access to one rule's table, with errors that say where."""

    def __init__(self, spec: dict[str, Any], index: int, filename: str) -> None:
        self.spec = spec
        self.index = index
        self.filename = filename
        name = spec.get("name")
        self.label = f"rule {index} '{name}'" if isinstance(name, str) and name else f"rule {index}"

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

    def regex(self, fld: str, source: str, flags: int = 0) -> re.Pattern[str]:
        try:
            return re.compile(source, flags)
        except re.error as exc:
            where = f" at position {exc.pos}" if exc.pos is not None else ""
            raise self.fail(fld, f"is not a valid regular expression: {exc.msg}{where}") from None


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
    return Rule(index, name, kind, message, severity, platforms, build(f))  # type: ignore[arg-type]


def _known_platform(f: _Fields, fld: str, value: str) -> str:
    p = _platform(value)
    if p not in PLATFORMS:
        raise f.fail(fld, f"names unknown platform '{value}' (known: {', '.join(PLATFORMS)})")
    return p


def _term_regex(f: _Fields, fld: str, terms: list[str], flags: int) -> re.Pattern[str]:
    """One alternation, longest literal first, bounded so that 'users' does not fire
    inside 'superusers' but '#ad' and '10x' still match."""
    parts = []
    for t in sorted(terms, key=lambda s: (-len(s), s)):
        if t.startswith("re:"):
            f.regex(fld, t[3:], flags)  # validated alone, for a precise error
            parts.append(f"(?:{t[3:]})")
        else:
            lit = re.escape(t.strip())
            lit = re.sub(r"\\ ", r"\\s+", lit)  # any run of spaces
            parts.append(lit)
    return f.regex(fld, r"(?<![\w])(?:" + "|".join(parts) + r")(?![\w])", flags)


def _protected(text: str, hashtags: bool) -> list[tuple[int, int]]:
    """Spans a word rule must not touch: links and mentions (and hashtags, where a
    replacement would break the tag)."""
    found = marks(text)
    return [*found.links, *found.mentions, *(found.hashtags if hashtags else ())]


def _inside(span: tuple[int, int], protected: list[tuple[int, int]]) -> bool:
    return any(s < span[1] and span[0] < e for s, e in protected)


def _word_matches(rx: re.Pattern[str], text: str, hashtags: bool) -> Iterator[re.Match[str]]:
    """`rx`'s matches in `text` outside the spans a word rule must not touch."""
    keep = _protected(text, hashtags)
    return (m for m in rx.finditer(text) if not _inside(m.span(), keep))


def _existence(f: _Fields) -> Callable[..., list]:
    terms = f.spec.get("terms")
    if terms is None:
        raise f.fail("terms", "is required")
    if not isinstance(terms, list) or not terms:
        raise f.fail("terms", "must be a non-empty list of strings")
    for n, t in enumerate(terms, start=1):
        if not isinstance(t, str) or not t.strip():
            raise f.fail("terms", f"item {n} must be a non-empty string")
    flags = re.I if f.bool_("ignorecase", True) else 0
    rx = _term_regex(f, "terms", terms, flags)

    def check(text: str, platform: str | None) -> list:
        return [
            (m.start(), m.end(), m.group(0), None, {})
            for m in _word_matches(rx, text, hashtags=False)
        ]

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
    rx = _term_regex(f, "swap", list(swap), re.I if ignorecase else 0)
    norm = {
        re.sub(r"\s+", " ", k.strip()).lower() if ignorecase else re.sub(r"\s+", " ", k.strip()): v
        for k, v in swap.items()
    }

    def check(text: str, platform: str | None) -> list[Match]:
        out: list[Match] = []
        for m in _word_matches(rx, text, hashtags=True):
            key = re.sub(r"\s+", " ", m.group(0))
            rep = norm.get(key.lower() if ignorecase else key)
            if rep is None or rep == m.group(0):
                continue
            out.append((m.start(), m.end(), m.group(0), _match_case(m.group(0), rep), {}))
        return out

    return check


def _occurrence(f: _Fields) -> Callable[..., list]:
    pattern = f.str_("pattern")
    assert pattern is not None
    limit = f.int_("max")
    assert limit is not None
    flags = re.I if f.bool_("ignorecase", False) else 0
    if pattern.startswith("re:"):
        rx = f.regex("pattern", pattern[3:], flags)
    elif pattern in NAMED_PATTERNS:
        rx = NAMED_PATTERNS[pattern]
    else:
        raise f.fail(
            "pattern", f"must be one of {', '.join(NAMED_PATTERNS)} or 're:REGEX', not '{pattern}'"
        )
    named = pattern if pattern in NAMED_PATTERNS else None

    def check(text: str, platform: str | None) -> list:
        found = [m for m in rx.finditer(text) if m.end() > m.start()]
        count = len(found)
        if count <= limit:
            return []
        # Matches past the limit; touching ones ("!!!") become one hit.
        spans: list[list[int]] = []
        for m in found[limit:]:
            if spans and spans[-1][1] == m.start():
                spans[-1][1] = m.end()
            else:
                spans.append([m.start(), m.end()])
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
        for m in _word_matches(rx, text, hashtags=True):
            src = m.group(0)
            rep = table[re.sub(r"\s+", " ", src.lower())]
            before = text[: m.start()].rstrip()
            if len(src) > 1 and src.isupper():
                rep = rep.upper()
            elif not before or before[-1] in '.!?:\n"“':  # a sentence starts here
                rep = rep[:1].upper() + rep[1:]
            out.append((m.start(), m.end(), src, rep, {}))
        return out

    return check


def _required(f: _Fields) -> Callable[..., list]:
    pattern = f.str_("pattern")
    assert pattern is not None
    rx = f.regex("pattern", pattern)
    when_src = f.str_("when", required=False)
    when = f.regex("when", when_src) if when_src else None

    def check(text: str, platform: str | None) -> list:
        if rx.search(text):
            return []
        if when is None:
            return [(len(text), len(text), "", None, {})]
        m = when.search(text)
        if m is None:
            return []
        return [(m.start(), m.end(), m.group(0), None, {})]

    return check


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(message: str, values: dict[str, Any]) -> str:
    try:
        return message.format_map(_Blank(values))
    except (ValueError, IndexError, AttributeError):
        return message
