"""Saving a `CandidatePool` as files and mapping it back read-only, so that every process shares one copy.

Layout under a directory (the web side uses `<instance>/matching_pool`):

    CURRENT                  the name of the version in force (replaced atomically)
    <version>/meta.json      format, version, built_at, size, the priors, the vocabulary, the small keys
    <version>/<name>.npy     one array each (loaded with `mmap_mode="r"`: pages shared by all processes)

`save` writes a version into a temporary directory, renames it into place and then replaces `CURRENT`
(`os.replace`), so a reader sees the old version or the new one, never half of one. A process that has the
old version mapped keeps reading it after it is replaced or deleted (POSIX keeps unlinked mapped files). Old
versions are pruned, the newest `keep` remain.

Nothing here is big in Python objects: names, positions and service-area indexes are views over arrays
(`Names`, `PositionIndex`, `AreaIndex`); only the TF-IDF vocabulary (≤ 20,000 n-grams) is a dict.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix

from matching.pool import KIND_NAMES, CandidatePool, text_vectorizer
from matching.shrinkage import Prior, Priors

FORMAT = 1
CURRENT = "CURRENT"
ABANDONED_AFTER = 3600  # seconds after which a temporary build directory is taken as abandoned
ARRAYS = ("kind", "ids", "specialties", "industries", "home", "is_remote", "is_active", "open_count", "capacity",
          "invited", "accepted", "response_hours", "sat_mean", "sat_count", "response_count", "grade", "prices",
          "served_types", "served_industries", "recent", "award_record", "lon", "lat", "exact_point")


class PoolFileError(Exception):
    """The saved pool is missing, incomplete or does not fit this code."""


# --- array-backed views ------------------------------------------------------------------------------------

class Names(Sequence):
    """The candidates' names as one UTF-8 buffer and offsets."""

    def __init__(self, buffer: np.ndarray, offsets: np.ndarray):
        self.buffer, self.offsets = buffer, offsets

    @classmethod
    def pack(cls, names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        encoded = [n.encode() for n in names]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets

    def __len__(self) -> int:
        return self.offsets.size - 1

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return bytes(self.buffer[self.offsets[i]:self.offsets[i + 1]]).decode()


def _position_keys(kind: np.ndarray, ids: np.ndarray) -> np.ndarray:
    return kind.astype(np.int64) * (1 << 48) + ids


class PositionIndex(Mapping):
    """(kind, id) → index in the pool, by binary search over a sorted key array."""

    def __init__(self, kind: np.ndarray, ids: np.ndarray, keys: np.ndarray, order: np.ndarray):
        self.kind, self.ids, self.keys, self.order = kind, ids, keys, order

    @staticmethod
    def pack(kind: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        keys = _position_keys(kind, ids)
        order = np.argsort(keys, kind="stable")
        return keys[order], order

    def __getitem__(self, key):
        kind, candidate_id = key
        if kind not in KIND_NAMES:
            raise KeyError(key)
        wanted = KIND_NAMES.index(kind) * (1 << 48) + int(candidate_id)
        at = int(np.searchsorted(self.keys, wanted))
        if at >= self.keys.size or self.keys[at] != wanted:
            raise KeyError(key)
        return int(self.order[at])

    def __iter__(self) -> Iterator[tuple[str, int]]:
        for i in range(self.ids.size):
            yield KIND_NAMES[self.kind[i]], int(self.ids[i])

    def items(self):
        return (((KIND_NAMES[self.kind[i]], int(self.ids[i])), i) for i in range(self.ids.size))

    def __len__(self) -> int:
        return int(self.ids.size)


class AreaIndex(Mapping):
    """key → member indexes: sorted string keys, offsets into one flat array of members."""

    def __init__(self, keys: np.ndarray, offsets: np.ndarray, members: np.ndarray, encode=str):
        self.keys, self.offsets, self.members, self.encode = keys, offsets, members, encode

    @staticmethod
    def pack(index: dict, encode=str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pairs = sorted((encode(k), v) for k, v in index.items())
        keys = np.array([k for k, _v in pairs], dtype=str) if pairs else np.array([], dtype="U1")
        offsets = np.zeros(len(pairs) + 1, dtype=np.int64)
        np.cumsum([len(v) for _k, v in pairs], out=offsets[1:])
        members = np.concatenate([v for _k, v in pairs]).astype(np.int64) if pairs else np.zeros(0, np.int64)
        return keys, offsets, members

    def __getitem__(self, key) -> np.ndarray:
        wanted = self.encode(key)
        at = int(np.searchsorted(self.keys, wanted))
        if at >= self.keys.size or self.keys[at] != wanted:
            raise KeyError(key)
        return self.members[self.offsets[at]:self.offsets[at + 1]]

    def __iter__(self):
        return iter(str(k) for k in self.keys)

    def __len__(self) -> int:
        return int(self.keys.size)


def _prefix_key(key) -> str:
    level, code = key
    return f"{level}:{code}"


# --- save ----------------------------------------------------------------------------------------------------

def _write(directory: Path, name: str, array: np.ndarray) -> None:
    np.save(directory / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)


def save(pool: CandidatePool, directory: str | Path, built_at: datetime | None = None, keep: int = 2) -> str:
    """Write `pool` as a new version under `directory` and make it current; return the version."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    built_at = built_at or datetime.now(UTC)
    version = f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}-{uuid.uuid4().hex[:8]}"
    work = Path(tempfile.mkdtemp(prefix=".building-", dir=root))
    try:
        for name in ARRAYS:
            _write(work, name, getattr(pool, name))
        buffer, offsets = Names.pack(pool.names)
        _write(work, "names_buffer", buffer)
        _write(work, "names_offsets", offsets)
        keys, order = PositionIndex.pack(pool.kind, pool.ids)
        _write(work, "position_keys", keys)
        _write(work, "position_order", order)
        for name, index, encode in (("area_exact", pool.area_exact, str), ("area_prefix", pool.area_prefix,
                                                                           _prefix_key)):
            if isinstance(index, AreaIndex):
                keys, offsets, members = index.keys, index.offsets, index.members
            else:
                keys, offsets, members = AreaIndex.pack(index, encode)
            _write(work, f"{name}_keys", keys)
            _write(work, f"{name}_offsets", offsets)
            _write(work, f"{name}_members", members)
        vocabulary = None
        if pool.text_matrix is not None:
            matrix = pool.text_matrix.tocsr()
            _write(work, "text_data", matrix.data)
            _write(work, "text_indices", matrix.indices)
            _write(work, "text_indptr", matrix.indptr)
            _write(work, "idf", pool.vectorizer.idf_)
            vocabulary = {k: int(v) for k, v in pool.vectorizer.vocabulary_.items()}
        meta = {"format": FORMAT, "version": version, "built_at": built_at.isoformat(), "size": pool.size,
                "priors": {name: vars(getattr(pool.priors, name)) for name in ("satisfaction", "acceptance",
                                                                                 "response")},
                "vocabulary": vocabulary,
                "text_shape": list(pool.text_matrix.shape) if pool.text_matrix is not None else None}
        (work / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, default=float), encoding="utf-8")
        for path in work.iterdir():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
        os.rename(work, root / version)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    pointer = root / f".{CURRENT}.{uuid.uuid4().hex[:8]}"
    pointer.write_text(version, encoding="utf-8")
    os.replace(pointer, root / CURRENT)
    prune(root, keep)
    return version


def prune(root: Path, keep: int = 2) -> None:
    """Delete all but the newest `keep` versions (never the current one) and abandoned temporary dirs.
    Processes that still map a deleted version keep reading it."""
    current = current_version(root)
    versions = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
                      key=lambda p: p.name, reverse=True)
    for old in versions[keep:]:
        if old.name != current:
            shutil.rmtree(old, ignore_errors=True)
    for work in root.glob(".building-*"):  # left by a build that was killed (one running now is younger)
        try:
            if time.time() - work.stat().st_mtime > ABANDONED_AFTER:
                shutil.rmtree(work, ignore_errors=True)
        except FileNotFoundError:
            pass


# --- load ----------------------------------------------------------------------------------------------------

def current_version(directory: str | Path) -> str | None:
    try:
        return (Path(directory) / CURRENT).read_text(encoding="utf-8").strip() or None
    except (FileNotFoundError, NotADirectoryError):
        return None


def read_meta(directory: str | Path, version: str | None = None) -> dict | None:
    """The metadata of the current (or given) version, None when there is none."""
    version = version or current_version(directory)
    if version is None:
        return None
    try:
        return json.loads((Path(directory) / version / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def load(directory: str | Path) -> tuple[CandidatePool, dict]:
    """Map the current version read-only; raise PoolFileError when it is missing or does not fit."""
    root = Path(directory)
    version = current_version(root)
    if version is None:
        raise PoolFileError("no saved pool")
    meta = read_meta(root, version)
    if meta is None or meta.get("format") != FORMAT or meta.get("version") != version:
        raise PoolFileError(f"unreadable metadata for {version}")
    base = root / version
    n = int(meta["size"])

    def array(name: str) -> np.ndarray:
        try:
            return np.load(base / f"{name}.npy", mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as error:
            raise PoolFileError(f"{name}: {error}") from error

    pool = object.__new__(CandidatePool)
    pool.size = n
    for name in ARRAYS:
        values = array(name)
        if values.shape[:1] != (n,):
            raise PoolFileError(f"{name}: {values.shape} for {n} candidates")
        setattr(pool, name, values)
    offsets = array("names_offsets")
    if offsets.shape != (n + 1,):
        raise PoolFileError("names: wrong length")
    pool.names = Names(array("names_buffer"), offsets)
    pool.position = PositionIndex(pool.kind, pool.ids, array("position_keys"), array("position_order"))
    pool.area_exact = AreaIndex(array("area_exact_keys"), array("area_exact_offsets"), array("area_exact_members"))
    pool.area_prefix = AreaIndex(array("area_prefix_keys"), array("area_prefix_offsets"),
                                 array("area_prefix_members"), _prefix_key)
    pool.priors = Priors(**{name: Prior(**values) for name, values in meta["priors"].items()})
    pool.vectorizer = text_vectorizer()
    pool._analyzer = None
    if meta.get("vocabulary") is not None:
        shape = tuple(meta["text_shape"])
        data, indices, indptr = array("text_data"), array("text_indices"), array("text_indptr")
        if shape[0] != n or indptr.shape != (n + 1,) or data.shape != indices.shape:
            raise PoolFileError("text matrix: wrong shape")
        matrix = csr_matrix(shape, dtype=data.dtype)  # assembled without copying the mapped arrays
        matrix.data, matrix.indices, matrix.indptr = data, indices, indptr
        pool.text_matrix = matrix
        pool.vectorizer.vocabulary_ = meta["vocabulary"]
        idf = array("idf")
        if idf.shape != (shape[1],):
            raise PoolFileError("idf: wrong length")
        pool.vectorizer.idf_ = np.asarray(idf)
    else:
        pool.text_matrix = None
    return pool, meta


def built_at(meta: dict) -> datetime:
    return datetime.fromisoformat(meta["built_at"])
