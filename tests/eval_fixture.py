"""A small synthetic stand-in for the shared data folder, for `tests/test_eval.py`.

`write_eval_data(folder)` writes every file that `python -m tools.training.eval
--quick` reads, in the layouts that `tools/training/datasets.py` and
`tools/training/eval_hints.py` parse (tab-separated PIT-2015 and Gao files, the
Twitter URL corpus with CRLF lines, OLID's tsv + label csvs, one twcs csv per
brand with a UTF-8 BOM, the celebrity_faceoff and LinkedIn csvs).

Every sentence below was written for this fixture; none is taken from the
licensed datasets, which are for evaluation only and stay outside the
repository. Rows are built from hand-written fragments by fixed templates
(fragment lists of pairwise coprime lengths, indexed by the row number), so the
output is the same on every run. Each brand and author has its own vocabulary,
emoji and, for some, Bahasa Indonesia, so the voice code has something to tell
apart. What eval scores on this data means nothing; it only shows that every
line of the table runs.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path

# -- what the loaders should find (tests/test_eval_fixture.py checks these) ------------------
PIT_TOPICS = 8  # x (3 paraphrases + 3 non-paraphrases + 1 debatable, dropped)
PIT_PAIRS = PIT_TOPICS * 6
URL_PAIRS = PIT_TOPICS * 5  # one n=3 pair per topic is dropped
GAO_ROWS = 40
OLID_NOT, OLID_TIN, OLID_UNT = 20, 12, 8
TWCS_POSTS = 40  # kept per brand, after 2 too-short replies per brand are dropped
TWCS_SHORT = 2
SISTER_TRAIN, SISTER_TEST = 26, 8
LINKEDIN_POSTS = 52  # per author with enough posts; one more author has too few
LINKEDIN_FEW = 12


def pick(parts: Sequence[Sequence[str]], i: int, sep: str = " ") -> str:
    """Row i of a template: fragment i mod len(list) from each list."""
    return sep.join(p[i % len(p)] for p in parts if p[i % len(p)])


# -- paraphrase pairs (PIT-2015 test, Twitter URL corpus) ---------------------------------------
# topic -> three claims, each in two wordings that mean the same thing
PAIR_TOPICS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Harbour Bridge",
        [
            (
                "the harbour bridge is closed all weekend",
                "no cars on the harbour bridge till monday",
            ),
            ("fireworks over the bridge tonight at nine", "bridge fireworks start at 9 pm tonight"),
            ("the bridge walk is free for kids", "children walk the bridge for free"),
        ],
    ),
    (
        "Night Market",
        [
            ("pasar malam opens again this friday 🎉", "the night market is back from friday"),
            ("the satay stall sold out in an hour", "satay gone within sixty minutes lol"),
            (
                "bring cash the market has no card machines",
                "no cards at the night market only cash",
            ),
        ],
    ),
    (
        "Rain Delay",
        [
            ("the final is delayed by rain", "rain has pushed back the final"),
            ("umpires check the pitch again at four", "next pitch inspection is at 4pm"),
            ("tickets stay valid for tomorrow", "todays tickets also work tomorrow"),
        ],
    ),
    (
        "New Phone",
        [
            ("the new phone has a bigger battery", "battery on the new model is larger"),
            ("preorders open on tuesday morning", "you can preorder from tuesday am"),
            ("it drops the headphone jack 😩", "no headphone jack on this one"),
        ],
    ),
    (
        "Cat Cafe",
        [
            ("a cat cafe opened on king street", "king street now has a cafe full of cats"),
            ("the cats are all up for adoption", "every cat there can be adopted"),
            ("book a table the place is packed", "reserve first its always full"),
        ],
    ),
    (
        "Volcano Trip",
        [
            (
                "the bromo sunrise tour leaves at 3 am",
                "bromo sunrise jeeps go at three in the morning",
            ),
            ("bring a jacket it is freezing up there", "its really cold at the top so pack a coat"),
            ("the view was worth every minute", "totally worth the early start for that view"),
        ],
    ),
    (
        "Bus Strike",
        [
            (
                "buses stop running at noon because of the strike",
                "the strike halts all buses from midday",
            ),
            ("trains are running as normal", "rail services are not affected"),
            (
                "the union meets the council on thursday",
                "talks with the council are set for thursday",
            ),
        ],
    ),
    (
        "Bake Off",
        [
            (
                "the sourdough won the village bake off",
                "a sourdough loaf took first prize at the bake off",
            ),
            ("the judges loved the pandan cake", "pandan cake was the judges favourite"),
            ("next years contest moves to june", "the bake off will be in june next year"),
        ],
    ),
]


def _tags(sentence: str) -> str:
    """A stand-in for PIT's word/ner/pos/chunk/event column (the loader ignores it)."""
    return " ".join(f"{w}/O/NN/B-NP/O" for w in sentence.split())


