"""A brand's derived state and the cache that keeps it.

Everything here is derived from the store and can be rebuilt from it at any
time: the vector indexes of posts and guideline passages, each post's style
features, the voice model and the rules. `Brands` builds a brand's state on
first use, reloads it when another process changed the brand, and re-embeds
posts when the encoder changed (serving the old vectors meanwhile).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from agent.language import DEFAULT as DEFAULT_LANGUAGE
from agent.language import MULTILINGUAL
from agent.models.assets import encoder_assets
from agent.models.voice import VoiceModel
from agent.store import Passage, Store
from agent.text.rules import RulesError, RuleSet, load_rules
from agent.text.style import NAMES as STYLE_NAMES
from agent.text.style import RECIPE as STYLE_RECIPE
from agent.text.style import features
from embeddings import Encoder, EncoderError, VectorIndex, load_encoder
from embeddings.backends import backend_name

log = logging.getLogger("onbrand")

Progress = Callable[[int, int], None]  # (done, total)
EMBED_BATCH = 64
REEMBED_CHUNK = 256


@dataclass
class BrandState:
    """Everything derived from the store for one brand, under one encoder."""

    name: str
    store: Store
    model_key: str
    posts_index: VectorIndex
    passages_index: VectorIndex
    passages: dict[int, Passage]
    style_rows: dict[int, np.ndarray]
    voice: VoiceModel
    # The encoder whose vectors this state holds. While a brand is re-embedded
    # for a new encoder, it keeps being served by the old one.
    encoder: Encoder
    rules: RuleSet | None = None
    # The brand's language (agent/language.py): en, id or mixed.
    language: str = DEFAULT_LANGUAGE
    # The rules ignored for the brand when `rules` was made (see `Brands.current`).
    ignored_rules: list[str] = field(default_factory=list)
    # The stored rules.toml (file name, text) `rules` was made from.
    rules_source: tuple[str, str] | None = None


def embed(enc: Encoder, texts: list[str], progress: Progress | None = None) -> np.ndarray:
    """Texts' vectors in batches, reporting progress after each."""
    out = []
    for i in range(0, len(texts), EMBED_BATCH):
        out.append(enc.encode(texts[i : i + EMBED_BATCH]))
        if progress:
            progress(min(i + EMBED_BATCH, len(texts)), len(texts))
    if not out:
        return np.zeros((0, enc.identity.dim), dtype=np.float32)
    return np.vstack(out)


def without_ignored(ruleset: RuleSet, ignored: list[str]) -> RuleSet:
    """The rules a brand checks: its rules.toml less those a person ignored for it."""
    if not ignored:
        return ruleset
    skip = set(ignored)
    return RuleSet(
        rules=[r for r in ruleset.rules if r.name not in skip],
        filename=ruleset.filename,
        text=ruleset.text,
    )


