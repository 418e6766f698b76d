"""The agent's words in each language its hints speak.

Hint messages, score labels and summaries are written in English in the code,
where they are read beside the logic that chooses them; that English text is the
key here, gettext-style, and `say` looks it up for a brand that writes in Bahasa
Indonesia (language `id`, or `mixed`: Indonesian with English, whose writers read
Indonesian hints). An English text with no entry is said in English, never
dropped. Placeholders are `str.format` names, the same in both languages (a test
keeps them in step). The brand's own rule messages are the brand's words and are
not translated.
"""

from __future__ import annotations

from typing import Any

INDONESIAN_LANGUAGES = frozenset({"id", "mixed"})

ID: dict[str, str] = {
    # -- originality
    "No approved posts to compare with yet": (
        "Belum ada postingan yang disetujui untuk dibandingkan"
    ),
    "Fresh: nothing close in your approved posts": (
        "Baru: tidak ada yang mirip di postingan Anda yang disetujui"
    ),
    "Updates your {when}": "Memperbarui {when}",
    "Updates your {when} (similarity {sim}); new: {new}. Say it is an update, or link to "
    "that post.": (
        "Memperbarui {when} (kemiripan {sim}); yang baru: {new}. Sebutkan bahwa ini "
        "pembaruan, atau tautkan ke postingan itu."
    ),
    "Near-repeat of your {when}": "Hampir mengulang {when}",
    "This says what your {when} already said (similarity {sim}). Add what is new since "
    "then, or link to it.": (
        "Ini mengatakan hal yang sudah dikatakan {when} (kemiripan {sim}). Tambahkan apa "
        "yang baru sejak itu, atau tautkan ke postingan itu."
    ),
    "Echoes your {when}": "Mirip dengan {when}",
    "Close to your {when} (similarity {sim}); make sure this one adds something new.": (
        "Dekat dengan {when} (kemiripan {sim}); pastikan yang ini menambahkan sesuatu yang baru."
    ),
    "{platform} post from {date}": "postingan {platform} Anda tanggal {date}",
    "post from {date}": "postingan Anda tanggal {date}",
    "{platform} post": "postingan {platform} Anda",
    "post": "postingan Anda",
    " and {n} more": " dan {n} lainnya",
    "It is that post in another language ({language}).": (
        "Ini postingan itu dalam bahasa lain ({language})."
    ),
    "English": "bahasa Inggris",
    "Indonesian": "bahasa Indonesia",
    # -- specificity
    "Too short to judge yet": "Terlalu pendek untuk dinilai",
    "Vague: nothing a reader could check": "Samar: tidak ada yang bisa dicek pembaca",
    "Fairly general": "Cukup umum",
    "Specific": "Spesifik",
    "Very specific": "Sangat spesifik",
    "{share} of this draft's words are stock phrases ({n} found). '{phrase}' could be "
    "posted by any company on any day; say what actually happened instead.": (
        "{share} kata di draf ini adalah frasa klise ({n} ditemukan). '{phrase}' bisa "
        "diposting perusahaan mana pun kapan pun; ceritakan apa yang sebenarnya terjadi."
    ),
    "Stock phrase: '{phrase}'. Replace it with something only you could say.": (
        "Frasa klise: '{phrase}'. Ganti dengan sesuatu yang hanya bisa Anda katakan."
    ),
    "Fairly general: it has {have}, but a reader still can't tell what happened. Add {missing}.": (
        "Cukup umum: sudah ada {have}, tetapi pembaca masih belum tahu apa yang terjadi. "
        "Tambahkan {missing}."
    ),
    "Vague: no numbers, names, dates or places. Say what happened, to whom, when and how "
    "many: one concrete detail (a figure, a name, a date) does more than any adjective.": (
        "Samar: tidak ada angka, nama, tanggal, atau tempat. Ceritakan apa yang terjadi, "
        "kepada siapa, kapan, dan berapa banyak: satu detail konkret (angka, nama, "
        "tanggal) lebih kuat daripada kata sifat apa pun."
    ),
    "a number": "angka",
    "a quantity": "jumlah",
    "a date or time": "tanggal atau jam",
    "a name": "nama",
    "a place": "tempat",
    "a link": "tautan",
    "one concrete detail": "satu detail konkret",
    "numbers": "angka",
    "quantities": "jumlah",
    "dates": "tanggal",
    "names": "nama",
    "places": "tempat",
    "links": "tautan",
    "mentions": "mention",
    " or ": " atau ",
    # -- voice
    "Squarely your voice": "Suara Anda banget",
    "Mostly your voice": "Sebagian besar suara Anda",
    "Drifting from your voice": "Mulai menjauh dari suara Anda",
    "Sounds like someone else": "Terdengar seperti orang lain",
    "Not enough approved posts yet ({n} of {min}) to judge the voice": (
        "Postingan yang disetujui belum cukup ({n} dari {min}) untuk menilai suara merek"
    ),
    "Drifting from the brand voice: {reasons}.": "Menjauh dari suara merek: {reasons}.",
    "Style note: {reason}.": "Catatan gaya: {reason}.",
    "word choice and subject sit further from your approved posts than almost all of them do": (
        "pilihan kata dan topiknya lebih jauh dari postingan Anda yang disetujui daripada "
        "hampir semua postingan itu"
    ),
    "written in another language than your approved posts": (
        "ditulis dalam bahasa lain dari postingan Anda yang disetujui"
    ),
    # -- risk
    "Likely to start a public fight": "Bisa memicu keributan di publik",
    "Risky: reads as hostile or argumentative": "Berisiko: terbaca bermusuhan atau ngajak debat",
    "Needs care: a customer complaint answered in public": (
        "Perlu hati-hati: keluhan pelanggan dijawab di publik"
    ),
    "Some edge: check the tone": "Agak tajam: cek lagi nadanya",
    "Calm": "Tenang",
    "This reads as hostile or insulting. A brand account that jabs at people gets "
    "screenshotted; keep the fact, drop the jab.": (
        "Ini terbaca bermusuhan atau menghina. Akun merek yang menyindir orang akan "
        "di-screenshot; pertahankan faktanya, buang sindirannya."
    ),
    "This reads as arguing with someone.": "Ini terbaca seperti berdebat dengan seseorang.",
    "Say what you want the reader to know, not who is wrong.": (
        "Sampaikan apa yang perlu diketahui pembaca, bukan siapa yang salah."
    ),
    "You're answering a provocation in kind. Don't argue in public: a back-and-forth "
    "gives the post reach, and the screenshot outlives the facts. Let it go, or reply "
    "once with one checkable fact and nothing about the person.": (
        "Anda membalas provokasi dengan cara yang sama. Jangan berdebat di publik: "
        "balas-balasan membuat postingan itu makin luas jangkauannya, dan screenshot-nya "
        "bertahan lebih lama daripada faktanya. Biarkan saja, atau balas sekali dengan "
        "satu fakta yang bisa dicek dan tanpa menyinggung orangnya."
    ),
    "This answers a provocation. One calm, factual reply at most; don't get drawn into a thread.": (
        "Ini menjawab provokasi. Cukup satu balasan yang tenang dan faktual; jangan "
        "terpancing masuk ke utas panjang."
    ),
    "This answers a genuine customer complaint{where}: route it to {team} and handle the "
    "details privately (DM or email).": (
        "Ini menjawab keluhan pelanggan yang sungguhan{where}: teruskan ke {team} dan "
        "tangani detailnya secara pribadi (DM, WA, atau email)."
    ),
    " about {topic}": " soal {topic}",
    "Don't argue with a customer in public": "Jangan berdebat dengan pelanggan di publik",
    " (offering a DM or a call doesn't undo a public jab)": (
        " (menawarkan DM atau telepon tidak menghapus sindiran di publik)"
    ),
    "; a short acknowledgement is enough, e.g. \"Sorry, that shouldn't have happened. "
    "We've sent you a DM.\"": (
        '; cukup tanggapan singkat, misalnya "Mohon maaf, seharusnya ini tidak terjadi. '
        'Kami sudah kirim DM ya."'
    ),
    " Publicly, a short acknowledgement is enough, e.g. \"Sorry about this, we've sent "
    'you a DM to put it right."': (
        ' Di publik, cukup tanggapan singkat, misalnya "Mohon maaf atas kendalanya, kami '
        'sudah kirim DM untuk membereskannya."'
    ),
    " Your draft offers a private channel, but its wording has an edge; keep the public "
    "part to a short, plain apology.": (
        " Draf Anda sudah menawarkan jalur pribadi, tetapi kata-katanya agak tajam; "
        "bagian publiknya cukup permintaan maaf yang singkat dan polos."
    ),
    " Your draft already takes it private, which is right.": (
        " Draf Anda sudah membawanya ke jalur pribadi, dan itu sudah tepat."
    ),
    "It calls what they said false or a lie.": "Draf ini menyebut ucapan mereka salah atau bohong.",
    "It blames them for the problem.": "Draf ini menyalahkan mereka atas masalahnya.",
    "It is sarcastic at their expense.": "Draf ini menyindir mereka.",
    # routing: teams and topics
    "the safety team": "tim keselamatan",
    "billing": "bagian tagihan",
    "shipping and delivery": "bagian pengiriman",
    "returns and warranty": "bagian retur dan garansi",
    "technical support": "dukungan teknis",
    "account security": "keamanan akun",
    "the store manager and customer care": "manajer toko dan layanan pelanggan",
    "customer support": "layanan pelanggan",
    "safety": "keselamatan",
    "shipping": "pengiriman",
    "store and staff": "toko dan staf",
    # -- rules
    "{n} rule broken ({names})": "{n} aturan dilanggar ({names})",
    "{n} rules broken ({names})": "{n} aturan dilanggar ({names})",
    "All {n} brand rules pass": "Semua {n} aturan merek terpenuhi",
    # -- the result's summary
    "Hints appear as you write.": "Saran muncul saat Anda menulis.",
    "Near-repeat": "Hampir mengulang",
    "{label}: add what is new since then, or link to it.": (
        "{label}: tambahkan apa yang baru sejak itu, atau tautkan ke postingan itu."
    ),
    "This could start a public fight: keep the fact, drop the jab.": (
        "Ini bisa memicu keributan di publik: pertahankan faktanya, buang sindirannya."
    ),
    "Don't argue with a complaining customer in public: acknowledge it in a line and "
    "take the details to a DM or email.": (
        "Jangan berdebat dengan pelanggan yang mengeluh di publik: tanggapi dalam satu "
        "kalimat dan bawa detailnya ke DM, WA, atau email."
    ),
    "This answers a customer complaint: acknowledge it in a line and take the details to "
    "a DM or email.": (
        "Ini menjawab keluhan pelanggan: tanggapi dalam satu kalimat dan bawa detailnya ke "
        "DM, WA, atau email."
    ),
    "Breaks your brand rule {names}: fix it before posting.": (
        "Melanggar aturan merek {names}: perbaiki sebelum diposting."
    ),
    "Breaks your brand rules {names}: fix them before posting.": (
        "Melanggar aturan merek {names}: perbaiki sebelum diposting."
    ),
    "Doesn't sound like your brand{why}.": "Tidak terdengar seperti merek Anda{why}.",
    "An alert below needs a look before you post.": (
        "Ada peringatan di bawah yang perlu dicek sebelum memposting."
    ),
    "Close to a past post": "Mirip postingan sebelumnya",
    "{label}: make sure this one adds something new.": (
        "{label}: pastikan yang ini menambahkan sesuatu yang baru."
    ),
    "Vague: add a fact a reader could check, such as a number, a name or a date.": (
        "Samar: tambahkan fakta yang bisa dicek pembaca, seperti angka, nama, atau tanggal."
    ),
    "Nothing urgent; {n} note below worth a look.": (
        "Tidak ada yang mendesak; {n} catatan di bawah layak dilihat."
    ),
    "Nothing urgent; {n} notes below worth a look.": (
        "Tidak ada yang mendesak; {n} catatan di bawah layak dilihat."
    ),
    "Nothing to fix. {label}: say so, or link to it.": (
        "Tidak ada yang perlu diperbaiki. {label}: sebutkan, atau tautkan ke postingan itu."
    ),
    "Nothing to fix.": "Tidak ada yang perlu diperbaiki.",
}


