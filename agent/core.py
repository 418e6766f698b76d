"""The core library: everything that scores a draft or changes a brand goes
through `Onbrand`. The CLI and the web server are thin shells over it.

`Onbrand` is a façade: a brand's derived state lives in `agent.brand`, a
draft's path through the analyzers in `agent.analysis`, all SQL in
`agent.store`. The changes to a brand (approve, import, remove, rules,
guidelines) are here: each writes the store in one transaction, then updates
the brand's state in memory, so the very next analysis sees it."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from agent import __version__, backup, metrics
from agent.analysis import Analysis
from agent.analyzers import Analyzer, Draft, default_analyzers
from agent.brand import Brands, BrandState, Progress, embed, without_ignored
from agent.config import StorageError
from agent.guidelines import MAX_GUIDELINES_BYTES, UnreadableFile, read_user_file, split_markdown
from agent.importers import ImportFileError, Parsed, Record, parse_file
from agent.language import MULTILINGUAL, NAMES, check_setting, detect
from agent.platforms import MAX_POST_CHARS, platform_name
from agent.store import BRAND_NAME, DEFAULT_BRAND, Store, StoreError, norm_key, now_iso
from agent.text.rules import MAX_RULES_BYTES, RulesError, load_rules
from agent.text.style import RECIPE as STYLE_RECIPE
from agent.text.style import features
from agent.text.unicode import valid
from embeddings import Encoder, load_encoder
from embeddings.backends import MULTILINGUAL as MULTILINGUAL_BACKEND
from embeddings.backends import default_backend

log = logging.getLogger("onbrand")

EMBED_BATCH = 64
DEMO_BRAND = "demo"
DEMO_BRANDS = {"en": DEMO_BRAND, "id": "demo-id"}  # a demo brand per language
DEMO_FOLDERS = {"en": "demo", "id": "demo_id"}
# Long enough that every analyzer does its full work (and loads its tables).
WARM_UP_TEXT = "We opened 3 new stores in Leeds on 4 March; thanks to the team for it."


class OnbrandError(ValueError):
    """A request the core refuses; the message is meant for the user and the
    code is one of the protocol's error codes."""

    def __init__(self, message: str, code: str = "bad_frame") -> None:
        super().__init__(message)
        self.code = code


