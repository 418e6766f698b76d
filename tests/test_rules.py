"""Brand rules (agent/rules.py): each kind with exact spans, and precise errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import re2  # type: ignore[import-untyped]

from agent.analyzers.base import BrandView, Draft
from agent.analyzers.rules import Rules
from agent.text.rules import RulesError, RuleSet, load_rules
from tests.conftest import ROOT


def one(toml: str) -> RuleSet:
    return load_rules(toml, "rules.toml")


def matches(rs: RuleSet, text: str, platform: str | None = None) -> list[dict]:
    """Every match of every rule hint, in reading order, with its rule."""
    found = [
        {**m, "rule": h.evidence["rule"], "severity": h.severity}
        for h in rs.check(text, platform)
        for m in h.evidence["matches"]
    ]
    return sorted(found, key=lambda m: (m["span"], m["rule"]))


def spans(rs: RuleSet, text: str, platform: str | None = None) -> list[tuple[int, int, str]]:
    return [(m["span"][0], m["span"][1], m["text"]) for m in matches(rs, text, platform)]


def test_demo_rules_load() -> None:
    rs = load_rules((ROOT / "agent/demo/rules.toml").read_text(encoding="utf-8"), "rules.toml")
    assert len(rs) == 14
    assert rs.names[0] == "hype-words" and rs.names[-1] == "pay-range"


def test_existence_spans_case_and_boundaries() -> None:
    rs = one("""
[[rule]]
name = "hype"
kind = "existence"
message = "Hype word: {match}."
terms = ["amazing", "game changer", "10x"]
""")
    text = "An Amazing launch, a game  changer, 10x faster. Not amazingly."
    assert spans(rs, text) == [(3, 10, "Amazing"), (21, 34, "game  changer"), (36, 39, "10x")]
    (hint,) = rs.check(text)  # one hint for the rule, with every match
    assert hint.span == (3, 10)
    assert hint.message == "Hype word: Amazing. Found: 'Amazing', 'game changer', '10x'."
    assert hint.kind == "rule" and hint.severity == "warn"
    assert hint.evidence == {
        "rule": "hype",
        "kind": "existence",
        "match": "Amazing",
        "hits": 3,
        "matches": [
            {"span": [3, 10], "text": "Amazing"},
            {"span": [21, 34], "text": "game  changer"},
            {"span": [36, 39], "text": "10x"},
        ],
    }


def test_existence_case_sensitive_and_regex_term() -> None:
    rs = one("""
[[rule]]
name = "codes"
kind = "existence"
message = "m"
ignorecase = false
severity = "alert"
terms = ["FOO", "re:v\\\\d+\\\\.\\\\d+"]
""")
    text = "foo FOO v2.1"
    assert spans(rs, text) == [(4, 7, "FOO"), (8, 12, "v2.1")]
    assert [h.severity for h in rs.check(text)] == ["alert"]


def test_existence_skips_links_and_mentions() -> None:
    rs = one('[[rule]]\nname = "x"\nkind = "existence"\nmessage = "m"\nterms = ["amazing"]\n')
    text = "see https://example.com/amazing and @amazing but amazing"
    assert spans(rs, text) == [(49, 56, "amazing")]


def test_substitution_replacement_keeps_case_and_longest_wins() -> None:
    rs = one("""
[[rule]]
name = "terms"
kind = "substitution"
message = "Write '{replacement}', not '{match}'."

[rule.swap]
"users" = "riders"
"end users" = "riders"
"ebike" = "e-bike"
"Ferrow and Pine" = "Ferrow & Pine"
""")
    text = "Users love the Ebike. Our end users and ferrow and pine fans. #ebike superusers"
    got = [(tuple(m["span"]), m["text"], m["replacement"]) for m in matches(rs, text)]
    assert got == [
        ((0, 5), "Users", "Riders"),
        ((15, 20), "Ebike", "E-bike"),
        ((26, 35), "end users", "riders"),
        ((40, 55), "ferrow and pine", "Ferrow & Pine"),
    ]
    (hint,) = rs.check(text)
    assert hint.message == (
        "Write 'Riders', not 'Users'. Found: 'Users' → 'Riders', 'Ebike' → 'E-bike', "
        "'end users' → 'riders', 'ferrow and pine' → 'Ferrow & Pine'."
    )
    assert hint.evidence["kind"] == "substitution"
    assert (hint.evidence["match"], hint.evidence["replacement"]) == ("Users", "Riders")
    one_word = rs.check("Users, users and USERS.")[0]
    assert one_word.message == "Write 'Riders', not 'Users'. (×3)"  # it names the word itself


def test_occurrence_flags_matches_past_the_limit() -> None:
    rs = one("""
