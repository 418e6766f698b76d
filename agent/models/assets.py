"""Which encoder's trained parts to read.

The heads, the voice background and the originality thresholds are fitted on one
encoder's vectors. multilingual-e5-small's vectors have MiniLM's 384 dimensions,
so reading them with MiniLM's parts would fail nowhere, and be wrong everywhere
(e5's cosines even sit in another band, docs/languages.md). So each encoder
family (a model, whatever the backend) has its own folder of
parts, every part records the encoder it was fitted for, and loading one for
another family is refused.

The encoder in use is a context: `agent.analysis` and `agent.brand` enter
`encoder_assets(key)` with the brand's encoder around everything that reads a
part (the analyzers' steps, a voice fit), so the analyzers need not pass it
along. Outside any context the parts are MiniLM's, as before (tools, tests).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from importlib import resources
from importlib.abc import Traversable

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# The folder (under the agent package) of each model's parts.
FOLDERS = {DEFAULT_MODEL: "data", "multilingual-e5-small": "data/e5"}
FIT_COMMANDS = (
    "python -m tools.training.train_heads --backend {b}; "
    "python -m tools.training.build_background --backend {b}; "
    "python -m tools.training.calibrate_originality --backend {b}"
)

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "onbrand_encoder_key", default=None
)


class AssetMismatch(RuntimeError):
    """A trained part was fitted for another encoder than the one in use."""


def family(key: str) -> str:
    """The model of an identity key (`name@sha16/backend-precision/dim`): the
    vectors of one model share its parts, whatever the backend or precision. Not
    the weights' hash: a repackaged MiniLM (new files, same model) would otherwise
    refuse every head, and a change of weights is the store's to re-embed."""
    return key.split("@", 1)[0]


def model_of(key: str) -> str:
    return key.split("@", 1)[0]


def current_key() -> str | None:
    return _current.get()


@contextlib.contextmanager
def encoder_assets(key: str) -> Iterator[None]:
    """Read the parts of this encoder (an identity key) inside the block."""
    token = _current.set(key)
    try:
        yield
    finally:
        _current.reset(token)


def folder(key: str | None = None) -> str:
    """The package folder of the parts for `key` (default: the encoder in use)."""
    key = key if key is not None else current_key()
    model = model_of(key) if key else DEFAULT_MODEL
    try:
        return FOLDERS[model]
    except KeyError:
        raise AssetMismatch(f"onbrand has no trained parts for the encoder {model}") from None


def locate(name: str, key: str | None = None) -> tuple[Traversable, str | None]:
    """The file `name` for the encoder in use (or `key`), and the family it must
    have been fitted for (None outside an encoder context: MiniLM's parts as
    they are)."""
    key = key if key is not None else current_key()
    return resources.files("agent").joinpath(folder(key), name), family(key) if key else None


def check(fitted_for: str, wanted: str | None, what: str) -> None:
    """Refuse a part fitted for another family than the one in use."""
    if wanted is None or family(fitted_for) == wanted:
        return
    backend = "e5-int8" if model_of(wanted) != DEFAULT_MODEL else "torch"
    raise AssetMismatch(
        f"{what} was fitted for {family(fitted_for)}, not for {wanted}; refit it: "
        + FIT_COMMANDS.format(b=backend)
    )


def missing(what: str, key: str | None) -> AssetMismatch:
    backend = "e5-int8" if key and model_of(key) != DEFAULT_MODEL else "torch"
    return AssetMismatch(f"{what} is missing; fit it: " + FIT_COMMANDS.format(b=backend))