class Brands:
    """The brands' states by name. Readers never wait for writers; writers of
    one brand (approve, import, remove, guidelines) go one at a time through
    `write_lock`. `encoder` gives the encoder the agent runs now for English
    brands, `multilingual` the one for Indonesian and mixed ones: `encoder_for`."""

    def __init__(
        self,
        store: Store,
        encoder: Callable[[], Encoder],
        multilingual: Callable[[], Encoder] | None = None,
    ) -> None:
        self.store = store
        self._encoder = encoder
        self._multilingual = multilingual or (lambda: load_encoder("e5-int8"))
        self._languages: dict[str, str] = {}
        self._states: dict[str, BrandState] = {}
        # The store's change mark when `current` last caught a brand up.
        self._marks: dict[str, tuple[int, int]] = {}
        self._states_lock = threading.Lock()
        self._write_locks: dict[str, threading.RLock] = {}
        self._migrations: dict[str, threading.Thread] = {}
        # Big brands' approximate indexes are built in the background once this is
        # set; `onbrand serve` holds it through its start (hold_index_builds).
        self._index_builds = threading.Event()
        self._index_builds.set()

    @property
    def encoder(self) -> Encoder:
        return self._encoder()

    def language(self, brand: str) -> str:
        """The brand's language, read once per version of the brand (a change of
        language bumps the version, so another process's change is seen)."""
        lang = self._languages.get(brand)
        if lang is None:
            lang = self._languages[brand] = self.store.brand_language(brand)[0]
        return lang

    def encoder_for(self, brand: str) -> Encoder:
        """The encoder of the brand's language; vectors of two encoders never mix."""
        return self._multilingual() if self.language(brand) in MULTILINGUAL else self.encoder

    def write_lock(self, brand: str) -> threading.RLock:
        with self._states_lock:
            return self._write_locks.setdefault(brand, threading.RLock())

    def loaded(self, brand: str) -> BrandState | None:
        """The brand's state if it is in memory, without loading it."""
        return self._states.get(brand)

    def state(self, name: str) -> BrandState:
        """The state of a brand (a known, normalised name), built on first use."""
        st = self._states.get(name)
        if st is None:
            with self.write_lock(name):
                st = self._states.get(name)
                if st is None:
                    legacy = self._legacy_encoder(name)
                    if legacy is not None:
                        # Serve from the complete old vectors while the new
                        # encoder's are built in the background.
                        st = self.build(name, encoder=legacy)
                        self._migrations[name] = threading.Thread(
                            target=self._migrate,
                            args=(name,),
                            daemon=True,
                            name=f"onbrand-reembed-{name}",
                        )
                        self._migrations[name].start()
                    else:
                        st = self.build(name)
                    self._states[name] = st
        return st

    def current(self, brand: str) -> BrandState:
        """The brand's state, first catching up with changes another process
        committed (`onbrand approve`, `import`, `posts remove` or `rules` while the
        agent serves). Nothing is asked of the store unless the file changed since
        the last look; then a post change shows as a new voice version."""
        st = self.state(brand)
        mark = self.store.change_mark()
        if self._marks.get(brand) == mark:
            return st
        if self.store.voice_version(brand) != st.voice.version:
            with self.write_lock(brand):
                st = self._states.get(brand) or self.state(brand)
                if self.store.voice_version(brand) != st.voice.version:
                    log.info("brand %s changed on disk; reloading", brand)
                    self._languages.pop(brand, None)
                    if self._needs_migration(brand, st):
                        self._states.pop(brand, None)
                        st = self.state(brand)  # the old vectors serve while it re-embeds
                    else:
                        st = self.build(brand, encoder=st.encoder)
                        self._states[brand] = st
        # Rules loaded, ignored or checked again by another process (`onbrand
        # rules FILE`, `rules unignore`): only the rules are made again.
        ignored = self.store.ignored_rules(brand)
        source = self.store.rules_source(brand)
        if ignored != st.ignored_rules or source != st.rules_source:
            with self.write_lock(brand):
                st.rules = self._rules(brand)
                st.ignored_rules = ignored
                st.rules_source = source
        self._marks[brand] = mark
        return st

    def _needs_migration(self, brand: str, st: BrandState) -> bool:
        """The brand's language now wants another encoder than the one serving it,
        and no re-embedding toward it is under way."""
        running = self._migrations.get(brand)
        if running is not None and running.is_alive():
            return False
        return st.encoder.identity.key != self.encoder_for(brand).identity.key

    def rebuild(self, brand: str) -> BrandState:
        """Build the brand's state again from the store and swap it in; the
        caller holds the brand's write lock."""
        st = self.build(brand)
        self._states[brand] = st
        return st

    def invalidate(self, brand: str | None = None) -> None:
        with self._states_lock:
            if brand is None:
                self._states.clear()
                self._languages.clear()
            else:
                self._states.pop(brand, None)
                self._languages.pop(brand, None)

    def _legacy_encoder(self, brand: str) -> Encoder | None:
        """An encoder that can still serve this brand while the current one's
        vectors are incomplete: one whose vectors cover every post and passage and
        whose identity is still loadable here. None when nothing is missing."""
        target = self.encoder_for(brand).identity.key
        need = self.store.item_counts(brand)
        cover = self.store.vector_coverage(brand)
        if cover.get(target, {}) == need:
            return None
        for key, counts in cover.items():
            if key == target or counts != need:
                continue
            ident = self.store.model_identity(key)
            if ident is None:
                continue
            try:
                enc = load_encoder(backend_name(ident))
            except EncoderError:
                continue
            if enc.identity.key == key:
                return enc
        return None

    def _migrate(self, brand: str) -> None:
        """Re-embed a brand for the current encoder in committed chunks (a kill
        loses at most one chunk; the next start resumes), then swap atomically."""
        try:
            self.reembed_missing(brand)
            with self.write_lock(brand):
                self.reembed_missing(brand)  # anything approved meanwhile
                self.rebuild(brand)
            log.info("brand %s now served by %s", brand, self.encoder_for(brand).identity.key)
        except Exception:
            log.exception("re-embedding %s failed; still serving the old vectors", brand)

    def hold_index_builds(self) -> None:
        """Brands loaded from now on answer with exact search until
        `release_index_builds`: faiss's import and training would otherwise
        compete with a start's imports, the brand's load and the first answer
        (measured in docs/speed.md, "cold start")."""
        self._index_builds.clear()

    def release_index_builds(self) -> None:
        self._index_builds.set()

    def wait_for_migrations(self, timeout: float | None = None) -> None:
        for t in list(self._migrations.values()):
            t.join(timeout)

    def build(
        self, brand: str, progress: Progress | None = None, encoder: Encoder | None = None
    ) -> BrandState:
        enc = encoder or self.encoder_for(brand)
        ident = enc.identity
        post_ids, post_vecs, missing = self.store.vectors("post", brand, ident.key, ident.dim)
        pas_ids, pas_vecs, pas_missing = self.store.vectors("passage", brand, ident.key, ident.dim)
        if (missing or pas_missing) and enc is self.encoder_for(brand):
            self.reembed_missing(brand, progress)
            post_ids, post_vecs, _ = self.store.vectors("post", brand, ident.key, ident.dim)
            pas_ids, pas_vecs, _ = self.store.vectors("passage", brand, ident.key, ident.dim)
        posts_index = VectorIndex(
            ident.key,
            ident.dim,
            capacity=max(1024, len(post_ids) * 2),
            build_gate=self._index_builds,
        )
        posts_index.add(post_ids, post_vecs, ident.key)
        passages_index = VectorIndex(ident.key, ident.dim, build_gate=self._index_builds)
        passages_index.add(pas_ids, pas_vecs, ident.key)
        style_rows = self._style_rows(brand, post_ids)
        voice = self.fit_voice(brand, posts_index, style_rows)
        return BrandState(
            name=brand,
            store=self.store,
            model_key=ident.key,
            posts_index=posts_index,
            passages_index=passages_index,
            passages=self.store.passages(brand),
            style_rows=style_rows,
            voice=voice,
            encoder=enc,
            rules=self._rules(brand),
            language=self.language(brand),
            ignored_rules=self.store.ignored_rules(brand),
            rules_source=self.store.rules_source(brand),
        )

    def _style_rows(self, brand: str, post_ids: list[int]) -> dict[int, np.ndarray]:
        """Each post's style features: stored when the post was added; whatever is
        missing (posts added before schema 5, another recipe) is computed once and
        stored, so a start reads 10,000 rows instead of re-reading 10,000 texts."""
        rows = self.store.style_rows(brand, STYLE_RECIPE, len(STYLE_NAMES))
        missing = [pid for pid in post_ids if pid not in rows]
        if missing:
            texts = self.store.post_texts(brand)
            fresh = {pid: features(texts[pid]) for pid in missing if pid in texts}
            try:
                with self.store.transaction() as db:
                    self.store.put_style(db, fresh, STYLE_RECIPE)
            except sqlite3.Error:  # a read-only or busy store: compute again next time
                log.warning("could not store the style features of %s", brand, exc_info=True)
            rows.update(fresh)
        return {pid: rows[pid] for pid in post_ids if pid in rows}

    def _rules(self, brand: str) -> RuleSet | None:
        stored = self.store.rules_source(brand)
        if stored is None:
            return None
        try:
            ruleset = load_rules(stored[1], stored[0])
        except RulesError:  # stored rules were valid when loaded; a newer onbrand may differ
            log.exception("stored rules of %s no longer load", brand)
            return None
        return without_ignored(ruleset, self.store.ignored_rules(brand))

    def fit_voice(
        self,
        brand: str,
        index: VectorIndex,
        style_rows: dict[int, np.ndarray],
        previous: VoiceModel | None = None,
    ) -> VoiceModel:
        """The voice model of the brand's current version. `previous`: the model
        this change replaces; a big brand keeps its calibration (see
        `VoiceModel.still_calibrated`), the style norms are always refitted."""

        def style_of(ids: list[int]) -> np.ndarray:
            rows = [style_rows[i] for i in ids]
            return np.array(rows) if rows else np.zeros((0, len(STYLE_NAMES)))

        version = self.store.voice_version(brand)
        key = index.model_key
        ids = index.ids()
        stored = self.store.voice_fit(brand, version, key, len(ids))
        if stored is not None:  # a start: no copy of the matrix, no recalibration
            return VoiceModel.restore(brand, version, style_of(ids), stored)
        if previous is not None and previous.still_calibrated(len(ids)):
            model = VoiceModel.restore(brand, version, style_of(ids), previous.calibration())
        else:
            # The index's own arrays, not a copy: the caller holds the brand's write lock.
            _, vecs = index.live_rows()  # in the order of `ids`
            with encoder_assets(key):  # the background of the vectors' encoder
                model = VoiceModel.fit(brand, version, vecs, style_of(ids))
        if model.ready:
            try:
                self.store.put_voice_fit(brand, version, key, len(ids), model.calibration())
            except sqlite3.Error:  # a busy or read-only store: calibrate again next time
                log.warning("could not store the voice calibration of %s", brand, exc_info=True)
        return model

    def texts(self, kind: str, brand: str) -> dict[int, str]:
        if kind == "post":
            return self.store.post_texts(brand)
        return {p.id: f"{p.heading}: {p.text}" for p in self.store.passages(brand).values()}

    def embed_and_store(
        self,
        kind: str,
        ids: list[int],
        texts: dict[int, str],
        progress: Progress | None = None,
        encoder: Encoder | None = None,
    ) -> None:
        """Embed in chunks, each committed on its own: a kill loses one chunk at
        most, and the next run picks up what is still missing."""
        enc = encoder or self.encoder
        ident = enc.identity
        for start in range(0, len(ids), REEMBED_CHUNK):
            chunk = [i for i in ids[start : start + REEMBED_CHUNK] if i in texts]
            vecs = embed(enc, [texts[i] for i in chunk])
            with self.store.transaction() as db:
                self.store.register_model(db, ident.key, json.dumps(ident.as_dict()))
                self.store.put_vectors(db, kind, chunk, vecs, ident.key)
            if progress:
                progress(min(start + REEMBED_CHUNK, len(ids)), len(ids))

    def reembed_missing(self, brand: str, progress: Progress | None = None) -> int:
        """Posts or passages without a vector from the current encoder (new model,
        backend or precision, or a new language) are embedded again; old vectors
        are never mixed in."""
        enc = self.encoder_for(brand)
        ident = enc.identity
        done = 0
        for kind in ("post", "passage"):
            missing = self.store.missing_vectors(kind, brand, ident.key)
            if missing:
                log.info("re-embedding %d %ss of %s for %s", len(missing), kind, brand, ident.key)
                self.embed_and_store(kind, missing, self.texts(kind, brand), progress, enc)
                done += len(missing)
        return done

    def retrain(self, brand: str, progress: Progress | None = None) -> dict[str, int]:
        """Full rebuild: embed every post and passage again, then fit a new voice
        model and swap it in. Analyses are answered by the old state meanwhile.
        Resumable: the posts already re-embedded are recorded as it goes."""
        enc = self.encoder_for(brand)
        marker = f"retrain:{brand}:{enc.identity.key}"
        done_upto = int(self.store.get_meta(marker) or 0)
        texts = self.texts("post", brand)
        ids = sorted(i for i in texts if i > done_upto)
        total = len(texts)
        for start in range(0, len(ids), REEMBED_CHUNK):
            chunk = ids[start : start + REEMBED_CHUNK]
            self.embed_and_store("post", chunk, texts, encoder=enc)
            self.store.set_meta(marker, str(chunk[-1]))
            if progress:
                progress(total - len(ids) + start + len(chunk), total)
        passages = self.texts("passage", brand)
        self.embed_and_store("passage", sorted(passages), passages, encoder=enc)
        with self.write_lock(brand):
            self.reembed_missing(brand)  # approvals that landed meanwhile
            bid = self.store.brand_id(brand)
            with self.store.transaction() as db:
                version = self.store.bump_voice_version(db, bid, f"retrain: {total} posts")
                self.store.delete_meta(db, marker)
            self.rebuild(brand)
        return {"posts": total, "passages": len(passages), "voice_model": version}
