"""A brand's language: the settings, and the detector `auto` uses.

`en` brands are embedded with all-MiniLM-L6-v2, `id` (Bahasa Indonesia) and
`mixed` (Indonesian and English) brands with multilingual-e5-small
(docs/languages.md). `auto` reads the brand's approved posts: of the common
function words found in them, the share that are Indonesian decides (the cut
and its reasons are in docs/languages.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

LANGUAGES = ("en", "id", "mixed")
SETTINGS = (*LANGUAGES, "auto")
DEFAULT = "en"  # brands made before languages existed, and a brand with nothing to read
MULTILINGUAL = frozenset({"id", "mixed"})
NAMES = {"en": "English", "id": "Indonesian", "mixed": "Indonesian and English"}

# Short, frequent words that are nearly always one language or the other, so a
# count of them needs no model. Loanwords and words both languages write the
# same way ("a", "data", "online", "go") are left out.
_INDONESIAN = """yang dan di ke dari untuk dengan ini itu tidak tak kami saya aku kita kalian
    anda kamu mereka dia sudah udah belum bisa ada juga ya kak akan pada dalam atau
    karena tapi tetapi jadi lagi sangat banyak semua buat sama apa bagaimana gimana
    kenapa kapan siapa mana terima kasih oleh sebagai bahwa seperti hanya cuma masih
    sedang telah bukan agar supaya kalau jika kalo saat setelah sebelum antara
    gue gua gak nggak enggak ga sih dong deh aja kok nih tuh banget lho yuk mari
    bapak ibu teman kakak adik selamat hari minggu bulan tahun"""
_ENGLISH = """the and of to in for with this that these those is are was were we our us you
    your it its not have has had be been will would on at from by they their them but
    or an as can could just so all what who how about more my me i do does did if
    there which when new thank thanks than then very also because into out up over
    after before while should"""
INDONESIAN = frozenset(_INDONESIAN.split())
ENGLISH = frozenset(_ENGLISH.split())
# Indonesian's possessive / definite clitic, written onto the word ("harganya").
NYA = re.compile(r"^[a-z]{2,}nya$")
WORD = re.compile(r"[a-z]+")
# Of the function words found, the share that are Indonesian: at most LOW is an
# English brand, at least HIGH an Indonesian one, between the two a mixed one.
LOW = 0.2
HIGH = 0.8
MIN_WORDS = 20  # fewer function words than this tell nothing: the brand stays English


@dataclass(frozen=True)
class Detected:
    language: str
    indonesian_words: int
    english_words: int

    @property
    def share(self) -> float:
        total = self.indonesian_words + self.english_words
        return self.indonesian_words / total if total else 0.0

    def reason(self) -> str:
        total = self.indonesian_words + self.english_words
        if total < MIN_WORDS:
            return f"only {total} common words to go by; English until there are {MIN_WORDS}"
        return (
            f"{self.share:.0%} of {total} common words are Indonesian "
            f"(English ≤ {LOW:.0%}, Indonesian ≥ {HIGH:.0%}, mixed between)"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "language": self.language,
            "indonesian_words": self.indonesian_words,
            "english_words": self.english_words,
            "share": round(self.share, 3),
            "reason": self.reason(),
        }


def counts(text: str) -> tuple[int, int]:
    """(Indonesian, English) function words in a text."""
    ind = eng = 0
    for w in WORD.findall(text.lower()):
        if w in INDONESIAN or NYA.match(w):
            ind += 1
        elif w in ENGLISH:
            eng += 1
    return ind, eng


def detect(texts: Iterable[str]) -> Detected:
    ind = eng = 0
    for t in texts:
        i, e = counts(t)
        ind += i
        eng += e
    total = ind + eng
    if total < MIN_WORDS:
        return Detected(DEFAULT, ind, eng)
    share = ind / total
    language = "en" if share <= LOW else "id" if share >= HIGH else "mixed"
    return Detected(language, ind, eng)


def check_setting(value: str) -> str:
    """A setting as given by a person, normalised, or a one-line error."""
    v = (value or "").strip().lower()
    if v not in SETTINGS:
        raise ValueError(f"language {value!r} is not one of {', '.join(SETTINGS)}")
    return v