def _write_pit(folder: Path) -> None:
    data, labels = [], []
    for t, (topic, claims) in enumerate(PAIR_TOPICS):
        rows = [(a, b, "true", "0.8000") for a, b in claims]
        rows += [(claims[i][0], claims[(i + 1) % 3][1], "false", "0.2000") for i in range(3)]
        rows.append((claims[0][1], claims[2][0], "----", "0.4000"))
        for a, b, lab, score in rows:
            expert = {"true": "4", "false": "1", "----": "2"}[lab]
            data.append("\t".join([str(100 + t), topic, a, b, expert, _tags(a), _tags(b)]))
            labels.append(f"{lab}\t{score}")
    (folder / "test.data").write_text("\n".join(data) + "\n", encoding="utf-8")
    (folder / "test.label").write_text("\n".join(labels) + "\n", encoding="utf-8")


def _write_url(folder: Path) -> None:
    lines = []
    for t, (topic, claims) in enumerate(PAIR_TOPICS):
        url = f"https://t.co/fixture{t:02d}"
        headline = topic.title()
        for i, (a, b) in enumerate(claims):
            lines.append(f"{headline}: {a.capitalize()}\t{b} \U0001f440\t({5 + i % 2},6)\t{url}")
        lines.append(f"{headline}: {claims[0][0].capitalize()}\t{claims[1][1]}\t(1,6)\t{url}")
        lines.append(f"{headline}: {claims[1][0].capitalize()}\t{claims[2][1]}\t(0,6)\t{url}")
        lines.append(f"{headline}: {claims[2][0].capitalize()}\t{claims[0][1]}\t(3,6)\t{url}")
        lines.append("")  # a CR-only line, as in the real file
    (folder / "Twitter_URL_Corpus_test.txt").write_bytes("\r\n".join(lines).encode("utf-8"))


# -- specificity (Gao 2019): 1 = general, 5 = specific --------------------------------------------
GENERAL = [
    "what a day",
    "love this so much",
    "some things never change",
    "mantap , can't wait",
    "so true",
    "feeling good about it",
    "ya ampun , here we go again",
]
VAGUE_TAIL = ["", "😊", "!", "lol", "semangat !"]
SPECIFIC = [
    "the 7:45 train from Bogor to Jakarta Kota was 20 minutes late on Monday",
    "Dr. Lee moved the Thursday seminar on coral bleaching to room 4.12 at 3 pm",
    "our team shipped version 2.3 with offline maps for 14 cities last night",
    "the Jalan Braga bakery sells 300 croissants before 9 am every Saturday",
    "Maria ran the Borobudur half marathon in 1:52 , her best time since 2019",
    "the council approved 12 new bike lanes on Elm Street for $ 1.4 million",
]
SPEC_TAIL = ["", "<URL>", "via <USER>", "📍"]


def _tok(text: str) -> str:
    """Tokenise like the Gao files: `n't` and trailing punctuation split off."""
    t = re.sub(r"n't\b", " n't", text)
    return " ".join(re.sub(r"([.,!?])(\s|$)", r" \1\2", t).split())


