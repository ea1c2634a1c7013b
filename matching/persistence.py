"""Saving and loading learned models: a joblib file and a JSON metadata file beside it.

The metadata records the version, the feature names, the training data range, the metrics and the library
versions; loading refuses a model whose features differ from the code's or whose scikit-learn minor version
differs (a pickle is only trusted in the environment that made it).
"""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path

import joblib
import numpy as np
import sklearn

from matching.features import FEATURES
from matching.scorer import LearnedScorer


class ModelMismatch(Exception):
    """The saved model does not fit this code or environment."""


def environment() -> dict[str, str]:
    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__, "numpy": np.__version__,
            "joblib": joblib.__version__}


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def save(model: LearnedScorer, directory: str | Path, metadata: dict) -> Path:
    """Write `<name>-<version>.joblib` and `.json` under `directory`; return the joblib path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{model.name}-{model.version}.joblib"
    meta = {"name": model.name, "version": model.version, "features": list(model.features),
            "saved_at": datetime.now(UTC).isoformat(), "environment": environment(), **metadata}
    joblib.dump(model.pipeline, path)
    path.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False, indent=2, default=str),
                                         encoding="utf-8")
    model.metadata = meta
    return path


def load(path: str | Path) -> LearnedScorer:
    """Load a saved model, checking its features and scikit-learn version against this code."""
    path = Path(path)
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    if tuple(meta.get("features", ())) != FEATURES:
        raise ModelMismatch(f"features differ: {meta.get('features')}")
    saved = meta.get("environment", {}).get("scikit-learn", "")
    if _minor(saved) != _minor(sklearn.__version__):
        raise ModelMismatch(f"saved with scikit-learn {saved}, running {sklearn.__version__}")
    return LearnedScorer(joblib.load(path), version=meta["version"], metadata=meta, name=meta.get("name", "learned"))