class Onbrand:
    def __init__(
        self,
        store: Store | None = None,
        encoder: Encoder | None = None,
        backend: str | None = None,
        analyzers: Sequence[Analyzer] | None = None,
        multilingual: Encoder | None = None,
    ) -> None:
        self.store = store or Store()
        self._encoder = encoder
        # None: $ONBRAND_ENCODER, else "auto" (ONNX int8 when built, else torch).
        self._backend = backend or default_backend()
        # Indonesian and mixed brands' encoder (docs/languages.md), loaded on first use.
        self._multilingual = multilingual
        self.brands = Brands(self.store, lambda: self.encoder, lambda: self.multilingual)
        self._analysis = Analysis(self.brands, analyzers or default_analyzers())

    @property
    def analyzers(self) -> list[Analyzer]:
        return self._analysis.analyzers

    # -- encoder ----------------------------------------------------------
    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = load_encoder(self._backend)
        return self._encoder

    @property
    def multilingual(self) -> Encoder:
        if self._multilingual is None:
            self._multilingual = load_encoder(MULTILINGUAL_BACKEND)
        return self._multilingual

    # -- brands -----------------------------------------------------------
    def language(self, brand: str | None = None) -> dict[str, Any]:
        """The brand's language, what was set, and for auto what the posts say."""
        name = self.resolve_brand(brand)
        language, setting = self.store.brand_language(name)
        out: dict[str, Any] = {
            "brand": name,
            "language": language,
            "setting": setting,
            "name": NAMES[language],
        }
        if setting == "auto":
            out["detected"] = detect(self.store.post_texts(name).values()).as_dict()
        return out

    def set_language(self, brand: str | None, setting: str) -> dict[str, Any]:
        """Set a brand's language (en, id, mixed, or auto: read from its posts). A
        change of encoder re-embeds the brand in the background, the old vectors
        serving meanwhile (agent/brand.py); nothing is mixed."""
        name = self.resolve_brand(brand)
        try:
            setting = check_setting(setting)
        except ValueError as exc:
            raise OnbrandError(str(exc)) from None
        before, _ = self.store.brand_language(name)
        language = (
            detect(self.store.post_texts(name).values()).language if setting == "auto" else setting
        )
        self._write_language(name, language, setting)
        return {**self.language(name), "changed": language != before}

    def _write_language(self, brand: str, language: str, setting: str) -> None:
        with self.brands.write_lock(brand):
            with self.store.transaction() as db:
                bid = self.store.brand_id(brand)
                self.store.set_brand_language(db, bid, language, setting)
                # a new version: an agent serving the brand sees the change
                self.store.bump_voice_version(db, bid, f"language: {setting} ({language})")
            self.invalidate(brand)

    def _redetect(self, brand: str, adding: Sequence[str] = ()) -> None:
        """An auto brand's language read again with the posts about to join it, so
        they are embedded once, by the encoder of the language they make."""
        language, setting = self.store.brand_language(brand)
        if setting != "auto":
            return
        now = detect([*self.store.post_texts(brand).values(), *adding]).language
        if now != language:
            log.info("brand %s now reads as %s", brand, NAMES[now])
            self._write_language(brand, now, setting)

    def active_brand(self) -> str:
        return self.store.get_meta("active_brand") or DEFAULT_BRAND

    def use_brand(self, name: str) -> None:
        self.store.brand_id(name)  # raises for an unknown brand
        self.store.set_meta("active_brand", name.strip().lower())

    def resolve_brand(self, brand: str | None) -> str:
        name = (brand or self.active_brand()).strip().lower()
        try:
            self.store.brand_id(name)
        except StoreError as exc:
            raise OnbrandError(str(exc), "unknown_brand") from None
        return name

    def state(self, brand: str | None = None) -> BrandState:
        return self.brands.state(self.resolve_brand(brand))

    def current_state(self, brand: str) -> BrandState:
        return self.brands.current(brand)

    def warm_up(self) -> None:
        """Load the encoder, the active brand and every analyzer's tables ahead of
        the first draft, with a throwaway analysis (nothing of it is kept)."""
        self.analyze(WARM_UP_TEXT)

    def preload(self) -> None:
        """`warm_up` on a thread beside a start's other work; errors are left for
        the server's own warm-up and the first draft to report."""
        try:
            self.state(self.active_brand())
            log.debug("brand %s loaded", self.active_brand())
            self.warm_up()
            log.debug("warm-up analysis done")
        except Exception:
            log.debug("preload failed", exc_info=True)

    def hold_index_builds(self) -> None:
        self.brands.hold_index_builds()

    def release_index_builds(self) -> None:
        self.brands.release_index_builds()

    def wait_for_migrations(self, timeout: float | None = None) -> None:
        self.brands.wait_for_migrations(timeout)

    def retrain(self, brand: str | None = None, progress: Progress | None = None) -> dict[str, Any]:
        """Embed every post and passage again and fit a new voice model (see
        `Brands.retrain`)."""
        name = self.resolve_brand(brand)
        return {"brand": name, **self.brands.retrain(name, progress)}

    def invalidate(self, brand: str | None = None) -> None:
        self.brands.invalidate(brand)

    # -- analysis ---------------------------------------------------------
    def analyze(
        self,
        text: str,
        platform: str | None = None,
        brand: str | None = None,
        reply_to: str | None = None,
    ) -> dict[str, Any]:
        return self.analyze_many([self.make_draft(text, platform, brand, reply_to)])[0]

    def make_draft(
        self, text: str, platform: str | None, brand: str | None, reply_to: str | None = None
    ) -> Draft:
        if not isinstance(text, str):
            raise OnbrandError("text must be a string")
        if len(text) > MAX_POST_CHARS:
            raise OnbrandError(
                f"text is {len(text):,} characters, over the {MAX_POST_CHARS:,} limit",
                "text_too_long",
            )
        if platform is not None and platform_name(platform) is None:
            raise OnbrandError(f"unknown platform {platform!r}", "unknown_platform")
        return Draft(
            text=valid(text),
            platform=platform_name(platform),
            brand=self.resolve_brand(brand),
            reply_to=valid(reply_to) if reply_to else None,
        )

    def analyze_many(self, drafts: Sequence[Draft]) -> list[dict[str, Any]]:
        """Analyse several drafts with one forward pass of the encoder."""
        return self._analysis.run(drafts)

    # -- changing a brand -------------------------------------------------
    def approve(
        self,
        text: str,
        platform: str | None = None,
        url: str | None = None,
        brand: str | None = None,
        posted_at: str | None = None,
        source: str = "approve",
    ) -> dict[str, Any]:
        """Store an approved post and teach the voice model at once."""
        brand = self.resolve_brand(brand)
        # Every approved post has a date: when it was approved, unless it says.
        rec = Record(
            text=valid(text or ""),
            where="approve",
            platform=platform,
            posted_at=posted_at or now_iso(),
            url=url,
        )
        parsed = Parsed("approve")
        parsed.add(rec)
        if parsed.rejects:
            raise OnbrandError(parsed.rejects[0][1])
        # The post's scores as it stood against the brand before it joined it,
        # kept for the dashboard (scores only, no draft text).
        scores = self.analyze(parsed.records[0].text, parsed.records[0].platform, brand)["scores"]
        self._redetect(brand, [parsed.records[0].text])
        try:
            summary = self._add_records(brand, parsed.records, source)
            post_id = summary["post_ids"][0]
            if summary["added"]:
                metrics.record_scores(self.store, post_id, scores)
        except StorageError as exc:  # a full disk, say, is told as such, not as "internal"
            raise OnbrandError(str(exc), "internal") from None
        return {
            "post_id": post_id,
            "created": summary["added"] == 1,
            "brand": brand,
            "voice_model": summary["voice_model"],
        }

    def _add_records(
        self, brand: str, records: list[Record], source: str, progress: Progress | None = None
    ) -> dict[str, Any]:
        """Embed, then write posts, vectors and a voice version in one transaction;
        only then update the in-memory index and voice model."""
        enc = self.brands.encoder_for(brand)
        ident = enc.identity
        with self.brands.write_lock(brand):
            state = self.brands.current(brand)
            bid = self.store.brand_id(brand)
            existing = self.store.existing_keys(brand, [norm_key(r.text) for r in records])
            fresh: dict[str, Record] = {}
            for r in records:
                key = norm_key(r.text)
                if key not in existing and key not in fresh:
                    fresh[key] = r
            new_records = list(fresh.values())
            new_texts = [r.text for r in new_records]
            vecs = embed(enc, new_texts, progress)
            # While a brand is still served by an old encoder, a new post gets a
            # vector from each, so neither set ever has a gap.
            legacy = state.encoder if state.encoder is not enc else None
            served = embed(legacy, new_texts) if legacy else vecs
            ids: list[int] = []
            with self.store.transaction() as db:
                self.store.register_model(db, ident.key, json.dumps(ident.as_dict()))
                for r in new_records:
                    pid, _ = self.store.insert_post(
                        db, bid, r.text, r.platform, r.posted_at, r.url, source
                    )
                    ids.append(pid)
                self.store.put_vectors(db, "post", ids, vecs, ident.key)
                styles = {pid: features(r.text) for pid, r in zip(ids, new_records, strict=True)}
                self.store.put_style(db, styles, STYLE_RECIPE)
                if legacy:
                    self.store.put_vectors(db, "post", ids, served, legacy.identity.key)
                version = (
                    self.store.bump_voice_version(db, bid, f"{source}: +{len(ids)} posts")
                    if ids
                    else None
                )
                by_key = {
                    **existing,
                    **{norm_key(r.text): i for r, i in zip(new_records, ids, strict=True)},
                }
                # Engagement the file carries, for a post already there too: a later
                # export has later figures.
                stats = [(by_key[norm_key(r.text)], *r.stats) for r in records if r.stats]
                self.store.put_post_stats(db, stats, source)
            post_ids = [by_key[norm_key(r.text)] for r in records]
            if ids:
                state.posts_index.add(ids, served, state.encoder.identity.key)
                state.style_rows.update(styles)
                state.voice = self.brands.fit_voice(
                    brand, state.posts_index, state.style_rows, state.voice
                )
            return {
                "added": len(ids),
                "duplicates": len(records) - len(ids),
                "post_ids": post_ids,
                "voice_model": version or state.voice.version,
            }

    def add_kit_posts(self, brand: str, records: list[Record]) -> dict[str, Any]:
        """Posts a brand kit brought (agent/kit.py): only these are embedded, in one
        transaction, like an import."""
        return self._add_records(self.resolve_brand(brand), records, "kit")

    def remove_post(self, post_id: int) -> dict[str, Any]:
        post = self.store.get_post(post_id)
        if post is None:
            raise OnbrandError(f"no post with id {post_id}")
        with self.brands.write_lock(post.brand):
            state = self.brands.current(post.brand)
            bid = self.store.brand_id(post.brand)
            with self.store.transaction() as db:
                self.store.delete_post(db, post_id)
                version = self.store.bump_voice_version(db, bid, f"remove: post {post_id}")
            state.posts_index.remove(post_id)
            state.style_rows.pop(post_id, None)
            state.voice = self.brands.fit_voice(
                post.brand, state.posts_index, state.style_rows, state.voice
            )
        return {"post_id": post_id, "brand": post.brand, "voice_model": version}

    def import_file(
        self,
        path: Path,
        brand: str | None = None,
        fmt: str | None = None,
        platform: str | None = None,
        progress: Progress | None = None,
    ) -> dict[str, Any]:
        """Import one file in one transaction: all of its good rows, or none."""
        brand = self.resolve_brand(brand)
        try:
            parsed = parse_file(Path(path), fmt, platform)
        except ImportFileError as exc:
            raise OnbrandError(str(exc)) from None
        self._redetect(brand, [r.text for r in parsed.records])
        summary = self._add_records(brand, parsed.records, f"import:{parsed.format}", progress)
        return {
            "file": str(path),
            "format": parsed.format,
            "brand": brand,
            "added": summary["added"],
            "duplicates": summary["duplicates"],
            "rejected": [{"where": w, "reason": r} for w, r in parsed.rejects],
            "voice_model": summary["voice_model"],
        }

    def load_rules(self, path: Path, brand: str | None = None) -> dict[str, Any]:
        """Validate a rules.toml and make it the brand's rules. An invalid file is
        refused with file, rule and field, and the previous rules stay active."""
        path = Path(path)
        try:
            _, source = read_user_file(path, MAX_RULES_BYTES, "a rules.toml")
        except UnreadableFile as exc:
            raise OnbrandError(f"{exc} (the previous rules stay active)") from None
        return {"file": str(path), **self.load_rules_text(source, path.name, brand)}

    def load_rules_text(self, source: str, name: str, brand: str | None = None) -> dict[str, Any]:
        """`load_rules` for a rules.toml's text (a brand kit's)."""
        brand = self.resolve_brand(brand)
        try:
            ruleset = load_rules(source, name)
        except RulesError as exc:
            raise OnbrandError(f"{exc} (the previous rules stay active)") from None
        bid = self.store.brand_id(brand)
        with self.brands.write_lock(brand):
            with self.store.transaction() as db:
                self.store.put_rules(db, bid, name, source)
            st = self.brands.loaded(brand)
            if st is not None:
                # One reference swap: analyses see old or new, never half.
                st.ignored_rules = self.store.ignored_rules(brand)
                st.rules = without_ignored(ruleset, st.ignored_rules)
                st.rules_source = (name, source)
        return {"brand": brand, "rules": len(ruleset)}

    def ignored_rules(self, brand: str | None = None) -> dict[str, Any]:
        name = self.resolve_brand(brand)
        return {"brand": name, "rules": self.store.ignored_rules(name)}

    def ignore_rule(
        self, rule: str, ignore: bool = True, brand: str | None = None
    ) -> dict[str, Any]:
        """Stop checking a rule for a brand (or check it again); the next analysis
        sees the change. Only a rule of the brand's rules.toml can be ignored."""
        name = self.resolve_brand(brand)
        rule = (rule or "").strip()
        if not rule:
            raise OnbrandError("name the rule to ignore")
        stored = self.store.rules_source(name)
        known = load_rules(stored[1], stored[0]).names if stored else []
        if ignore and rule not in known:
            listed = ", ".join(known) or "none"
            raise OnbrandError(f"brand {name} has no rule {rule!r} (its rules: {listed})")
        with self.brands.write_lock(name):
            names = self.store.set_rule_ignored(name, rule, ignore)
            st = self.brands.loaded(name)
            if st is not None:
                st.rules = (
                    without_ignored(load_rules(stored[1], stored[0]), names) if stored else None
                )
                st.ignored_rules = names
        return {"brand": name, "rule": rule, "ignored": ignore, "rules": names}

    def add_guidelines(
        self, path: Path, brand: str | None = None, progress: Progress | None = None
    ) -> dict[str, Any]:
        """Replace the guideline document of this name with the file's passages,
        and load the rules.toml beside it, if there is one. `progress(done, total)`
        is called as the passages are embedded."""
        brand = self.resolve_brand(brand)
        path = Path(path)
        try:  # read first, so a file that cannot be used changes nothing
            raw, text = read_user_file(path, MAX_GUIDELINES_BYTES, "a Markdown guidelines")
            sections = split_markdown(text)
        except UnreadableFile as exc:
            raise OnbrandError(str(exc)) from None
        except ValueError as exc:
            raise OnbrandError(f"{path.name}: {exc}") from None
        if not sections:
            raise OnbrandError(f"{path.name}: no passages found (is the file empty?)")
        rules_file = path.parent / "rules.toml"
        rules = self.load_rules(rules_file, brand) if rules_file.is_file() else None
        enc = self.brands.encoder_for(brand)
        ident = enc.identity
        vecs = embed(enc, [f"{s.heading}: {s.text}" for s in sections], progress)
        bid = self.store.brand_id(brand)
        with self.brands.write_lock(brand):
            with self.store.transaction() as db:
                self.store.register_model(db, ident.key, json.dumps(ident.as_dict()))
                ids = self.store.replace_guidelines(
                    db,
                    bid,
                    path.name,
                    hashlib.sha256(raw).hexdigest(),
                    [(s.heading, s.text) for s in sections],
                )
                self.store.put_vectors(db, "passage", ids, vecs, ident.key)
                self.store.bump_voice_version(db, bid, f"guidelines: {path.name}")
            self.invalidate(brand)
        return {
            "file": str(path),
            "brand": brand,
            "passages": len(sections),
            "rules": rules["rules"] if rules else None,
        }

    def score_missing(self, brand: str | None = None, limit: int = 300) -> int:
        """Score the most recent approved posts that have no scores yet (imported
        history), each against every post but itself, for the dashboard."""
        brand = self.resolve_brand(brand)
        rows = self.store.unscored_posts(brand, limit)
        for start in range(0, len(rows), EMBED_BATCH):
            chunk = rows[start : start + EMBED_BATCH]
            drafts = [
                Draft(text=r[1], platform=r[2], brand=brand, exclude_post=r[0]) for r in chunk
            ]
            for r, result in zip(chunk, self.analyze_many(drafts), strict=True):
                metrics.record_scores(self.store, r[0], result["scores"])
        return len(rows)

    # -- a brand as a whole: backup, restore, removal ----------------------
    def export_brand(self, brand: str, path: Path) -> dict[str, Any]:
        """Write the brand's backup (agent/backup.py) to `path`, atomically."""
        name = self.resolve_brand(brand)
        doc = backup.dump(self.store, name, __version__)
        try:
            backup.write(doc, Path(path))
        except backup.BackupError as exc:
            raise OnbrandError(str(exc)) from None
        return {"brand": name, "file": str(path), **self._backup_counts(doc)}

    @staticmethod
    def _backup_counts(doc: dict[str, Any]) -> dict[str, int]:
        return {
            "posts": len(doc["posts"]),
            "passages": sum(len(d["passages"]) for d in doc["guidelines"]),
            "rules": 1 if doc["rules"] else 0,
            "goals": len(doc["goals"]),
            "voice_versions": len(doc["voice_history"]),
            "ignored_rules": len(doc["ignored_rules"]),
        }

    def import_brand(
        self, path: Path, name: str | None = None, progress: Progress | None = None
    ) -> dict[str, Any]:
        """Restore a brand from its backup, as `name` (default: its own name), all
        or nothing: the file is checked whole and embedded first, then written in
        one transaction. An existing brand of that name is refused, never merged."""
        try:
            doc = backup.read(Path(path))
        except backup.BackupError as exc:
            raise OnbrandError(str(exc)) from None
        name = (name or doc["brand"]["name"]).strip().lower()
        if not BRAND_NAME.match(name):
            raise OnbrandError(
                f"brand name {name!r} is not valid: use lowercase letters, digits, - and _"
            )
        try:
            self.store.brand_id(name)
        except StoreError:
            pass
        else:
            raise OnbrandError(
                f"brand {name} already exists; remove it first (`onbrand brands remove {name}`) "
                "or restore under another name (--as NAME)"
            )
        posts = [p["text"] for p in doc["posts"]]
        passages = [
            f"{g['heading']}: {g['text']}" for d in doc["guidelines"] for g in d["passages"]
        ]
        enc = self.multilingual if doc["brand"]["language"] in MULTILINGUAL else self.encoder
        ident = enc.identity
        post_vecs = embed(enc, posts, progress)
        passage_vecs = embed(enc, passages)
        with self.brands.write_lock(name):
            try:
                with self.store.transaction() as db:
                    self.store.register_model(db, ident.key, json.dumps(ident.as_dict()))
                    bid, post_ids, passage_ids = self.store.restore_brand(db, doc, name)
                    self.store.put_vectors(db, "post", post_ids, post_vecs, ident.key)
                    self.store.put_vectors(db, "passage", passage_ids, passage_vecs, ident.key)
                    styles = {pid: features(t) for pid, t in zip(post_ids, posts, strict=True)}
                    self.store.put_style(db, styles, STYLE_RECIPE)
                    self.store.put_ignored_rules(db, bid, doc["ignored_rules"])
            except StorageError as exc:
                raise OnbrandError(str(exc), "internal") from None
            self.invalidate(name)
        if self.store.get_meta("active_brand") is None:  # e.g. it was removed just before
            self.use_brand(name)
        return {"brand": name, "file": str(path), **self._backup_counts(doc)}

    def remove_brand(self, brand: str) -> dict[str, Any]:
        """Delete a brand and everything of it (see `Store.remove_brand`)."""
        name = self.resolve_brand(brand)
        with self.brands.write_lock(name):
            posts = self.store.remove_brand(name)
            self.invalidate(name)
        return {"brand": name, "posts": posts}

    # -- demo and status --------------------------------------------------
    def load_demo(
        self, brand: str | None = None, activate: bool = True, lang: str = "en"
    ) -> dict[str, Any]:
        """The English demo brand (Ferrow & Pine), or with `lang="id"` the Indonesian
        one (Kopi Lereng, agent/demo_id/), whose language is set first so its posts
        are embedded once, by the multilingual encoder."""
        if lang not in DEMO_BRANDS:
            raise OnbrandError(f"no demo brand in {lang!r}; try one of {', '.join(DEMO_BRANDS)}")
        brand = brand or DEMO_BRANDS[lang]
        demo = resources.files("agent").joinpath(DEMO_FOLDERS[lang])
        self.store.ensure_brand(brand, "Demo brand" if lang == "en" else "Demo brand (Indonesian)")
        if lang != "en":
            self.set_language(brand, lang)
        with resources.as_file(demo) as folder:
            posts = self.import_file(folder / "posts.jsonl", brand=brand, fmt="jsonl")
            guide = self.add_guidelines(folder / "guidelines.md", brand=brand)
        if activate:
            self.use_brand(brand)
        return {"posts": posts, "guidelines": guide}

    def status(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "version": __version__,
            "data_dir": str(self.store.path.parent),
            "database": str(self.store.path),
            "schema_version": self.store.schema_version(),
            "active_brand": self.active_brand(),
            "brands": self.store.brands(),
        }
        if self._encoder is not None:
            out["encoder"] = self._encoder.identity.as_dict()
        for b in out["brands"]:
            b["voice_model"] = self.store.voice_version(str(b["name"]))
        return out
