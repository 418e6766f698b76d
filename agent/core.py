"""The core library: everything that scores a draft or changes a brand goes
through `Onbrand`. The CLI and the web server are thin shells over it."""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from agent import __version__, metrics
from agent.analyzers import Analyzer, BrandView, Draft, Finding, default_analyzers
from agent.guidelines import split_markdown
from agent.importers import MAX_POST_CHARS, ImportError_, Parsed, Record, parse_file, platform_name
from agent.models.voice import K as VOICE_K
from agent.models.voice import VoiceModel
from agent.result import build_result
from agent.store import DEFAULT_BRAND, Passage, Store, StoreError, norm_key
from agent.text.rules import RulesError, RuleSet, load_rules
from agent.text.style import NAMES as STYLE_NAMES
from agent.text.style import RECIPE as STYLE_RECIPE
from agent.text.style import features
from embeddings import Encoder, EncoderError, VectorIndex, load_encoder
from embeddings.encoder import backend_name, default_backend

log = logging.getLogger("onbrand")

Progress = Callable[[int, int], None]  # (done, total)
EMBED_BATCH = 64
REEMBED_CHUNK = 256
DEMO_BRAND = "demo"
# Nearest approved posts found once per draft and shared by the analyzers
# (originality shows 3, the voice model averages its k).
NEIGHBOURS = max(8, VOICE_K)
# Long enough that every analyzer does its full work (and loads its tables).
WARM_UP_TEXT = "We opened 3 new stores in Leeds on 4 March; thanks to the team for it."


class OnbrandError(ValueError):
    """A request the core refuses; the message is meant for the user and the
    code is one of the protocol's error codes."""

    def __init__(self, message: str, code: str = "bad_frame") -> None:
        super().__init__(message)
        self.code = code


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


