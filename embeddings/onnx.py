"""all-MiniLM-L6-v2 on ONNX Runtime: the fast backend, with no torch at run time.

Build (once, offline, needs torch): the packaged weights (`model_path()`) are
exported with `torch.onnx.export`, mean pooling and L2 normalisation inside the
graph, then quantised dynamically to int8 with `onnxruntime.quantization`
(per-channel weights, `reduce_range`: without VNNI, as on this project's
machines, full-range u8 x s8 products can saturate). The build checks both
graphs against the torch reference on a fixed set of sentences and refuses to
finish when they disagree.

Cache: `<data dir>/models/all-MiniLM-L6-v2-onnx/` (or `$ONBRAND_MODEL_CACHE/...`)
holds `model-fp32.onnx`, `model-int8.onnx`, `tokenizer.json` and `manifest.json`:
the SHA-256 of every file, the identity of the source weights (their SHA-256 and
the size and mtime of each weight file, so a start need not re-hash 90 MB) and
the build recipe's version. Files are written to a temporary folder and renamed
into place, the manifest last; at load the model file is hashed again, so a torn
or corrupt cache is detected and rebuilt.

Run: `onnxruntime` + `tokenizers`, one intra-op thread (a second thread makes
p95 worse while a person types: the other core serves the event loop and the
browser). One text per run, never padded (tokenizer.json would pad to 128);
several texts in one call (imports, re-embedding, a batch of drafts) run on two
threads over the same session.

`python -m embeddings.onnx build` builds (or checks) the cache; `... status`
prints what is there.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.encoder import (
    CLIP_WORDS,
    DIM,
    MODEL_NAME,
    Encoder,
    EncoderError,
    ModelIdentity,
    model_path,
    weights_sha256,
    weights_signature,
)

log = logging.getLogger("onbrand.embeddings")

BUILD_VERSION = 1  # bump when the recipe below changes: older caches are rebuilt
OPSET = 17
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
PRECISIONS = ("int8", "fp32")
# The precision "auto" picks. The rule: int8 if `make eval` stays within
# 0.01 of the torch reference on every line, else fp32 (docs/speed.md).
AUTO_PRECISION = "int8"
FILES = {"fp32": "model-fp32.onnx", "int8": "model-int8.onnx"}
TOKENIZER = "tokenizer.json"
MANIFEST = "manifest.json"
CACHE_ENV = "ONBRAND_MODEL_CACHE"
PARALLEL_MIN = 2  # texts in one call from which they run on `workers` threads
BUILD_TIMEOUT_S = 900
# The build refuses a graph that strays further than this from torch (min cosine
# on CHECK_SENTENCES). Measured: fp32 1.0000; int8 0.987 min, 0.992 mean on the demo posts.
MIN_COSINE = {"fp32": 0.999, "int8": 0.95}
CHECK_SENTENCES = (
    "A Brick 500 holds ten Sticks; when one wears out, a shop swaps that one.",
    "We're thrilled to announce our game-changing, best-in-class solution!",
    "Replying to everyone who asked: yes, the Oregon shops are open on Sunday.",
    "Tea.",
    "Our October numbers: 1,204 packs repaired, 71% needed exactly one Stick, "
    "and the average bill was $71. Thank you to the 23 shops of the Pine Network.",
    "ok",
    "Honestly I think the people complaining about this have no idea how batteries work "
    "and should stop posting before they embarrass themselves any further.",
    "Nous réparons les batteries de vélo électrique depuis 2019 à Portland.",
    "🚲🔋 new shop in Eugene!!! come say hi 👋 #ebike #repair",
    " ".join(["The long one keeps going so that truncation at 256 tokens is exercised."] * 30),
)

_build_lock = threading.Lock()

Tokenize = Callable[[list[str]], list[list[int]]]
Feed = Callable[[list[int]], dict[str, np.ndarray]]


class Recipe:
    """What one model's ONNX build needs: its source weights, the export, the
    reference its graphs are checked against and its tokenizer. The cache, the
    manifest, the checks and the run path are shared. This one is
    all-MiniLM-L6-v2 (the default); `embeddings.e5.E5Recipe` is the other."""

    key = "minilm"
    module = "embeddings.onnx"  # `python -m <module> build` builds this recipe
    name = MODEL_NAME
    precisions: tuple[str, ...] = PRECISIONS
    tokenizer_file = TOKENIZER
    extra_files: tuple[str, ...] = ()  # more files the build writes beside the tokenizer
    max_tokens = MAX_TOKENS
    clip_words = CLIP_WORDS
    min_cosine = MIN_COSINE
    check_sentences: tuple[str, ...] = CHECK_SENTENCES
    reference_name = "torch"
    manifest_extra: dict[str, Any] = {}

    def source_info(self, manifest: dict[str, Any] | None = None) -> dict[str, Any]:
        """The source weights' identity: their SHA-256 (from the manifest while the
        files' sizes and mtimes are unchanged) and that signature."""
        folder = model_path()
        return {
            "folder": str(folder),
            "weights_sha256": _source_sha(folder, manifest),
            "signature": [list(x) for x in weights_signature(folder)],
        }

    def export_fp32(self, dest: Path) -> None:
        _export_fp32(model_path(), dest)

    def write_tokenizer(self, dest: Path) -> None:
        shutil.copyfile(model_path() / TOKENIZER, dest)

    def reference(self, texts: list[str]) -> np.ndarray:
        return _reference_vectors(model_path(), texts)

    def feeder(self, folder: Path) -> Feed:
        """Token ids -> the graph's inputs (one text)."""

        def feed(ids: list[int]) -> dict[str, np.ndarray]:
            arr = np.asarray(ids, dtype=np.int64).reshape(1, -1)
            return {"input_ids": arr, "attention_mask": np.ones_like(arr)}

        return feed

    def tokenizer(self, path: Path) -> Tokenize:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(path))
        tok.no_padding()  # tokenizer.json pads every text to 128 tokens
        tok.enable_truncation(self.max_tokens)

        def tokenize(texts: list[str]) -> list[list[int]]:
            encs = [tok.encode(texts[0])] if len(texts) == 1 else tok.encode_batch(texts)
            return [e.ids for e in encs]

        return tokenize