def _write_gao(folder: Path) -> None:
    lines = ["\tTweetID\tTweet\tScore"]
    for i in range(GAO_ROWS):
        if i % 2:
            text = pick([SPECIFIC, SPEC_TAIL], i // 2)
            score = 3.5 + (i // 2 % 4) * 0.4166666666666667
        else:
            text = pick([GENERAL, VAGUE_TAIL], i // 2)
            score = 1.0 + (i // 2 % 5) * 0.25
        if i % 3 == 0:
            text = "<USER> " + text
        lines.append(f"{i}\t{900000000000000000 + i}\t{_tok(text)}\t{score}")
    (folder / "cleaned_data_test.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")


# -- offensive language (OLID level A and B test) -----------------------------------------------
NOT_OFF = [
    "thanks for sharing this , really helpful",
    "see you all at the meetup on sunday",
    "terima kasih for the update 🙏",
    "the new park by the river looks lovely",
    "congrats on the promotion , well deserved",
]
NOT_TAIL = ["", "URL", "😊", "#weekend"]
TIN_OPEN = [
    "you are a pathetic clown",
    "shut up you lying idiot",
    "nobody asked you , moron",
    "you are the dumbest fool on this site",
]
TIN_TAIL = ["", "🤡", "URL"]
UNT = [
    "this damn traffic again",
    "what the hell is this weather",
    "so sick of this crap",
    "bloody hell , the wifi is down again",
]
UNT_TAIL = ["", "😤"]


def _write_olid(folder: Path) -> None:
    rows: list[tuple[str, str, str, str]] = []  # id, tweet, level a, level b
    for i in range(OLID_NOT):
        rows.append((f"{70000 + i}", "@USER " + pick([NOT_OFF, NOT_TAIL], i), "NOT", ""))
    for i in range(OLID_TIN):
        rows.append((f"{71000 + i}", "@USER " + pick([TIN_OPEN, TIN_TAIL], i), "OFF", "TIN"))
    for i in range(OLID_UNT):
        rows.append((f"{72000 + i}", pick([UNT, UNT_TAIL], i), "OFF", "UNT"))
    rows.sort(key=lambda r: (int(r[0]) * 7919) % 1009)  # interleave the classes
    tsv = ["id\ttweet"] + [f"{i}\t{t}" for i, t, _, _ in rows]
    (folder / "testset-levela.tsv").write_text("\n".join(tsv) + "\n", encoding="utf-8")
    level_a = ["id,label"] + [f"{i},{a}" for i, _, a, _ in rows]
    (folder / "labels-levela.csv").write_text("\n".join(level_a) + "\n", encoding="utf-8")
    level_b = ["id,label"] + [f"{i},{b}" for i, _, _, b in rows if b]
    (folder / "labels-levelb.csv").write_text("\n".join(level_b) + "\n", encoding="utf-8")


# -- brand replies (twcs) -----------------------------------------------------------------------
# brand -> (openers, bodies, closers, sign-offs); 5, 7 and 6 fragments: 210 distinct replies
TWCS: dict[str, tuple[list[str], list[str], list[str], list[str]]] = {
    "AppleSupport": (
        [
            "We'd like to help.",
            "Thanks for reaching out.",
            "We understand how important this is.",
            "Happy to look into this with you.",
            "Let's get this sorted.",
        ],
        [
            "Which version of iOS is on your iPhone? Check in Settings > General > About.",
            "Does the issue continue after a restart of your Mac?",
            "Try turning Wi-Fi off and on from Control Centre, then test again.",
            "Make sure you have a current backup in iCloud before we continue.",
            "Is this happening with every app, or only with Mail?",
            "Update to the latest software and let us know if the battery drain continues.",
            "Reset network settings from Settings > General > Reset and try once more.",
        ],
        [
            "Send us a DM and we'll continue there.",
            "Reply in DM with your device model.",
            "We'll be here if you need us.",
            "Let us know the result in a DM.",
            "Meet us in DM so we can go over the next steps.",
            "",
        ],
        ["", "", "^JK", ""],
    ),
    "SpotifyCares": (
        [
            "Hey there!",
            "Hi!",
            "Oh no, that's not the vibe we want 🎧",
            "Thanks for the heads up!",
            "Sorry about that!",
        ],
        [
            "Could you try logging out, restarting your device and logging back in?",
            "A clean reinstall of the app usually gets your playlists back on track.",
            "Can you check if your Premium is still showing on the account page?",
            "Does this happen with offline songs, or only when streaming?",
            "Try clearing the cache in Settings > Storage and give it another spin.",
            "Which device and app version are you jamming on?",
            "Make sure Crossfade is turned off and let us know if the skipping stops.",
        ],
        [
            "Keep us posted 🎶",
            "Let us know how it goes!",
            "We're here if you need a hand 🙌",
            "Shout if it keeps happening!",
            "Fingers crossed 🤞",
            "",
        ],
        ["", "/SN", "", ""],
    ),
    "McDonalds": (
        [
            "We're sorry to hear this.",
            "Thanks for letting us know.",
            "That isn't the experience we want for you.",
            "We appreciate your feedback.",
            "Yikes, that's not right.",
        ],
        [
            "Which restaurant did you visit so we can share this with the manager?",
            "Your fries should always be hot and fresh 🍟",
            "We'd like to make this right with the team at your local restaurant.",
            "Please share the restaurant address and the time of your visit.",
            "Our McCafe team would love to hear more about your order.",
            "The Monopoly game pieces are on select menu items while supplies last.",
            "We'll pass this along to the Owner/Operator of that location.",
        ],
        [
            "Please DM us.",
            "Send us a DM with the details.",
            "Thanks for your patience.",
            "We hope to see you again soon.",
            "Here's a link to reach our team: https://t.co/fixturemcd",
            "",
        ],
        ["", "", "", "-Becky"],
    ),
    "AirAsiaSupport": (
        [
            "Hai kak, mohon maaf atas ketidaknyamanannya 🙏",
            "Halo kak, terima kasih sudah menghubungi kami.",
            "Hi there, apologies for the inconvenience.",
            "Hai, we hear you ✈️",
            "Selamat siang kak.",
        ],
        [
            "Silakan kirim nomor booking via DM ya.",
            "Flight delays are due to operational requirements and we regret the wait.",
            "You can change your flight via Manage My Booking on our website.",
            "Untuk refund, mohon isi formulir di AirAsia Support Portal.",
            "Baggage add-ons are cheaper when bought before the flight.",
            "Please check in online up to 1 hour before departure.",
            "Kami sudah teruskan keluhan kakak ke tim terkait.",
        ],
        [
            "Terima kasih 😊",
            "Thank you for flying with us.",
            "Ditunggu DM-nya ya kak.",
            "Safe travels ✈️",
            "Have a nice day.",
            "",
        ],
        ["", "-Dewi", "", ""],
    ),
}


def _write_twcs(folder: Path) -> None:
    (folder / "SOURCE.md").write_text(
        "# Synthetic twcs brand replies (tests/eval_fixture.py)\n\n"
        "Written for the test suite; not the TWCS corpus.\n",
        encoding="utf-8",
    )
    fields = [
        "tweet_id",
        "author_id",
        "inbound",
        "created_at",
        "text",
        "response_tweet_id",
        "in_response_to_tweet_id",
    ]
    for b, (brand, (opens, bodies, closes, signs)) in enumerate(TWCS.items()):
        with (folder / f"{brand}.csv").open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(fields)
            for i in range(TWCS_POSTS + TWCS_SHORT):
                if i % 20 == 7:  # too short once cleaned: the loader drops it
                    text = f"@{200000 + i} Thanks! ^AB"
                else:
                    text = f"@{100000 + b * 1000 + i} " + pick([opens, bodies, closes, signs], i)
                tid = 1000 + b * 10000 + i
                when = f"Tue Oct 31 {10 + i % 12:02d}:{i % 60:02d}:00 +0000 2017"
                w.writerow([tid, brand, "FALSE", when, text, "", tid + 5000])


# -- celebrity_faceoff: the three sisters -------------------------------------------------------
SISTER_VOICES: dict[str, list[list[str]]] = {
    "KimKardashian": [
        [
            "Obsessed with",
            "So excited to share",
            "Can't wait for you guys to see",
            "Loving",
            "Just launched",
        ],
        [
            "the new nude lipstick collection 💄",
            "our contour kit restock",
            "the fragrance bottles we designed together",
            "the shapewear drop in every shade",
            "these glam shots from the shoot",
            "the new highlighter palette ✨",
            "the matte liquid lip in three new shades",
        ],
        ["", "#KKWBEAUTY", "link in bio", "💋", "sooo good", "wait till Friday!"],
    ],
    "kourtneykardash": [
        [
            "Morning ritual:",
            "Slowing down today with",
            "Something I've been loving lately:",
            "Reminder to self:",
            "On Poosh today,",
        ],
        [
            "a warm lemon water and ten minutes of stillness 🌿",
            "our guide to a toxin free kitchen",
            "avocado pudding with a little raw honey",
            "a long walk barefoot in the garden",
            "collagen in my matcha before the school run",
            "breathing exercises before bed",
            "the kids' favourite gluten free pancakes",
        ],
        ["", "🕊", "namaste", "read more on poosh", "balance is everything", "🌱"],
    ],
    "khloekardashian": [
        [
            "Leg day done 💪",
            "Who else is up early for the gym?",
            "Never let anyone dim your light.",
            "Sweaty selfie, no filter.",
            "Revenge body mode:",
        ],
        [
            "Good American jeans fit every body, period",
            "True was my little workout buddy today",
            "no excuses, just results",
            "squats on squats on squats",
            "drinking my gallon of water like a champ",
            "I'm so proud of how far I've come",
            "my trainer pushed me so hard LOL",
        ],
        ["", "#GoodAmerican", "😂", "let's gooo", "love you guys", "🍑"],
    ],
}


def _write_celebrity(folder: Path) -> None:
    fields = ["id", "name", "created", "text"]
    for split, start, n in (("train", 0, SISTER_TRAIN), ("test", SISTER_TRAIN, SISTER_TEST)):
        with (folder / f"{split}_tweets.csv").open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(fields)
            for s, (name, parts) in enumerate(SISTER_VOICES.items()):
                for i in range(start, start + n):
                    tid = 1090000000000000000 + s * 1000 + i
                    w.writerow([tid, name, f"2019-02-{1 + i % 27:02d}T12:00:00Z", pick(parts, i)])
            for i in range(3):  # someone else in the file: the loader keeps the sisters only
                w.writerow([1080000000000000000 + i, "someone_else", "2019-01-01T00:00:00Z", "hi"])


# -- LinkedIn influencers ------------------------------------------------------------------------
# author -> (hooks, stories, lessons, asks, hashtags); lengths 4, 5, 7, 3, 11
LINKEDIN: dict[str, tuple[list[str], ...]] = {
    "Ayu Lestari": (
        [
            "Five years ago I started a warung kopi with one table.",
            "Founders in Indonesia ask me the same question every week.",
            "Today our team hit 120 people across Jakarta, Bandung and Surabaya 🚀",
            "Let me share something I rarely talk about.",
        ],
        [
            "We almost ran out of cash in 2020, and I had to call every supplier myself.",
            "My first hire was my cousin, and she still runs our operations.",
            "We tested the app with ibu-ibu at the pasar before we wrote a single line of code.",
            "An investor told me our market was too small. Ternyata tidak.",
            "We grew by listening to the drivers, not by buying ads.",
        ],
        [
            "Gotong royong is not a slogan, it is how small businesses survive.",
            "Start with the customer you can visit on foot.",
            "Cash flow is oxygen. Watch it every single week.",
            "Hire people who are better than you at the thing you fear.",
            "Local problems deserve local founders.",
            "Semangat matters, but systems matter more.",
            "Your first hundred customers will teach you everything.",
        ],
        [
            "What would you add? Share in the comments 👇",
            "Terima kasih to everyone who believed in us early.",
            "If you are building in Southeast Asia, let's connect.",
        ],
        [
            "#startup",
            "#UMKM",
            "#founders",
            "#Indonesia",
            "#entrepreneurship",
            "#SoutheastAsia",
            "#growth",
            "#leadership",
            "#smallbusiness",
            "#fintech",
            "#semangat",
        ],
    ),
    "Marcus Webb": (
        [
            "The best leaders I know do one thing differently.",
            "I was fired from my first management job.",
            "Unpopular opinion: culture is not ping pong tables.",
            "A CEO once asked me what keeps great people from leaving.",
        ],
        [
            "They ask more questions than they answer in every meeting.",
            "It took me a decade to understand why, and the reason was me.",
            "Culture is what your team does when you are not in the room.",
            "The answer was simple: people stay for managers who see them.",
            "I now block thirty minutes every Friday just to say thank you.",
        ],
        [
            "Leadership is a practice, not a title.",
            "Feedback is a gift only when it is given with care.",
            "Trust is built in drops and lost in buckets.",
            "Your calendar tells the truth about your priorities.",
            "Clarity is kindness.",
            "Great teams disagree openly and commit fully.",
            "Recognition costs nothing and pays back tenfold.",
        ],
        [
            "Agree or disagree?",
            "What is the best lesson a manager ever taught you?",
            "Repost if this resonates ♻️",
        ],
        [
            "#leadership",
            "#management",
            "#culture",
            "#careers",
            "#teamwork",
            "#hr",
            "#coaching",
            "#worklife",
            "#mindset",
            "#ceo",
            "#people",
        ],
    ),
    "Priya Raman": (
        [
            "I spent last week cleaning a dataset with 4 million rows 📊",
            "A junior analyst asked me how to get into machine learning.",
            "Our churn model was 94% accurate and completely useless.",
            "Here is a chart that changed how our product team works.",
        ],
        [
            "Half the columns had silently changed units in March.",
            "I told her to learn SQL and statistics before any neural network.",
            "It predicted that nobody churns, because almost nobody did.",
            "We plotted retention by signup week instead of by month.",
            "The fix was a single join that nobody had documented.",
        ],
        [
            "Garbage in, garbage out still holds in 2023.",
            "Always look at the base rate before you celebrate accuracy.",
            "A good plot beats a clever model.",
            "Document your data pipeline like someone else will run it tomorrow.",
            "Precision and recall tell the story accuracy hides.",
            "Talk to the people who create the data.",
            "Simple baselines first, deep learning later.",
        ],
        [
            "What is your favourite data horror story?",
            "Happy to share the notebook if it helps.",
            "Follow for more practical data science 🧪",
        ],
        [
            "#datascience",
            "#machinelearning",
            "#analytics",
            "#python",
            "#sql",
            "#statistics",
            "#ai",
            "#dataviz",
            "#bigdata",
            "#mlops",
            "#careers",
        ],
    ),
    "Sam Fewposts": (
        ["Quick update from the road."],
        ["Visited two clients in Perth this week."],
        ["Travel teaches patience."],
        ["More soon."],
        ["#travel", "#sales"],
    ),
}
LINKEDIN_FIELDS = [
    "Unnamed: 0",
    "name",
    "headline",
    "location",
    "followers",
    "connections",
    "about",
    "time_spent",
    "content",
    "content_links",
    "media_type",
    "media_url",
    "num_hashtags",
    "hashtag_followers",
    "hashtags",
    "reactions",
    "comments",
    "views",
    "votes",
    "assigned_label",
    "reviewed_label",
    "label",
]


def _linkedin_post(parts: tuple[list[str], ...], i: int) -> str:
    hooks, stories, lessons, asks, tags = parts
    story = pick([hooks, stories], i) + " " + stories[(i + 2) % len(stories)]
    body = story + "\n\n" + pick([lessons], i)
    tail = " ".join(tags[(i + k) % len(tags)] for k in range(3))
    return f"{body}\n\n{pick([asks], i)}\n\n{tail}"


def _write_linkedin(folder: Path) -> None:
    path = folder / "linkedIn_data_Kartik-checkpoint.csv"
    row = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, LINKEDIN_FIELDS)
        w.writeheader()
        for name, parts in LINKEDIN.items():
            n = LINKEDIN_FEW if name == "Sam Fewposts" else LINKEDIN_POSTS
            for i in range(n):
                # the single-fragment author repeats: vary it by a post number
                text = _linkedin_post(parts, i)
                if name == "Sam Fewposts":
                    text += f" (post {i + 1})"
                cells = dict.fromkeys(LINKEDIN_FIELDS, "")
                cells.update(
                    {
                        "Unnamed: 0": str(row),
                        "name": name,
                        "headline": "Synthetic author for the onbrand test suite",
                        "location": "Nowhere",
                        "followers": "1000",
                        "connections": "500+",
                        "time_spent": f"{1 + i % 6}d",
                        "content": text,
                        "num_hashtags": "3",
                        "reactions": str(10 + i),
                        "comments": str(i % 9),
                    }
                )
                w.writerow(cells)
                row += 1
        w.writerow(dict.fromkeys(LINKEDIN_FIELDS, "") | {"name": "Empty Post"})  # skipped


def write_eval_data(folder: Path) -> Path:
    """Write the synthetic data folder under `folder` and return it (pass it to --data)."""
    writers = {
        "pit2015": _write_pit,
        "twitter_url_corpus": _write_url,
        "specificity_twitter_gao2019": _write_gao,
        "olid": _write_olid,
        "twcs_brand_replies": _write_twcs,
        "celebrity_faceoff": _write_celebrity,
        "linkedin_influencers_sample": _write_linkedin,
    }
    for name, write in writers.items():
        sub = folder / name
        sub.mkdir(parents=True, exist_ok=True)
        if name != "twcs_brand_replies":
            (sub / "SOURCE.md").write_text(
                f"# Synthetic {name} (tests/eval_fixture.py)\n\nWritten for the test suite.\n",
                encoding="utf-8",
            )
        write(sub)
    return folder
