"""A draft's path: embed once, search the nearest approved posts once, run the
analyzers in a list over one view of the brand, merge their findings into one
result. Data flows one way: draft -> analyzers -> result."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from agent.analyzers import Analyzer, BrandView, Draft, Finding
from agent.brand import Brands, BrandState
from agent.models.assets import encoder_assets
from agent.models.voice import K as VOICE_K
from agent.result import build_result
from embeddings import Encoder

# Nearest approved posts found once per draft and shared by the analyzers
# (originality shows 3, the voice model averages its k).
NEIGHBOURS = max(8, VOICE_K)


class Analysis:
    def __init__(self, brands: Brands, analyzers: Sequence[Analyzer]) -> None:
        self.brands = brands
        self.analyzers: list[Analyzer] = list(analyzers)
        # The analyzers' text-only steps run here while the encoder embeds the
        # draft: the encoder releases the GIL, so the two use both cores. Two
        # threads: the service's long drafts have their own lane (and caller).
        self._prepare_pool = ThreadPoolExecutor(2, thread_name_prefix="onbrand-prepare")

    def run(self, drafts: Sequence[Draft]) -> list[dict[str, Any]]:
        """Analyse several drafts with one forward pass of the encoder (the server
        batches concurrent drafts from several tabs and clients this way)."""
        states = {d.brand: self.brands.current(d.brand) for d in drafts}
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
            # The heads and thresholds of this brand's encoder (agent/models/assets.py).
            with encoder_assets(state.encoder.identity.key):
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
                with encoder_assets(states[d.brand].encoder.identity.key):
                    for a in self.analyzers:
                        prepare = getattr(a, "prepare", None)
                        if prepare is not None:
                            done[a.name] = prepare(d, states[d.brand])
            out.append(done)
        return out, (time.perf_counter() - t0) * 1000