# A style reason, feature by feature: what the draft has, and what the brand's
# approved posts have on average (agent/text/style.py says them in English).
_STYLE_ID: dict[str, tuple[str, str]] = {
    "length": ("{v:.0f} karakter", "rata-rata {m:.0f}"),
    "exclamations": ("{v:g} tanda seru", "rata-rata {m:.1f}"),
    "emoji": ("{v:g} emoji", "rata-rata {m:.1f}"),
    "hashtags": ("{v:g} hashtag", "rata-rata {m:.1f}"),
    "mentions": ("{v:g} mention", "rata-rata {m:.1f}"),
    "links": ("{v:g} tautan", "rata-rata {m:.1f}"),
    "questions": ("{v:g} tanda tanya", "rata-rata {m:.1f}"),
    "capitals": ("{v:.0%} huruf kapital", "{m:.0%}"),
    "first_person_singular": ("{v:.0%} kata ganti orang pertama adalah saya/aku/gue", "{m:.0%}"),
    "reading_grade": ("tingkat keterbacaan {v:.1f}", "{m:.1f}"),
}


def style_reason(lang: str | None, deviation: dict[str, Any]) -> str:
    """A voice reason (a `Deviation` of agent/text/style.py) in the brand's language;
    a length against a platform's usual range keeps its range."""
    if not indonesian(lang) or deviation["feature"] not in _STYLE_ID:
        return str(deviation["message"])
    has, norm = _STYLE_ID[deviation["feature"]]
    low, high, of = deviation.get("range") or (None, None, None)
    if low is not None:
        where = "yang disetujui" if of == "approved" else of
        value, low_s, high_s = (_id_number(f"{x:,.0f}") for x in (deviation["value"], low, high))
        return f"{value} karakter (postingan {where} Anda biasanya {low_s}–{high_s})"
    return (
        _id_number(has.format(v=deviation["value"]))
        + " (postingan Anda yang disetujui: "
        + _id_number(norm.format(m=deviation["brand_mean"]))
        + ")"
    )


_SWAP_SEPARATORS = str.maketrans(",.", ".,")


def _id_number(text: str) -> str:
    """1,420.5 as Indonesian writes it: 1.420,5."""
    return text.translate(_SWAP_SEPARATORS)


def indonesian(lang: str | None) -> bool:
    return lang in INDONESIAN_LANGUAGES


def say(lang: str | None, text: str, **params: Any) -> str:
    """`text` (an English template) in the brand's language, filled with `params`."""
    template = ID.get(text, text) if indonesian(lang) else text
    return template.format(**params) if params else template