[[rule]]
name = "bang"
kind = "occurrence"
message = "{count} exclamation marks, at most {max}."
pattern = "exclamation"
max = 1

[[rule]]
name = "tags"
kind = "occurrence"
message = "Too many hashtags."
pattern = "hashtag"
max = 2

[[rule]]
name = "shout"
kind = "occurrence"
message = "Shouting."
pattern = "re:\\\\b[A-Z]{5,}\\\\b"
max = 0
""")
    text = "Wow!!! Great! #one #two #three HELLO NASA"
    got = [
        (m["rule"], tuple(m["span"]), m["text"], m.get("replacement")) for m in matches(rs, text)
    ]
    assert got == [
        ("bang", (4, 6), "!!", ""),
        ("bang", (12, 13), "!", "."),
        ("tags", (24, 30), "#three", None),
        ("shout", (31, 36), "HELLO", "hello"),
    ]
    bang = rs.check(text)[0]
    assert bang.message == "4 exclamation marks, at most 1. Found: '!!' → delete, '!' → '.'."
    assert bang.evidence["count"] == 4 and bang.evidence["max"] == 1
    assert bang.evidence["hits"] == 2


def test_occurrence_emoji_and_mention() -> None:
    rs = one("""
[[rule]]
name = "emoji"
kind = "occurrence"
message = "m"
pattern = "emoji"
max = 1

[[rule]]
name = "at"
kind = "occurrence"
message = "m"
pattern = "mention"
max = 0
""")
    text = "Hi 🚀 there 🔥 @ana"
    assert spans(rs, text) == [(11, 12, "🔥"), (13, 17, "@ana")]


def test_length_per_platform_and_default() -> None:
    rs = one("""
[[rule]]
name = "len"
kind = "length"
message = "{length} characters; {platform} allows {limit}."
limits = { x = 10, linkedin = 20 }
""")
    text = "a" * 15
    hits = rs.check(text, "x")
    # the overflow is no word: the message names none
    assert [(h.span, h.message) for h in hits] == [((10, 15), "15 characters; x allows 10.")]
    assert rs.check(text, "twitter")[0].span == (10, 15)  # alias
    assert rs.check(text, "linkedin") == []
    assert rs.check(text, None) == []  # no platform, no default: nothing to check
    rs2 = one(
        '[[rule]]\nname = "len"\nkind = "length"\nmessage = "m"\n'
        "limits = { x = 10 }\ndefault = 12\n"
    )
    assert rs2.check(text, None)[0].span == (12, 15)


def test_person_we_with_replacements() -> None:
    rs = one(
        '[[rule]]\nname = "we"\nkind = "person"\nmessage = "Say {replacement}, not {match}."\n'
    )
    text = "I think my team and I'm sure. Me too, I am."
    got = [(tuple(m["span"]), m["text"], m["replacement"]) for m in matches(rs, text)]
    assert got == [
        ((0, 1), "I", "We"),
        ((8, 10), "my", "our"),
        ((20, 23), "I'm", "we're"),
        ((30, 32), "Me", "Us"),
        ((38, 42), "I am", "we are"),
    ]


def test_person_five_is_one_hint_with_five_spans() -> None:
    rs = one(
        '[[rule]]\nname = "we-not-i"\nkind = "person"\n'
        "message = \"The company account speaks as 'we'.\"\n"
    )
    text = "I fixed it. Then I tested it, and I shipped it. I know I did it right."
    hints = rs.check(text)
    assert len(hints) == 1
    (hint,) = hints
    starts = [i for i, c in enumerate(text) if c == "I"]
    assert [m["span"] for m in hint.evidence["matches"]] == [[i, i + 1] for i in starts]
    assert len(starts) == 5 and hint.span == (0, 1) and hint.evidence["hits"] == 5
    # the words it caught, once, with the mid-sentence replacement
    assert hint.message == "The company account speaks as 'we'. Found: 'I' ×5 → 'we'."
    assert [m["replacement"] for m in hint.evidence["matches"]] == ["We", "we", "we", "We", "we"]


def test_person_i() -> None:
    rs = one('[[rule]]\nname = "i"\nkind = "person"\nmessage = "m"\nexpect = "i"\n')
    text = "Today we shipped our app."
    got = [(tuple(m["span"]), m["replacement"]) for m in matches(rs, text)]
    assert got == [((6, 8), "I"), ((17, 20), "my")]


def test_required_with_and_without_trigger() -> None:
    rs = one("""
