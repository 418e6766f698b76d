"""Argument risk: would this draft start (or feed) a public fight?

Four parts (docs/quality.md); the first three read agent/data/heads.npz:

* **Hostility**: P(offensive) from a logistic head over the MiniLM embedding
  and hashed character n-grams, fitted on OLID level A (OffensEval 2019). Its
  decision threshold (the dev macro-F1 optimum) maps to a risk of 60, where
  the result's headline turns "risky".
* **Tone**: nearest-prototype (hand-written seeds in agent/models/reply_seeds.py)
  of the draft: arguing back, sarcasm and put-downs vs. a calm answer, trusted
  only as far as the draft resembles the seeds.
* **Reply context**: when the draft answers a post (`draft.reply_to`), that
  post is classified as a genuine complaint, a provocation, or neither, from
  its prototypes, its own hostility and its words. A complaint is routed to the
  team its words point to (billing, shipping, ...), with the advice to take it
  to a DM; a provocation answered in kind gets an alert not to argue in public.
* **Words** (English and Bahasa Indonesia, which the model cannot read):
  insults, confronting the person answered (calling it false, blaming them,
  sarcasm), and offers to move the conversation to a private channel.

A hint's severity and the risk agree: an alert reads "risky", a warning at
least "some edge", never "calm".
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from agent.analyzers.base import (
    BrandView,
    Draft,
    Finding,
    Hint,
    Score,
    Severity,
    language,
    prepared,
)
from agent.messages import say
from agent.models.heads import hashed_ngrams, heads
from agent.models.reply_seeds import DEFAULT_ROUTE, ROUTES

TOP_K = 3
TEMPERATURE = 0.03  # softmax over mean top-3 cosines; cosines differ by a few hundredths
# OLID's threshold (its dev macro-F1 optimum, for a corpus a third offensive and a
# head trained class-balanced) reads EDGE; a brand's drafts are hostile far more
# rarely, so "risky" (60, the result's headline) needs the odds moved by
# PRIOR_SHIFT logits (about a 1-in-8 prior instead of the balanced 1-in-2).
EDGE = 0.30
RISKY = 0.60
PRIOR_SHIFT = 2.0
# A prototype reading (tone, reply context) counts from SEED_FLOOR and fully from
# SEED_FULL, the best class's mean top-3 cosine; how they were chosen: docs/quality.md.
SEED_FLOOR = 0.25
SEED_FULL = 0.30
# Where a hint's severity puts the risk: an alert reads "risky" (the result's
# headline), a warning at least "some edge", never "calm".
ALERT_RISK = 0.65
WARN_RISK = 0.40
# The tone reading that counts as arguing: in a reply, and in a post that answers
# no one in particular (which needs to be clearer; docs/quality.md).
ARGUES = 0.5
ARGUES_OPEN = 0.8
CONFRONT_RISK = 0.65  # blaming or calling false the person a reply answers
OPEN_CONFRONT_RISK = 0.45  # the same in a post that answers no one in particular
WORD = re.compile(r"[\w'’]+")


WINDOW = 200
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
# Words that are an insult or a slur whatever the context; one of them aimed at
# someone makes a draft risky however long and calm the rest is (the head's
# view of a long text is an average). Original list for onbrand.
INSULTS = re.compile(
    r"\b(?:idiots?|idiotic|morons?|moronic|stupid|dumb(?:ass)?|imbeciles?|clowns?|losers?|"
    r"pathetic|scum|trashy|(?<!the\s)trash(?!\s+(?:bins?|bags?|cans?|day|pickup|collection))|"
    r"garbage(?!\s+(?:collection|collector|trucks?|bins?|bags?|day|disposal))|liars?|"
    r"lying(?!\s+(?:down|around|in|on|flat|there|awake|low|idle|dormant))|frauds|"
    r"(?:a|total|complete|such\s+a|what\s+a)\s+fraud|scammers?|shills?|"
    r"clueless|incompetent|disgrace(?:ful)?|jerks?|(?<!april\s)(?<!april's\s)(?<!to\s)fools?(?!-?proof)|"
    r"f+u+c+k+(?:ing|ed|er|ers)?|sh+i+t+(?:ty)?|bullshit|crap|asshole|bitch(?:es)?|bastards?|"
    r"wtf|stfu|shut up|screw you|go to hell|get lost(?!\s+in)|cope\s+(?:harder|more)|seethe|"
    r"(?:^|(?<=[.!?]\s)|(?<=\n))ratio(?!\s+(?:of|to|between|for|is))|"
    # Indonesian
    r"goblok|goblog|bego|begok|tolol|dungu|bodoh|bangsat|brengsek|kampret|keparat|bajingan|"
    r"bacot|bacod|taik|kontol|memek|ngentot|jancok|jancuk|sialan|otak\s+udang|"
    r"(?:produk|barang|admin|toko|pelayanan|layanan|servis|kualitas|dasar|kalian|kamu|lu|lo)"
    r"\s+sampah|(?:dasar|lu|lo|kau|kamu|elu)\s+(?:anjing|babi|monyet|asu))\b",
    re.I,
)


# -- cues that need no model, in English and Indonesian ---------------------------------
# MiniLM reads English. Indonesian text sits far from every seed and from what the
# hostility head learnt (OLID is English tweets), so these word patterns are what
# reads it, and they catch the blaming and sarcasm the embedding misses in English
# too (it places a reply by topic more than by tone). Original lists for onbrand.
_YOU_ID = r"(?:kamu|kau|engkau|anda|kalian|situ|lu|lo|loe|elu|elo|kakak|kak|sis|gan|agan)"
_NOT_ID = r"(?:tidak|tak|nggak|ngga|enggak|engga|gak|ga|gk|tdk)"


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.I)


# Moving the conversation to a private channel: an offer ("we'll call you", "kami
# hubungi"), an instruction ("DM us", "cek email") or a contact point (an address).
# A channel named in passing ("your phone broke", "email wallets") is not one.
_DM = r"dms?|pms?|direct\s+messages?|private\s+messages?|whatsapp|telegram|messenger"
_CHANNEL_ID = (
    r"dm|wa|whatsapp|e-?mail|surel|telepon|telpon|telp|telegram|messenger|inbox|sms|chat\s+pribadi"
    r"|pesan\s+(?:langsung|pribadi)|japri"
)
PRIVATE = _rx(
    # English: asked to reach us privately
    r"\b(?:dm|pm|message|msg|e-?mail|text|call|phone|ring|ping|whatsapp|inbox|contact|reach)"
    r"\s+(?:us|me|our\s+(?:\w+\s+){0,2}(?:team|support|desk|care|line))\b",
    r"\b(?:send|sent|sending|shoot|shot|pass|passed|drop|dropped)\s+(?:us|me|you)\s+(?:a|an|your)"
    rf"\s+(?:quick\s+|short\s+|private\s+)?(?:{_DM}|message|note|line|e-?mail|text)\b",
    r"\b(?:sent|sending|dropped)\s+(?:a|an)\s+(?:quick\s+|short\s+)?(?:dm|pm|direct\s+message"
    r"|private\s+message|message|e-?mail|text)\s+(?:your\s+way|to\s+you)\b",
    r"\b(?:please|pls|plz|kindly|feel\s+free\s+to|can\s+you|could\s+you|would\s+you)\s+"
    r"(?:send\s+(?:a\s+)?)?(?:dm|pm|message|e-?mail|call|text|whatsapp|contact|reach\s+out)\b",
    r"(?:^|(?<=[.!?]\s)|(?<=\n))(?:dm|pm)\b",  # "DM the make and model of your car"
    r"\bgive\s+(?:\w+\s+){1,4}a\s+(?:call|ring|buzz)\b",
    r"\b(?:get|be)\s+in\s+touch\b|\breach\s+us\s+(?:at|on|via|by|here)\b"
    r"|\breach\s+out\s+to\s+(?:us|our\s+(?:\w+\s+){0,3}(?:team|support|desk|care|line))\b",
    r"\bcontact\s+form\b|\blive\s+chat\b|\b(?:hotline|helpline|call\s+cent(?:er|re))\b",
    # English: we contact them
    r"\b(?:will|'ll|shall|going\s+to|gonna|is|are|'re|am|'m|have|'ve|has|just"
    r"|already|to)\s+(?:(?:personally|directly|soon|now|also|just|already|be)\s+)?"
    r"(?:dm(?:'?e?d|ing)?|messag(?:e|ed|ing)|e-?mail(?:ed|ing)?|call(?:ed|ing)?|phon(?:e|ed|ing)"
    r"|ring(?:ing)?|rung|text(?:ed|ing)?|whatsapp(?:ed|ing)?|contact(?:ed|ing)?"
    r"|reach(?:ed|ing)?\s+out\s+to|follow(?:ed|ing)?\s+up\s+with)\s+you\b",
    r"\b(?:sent|send|sending|dropped)\s+you\s+(?:the|our)\s+(?:details|link|info)\b",
    r"\b(?:check|received|got|replied(?:\s+to)?|answered|responded\s+to)\s+(?:your|ur)\s+"
    r"(?:dms?|direct\s+messages?|private\s+messages?|inbox|e-?mails?|messages|texts|whatsapp"
    r"|spam)\b",
    r"\b(?:to|in|into)\s+(?:your|ur)\s+(?:e-?mail|inbox|dms?)\b",
    # English: the channel named as where the talk goes
    rf"\b(?:in|into|to|via|by|over|through|on|using)\s+(?:a\s+|our\s+|the\s+)?(?:{_DM})\b",
    r"\b(?:via|by|over|through|using)\s+(?:a\s+|the\s+)?(?:e-?mail|phone|(?:quick\s+|short\s+)?"
    r"(?:phone\s+|video\s+)?call)\b(?!\s+(?:screen|case|bill|plan|number|repairs?|battery"
    r"|charger|wallets?|newsletters?|receipts?|list|address|for|of))|\bon\s+the\s+phone\s+with\b",
    r"\b(?:on|via|through|over|lewat|melalui|di|ke)\s+(?-i:LINE)\b",
    r"\btak(?:e|ing)\s+(?:this|it|things|the\s+conversation)\s+(?:to|into|over\s+to)\s+"
    r"(?:private|e-?mail|a\s+call|the\s+phone)\b",
    r"\b(?:talk|chat|discuss|continue|sort|handle|follow\s+up|reply|speak|resolve)\w*\s+"
    r"(?:\w+\s+){0,3}(?:in\s+private|privately)\b",
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",  # an email address to write to
    # Indonesian: the channel itself
    r"\b(?:di-?)?japri(?:in|kan)?\b|\bpesan\s+(?:langsung|pribadi)\b|\bchat\s+pribadi\b",
    rf"\b(?:lewat|via|melalui|ke|di)\s+(?:nomor\s+)?(?:{_CHANNEL_ID})\b",
    rf"\bcek\s+(?:\w+\s+)?(?:{_CHANNEL_ID}|pesan|kotak masuk|spam)\b",
    r"\bnomor\s+(?:wa|whatsapp|cs|admin)\b",
    # Indonesian: "DM kami", "hubungi kami", "WA ya kak"
    r"\b(?:hubungi|kontak|telepon|telpon|chat|wa|whatsapp|e-?mail|dm|japri|inbox|sms)\s+"
    r"(?:kami|admin|cs|tim\s+kami|kita)\b",
    rf"\b(?:dm|japri|inbox|wa|whatsapp|e-?mail)\s+(?:ya|yah|aja|saja|dong|{_YOU_ID})\b",
    r"\b(?:silakan|silahkan|boleh|bisa|mohon|tolong|langsung|sudah|udah|kami|kita|admin)\s+"
    r"(?:\w+\s+)?(?:di-?)?(?:dm|inbox)(?:in|kan)?\b",
    # Indonesian: we contact them ("kami hubungi", "tim kami akan telepon kakak")
    r"\b(?:kami|kita|admin|cs|tim(?:\s+kami)?)\s+(?:(?:akan|segera|sudah|udah|telah|langsung"
    r"|nanti|lagi|coba|mau|bakal)\s+){0,2}(?:hubungi|menghubungi|kontak|mengontak|telepon|telpon"
    r"|menelepon|menelpon|nelpon|chat|nge-?chat|wa|whatsapp|japri|dm|inbox|sms|e-?mail)\b",
    r"\b(?:kami|kita|admin|tim(?:\s+kami)?)\s+(?:(?:akan|segera|sudah|udah|telah|langsung|nanti)"
    r"\s+)?(?:kirim|kirimkan|kirimi|mengirim|mengirimkan)\s+(?:\w+\s+){0,2}(?:pesan|e-?mail|surel"
    r"|dm|wa|whatsapp|chat|sms|detail|rincian)\b",
    rf"\b(?:akan|segera|nanti)\s+(?:\w+\s+)?(?:menghubungi|hubungi|kontak|telepon|telpon|menelepon"
    rf"|nelpon|wa|whatsapp|chat|japri|dm|e-?mail|sms)\s+(?:{_YOU_ID}|bapak|ibu|pak|bu|mas|mbak)\b",
)

# Confronting the person answered: calling them a liar or their complaint false,
# blaming them, sarcasm at their expense. Each kind is named in the evidence.
CONFRONT: dict[str, re.Pattern[str]] = {
    "calls it false": _rx(
        r"\b(?:you(?:'re|\s+are|\s+were)|ur|u\s+r|stop|quit|keep|been)\s+(?:just\s+|clearly\s+"
        r"|obviously\s+|simply\s+)?(?:lying|making\s+(?:this|that|it|things|stuff)\s+up"
        r"|exaggerating|inventing\s+(?:this|that|things))\b",
        r"\byou\s+made\s+(?:this|that|it)\s+up\b|\b(?:liar|liars)\b",
        r"\b(?:your|the|this|that|their|ur)\s+(?:complaint|review|story|claim|claims|post|comment"
        r"|tweet|accusation|photo|screenshot|rating)s?\s+(?:is|are|was|were|seems?|sounds?|looks?)"
        r"\s+(?:\w+\s+)?(?:fake|false|a\s+lie|lies|made\s+up|fabricated|bogus|nonsense|untrue"
        r"|exaggerated|not\s+true|staged|photoshopped)\b",
        r"\bfake\s+(?:complaint|review|story|claim|outrage)s?\b",
        # Indonesian
        rf"\b{_YOU_ID}\s+(?:\w+\s+)?(?:bohong|boong|berbohong|ngibul|ngarang|mengarang|ngada-ngada"
        r"|mengada-ada|cari\s+sensasi|caper|pansos|lebay|lebai|baper|fitnah|memfitnah"
        r"|pura-pura|playing\s+victim)\b",
        rf"\b(?:lebay|lebai|baper|drama|ngarang)\s+(?:banget\s+|amat\s+)?(?:sih\s+|deh\s+)?{_YOU_ID}\b",
        rf"\b(?:jangan|stop|berhenti|{_NOT_ID}\s+usah|gausah)\s+(?:\w+\s+)?(?:bohong|berbohong"
        r"|ngibul|ngarang|fitnah|memfitnah|drama|lebay|lebai|baper|ngada-ngada|mengada-ada"
        r"|cari\s+sensasi|caper|(?:bikin|sebar|nyebar|menyebarkan)\s+hoax|playing\s+victim)\b",
        r"\b(?:komplain|keluhan|review|ulasan|cerita|tuduhan|postingan|foto|bintang\s+satu)(?:an)?"
        r"(?:nya)?\s+(?:\w+\s+)?(?:palsu|bohong|hoax|hoaks|fitnah|ngarang|dibuat-buat"
        rf"|mengada-ada|{_NOT_ID}\s+(?:benar|bener))\b",
    ),
    "blames the customer": _rx(
        r"\b(?:your|ur)\s+(?:own\s+)?fault\b|\b(?:your|ur)\s+own\s+(?:mistake|problem)\b"
        r"|\b(?:that's|that\s+is|thats|it's|sounds\s+like)\s+(?:your|ur)\s+(?:problem|mistake)\b"
        r"|\ba\s+you\s+problem\b"
        r"|\b(?:that|this|it)(?:'s|\s+is|\s+was)\s+on\s+you\b"
        r"|\b(?:not|never)\s+our\s+(?:fault|problem|responsibility)\b|\b(?:user|operator)\s+error\b",
        r"\byou\s+(?:should|could|would)(?:'ve|\s+have|a)\s+(?:just\s+)?(?:read|checked|looked"
        r"|followed|known|asked|paid\s+attention|listened|measured|ordered|chosen|picked|bought"
        r"|thought|been\s+more\s+careful|double[-\s]checked|researched)\b(?!\s+in\b)",
        r"(?<!if\s)(?<!in\scase\s)\byou\s+(?:did\s+not|didn't|didnt|don't|do\s+not|never"
        r"|failed\s+to|forgot\s+to"
        r"|refused?\s+to)\s+(?:even\s+|actually\s+|bother(?:ed)?\s+to\s+)?(?:read|follow|check"
        r"|understand|look\s+at|listen|pay\s+attention|bother|measure)\b(?!\s+in\b)",
        r"\bif\s+you\s+(?:had|'d|would\s+have|would've)\s+(?:actually\s+|even\s+|just\s+"
        r"|bothered\s+to\s+)?(?:read|checked|looked|followed|listened|paid\s+attention|bothered"
        r"|asked|measured)\b(?!\s+in\b)",
        r"\b(?:learn|bother)\s+to\s+(?:read|follow|listen|count|spell)\b"
        r"|\bnext\s+time,?\s+(?:please\s+|maybe\s+|try\s+(?:to\s+)?)?(?:read|check|look|follow"
        r"|measure|pay\s+attention|think)\b",
        r"\bbefore\s+(?:you\s+)?(?:post(?:ing)?|complain(?:ing)?|comment(?:ing)?|blam(?:e|ing)"
        r"|whin(?:e|ing)|rant(?:ing)?|tweet(?:ing)?|spreading|accus(?:e|ing)|embarrass(?:ing)?)\b",
        r"\byou(?:'ve|\s+have)?\s+(?:clearly|obviously)\s+never\b",
        r"\b(?:clearly|obviously)\s+(?:you\s+)?(?:never|didn't|don't|haven't|hasn't|can't|cannot)"
        r"\s+(?:read|checked?|used?|tried|understand|understood|know|follow|looked?|bothered)\b",
        r"\b(?:like|as)\s+we\s+(?:already\s+)?(?:said|told\s+you)\b|\bwe\s+already\s+told\s+you\b"
        r"|\bit\s+says\s+so\s+(?:right|clearly)\b",
        r"\b(?:nobody|no\s+one|no-one)\s+(?:forced|made)\s+you\b"
        r"|\b(?:shop|go|buy|take\s+your\s+business)\s+(?:somewhere|elsewhere)\b"
        r"|\b(?:stop|quit|keep)\s+(?:whining|complaining|crying|moaning)\b"
        r"|\b(?:people|customers|folks)\s+like\s+you\s+(?:always|never|are\s+(?:why|the)|who\s+"
        r"(?:can't|don't|never)|can't|don't|ruin)\b",
        # Indonesian
        rf"\bsalah\s+(?:{_YOU_ID}|sendiri|customer|pembeli|konsumen)\b",
        rf"\b{_YOU_ID}\s+(?:sendiri\s+)?yang\s+(?:salah|{_NOT_ID}\s+baca|teledor|lalai|ceroboh"
        r"|kurang\s+teliti)\b",
        rf"\b(?:kesalahan|kelalaian|keteledoran)\s+(?:{_YOU_ID}|pembeli|customer|konsumen|sendiri)\b",
        r"\bbukan\s+(?:salah|kesalahan|tanggung\s+jawab|urusan|masalah)\s+kami\b",
        r"\bbaca\s+(?:dulu|dong|deh|lagi|yang\s+bener|yang\s+benar|pelan-pelan|baik-baik)\b",
        r"\bmakanya\s+(?:\w+\s+)?(?:baca|dibaca|cek|dicek|teliti|tanya|lihat|perhatikan|jangan"
        rf"|lain\s+kali|hati-hati|kalau|{_YOU_ID})\b",
        rf"\b(?:harusnya|seharusnya|mestinya|semestinya)\s+(?:{_YOU_ID}\s+)?(?:baca|membaca|cek"
        r"|mengecek|teliti|tanya|lihat|perhatikan|ukur|mikir|pikir)\b",
        rf"\b{_YOU_ID}\s+(?:\w+\s+)?{_NOT_ID}\s+(?:baca|membaca|teliti|ngerti|mengerti|paham|cek"
        r"|ngecek|perhatiin|memperhatikan)\b",
        rf"\b{_NOT_ID}\s+bisa\s+baca\b|\bkurang\s+teliti\b|\bmikir\s+(?:dong|dulu|pake|pakai)\b"
        r"|\bpa?ke?(?:ai)?\s+otak\b",
        r"\bsebelum\s+(?:komplain|protes|ngeluh|mengeluh|posting|nge-?post|nulis\s+review"
        r"|kasih\s+bintang|marah-marah|nuduh|menuduh|nyalahin|menyalahkan)\b",
        rf"\b(?:jangan|{_NOT_ID}\s+usah|gausah)\s+(?:asal\s+)?(?:komplain|protes|ngeluh|mengeluh"
        r"|nyalahin|menyalahkan|nuduh|menuduh|marah-marah|nyinyir|bacot|sok\s+tahu|sok\s+tau)\b",
        r"\b(?:silakan|silahkan|mending|lebih\s+baik|ya\s*udah|ya\s+sudah)\s+(?:\w+\s+)?(?:beli"
        r"|belanja|cari|pindah|order)\s+(?:\w+\s+)?(?:di\s+)?(?:tempat|toko|brand|olshop)\s+lain\b",
        rf"\b{_NOT_ID}\s+(?:usah|perlu)\s+(?:beli|belanja|order|pesan)\s+(?:lagi|di\s*sini|di\s+kami)\b",
        r"\b(?:sudah|udah)\s+jelas\s+(?:\w+\s+)?(?:tertulis|ditulis|dijelaskan|dijelasin|ada)\b"
        r"|\bkan\s+(?:sudah|udah)\s+(?:kami\s+)?(?:tulis|bilang|jelaskan|jelasin|tertulis|dibilang"
        rf"|dijelasin)\b|\b{_YOU_ID}\s+sendiri\s+yang\b",
        # "it's normal you waited", "everyone queues", "maybe it's your tongue", "if you
        # don't want to wait, come earlier", "don't like it, don't buy"
        r"\bwajar\s+(?:dong|lah|aja|kan|kok)\b|\bsemua\s+orang\s+(?:juga\s+)?(?:antre|antri"
        r"|nunggu|menunggu|ngantri)\b",
        rf"\b(?:mungkin|emang|memang)\s+lidah\s+{_YOU_ID}\b",
        rf"\bkalau\s+{_NOT_ID}\s+mau\s+(?:nunggu|menunggu|antre|antri|ngantri)\s+(?:ya|yah|ya\s+udah)\b",
        rf"\b{_NOT_ID}\s+suka\s+(?:ya\s+)?{_NOT_ID}\s+usah\s+(?:beli|datang|pesan|order|mampir)\b",
        # "then naturally you didn't know", "use it gently, will you", "not your business",
        # "don't belittle", "don't go blaming people on social media"
        r"\bya\s+wajar\b|\b(?:pakainya|pakenya|makainya|pakai(?:nya)?)\s+yang\s+(?:pelan|bener"
        r"|benar|hati-hati)\s+(?:dong|ya|lah)\b",
        rf"\bbukan\s+urusan\s+{_YOU_ID}\b|\bjangan\s+(?:merendahkan|ngerendahin)\b",
        rf"\b(?:jangan|{_NOT_ID}\s+usah)\s+(?:langsung\s+|asal\s+)(?:nyalahin|menyalahkan|nuduh"
        r"|menuduh|tuduh)\b",
        r"\bsebelum\s+(?:komentar|komen|ngomen|berkomentar)\b",
    ),
    "sarcasm": _rx(
        r"\b(?:great|wonderful|brilliant|amazing|nice|perfect|fantastic|lovely|oh)\b,?\s+(?:yet\s+)?"
        r"another\s+(?:\w+\s+){0,2}(?:who|that)\b",
        r"\banother\s+(?:customer|one|person|genius|expert|karen|troll|complainer|whiner)\s+who\s+"
        r"(?:can't|cannot|doesn't|didn't|won't|never|thinks)\b",
        r"\b(?:bless\s+your\s+heart|cry\s+(?:more|harder|about\s+it)|stay\s+mad|ok,?\s+boomer"
        r"|thanks\s+for\s+the\s+free\s+publicity)\b",
        r"\bimagine\s+(?:thinking|believing|complaining|being\s+this|not\s+knowing)\b"
        r"|\bsure,?\s+because\b|,\s*(?:genius|einstein|sherlock|sweetie|sweetheart)\b",
        r"\bcan't\s+find\s+(?:their|your|his|her)\s+own\b",
        # Indonesian
        r"\bkasi(?:h)?an\s+(?:deh|dech)\b|\bemang\s+enak\b|\bsitu\s+sehat\b"
        r"|\bsok\s+(?:tahu|tau|pinter|pintar|jago|paling)\b",
        r"\bdasar\s+(?:pembeli|customer|konsumen|orang|bocah|netizen|emak-emak|kere|norak|udik"
        r"|kampungan)\b|\bgitu\s+(?:aja|doang)\s+(?:kok\s+)?(?:repot|ribet|marah|komplain"
        rf"|{_NOT_ID}\s+bisa)\b",
    ),
}
# Confrontational only when they answer someone: in a post to no one in particular
# "that's not true" rebuts a myth and "calm down" is advice.
CONFRONT_IN_REPLY: dict[str, re.Pattern[str]] = {
    "calls it false": _rx(
        r"\b(?:that|this|it|which)(?:'s|\s+is|\s+was)\s+(?:simply\s+|just\s+|completely\s+"
        r"|totally\s+|absolutely\s+|patently\s+|a\s+)?(?:not\s+true|untrue|false|a\s+lie|lies"
        r"|fake|made\s+up|nonsense|rubbish|bs|not\s+what\s+happened|fiction|fabricated)\b",
        r"\bnice\s+try\b|\ba\s+likely\s+story\b|\bsure\s+you\s+(?:did|do)\b|\byeah,?\s+right\b"
        r"|\bwe\s+both\s+know\b",
        rf"\b(?:itu|ini)\s+(?:\w+\s+)?{_NOT_ID}\s+(?:benar|bener)\b|\b(?:hoax|hoaks|fitnah)\b",
    ),
    "blames the customer": _rx(
        r"\b(?:do\s+your\s+(?:own\s+)?(?:research|homework)|educate\s+yourself)\b"
        r"|\b(?:deal|live)\s+with\s+it\b|\bget\s+over\s+it\b|\bcalm\s+down\b|\bgrow\s+up\b"
        r"|\bnobody\s+asked\b",
    ),
    "sarcasm": _rx(r"\b(?:good\s+luck\s+with\s+that|must\s+be\s+nice)\b|\bya\s+kali\b"),
}
# What marks the post answered as an attack even when the hostility head, trained
# on English, cannot read it.
PROVOKES = _rx(r"\b(?:penipu|boikot|boycott|jangan\s+beli|scam)\b")
# Common Indonesian function words: a post with several is one the English seeds
# cannot read.
INDONESIAN = _rx(
    r"\b(?:yang|dan|di|ke|dari|saya|aku|gue|gw|kamu|kami|kita|ini|itu|sudah|udah|belum|tidak"
    r"|nggak|gak|ga|enggak|ada|dengan|untuk|buat|sama|juga|aja|saja|banget|dong|sih|kok|ya"
    r"|kak|tapi|karena|kalau|kalo|bisa|mau|lagi|harus|harusnya|tolong|mohon|terima\s+kasih)\b"
)


def indonesian(text: str) -> bool:
    return len(INDONESIAN.findall(text)) >= max(2, len(WORD.findall(text)) // 5)


# Someone to confront: the person answered, or readers addressed or pointed at.
ADDRESS = _rx(
    r"\b(?:you|your|yours|yourself|yourselves|you're|you've|you'd|you'll|u|ur"
    r"|y'all|ya'll)\b",
    rf"\b{_YOU_ID}\b",
    r"\b(?:anyone|people|those|everyone|customers?|folks|critics|reviewers?)\s+(?:who|that)\b"
    r"|\b(?:haters?|trolls?)\b|\b(?:orang|yang|pembeli|netizen)\s+yang\s+(?:bilang|komplain|protes)\b",
)
# A problem of the writer's, as customers word it: the reply context reads as a
# complaint on these when its wording is unlike every English seed.
PROBLEM = _rx(
    r"\b(?:never\s+(?:arrived|came|received)|still\s+(?:waiting|no|not|haven't|hasn't)"
    r"|(?:hasn't|has\s+not|didn't|did\s+not)\s+(?:arrive|come|work)|not\s+working|doesn't\s+work"
    r"|won't\s+(?:work|turn|charge|start|load)|broke|broken|damaged|missing|refund|overcharged"
    r"|charged\s+(?:me\s+)?twice|disappointed|rude|wrong\s+(?:item|size|order|address)|late"
    r"|cancell?ed|lost|stopped\s+working|can't\s+(?:log|get|find|use|access))\b",
    r"\b(?:rusak|kecewa|mengecewakan|ngecewain|komplain|keluhan|telat|terlambat|lambat|lemot|hilang"
    r"|cacat|pecah|bocor|basi|jutek|judes|kasar|ketus|kapok|zonk|nyesel|menyesal|gagal|error"
    r"|macet|mati|refund|dibalikin|dikembalikan|kepotong|terpotong|dobel|salah\s+kirim"
    r"|penipuan|parah|kecewa|lama\s+banget|ditipu|tertipu|nggak\s+profesional"
    r"|tidak\s+profesional)\b",
    rf"\b(?:belum|{_NOT_ID})\s+(?:juga\s+)?(?:sampai|sampe|datang|dateng|diterima|dikirim|ada\s+kabar"
    r"|dibalas|dibales|direspon|direspons|masuk|kembali|cair|bisa|berfungsi|nyala|jalan|sesuai"
    r"|ada)\b",
)


def _windows(text: str) -> list[str]:
    """Sentence-aligned pieces of at most WINDOW characters (one longer sentence
    stays whole)."""
    out: list[str] = []
    cur = ""
    for sent in SENTENCE_END.split(text):
        if cur and len(cur) + 1 + len(sent) > WINDOW:
            out.append(cur)
            cur = sent
        else:
            cur = f"{cur} {sent}".strip()
    if cur:
        out.append(cur)
    return out or [text]


def hostility(vec: np.ndarray, text: str) -> float:
    """P(offensive) of the OLID head. A draft longer than WINDOW is also read in
    sentence windows (the embedding stays the whole draft's) and the lower of the
    two is kept: summed n-gram weights grow with length, which would otherwise
    make any long post look hostile."""
    head = heads().head("hostility")
    x = np.asarray(vec, np.float32)[None, :]
    p = float(head(x, [text])[0])
    if len(text) > WINDOW:
        wins = _windows(text)
        if len(wins) > 1:
            pw = head(np.repeat(x, len(wins), axis=0), wins)
            p = min(p, float(pw.max()))
    return p


def find_all(rx: re.Pattern[str], text: str) -> list[dict[str, Any]]:
    """Every match with its span in `text`, curly apostrophes read as straight ones
    (the same length, so the same spans)."""
    plain = text.replace("\u2019", "'")
    return [
        {"text": text[m.start() : m.end()], "span": [m.start(), m.end()]}
        for m in rx.finditer(plain)
    ]


def insults(text: str) -> list[dict[str, Any]]:
    return find_all(INSULTS, text)


def hostility_threshold() -> float:
    return float(heads().meta["hostility"]["threshold"])  # type: ignore[index]


def risky_threshold(threshold: float) -> float:
    """The probability that reads RISKY: OLID's threshold with the odds shifted."""
    logit = math.log(threshold / (1.0 - threshold)) + PRIOR_SHIFT
    return 1.0 / (1.0 + math.exp(-logit))


def to_risk(p: float, threshold: float) -> float:
    """Piecewise-linear map of P(hostile): 0 -> 0, OLID threshold -> EDGE,
    risky threshold -> RISKY, 1 -> 1."""
    risky = risky_threshold(threshold)
    if p < threshold:
        return EDGE * p / threshold
    if p < risky:
        return EDGE + (RISKY - EDGE) * (p - threshold) / (risky - threshold)
    return RISKY + (1.0 - RISKY) * (p - risky) / max(1.0 - risky, 1e-6)


def proto_sims(vec: np.ndarray, group: str, classes: tuple[str, ...]) -> dict[str, float]:
    """Mean of the top-3 cosines to each class's seeds."""
    h = heads()
    out = {}
    for c in classes:
        s = h.f32(f"proto.{group}.{c}") @ np.asarray(vec, np.float32)
        out[c] = float(np.sort(s)[-min(TOP_K, len(s)) :].mean())
    return out


def softmax(sims: dict[str, float]) -> dict[str, float]:
    z = np.array(list(sims.values())) / TEMPERATURE
    p = np.exp(z - z.max())
    p /= p.sum()
    return {c: round(float(v), 4) for c, v in zip(sims, p, strict=True)}


def proto_probs(vec: np.ndarray, group: str, classes: tuple[str, ...]) -> dict[str, float]:
    return softmax(proto_sims(vec, group, classes))


def in_domain(similarity: float) -> float:
    """How far to trust a prototype reading, from the best class's similarity: the
    softmax turns a few hundredths into a verdict even when the text is like none
    of the seeds (a slogan, a brewing tip, most Indonesian), so below SEED_FLOOR the
    reading counts for nothing, and fully from SEED_FULL (docs/quality.md)."""
    return min(max((similarity - SEED_FLOOR) / (SEED_FULL - SEED_FLOOR), 0.0), 1.0)


def hostile_words(text: str, top: int = 3) -> list[dict[str, Any]]:
    """The words whose character n-grams push the hostility head up most, each
    n-gram weighted as in the whole text (so the words are comparable)."""
    head = heads().head("hostility")
    if head.hw is None:
        return []
    dim = len(head.hw)
    full = hashed_ngrams(text, dim, *head.hrange)
    scored = []
    for m in WORD.finditer(text):
        grams = hashed_ngrams(m.group(0), dim, *head.hrange)
        w = sum(full.get(k, 0.0) * float(head.hw[k]) for k in grams)
        if w > 0.15:
            scored.append((w, m))
    scored.sort(key=lambda r: -r[0])
    return [
        {"text": m.group(0), "span": [m.start(), m.end()], "weight": round(float(w), 3)}
        for w, m in scored[:top]
    ]


def route(text: str, vec: np.ndarray | None) -> dict[str, Any]:
    """Which team a complaint goes to: keywords first, prototypes as tie-break."""
    low = text.lower()
    counts: dict[str, list[str]] = {}
    for name, spec in ROUTES.items():
        found = [k for k in spec["keywords"] if re.search(rf"\b{re.escape(k)}\b", low)]
        if found:
            counts[name] = found
    sims: dict[str, float] = {}
    if vec is not None:
        h = heads()
        for name in ROUTES:
            protos = h.f32(f"proto.route.{name}")
            sims[name] = float((protos @ np.asarray(vec, np.float32)).max())
    if counts:
        best = max(counts, key=lambda n: (len(counts[n]), sims.get(n, 0.0)))
        by = "keywords"
    elif sims and max(sims.values()) >= 0.45:
        best, by = max(sims, key=sims.get), "similar wording"  # type: ignore[arg-type]
    else:
        return {
            "topic": DEFAULT_ROUTE[0],
            "team": DEFAULT_ROUTE[1],
            "by": "default",
            "keywords": [],
        }
    return {"topic": best, "team": ROUTES[best]["team"], "by": by, "keywords": counts.get(best, [])}


def classify_context(reply_vec: np.ndarray, reply_to: str, threshold: float) -> dict[str, Any]:
    sims = proto_sims(reply_vec, "context", ("complaint", "provocation", "other"))
    probs = softmax(sims)
    p_host = hostility(reply_vec, reply_to)
    problem = bool(PROBLEM.search(reply_to))
    attack = bool(INSULTS.search(reply_to) or PROVOKES.search(reply_to))
    trust = in_domain(max(sims.values()))
    # A hostile post that is not about a problem of the writer's is a provocation;
    # anger alone does not make a complaint one.
    hostile = p_host >= threshold or attack
    prov = probs["provocation"] + (1.0 - probs["provocation"]) * 0.5 * hostile * (
        1.0 - probs["complaint"]
    )
    scores = {"complaint": probs["complaint"], "provocation": prov, "other": probs["other"]}
    kind = max(scores, key=scores.get)  # type: ignore[arg-type]
    by = "seeds"
    if trust < 1.0:
        # Unlike every seed: the words decide when they find a problem of the
        # writer's or an attack; otherwise the seeds' reading stands, unless the
        # post is Indonesian, which the seeds cannot read at all.
        unread = trust == 0.0 and indonesian(reply_to)
        if problem and (unread or kind != "provocation"):
            kind, by = "complaint", "words"
        elif hostile and kind != "complaint" and not problem:
            kind, by = "provocation", "words"
        elif unread:
            kind, by = "other", "words"
    return {
        "kind": kind,
        "probabilities": probs,
        "hostility": round(p_host, 4),
        "by": by,
        "seed_similarity": round(max(sims.values()), 4),
    }


def _confront(table: dict[str, re.Pattern[str]], text: str) -> list[dict[str, Any]]:
    hits = [{**hit, "kind": kind} for kind, rx in table.items() for hit in find_all(rx, text)]
    return sorted(hits, key=lambda h: h["span"][0])


def text_cues(text: str) -> dict[str, Any]:
    """What the word patterns find in a draft: insults, confrontation (by kind; the
    reply-only kind apart), whether it addresses someone, and where it takes the
    matter private."""
    return {
        "insults": insults(text),
        "confront": _confront(CONFRONT, text),
        "confront_in_reply": _confront(CONFRONT_IN_REPLY, text),
        "addresses": bool(find_all(ADDRESS, text)),
        "private": find_all(PRIVATE, text),
    }


class Risk:
    name = "risk"

    def prepare(self, draft: Draft, state: object = None) -> dict[str, Any]:
        head = heads().head("hostility")
        if head.hw is not None:  # the n-gram logits are memoised per text
            pieces = _windows(draft.text) if len(draft.text) > WINDOW else []
            for piece in [draft.text, *pieces]:
                head.hashed_logit(piece)
        return text_cues(draft.text)

    def analyze(self, draft: Draft, view: BrandView) -> Finding:
        lang = language(view)
        t = hostility_threshold()
        t_risky = risky_threshold(t)
        p_model = hostility(view.vec, draft.text)
        words = hostile_words(draft.text) if p_model >= t else []
        cues = prepared(view, self.name)
        if cues is None:
            cues = text_cues(draft.text)
        named = cues["insults"]
        p_host = p_model
        if named:
            # An insult word is risky on its own; it is also the best span to show.
            p_host = max(p_model, t_risky)
            words = named + [w for w in words if w["span"] not in [n["span"] for n in named]]
        context = None
        if draft.reply_to and view.reply_vec is not None:
            context = classify_context(view.reply_vec, draft.reply_to, t)
        # Tone from the seeds counts only as far as the draft is like them, and,
        # outside a reply, only when it speaks to someone and clearly: a slogan, a
        # tip or a brag post is not an argument (docs/quality.md). The word cues
        # need no such care; the ones that only confront in a reply are kept apart.
        tone = proto_sims(view.vec, "tone", ("argue", "calm"))
        p_tone = softmax(tone)["argue"]
        trust = in_domain(max(tone.values()))
        p_arg = p_tone * trust if context is not None or cues["addresses"] else 0.0
        confront = cues["confront"]
        if context is not None:
            confront = sorted(confront + cues["confront_in_reply"], key=lambda h: h["span"][0])
        hostile = p_host >= t_risky
        argues = (
            p_arg >= (ARGUES if context is not None else ARGUES_OPEN) or hostile or bool(confront)
        )
        calm = not argues and p_host < t
        risk = to_risk(p_host, t)
        hints: list[Hint] = []
        detail: dict[str, Any] = {
            "hostility": round(p_model, 4),
            "hostility_threshold": round(t, 4),
            "risky_threshold": round(t_risky, 4),
            "insults": named,
            "argumentative": round(p_arg, 4),
            "tone": {"argue": p_tone, "seed_similarity": round(max(tone.values()), 4)},
            "confrontation": confront,
        }
        reason = None
        kind = context["kind"] if context else None
        if context is not None:
            detail["reply_to"] = context
        if confront:
            # Blaming, calling it false or sarcasm at the person: a fight whatever the
            # tone reading, more so when it answers them.
            risk = max(risk, CONFRONT_RISK if context else OPEN_CONFRONT_RISK)
        if kind == "provocation":
            if argues:
                risk = max(risk, 0.35 + 0.6 * p_arg, ALERT_RISK)
            else:
                risk = max(risk, min(0.35 + 0.6 * p_arg, WARN_RISK + 0.15))
            hints.append(self._provocation_hint(argues, confront, words, lang))
        elif kind == "complaint" and context is not None:
            r = route(draft.reply_to or "", view.reply_vec)
            context["route"] = r
            hint = self._complaint_hint(r, cues["private"], argues, calm, confront, lang)
            hints.append(hint)
            risk = max(risk, 0.7 * p_arg)
            if hint.severity == "alert":
                risk = max(risk, ALERT_RISK)
            elif hint.severity == "warn" and risk < WARN_RISK:
                risk, reason = WARN_RISK, "complaint"
        else:
            # A tone short of arguing leaves the label calm: no hint would say why not.
            risk = max(risk, 0.6 * p_arg if argues else min(0.6 * p_arg, EDGE))
        if hostile and kind != "provocation":
            hints.append(
                Hint(
                    "risk",
                    "alert" if p_host >= (1 + t_risky) / 2 else "warn",
                    say(
                        lang,
                        "This reads as hostile or insulting. A brand account that jabs at "
                        "people gets screenshotted; keep the fact, drop the jab.",
                    ),
                    span=tuple(words[0]["span"]) if words else None,
                    evidence={"hostility": round(p_host, 3), "words": words},
                )
            )
        elif argues and kind in (None, "other"):
            sev: Severity = "alert" if confront and context else "warn"
            risk = max(risk, ALERT_RISK if sev == "alert" else WARN_RISK)
            hints.append(self._arguing_hint(sev, p_arg, confront, lang))
        value = int(round(100 * min(max(risk, 0.0), 1.0)))
        return Finding(
            scores={"risk": Score(value, say(lang, _label(value, reason)), detail)}, hints=hints
        )

    @staticmethod
    def _arguing_hint(
        sev: Severity, p_arg: float, confront: list[dict[str, Any]], lang: str = "en"
    ) -> Hint:
        msg = say(lang, "This reads as arguing with someone.")
        if confront:
            msg += " " + say(lang, _CONFRONT_SAYS[confront[0]["kind"]])
        msg += " " + say(lang, "Say what you want the reader to know, not who is wrong.")
        return Hint(
            "risk",
            sev,
            msg,
            span=tuple(confront[0]["span"]) if confront else None,
            evidence={"argumentative": round(p_arg, 3), "confrontation": confront},
        )

    @staticmethod
    def _provocation_hint(
        argues: bool,
        confront: list[dict[str, Any]],
        words: list[dict[str, Any]],
        lang: str = "en",
    ) -> Hint:
        if argues:
            spans = words or confront
            return Hint(
                "risk",
                "alert",
                say(
                    lang,
                    "You're answering a provocation in kind. Don't argue in public: a "
                    "back-and-forth gives the post reach, and the screenshot outlives the facts. "
                    "Let it go, or reply once with one checkable fact and nothing about the "
                    "person.",
                ),
                span=tuple(spans[0]["span"]) if spans else None,
                evidence={"reply": "provocation", "words": words, "confrontation": confront},
            )
        return Hint(
            "risk",
            "info",
            say(
                lang,
                "This answers a provocation. One calm, factual reply at most; don't get drawn "
                "into a thread.",
            ),
            evidence={"reply": "provocation"},
        )

    @staticmethod
    def _complaint_hint(
        r: dict[str, Any],
        offers: list[dict[str, Any]],
        argues: bool,
        calm: bool,
        confront: list[dict[str, Any]],
        lang: str = "en",
    ) -> Hint:
        private = bool(offers)
        where = (
            say(lang, " about {topic}", topic=say(lang, r["topic"]))
            if r["topic"] != DEFAULT_ROUTE[0]
            else ""
        )
        base = say(
            lang,
            "This answers a genuine customer complaint{where}: route it to {team} and handle the "
            "details privately (DM or email).",
            where=where,
            team=say(lang, r["team"]),
        )
        sev: Severity
        span = None
        if argues:
            sev, msg = "alert", base
            if confront:
                msg += " " + say(lang, _CONFRONT_SAYS[confront[0]["kind"]])
                span = tuple(confront[0]["span"])
            msg += " " + say(lang, "Don't argue with a customer in public")
            if private:
                msg += say(lang, " (offering a DM or a call doesn't undo a public jab)")
            msg += say(
                lang,
                "; a short acknowledgement is enough, e.g. \"Sorry, that shouldn't have happened. "
                "We've sent you a DM.\"",
            )
        elif not private:
            sev = "warn"
            msg = base + say(
                lang,
                ' Publicly, a short acknowledgement is enough, e.g. "Sorry about this, '
                "we've sent you a DM to put it right.\"",
            )
        elif not calm:
            sev = "warn"
            msg = base + say(
                lang,
                " Your draft offers a private channel, but its wording has an edge; keep the "
                "public part to a short, plain apology.",
            )
        else:
            sev = "info"
            msg = base + say(lang, " Your draft already takes it private, which is right.")
        if r["topic"] == "safety" and sev != "alert":
            sev = "warn"
        return Hint(
            "complaint",
            sev,
            msg,
            span=span,
            evidence={
                "reply": "complaint",
                "route": r,
                "private": private,
                "private_offer": offers[:3],
                "confrontation": confront,
            },
        )


_CONFRONT_SAYS = {
    "calls it false": "It calls what they said false or a lie.",
    "blames the customer": "It blames them for the problem.",
    "sarcasm": "It is sarcastic at their expense.",
}


def _label(value: int, reason: str | None = None) -> str:
    if value >= 80:
        return "Likely to start a public fight"
    if value >= 60:
        return "Risky: reads as hostile or argumentative"
    if value >= 40:
        if reason == "complaint":
            return "Needs care: a customer complaint answered in public"
        return "Some edge: check the tone"
    return "Calm"