class Onbrand:
    def __init__(
        self,
        store: Store | None = None,
        encoder: Encoder | None = None,
        backend: str | None = None,
        analyzers: Sequence[Analyzer] | None = None,
    ) -> None:
        self.store = store or Store()
        self._encoder = encoder
        # None: $ONBRAND_ENCODER, else "auto" (ONNX int8 when built, else torch).
        self._backend = backend or default_backend()
        self.analyzers: list[Analyzer] = list(analyzers or default_analyzers())
        self._states: dict[str, BrandState] = {}
        self._states_lock = threading.Lock()
        # Writers (approve, import, remove, guidelines) of one brand go one at a
        # time; readers never wait for them.
        self._write_locks: dict[str, threading.RLock] = {}
        self._migrations: dict[str, threading.Thread] = {}
        # The analyzers' text-only steps run here while the encoder embeds the
        # draft: the encoder releases the GIL, so the two use both cores.
        self._prepare_pool = ThreadPoolExecutor(1, thread_name_prefix="onbrand-prepare")
        # Big brands' approximate indexes are built in the background once this is
        # set; `onbrand serve` holds it through its start (hold_index_builds).
        self._index_builds = threading.Event()
        self._index_builds.set()

    # -- encoder ----------------------------------------------------------
    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = load_encoder(self._backend)
        return self._encoder

    def _embed(
        self, texts: list[str], progress: Progress | None = None, encoder: Encoder | None = None
    ) -> np.ndarray:
        enc = encoder or self.encoder
        out = []
        for i in range(0, len(texts), EMBED_BATCH):
            out.append(enc.encode(texts[i : i + EMBED_BATCH]))
            if progress:
                progress(min(i + EMBED_BATCH, len(texts)), len(texts))
        if not out:
            return np.zeros((0, enc.identity.dim), dtype=np.float32)
        return np.vstack(out)

    # -- brands -----------------------------------------------------------
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

    def _write_lock(self, brand: str) -> threading.RLock:
        with self._states_lock:
            return self._write_locks.setdefault(brand, threading.RLock())

    def state(self, brand: str | None = None) -> BrandState:
        name = self.resolve_brand(brand)
        st = self._states.get(name)
        if st is None:
            with self._write_lock(name):
                st = self._states.get(name)
                if st is None:
                    legacy = self._legacy_encoder(name)
                    if legacy is not None:
                        # Serve from the complete old vectors while the new
                        # encoder's are built in the background.
                        st = self._build_state(name, encoder=legacy)
                        self._migrations[name] = threading.Thread(
                            target=self._migrate,
                            args=(name,),
                            daemon=True,
                            name=f"onbrand-reembed-{name}",
                        )
                        self._migrations[name].start()
                    else:
                        st = self._build_state(name)
                    self._states[name] = st
        return st

    def current_state(self, brand: str) -> BrandState:
        """The brand's state, first catching up with changes another process
        committed (`onbrand approve`, `import` or `posts remove` while the agent
        serves). Every change records a new version, so one small query tells."""
        st = self.state(brand)
        if self.store.voice_version(brand) != st.voice.version:
            with self._write_lock(brand):
                st = self._states.get(brand) or self.state(brand)
                if self.store.voice_version(brand) != st.voice.version:
                    log.info("brand %s changed on disk; reloading", brand)
                    st = self._build_state(brand, encoder=st.encoder)
                    self._states[brand] = st
        return st

    def _legacy_encoder(self, brand: str) -> Encoder | None:
        """An encoder that can still serve this brand while the current one's
        vectors are incomplete: one whose vectors cover every post and passage and
        whose identity is still loadable here. None when nothing is missing."""
        target = self.encoder.identity.key
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
            self._reembed_missing(brand)
            with self._write_lock(brand):
                self._reembed_missing(brand)  # anything approved meanwhile
                self._states[brand] = self._build_state(brand)
            log.info("brand %s now served by %s", brand, self.encoder.identity.key)
        except Exception:
            log.exception("re-embedding %s failed; still serving the old vectors", brand)

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
        """Brands loaded from now on answer with exact search until
        `release_index_builds`: faiss's import and training (~0.2 s at 10k posts,
        mostly holding the GIL) would otherwise compete with a start's imports, the
        brand's load and the first answer (10 interleaved starts of the 10k brand:
        median 1.10 s building at once, 0.96 s held until the start was done;
        docs/speed.md)."""
        self._index_builds.clear()

    def release_index_builds(self) -> None:
        self._index_builds.set()

    def wait_for_migrations(self, timeout: float | None = None) -> None:
        for t in list(self._migrations.values()):
            t.join(timeout)

    def _build_state(
        self, brand: str, progress: Progress | None = None, encoder: Encoder | None = None
    ) -> BrandState:
        enc = encoder or self.encoder
        ident = enc.identity
        post_ids, post_vecs, missing = self.store.vectors("post", brand, ident.key, ident.dim)
        pas_ids, pas_vecs, pas_missing = self.store.vectors(
            "passage", brand, ident.key, ident.dim
        )
        if (missing or pas_missing) and enc is self.encoder:
            self._reembed_missing(brand, progress)
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
        voice = self._fit_voice(brand, posts_index, style_rows)
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
            return load_rules(stored[1], stored[0])
        except RulesError:  # stored rules were valid when loaded; a newer onbrand may differ
            log.exception("stored rules of %s no longer load", brand)
            return None

    def _fit_voice(
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
            model = VoiceModel.fit(brand, version, vecs, style_of(ids))
        if model.ready:
            try:
                self.store.put_voice_fit(brand, version, key, len(ids), model.calibration())
            except sqlite3.Error:  # a busy or read-only store: calibrate again next time
                log.warning("could not store the voice calibration of %s", brand, exc_info=True)
        return model

    def _texts(self, kind: str, brand: str) -> dict[int, str]:
        if kind == "post":
            return self.store.post_texts(brand)
        return {p.id: f"{p.heading}: {p.text}" for p in self.store.passages(brand).values()}

    def _embed_and_store(
        self, kind: str, ids: list[int], texts: dict[int, str], progress: Progress | None = None
    ) -> None:
        """Embed in chunks, each committed on its own: a kill loses one chunk at
        most, and the next run picks up what is still missing."""
        ident = self.encoder.identity
        for start in range(0, len(ids), REEMBED_CHUNK):
            chunk = [i for i in ids[start : start + REEMBED_CHUNK] if i in texts]
            vecs = self._embed([texts[i] for i in chunk])
            with self.store.transaction() as db:
                self.store.register_model(db, ident.key, json.dumps(ident.as_dict()))
                self.store.put_vectors(db, kind, chunk, vecs, ident.key)
            if progress:
                progress(min(start + REEMBED_CHUNK, len(ids)), len(ids))

    def _reembed_missing(self, brand: str, progress: Progress | None = None) -> int:
        """Posts or passages without a vector from the current encoder (new model,
        backend or precision) are embedded again; old vectors are never mixed in."""
        ident = self.encoder.identity
        done = 0
        for kind in ("post", "passage"):
            missing = self.store.missing_vectors(kind, brand, ident.key)
            if missing:
                log.info("re-embedding %d %ss of %s for %s", len(missing), kind, brand, ident.key)
                self._embed_and_store(kind, missing, self._texts(kind, brand), progress)
                done += len(missing)
        return done

    def retrain(self, brand: str | None = None, progress: Progress | None = None) -> dict[str, Any]:
        """Full rebuild: embed every post and passage again, then fit a new voice
        model and swap it in. Analyses are answered by the old state meanwhile.
        Resumable: the posts already re-embedded are recorded as it goes."""
        brand = self.resolve_brand(brand)
        marker = f"retrain:{brand}:{self.encoder.identity.key}"
        done_upto = int(self.store.get_meta(marker) or 0)
        texts = self._texts("post", brand)
        ids = sorted(i for i in texts if i > done_upto)
        total = len(texts)
        for start in range(0, len(ids), REEMBED_CHUNK):
            chunk = ids[start : start + REEMBED_CHUNK]
            self._embed_and_store("post", chunk, texts)
            self.store.set_meta(marker, str(chunk[-1]))
            if progress:
                progress(total - len(ids) + start + len(chunk), total)
        passages = self._texts("passage", brand)
        self._embed_and_store("passage", sorted(passages), passages)
        with self._write_lock(brand):
            self._reembed_missing(brand)  # approvals that landed meanwhile
            bid = self.store.brand_id(brand)
            with self.store.transaction() as db:
                version = self.store.bump_voice_version(db, bid, f"retrain: {total} posts")
                db.execute("DELETE FROM meta WHERE key=?", (marker,))
            self._states[brand] = self._build_state(brand)
        return {"brand": brand, "posts": total, "passages": len(passages), "voice_model": version}

    def invalidate(self, brand: str | None = None) -> None:
        with self._states_lock:
            if brand is None:
                self._states.clear()
            else:
                self._states.pop(brand, None)

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
            text=text,
            platform=platform_name(platform),
            brand=self.resolve_brand(brand),
            reply_to=reply_to or None,
        )

    def analyze_many(self, drafts: Sequence[Draft]) -> list[dict[str, Any]]:
        """Analyse several drafts with one forward pass of the encoder (the server
        batches concurrent drafts from several tabs and clients this way)."""
        states = {d.brand: self.current_state(d.brand) for d in drafts}
        t0 = time.perf_counter()
        preparing = self._prepare_pool.submit(self._prepare, drafts, states)
        # One forward pass per encoder (normally one): drafts and reply contexts.
        groups: dict[int, tuple[Encoder, list[str]]] = {}
        for d in drafts:
            if d.text.strip():
                enc = states[d.brand].encoder
                texts = groups.setdefault(id(enc), (enc, []))[1]
                texts += [d.text] + ([d.reply_to] if d.reply_to else [])
        vecs: dict[tuple[int, str], np.ndarray] = {}
        for key, (enc, texts) in groups.items():
            unique = list(dict.fromkeys(texts))
            vecs.update({(key, t): v for t, v in zip(unique, enc.encode(unique), strict=True)})
        t_embedded = time.perf_counter()
        embed_ms = (t_embedded - t0) * 1000
        preps, prepare_ms = preparing.result()
        wait_ms = (time.perf_counter() - t_embedded) * 1000
        out = []
        for d, prep in zip(drafts, preps, strict=True):
            state = states[d.brand]
            if not d.text.strip():
                out.append(build_result(d, [], state, state.encoder.identity, {"total": 0.0}))
                continue
            key = id(state.encoder)
            vec = vecs[(key, d.text)]
            # The nearest approved posts, searched once for every analyzer.
            t = time.perf_counter()
            hits = state.posts_index.search(vec, NEIGHBOURS + 1)
            search_ms = (time.perf_counter() - t) * 1000
            view = BrandView(
                state=state,
                vec=vec,
                reply_vec=vecs.get((key, d.reply_to or "")),
                neighbours=tuple((i, s) for i, s in hits if i != d.exclude_post)[:NEIGHBOURS],
                prepared=prep,
            )
            # "prepare" ran beside "embed"; the analyzers' times are what followed.
            # "wait": for the prepare step after the encoder was done (0 when it
            # finished first).
            timings = {
                "embed": round(embed_ms, 2),
                "prepare": round(prepare_ms, 2),
                "wait": round(wait_ms, 2),
                "search": round(search_ms, 2),
            }
            findings: list[Finding] = []
            for a in self.analyzers:
                t = time.perf_counter()
                findings.append(a.analyze(d, view))
                timings[a.name] = round((time.perf_counter() - t) * 1000, 2)
            timings["total"] = round((time.perf_counter() - t0) * 1000, 2)
            out.append(build_result(d, findings, state, state.encoder.identity, timings))
        return out

    def _prepare(
        self, drafts: Sequence[Draft], states: dict[str, BrandState]
    ) -> tuple[list[dict[str, Any]], float]:
        """Every analyzer's text-only step for every draft (see Analyzer)."""
        t0 = time.perf_counter()
        out: list[dict[str, Any]] = []
        for d in drafts:
            done: dict[str, Any] = {}
            if d.text.strip():
                for a in self.analyzers:
                    prepare = getattr(a, "prepare", None)
                    if prepare is not None:
                        done[a.name] = prepare(d, states[d.brand])
            out.append(done)
        return out, (time.perf_counter() - t0) * 1000

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
        rec = Record(
            text=text or "", where="approve", platform=platform, posted_at=posted_at, url=url
        )
        parsed = Parsed("approve")
        parsed.add(rec)
        if parsed.rejects:
            raise OnbrandError(parsed.rejects[0][1])
        # The post's scores as it stood against the brand before it joined it,
        # kept for the dashboard (scores only, no draft text).
        scores = self.analyze(parsed.records[0].text, parsed.records[0].platform, brand)["scores"]
        summary = self._add_records(brand, parsed.records, source)
        post_id = summary["post_ids"][0]
        if summary["added"]:
            metrics.record_scores(self.store, post_id, scores)
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
        ident = self.encoder.identity
        with self._write_lock(brand):
            state = self.current_state(brand)
            bid = self.store.brand_id(brand)
            existing = self.store.existing_keys(brand, [norm_key(r.text) for r in records])
            fresh: dict[str, Record] = {}
            for r in records:
                key = norm_key(r.text)
                if key not in existing and key not in fresh:
                    fresh[key] = r
            new_records = list(fresh.values())
            new_texts = [r.text for r in new_records]
            vecs = self._embed(new_texts, progress)
            # While a brand is still served by an old encoder, a new post gets a
            # vector from each, so neither set ever has a gap.
            legacy = state.encoder if state.encoder is not self.encoder else None
            served = self._embed(new_texts, encoder=legacy) if legacy else vecs
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
            post_ids = [by_key[norm_key(r.text)] for r in records]
            if ids:
                state.posts_index.add(ids, served, state.encoder.identity.key)
                state.style_rows.update(styles)
                state.voice = self._fit_voice(
                    brand, state.posts_index, state.style_rows, state.voice
                )
            return {
                "added": len(ids),
                "duplicates": len(records) - len(ids),
                "post_ids": post_ids,
                "voice_model": version or state.voice.version,
            }

    def remove_post(self, post_id: int) -> dict[str, Any]:
        post = self.store.get_post(post_id)
        if post is None:
            raise OnbrandError(f"no post with id {post_id}")
        with self._write_lock(post.brand):
            state = self.current_state(post.brand)
            bid = self.store.brand_id(post.brand)
            with self.store.transaction() as db:
                db.execute("DELETE FROM posts WHERE id=?", (post_id,))
                version = self.store.bump_voice_version(db, bid, f"remove: post {post_id}")
            state.posts_index.remove(post_id)
            state.style_rows.pop(post_id, None)
            state.voice = self._fit_voice(
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
        except ImportError_ as exc:
            raise OnbrandError(str(exc)) from None
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
        brand = self.resolve_brand(brand)
        path = Path(path)
        try:
            source = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise OnbrandError(f"{path}: no such file") from None
        except (IsADirectoryError, UnicodeDecodeError) as exc:
            raise OnbrandError(f"{path.name}: cannot read ({exc})") from None
        try:
            ruleset = load_rules(source, path.name)
        except RulesError as exc:
            raise OnbrandError(f"{exc} (the previous rules stay active)") from None
        bid = self.store.brand_id(brand)
        with self._write_lock(brand):
            with self.store.transaction() as db:
                db.execute(
                    "INSERT OR REPLACE INTO rules(brand_id, name, source, loaded_at) "
                    "VALUES(?,?,?,datetime('now'))",
                    (bid, path.name, source),
                )
            st = self._states.get(brand)
            if st is not None:
                st.rules = ruleset  # one reference swap: analyses see old or new, never half
        return {"file": str(path), "brand": brand, "rules": len(ruleset)}

    def add_guidelines(self, path: Path, brand: str | None = None) -> dict[str, Any]:
        """Replace the guideline document of this name with the file's passages,
        and load the rules.toml beside it, if there is one."""
        brand = self.resolve_brand(brand)
        path = Path(path)
        rules_file = path.parent / "rules.toml"
        rules = self.load_rules(rules_file, brand) if rules_file.is_file() else None
        try:
            raw = path.read_bytes()
            text = raw.decode("utf-8-sig")
            sections = split_markdown(text)
        except FileNotFoundError:
            raise OnbrandError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise OnbrandError(f"{path}: is a folder; name a Markdown file") from None
        except UnicodeDecodeError as exc:
            raise OnbrandError(
                f"{path.name}: not UTF-8 text (invalid byte at {exc.start})"
            ) from None
        except ValueError as exc:
            raise OnbrandError(f"{path.name}: {exc}") from None
        if not sections:
            raise OnbrandError(f"{path.name}: no passages found (is the file empty?)")
        ident = self.encoder.identity
        vecs = self._embed([f"{s.heading}: {s.text}" for s in sections])
        bid = self.store.brand_id(brand)
        with self._write_lock(brand):
            with self.store.transaction() as db:
                self.store.register_model(db, ident.key, json.dumps(ident.as_dict()))
                db.execute(
                    "DELETE FROM guideline_docs WHERE brand_id=? AND name=?", (bid, path.name)
                )
                cur = db.execute(
                    "INSERT INTO guideline_docs(brand_id, name, sha256, added_at) "
                    "VALUES(?,?,?,datetime('now'))",
                    (bid, path.name, hashlib.sha256(raw).hexdigest()),
                )
                doc_id = int(cur.lastrowid or 0)
                ids = []
                for n, s in enumerate(sections):
                    c = db.execute(
                        "INSERT INTO passages(doc_id, brand_id, ord, heading, text) "
                        "VALUES(?,?,?,?,?)",
                        (doc_id, bid, n, s.heading, s.text),
                    )
                    ids.append(int(c.lastrowid or 0))
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
        rows = self.store._q(
            """SELECT p.id, p.text, p.platform FROM posts p
               LEFT JOIN post_scores s ON s.post_id = p.id
               WHERE p.brand_id=? AND s.post_id IS NULL
               ORDER BY COALESCE(p.posted_at, p.added_at) DESC LIMIT ?""",
            (self.store.brand_id(brand), limit),
        )
        for start in range(0, len(rows), EMBED_BATCH):
            chunk = rows[start : start + EMBED_BATCH]
            drafts = [
                Draft(text=r[1], platform=r[2], brand=brand, exclude_post=r[0]) for r in chunk
            ]
            for r, result in zip(chunk, self.analyze_many(drafts), strict=True):
                metrics.record_scores(self.store, r[0], result["scores"])
        return len(rows)

    # -- demo and status --------------------------------------------------
    def load_demo(self, brand: str = DEMO_BRAND, activate: bool = True) -> dict[str, Any]:
        demo = resources.files("agent").joinpath("demo")
        self.store.ensure_brand(brand, "Demo brand")
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