[[rule]]
name = "disclosure"
kind = "required"
message = "Say it is an ad."
pattern = "(?i)#ad\\\\b"
when = "(?i)\\\\bsponsored\\\\b"
severity = "alert"

[[rule]]
name = "link"
kind = "required"
message = "Every post needs a link."
pattern = "https?://"
platforms = ["linkedin"]
""")
    text = "This post is Sponsored by us."
    hits = rs.check(text, "x")
    assert [(h.span, h.evidence["rule"], h.severity) for h in hits] == [
        ((13, 22), "disclosure", "alert")
    ]
    assert hits[0].message == "Say it is an ad. Found: 'Sponsored'."
    assert rs.check(text + " #ad", "x") == []
    hits = rs.check("No link here", "linkedin")
    assert [(h.span, h.evidence["rule"]) for h in hits] == [((12, 12), "link")]
    assert hits[0].message == "Every post needs a link."  # nothing was caught: no words


def test_analyzer_reads_state_rules() -> None:
    rs = one('[[rule]]\nname = "x"\nkind = "existence"\nmessage = "m"\nterms = ["synergy"]\n')

    class State:
        rules = rs

    class Bare:
        rules = None

    draft = Draft("Pure synergy.")
    f = Rules().analyze(draft, BrandView(state=State(), vec=None))  # type: ignore[arg-type]
    assert [h.span for h in f.hints] == [(5, 12)]
    assert f.scores["rules"].detail["broken"] == ["x"]
    again = Rules().analyze(Draft("Synergy, synergy, synergy."), BrandView(state=State(), vec=None))  # type: ignore[arg-type]
    score = again.scores["rules"]
    assert len(again.hints) == 1 and score.detail["hits"] == 1 and score.detail["matches"] == 3
    assert score.value == 90 and score.label == "1 rule broken (x)"  # counted once
    empty = Rules().analyze(draft, BrandView(state=Bare(), vec=None))  # type: ignore[arg-type]
    assert empty.hints == [] and empty.scores == {}


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[[rule]\nname = 1", "rules.toml: not valid TOML: "),
        (
            '[[rules]]\nname = "a"',
            "rules.toml: unknown top-level key 'rules' (rules are written as [[rule]] tables)",
        ),
        (
            '[[rule]]\nkind = "existence"\nmessage = "m"\nterms = ["a"]',
            "rules.toml: rule 1: field 'name' is required",
        ),
        (
            '[[rule]]\nname = "a"\nkind = "exists"\nmessage = "m"',
            "rules.toml: rule 1 'a': field 'kind' must be one of existence, substitution, "
            "occurrence, "
            "length, person, required, not 'exists'",
        ),
        (
            '[[rule]]\nname = "a"\nkind = "person"\nmessage = "m"\n\n'
            '[[rule]]\nname = "b"\nkind = "occurrence"\nmessage = "m"\npattern = "hashtag"\n\n'
            '[[rule]]\nname = "hashtags"\nkind = "occurrence"\nmessage = "m"\n'
            'pattern = "hashtag"\nmax = "2"',
            "rules.toml: rule 2 'b': field 'max' is required",
        ),
        (
            '[[rule]]\nname = "hashtags"\nkind = "occurrence"\nmessage = "m"\n'
            'pattern = "hashtag"\nmax = "2"',
            "rules.toml: rule 1 'hashtags': field 'max' must be an integer, not a string",
        ),
        (
            '[[rule]]\nname = "h"\nkind = "occurrence"\nmessage = "m"\n'
            'pattern = "hashtag"\nmax = true',
            "rules.toml: rule 1 'h': field 'max' must be an integer, not a boolean",
        ),
        (
            '[[rule]]\nname = "h"\nkind = "occurrence"\nmessage = "m"\n'
            'pattern = "hashtag"\nmax = -1',
            "rules.toml: rule 1 'h': field 'max' must be at least 0, not -1",
        ),
        (
            '[[rule]]\nname = "h"\nkind = "occurrence"\nmessage = "m"\n'
            'pattern = "hashtags"\nmax = 1',
            "rules.toml: rule 1 'h': field 'pattern' must be one of hashtag, mention, link, url, "
            "emoji, "
            "exclamation, question or 're:REGEX', not 'hashtags'",
        ),
        (
            '[[rule]]\nname = "r"\nkind = "required"\nmessage = "m"\npattern = "(unclosed"',
            "rules.toml: rule 1 'r': field 'pattern' is not a valid regular expression: "
            "missing ), unterminated subpattern at position 0",
        ),
        (
            '[[rule]]\nname = "e"\nkind = "existence"\nmessage = "m"\nterms = []',
            "rules.toml: rule 1 'e': field 'terms' must be a non-empty list of strings",
        ),
        (
            '[[rule]]\nname = "e"\nkind = "existence"\nmessage = "m"\nterms = ["ok", 3]',
            "rules.toml: rule 1 'e': field 'terms' item 2 must be a non-empty string",
        ),
        (
            '[[rule]]\nname = "s"\nkind = "substitution"\nmessage = "m"\nswap = { a = 1 }',
            "rules.toml: rule 1 's': field 'swap' entry 'a' must map to a string, not an integer",
        ),
        (
            '[[rule]]\nname = "l"\nkind = "length"\nmessage = "m"\nlimits = { twiter = 280 }',
            "rules.toml: rule 1 'l': field 'limits' names unknown platform 'twiter' "
            "(known: x, linkedin, facebook, mastodon, bluesky, threads)",
        ),
        (
            '[[rule]]\nname = "l"\nkind = "length"\nmessage = "m"\nlimits = { x = 0 }',
            "rules.toml: rule 1 'l': field 'limits' entry 'x' must be a positive integer, not 0",
        ),
        (
            '[[rule]]\nname = "p"\nkind = "person"\nmessage = "m"\nexpect = "they"',
            "rules.toml: rule 1 'p': field 'expect' must be 'we' or 'i', not 'they'",
        ),
        (
            '[[rule]]\nname = "p"\nkind = "person"\nmessage = "m"\nseverity = "error"',
            "rules.toml: rule 1 'p': field 'severity' must be one of info, warn, alert, "
            "not 'error'",
        ),
        (
            '[[rule]]\nname = "p"\nkind = "person"\nmessage = "m"\nmax = 3',
            "rules.toml: rule 1 'p': field 'max' is not a field of a 'person' rule "
            "(known: expect, kind, message, name, platforms, severity)",
        ),
        (
            '[[rule]]\nname = "p"\nkind = "person"\nmessage = "Use {replacment}"',
            "rules.toml: rule 1 'p': field 'message' uses unknown placeholder '{replacment}' "
            "(allowed: {match}, {replacement})",
        ),
        (
            '[[rule]]\nname = "p"\nkind = "person"\nmessage = 5',
            "rules.toml: rule 1 'p': field 'message' must be a string, not an integer",
        ),
        (
            '[[rule]]\nname = "p"\nkind = "person"\nmessage = "m"\n\n'
            '[[rule]]\nname = "p"\nkind = "person"\nmessage = "m"',
            "rules.toml: rule 2 'p': field 'name' repeats rule 1",
        ),
    ],
)
def test_invalid_files_name_file_rule_and_field(toml: str, message: str) -> None:
    with pytest.raises(RulesError) as err:
        load_rules(toml, "rules.toml")
    if message.endswith(": "):
        assert str(err.value).startswith(message)
    else:
        assert str(err.value) == message


# -- patterns run in linear time (issue #16) -----------------------------------
CATASTROPHIC = """
[[rule]]
name = "nested"
kind = "existence"
message = "m"
terms = ["re:(a+)+$"]