MINILM = Recipe()


# -- where the cache lives -------------------------------------------------------


def models_dir() -> Path:
    """`$ONBRAND_MODEL_CACHE`, else `models/` in onbrand's data dir: `$ONBRAND_HOME`,
    else the platform's user data dir (the rule of agent.config.data_dir, which
    this lower layer cannot import)."""
    env = os.environ.get(CACHE_ENV)
    if env:
        path = Path(env).expanduser()
    elif os.environ.get("ONBRAND_HOME"):
        path = Path(os.environ["ONBRAND_HOME"]).expanduser() / "models"
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir("onbrand")) / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def build_dir(cache: Path | None = None, recipe: Recipe = MINILM) -> Path:
    return (cache or models_dir()) / f"{recipe.name}-onnx"


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _source_sha(folder: Path, manifest: dict[str, Any] | None) -> str:
    """The source weights' SHA-256: taken from the manifest while every weight file
    has the size and mtime recorded there, else hashed again."""
    sig = [list(x) for x in weights_signature(folder)]
    src = (manifest or {}).get("source", {})
    if src.get("signature") == sig and src.get("weights_sha256"):
        return str(src["weights_sha256"])
    return weights_sha256(folder)


def read_manifest(out: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((out / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def check_build(
    precision: str, cache: Path | None = None, verify_hash: bool = True, recipe: Recipe = MINILM
) -> tuple[Path, dict[str, Any]] | None:
    """(model file, manifest) when a complete, current, undamaged build is there."""
    out = build_dir(cache, recipe)
    manifest = read_manifest(out)
    if not manifest or manifest.get("build_version") != BUILD_VERSION:
        return None
    if precision not in recipe.precisions:
        return None
    try:
        if recipe.source_info(manifest)["weights_sha256"] != manifest["source"]["weights_sha256"]:
            return None  # the packaged weights changed: this build is of other weights
        files = manifest["files"]
        for name in (FILES[precision], recipe.tokenizer_file, *recipe.extra_files):
            path = out / name
            if path.stat().st_size != files[name]["size"]:
                return None
            if verify_hash and _sha256_file(path) != files[name]["sha256"]:
                return None
    except (OSError, KeyError, TypeError, EncoderError):
        return None
    return out / FILES[precision], manifest


def is_built(
    precision: str = AUTO_PRECISION, cache: Path | None = None, recipe: Recipe = MINILM
) -> bool:
    """Cheap: the manifest, the source signature and the file sizes (no hashing)."""
    return check_build(precision, cache, verify_hash=False, recipe=recipe) is not None


@contextlib.contextmanager
def _file_lock(folder: Path) -> Iterator[None]:
    """One builder at a time across processes (an agent and `make bench`, say)."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: the in-process lock only
        yield
        return
    with open(folder / ".lock", "a") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def ensure_built(
    precision: str = AUTO_PRECISION,
    cache: Path | None = None,
    build: bool = True,
    in_process: bool = False,
    force: bool = False,
    verify_hash: bool = True,
    recipe: Recipe = MINILM,
) -> tuple[Path, dict[str, Any]]:
    """The model file and manifest of a good build, building it first when it is
    missing, stale or damaged. The build runs in a subprocess unless `in_process`,
    so the calling process never imports torch."""
    if precision not in recipe.precisions:
        known = ", ".join(recipe.precisions)
        raise EncoderError(
            f"unknown ONNX precision {precision!r} for {recipe.name} (known: {known})"
        )
    found = None if force else check_build(precision, cache, verify_hash, recipe)
    if found:
        return found
    if not build:
        raise EncoderError(
            f"the ONNX model is not built in {build_dir(cache, recipe)}; run "
            f"`python -m {recipe.module} build`"
        )
    out = build_dir(cache, recipe)
    with _build_lock, _file_lock(out.parent):
        # another process may have built it meanwhile
        found = None if force else check_build(precision, cache, recipe=recipe)
        if found:
            return found
        if in_process:
            build_model(out, recipe=recipe)
        else:
            _build_in_subprocess(out, recipe)
    found = check_build(precision, cache, recipe=recipe)
    if not found:
        raise EncoderError(f"the ONNX build in {out} did not verify")
    return found


def _build_in_subprocess(out: Path, recipe: Recipe = MINILM) -> None:
    env = dict(os.environ)
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    cmd = [sys.executable, "-m", recipe.module, "build", "--into", str(out)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, env=env)
    except subprocess.TimeoutExpired as exc:
        raise EncoderError(f"building the ONNX model took over {BUILD_TIMEOUT_S} s") from exc
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-8:])
        raise EncoderError(f"building the ONNX model failed:\n{tail}")


# -- the build (imports torch) -----------------------------------------------------


def _export_fp32(folder: Path, dest: Path) -> None:
    try:
        import torch
        import transformers
    except ImportError as exc:  # pragma: no cover - install problem
        raise EncoderError(
            "building the ONNX model needs torch and transformers (installed with onbrand)"
        ) from exc
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    bert = transformers.AutoModel.from_pretrained(str(folder), attn_implementation="eager")
    bert.eval()

    class Pooled(torch.nn.Module):
        """BERT, then the masked mean over tokens and L2 normalisation, as the
        sentence-transformers pipeline of this model does (modules.json)."""

        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.inner(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return mean / mean.norm(p=2, dim=1, keepdim=True).clamp(min=1e-12)

    ids = torch.ones(2, 16, dtype=torch.long)
    export_pooled(Pooled(bert), ids, torch.ones_like(ids), "input_ids", dest)


def export_pooled(module: Any, first: Any, mask: Any, first_input: str, dest: Path) -> None:
    """Export a graph whose forward(first, attention_mask) gives one unit vector per
    text, batch size and length left free (MiniLM's and e5's graphs alike)."""
    import torch

    with torch.no_grad(), warnings_off():
        torch.onnx.export(
            module,
            (first, mask),
            str(dest),
            input_names=[first_input, "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={
                first_input: {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "embedding": {0: "batch"},
            },
            opset_version=OPSET,
            dynamo=False,
            do_constant_folding=True,
        )


@contextlib.contextmanager
def warnings_off() -> Iterator[None]:
    import logging
    import warnings

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # onnxruntime.quantization logs advice at WARNING
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.setLevel(level)


def _quantize(src: Path, dest: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with warnings_off():
        quantize_dynamic(
            str(src),
            str(dest),
            weight_type=QuantType.QInt8,
            per_channel=True,
            reduce_range=True,
        )


def _reference_vectors(folder: Path, texts: list[str]) -> np.ndarray:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(folder), device="cpu")
    vecs = model.encode(texts, convert_to_numpy=True, normalize_embeddings=True)
    return np.asarray(vecs, dtype=np.float32)


def build_model(out: Path, log: Any = None, recipe: Recipe = MINILM) -> dict[str, Any]:
    """Export, quantise, check against the reference, then move into `out`
    (manifest last). Only the recipe's precisions are kept (fp32 is always built
    and checked: it tells a wrong export from quantisation loss)."""
    say = log or (lambda msg: None)
    t0 = time.monotonic()
    source = recipe.source_info()  # refuses weights that are not the pinned ones
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=out.parent))
    try:
        say(f"exporting the fp32 graph of {recipe.name} with torch.onnx.export")
        recipe.export_fp32(tmp / FILES["fp32"])
        say("quantising to int8 (dynamic, per channel)")
        _quantize(tmp / FILES["fp32"], tmp / FILES["int8"])
        recipe.write_tokenizer(tmp / recipe.tokenizer_file)
        say(f"checking the graphs against the {recipe.reference_name} reference")
        ref = recipe.reference(list(recipe.check_sentences))
        cosines = {}
        for precision in PRECISIONS:
            enc = _Runner(
                tmp / FILES[precision], tmp / recipe.tokenizer_file, threads=1, recipe=recipe
            )
            got = enc.run(list(recipe.check_sentences))
            cos = (got * ref).sum(axis=1)
            cosines[precision] = {
                "min": round(float(cos.min()), 5),
                "mean": round(float(cos.mean()), 5),
            }
            if float(cos.min()) < recipe.min_cosine[precision]:
                raise EncoderError(
                    f"the {precision} ONNX graph of {recipe.name} differs from "
                    f"{recipe.reference_name} (min cosine {float(cos.min()):.4f} < "
                    f"{recipe.min_cosine[precision]})"
                )
        import onnxruntime
        import torch

        kept = [FILES[p] for p in recipe.precisions] + [recipe.tokenizer_file]
        kept += recipe.extra_files
        manifest = {
            "build_version": BUILD_VERSION,
            "model": recipe.name,
            "dim": int(ref.shape[1]),
            "max_tokens": recipe.max_tokens,
            "opset": OPSET,
            "quantization": "dynamic int8, per-channel weights, reduce_range",
            "source": source,
            **recipe.manifest_extra,
            "files": {
                name: {"sha256": _sha256_file(tmp / name), "size": (tmp / name).stat().st_size}
                for name in kept
            },
            f"check_cosine_vs_{recipe.reference_name}": cosines,
            "built_with": {"torch": torch.__version__, "onnxruntime": onnxruntime.__version__},
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "build_seconds": round(time.monotonic() - t0, 1),
        }
        # Each rename is atomic; the manifest goes last and names every file's hash,
        # so a crash in between leaves a cache that fails `check_build` and is rebuilt.
        (out / MANIFEST).unlink(missing_ok=True)
        for name in kept:
            os.replace(tmp / name, out / name)
        mtmp = tmp / MANIFEST
        mtmp.write_text(json.dumps(manifest, indent=2))
        with open(mtmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(mtmp, out / MANIFEST)
        say(f"built in {manifest['build_seconds']} s: {out}")
        return manifest
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -- the run path (no torch) ------------------------------------------------------------


class _Runner:
    """An onnxruntime session + a tokenizer; turns texts into the graph's vectors.

    One text per run, always: dynamic int8 quantisation scales activations per
    run, so a text batched with others would get another vector (cosine to its
    own vector down to 0.94 on the demo posts) and the padding would cost time.
    Several texts run on `workers` threads over the one session (onnxruntime
    releases the GIL), which on this machine beats batching at any batch size."""

    def __init__(
        self,
        model: Path,
        tokenizer: Path,
        threads: int = 1,
        workers: int = 2,
        sha256: str | None = None,
        recipe: Recipe = MINILM,
        extra_sha256: dict[str, str] | None = None,
    ):
        import onnxruntime as ort

        self.model = model
        self.workers = max(1, workers)
        self.tokenize = recipe.tokenizer(tokenizer)
        self.feed = recipe.feeder(model.parent)
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.log_severity_level = 3
        if threads > 1:  # no busy-waiting workers between runs
            so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        # The session (graph optimisation, ~0.1 s) is built on a thread: onnxruntime
        # releases the GIL meanwhile, so a start loads the brand beside it. The
        # first run waits for it.
        self._session: Any = None
        self._error: BaseException | None = None
        self._opened = threading.Event()
        threading.Thread(
            target=self._open,
            args=(ort, model, so, sha256, extra_sha256 or {}),
            daemon=True,
            name="onbrand-onnx-open",
        ).start()

    def _open(
        self, ort: Any, model: Path, so: Any, sha256: str | None, extra: dict[str, str]
    ) -> None:
        try:
            # The model's hash (23 MB, ~40 ms) is checked here too, off the start's path,
            # and so are the recipe's other files.
            if sha256 and _sha256_file(model) != sha256:
                raise EncoderError(f"{model} does not match its manifest (damaged)")
            for name, sha in extra.items():
                if _sha256_file(model.parent / name) != sha:
                    raise EncoderError(f"{model.parent / name} does not match its manifest")
            self._session = ort.InferenceSession(str(model), so, providers=["CPUExecutionProvider"])
        except BaseException as exc:  # handed to whoever runs the model first
            self._error = exc
        finally:
            self._opened.set()

    def wait(self) -> BaseException | None:
        """Wait for the session; the error that stopped it, if any."""
        self._opened.wait()
        return self._error

    @property
    def session(self) -> Any:
        if self.wait() is not None:
            raise EncoderError(f"onnxruntime cannot load {self.model}: {self._error}")
        return self._session

    def _one(self, ids: list[int]) -> np.ndarray:
        return self.session.run(["embedding"], self.feed(ids))[0][0]

    def pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="onbrand-onnx")
            return self._pool

    def run(self, texts: list[str]) -> np.ndarray:
        n = len(texts)
        ids = self.tokenize(texts)
        out = np.empty((n, DIM), dtype=np.float32)
        if n >= PARALLEL_MIN and self.workers > 1:
            order = sorted(range(n), key=lambda i: -len(ids[i]))  # longest first balances
            for i, vec in zip(
                order, self.pool().map(self._one, [ids[i] for i in order]), strict=True
            ):
                out[i] = vec
        else:
            for i in range(n):
                out[i] = self._one(ids[i])
        return out


class OnnxEncoder(Encoder):
    """A recipe's model (all-MiniLM-L6-v2 by default) on onnxruntime; int8 or fp32.
    Never imports torch unless it must build the model, and then only in a
    subprocess."""

    def __init__(
        self,
        precision: str = AUTO_PRECISION,
        threads: int = 1,
        workers: int = 2,
        cache: Path | None = None,
        build: bool = True,
        recipe: Recipe = MINILM,
    ) -> None:
        self.recipe = recipe
        self.clip_words = recipe.clip_words
        # Sizes and the source weights now; the model file's hash is checked as
        # its session opens (a damaged file is then rebuilt like a refused one).
        path, manifest = ensure_built(
            precision, cache, build=build, verify_hash=False, recipe=recipe
        )
        tok = recipe.tokenizer_file
        if _sha256_file(path.parent / tok) != manifest["files"][tok]["sha256"]:
            path, manifest = ensure_built(precision, cache, build=build, recipe=recipe)
        self._args = (precision, cache, build, threads, workers)
        self._reload = threading.Lock()
        self._runner = self._open_runner(path, manifest)
        self.path = path
        self.manifest = manifest
        self.identity = ModelIdentity(
            name=recipe.name,
            weights_sha256=str(manifest["source"]["weights_sha256"]),
            backend="onnx",
            precision=precision,
            dim=int(manifest.get("dim", DIM)),
        )

    def _ready(self) -> _Runner:
        """The runner once its session is open. A model file that fails its hash
        check or that onnxruntime refuses (a build from another onnxruntime, say) is
        rebuilt once, then it is an error."""
        runner = self._runner
        if runner.wait() is None:
            return runner
        precision, cache, build, threads, workers = self._args
        with self._reload:
            if self._runner is runner:  # the first thread to see the refusal rebuilds
                if not build:
                    raise EncoderError(f"cannot load {self.path}: {runner.wait()}")
                log.warning("cannot load %s (%s); rebuilding it", self.path, runner.wait())
                path, self.manifest = ensure_built(precision, cache, force=True, recipe=self.recipe)
                self._runner = self._open_runner(path, self.manifest)
                self.path = path
            runner = self._runner
        runner.session  # noqa: B018 - raises EncoderError if this build is refused too
        return runner

    def _open_runner(self, path: Path, manifest: dict[str, Any]) -> _Runner:
        _, _, _, threads, workers = self._args
        sha = manifest["files"][path.name]["sha256"]
        tok = path.parent / self.recipe.tokenizer_file
        extra = {n: manifest["files"][n]["sha256"] for n in self.recipe.extra_files}
        return _Runner(
            path, tok, threads, workers, sha256=sha, recipe=self.recipe, extra_sha256=extra
        )

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self._ready().run(texts)


# -- command line ---------------------------------------------------------------------


def main(argv: list[str] | None = None, recipe: Recipe = MINILM, about: str = "") -> int:
    """`build` and `status` for a recipe (`python -m embeddings.e5` passes e5's)."""
    import argparse

    p = argparse.ArgumentParser(
        prog=f"python -m {recipe.module}", description=about or __doc__.split("\n")[0]
    )
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build the ONNX models into the cache (or check them)")
    b.add_argument(
        "--cache",
        type=Path,
        help=f"model cache folder (default: ${CACHE_ENV} or <data dir>/models)",
    )
    b.add_argument("--force", action="store_true", help="rebuild even if a good build is there")
    b.add_argument("--into", type=Path, help=argparse.SUPPRESS)  # a parent holds the lock
    s = sub.add_parser("status", help="print the cache's manifest")
    s.add_argument("--cache", type=Path)
    args = p.parse_args(argv)

    def log(msg: str) -> None:
        print(f"onnx: {msg}", file=sys.stderr, flush=True)

    if args.cmd == "status":
        out = build_dir(args.cache, recipe)
        built = {x: is_built(x, args.cache, recipe) for x in recipe.precisions}
        print(json.dumps({"dir": str(out), **built, "manifest": read_manifest(out)}, indent=2))
        return 0
    try:
        if args.into is not None:
            build_model(args.into, log=log, recipe=recipe)
            return 0
        if not args.force and all(
            check_build(x, args.cache, recipe=recipe) for x in recipe.precisions
        ):
            log(f"up to date: {build_dir(args.cache, recipe)}")
            return 0
        ensure_built(AUTO_PRECISION, args.cache, in_process=True, force=args.force, recipe=recipe)
    except EncoderError as exc:  # one line that says what to do, no traceback
        print(f"onnx: error: {exc}", file=sys.stderr, flush=True)
        return 1
    log(f"ready: {build_dir(args.cache, recipe)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
