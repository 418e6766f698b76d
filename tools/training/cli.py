"""The command line the fitting scripts share: a data folder and an encoder."""

from __future__ import annotations

import argparse
from pathlib import Path

from agent.models.assets import folder
from tools.training import datasets as ds

AGENT = Path(__file__).resolve().parents[2] / "agent"


def args(argv: list[str] | None, about: str) -> tuple[Path, str]:
    """(the data folder, the encoder backend) from the command line."""
    p = argparse.ArgumentParser(description=about)
    p.add_argument("data", nargs="?", type=Path, default=ds.DEFAULT_DATA)
    p.add_argument(
        "--backend",
        default="torch",
        help="the encoder to fit for: torch (MiniLM, agent/data/) or e5-int8 (agent/data/e5/)",
    )
    a = p.parse_args(argv)
    return a.data, a.backend


def baselines_file(identity_key: str) -> Path:
    """The eval's naive baselines fitted on this encoder's vectors (never another's)."""
    where = folder(identity_key)
    suffix = "" if where == "data" else "-" + where.rsplit("/", 1)[-1]
    return Path(__file__).resolve().parent / f"baselines{suffix}.npz"


def dest(identity_key: str, name: str) -> Path:
    """Where a part fitted for this encoder goes (agent/models/assets.py)."""
    out = AGENT / folder(identity_key) / name
    out.parent.mkdir(parents=True, exist_ok=True)
    return out