[[rule]]
name = "counted"
kind = "occurrence"
message = "m"
max = 0
pattern = "re:(a+)+$"

[[rule]]
name = "needed"
kind = "required"
message = "m"
pattern = "(a+)+$"
"""


def test_nested_quantifier_pattern_does_not_freeze_the_check() -> None:
    # In a child process, so a regression fails on the timeout instead of hanging
    # the suite: with backtracking, 40 a's and a "!" take 2^40 steps.
    code = (
        "import json, sys\n"
        "from agent.text.rules import load_rules\n"
        "rs = load_rules(sys.stdin.read())\n"
        "for text in ['a' * 40 + '!', 'x ' + 'a' * 40]:\n"
        "    print(json.dumps([[h.evidence['rule'], *h.span] for h in rs.check(text)]))\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        input=CATASTROPHIC,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    first, second = (json.loads(line) for line in r.stdout.splitlines())
    assert first == [["needed", 41, 41]]  # no match: only the required rule fires
    assert second == [["counted", 2, 42], ["nested", 2, 42]]


@pytest.mark.parametrize(
    ("term", "reason"),
    [
        ("re:(?<=#)ad", "invalid perl operator: (?<="),
        ("re:(ha)\\\\1", "invalid escape sequence: \\1"),
    ],
)
def test_patterns_re2_cannot_run_are_refused_with_the_rule(term: str, reason: str) -> None:
    toml = f'[[rule]]\nname = "look"\nkind = "existence"\nmessage = "m"\nterms = ["{term}"]\n'
    with pytest.raises(RulesError) as err:
        one(toml)
    msg = str(err.value)
    assert msg.startswith("rules.toml: rule 1 'look': field 'terms' uses what onbrand's ")
    assert reason in msg and "RE2" in msg and "\n" not in msg


def test_terms_keep_word_boundaries_of_any_script() -> None:
    rs = one('[[rule]]\nname = "w"\nkind = "existence"\nmessage = "m"\nterms = ["café", "a b"]\n')
    text = "Café! cafés 🙂café🙂 a\u00a0b a b2 x_a b «café»"
    assert spans(rs, text) == [
        (0, 4, "Café"),
        (13, 17, "café"),
        (19, 22, "a\u00a0b"),
        (35, 39, "café"),
    ]
    tags = one(
        '[[rule]]\nname = "t"\nkind = "existence"\nmessage = "m"\nterms = ["ad!", "#sponsored"]\n'
    )
    assert spans(tags, "ad!#sponsored, ad!!") == [
        (0, 3, "ad!"),
        (3, 13, "#sponsored"),
        (15, 18, "ad!"),
    ]
    hash_ = one('[[rule]]\nname = "h"\nkind = "existence"\nmessage = "m"\nterms = ["#"]\n')
    assert spans(hash_, "##") == [(0, 1, "#"), (1, 2, "#")]


def test_word_characters_match_pythons_for_common_scripts() -> None:
    from agent.text import rules

    rx = re2.compile(f"[{rules._W}]")
    sample = "aZ09_éßøÿĀžΩωЖяԱאبٹक中カ한ＡＺ０"
    others = " \t\u00a0.,;:!?'’\"“-—–()[]#@/…·«»🙂🔥€$%&*+=<>|~^`\u3002\u3001\u060c"
    for c in sample + others:
        assert bool(rx.fullmatch(c)) == bool(re.fullmatch(r"\w", c)), repr(c)
