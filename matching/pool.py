"""Plain records in, arrays out: the candidate pool the ranker scores in one vectorised pass.

The web layer builds `CandidateRecord`s (one per appointed counselor and filed center, with the statistics
the features need) and a `NeedQuery`; `CandidatePool.build` turns the records into numpy arrays, a
character n-gram TF-IDF matrix of the profile texts and inverted indexes of the service areas.

Regions are paths from the national root, as tuples of codes, e.g.
`("000000", "130000", "130100", "130123", "130123100")`; position 1 is the province, 2 the city,
3 the county, 4 the township.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer

from matching.geo import locate
from matching.shrinkage import fit_priors

Path = tuple[str, ...]
KIND_CODES = {"counselor": 0, "center": 1}
KIND_NAMES = ("counselor", "center")
LEVELS = 4  # province, city, county, township
N_CATEGORIES = 8  # the eight specialties (bits 1, 2, 4, ... 128)
GRADE_LABELS = ("不合格", "基本合格", "合格", "优秀")  # grade code 0..3


@dataclass(frozen=True)
class NeedQuery:
    """What the ranker needs to know about a need."""

    category: int                  # one specialty bit
    category_name: str = ""        # its label, for the reasons
    industry: int = 0              # one industry bit (0: not given)
    industry_name: str = ""
    place: Path = ()               # region path of the place of service
    allows_remote: bool = False
    budget: float | None = None    # yuan, None: not given
    entity_type: int = -1          # index of the entity's type (0 cooperative, 1 federation, 2 family farm)
    text: str = ""                 # title and description


@dataclass(frozen=True)
class CandidateRecord:
    """A counselor or a service center with what the platform knows about its past work."""

    kind: str                       # "counselor" or "center"
    id: int
    name: str
    specialties: int                # bit mask (a center's service categories)
    industries: int = 0             # bit mask (0: unknown)
    home: Path = ()
    areas: tuple[Path, ...] = ()    # service areas
    is_remote: bool = False
    is_active: bool = True          # False: suspended, removed, de-listed (never offered)
    open_count: int = 0
    capacity: int | None = None     # None: no limit (centers)
    invited: int = 0                # invitations answered or expired
    accepted: int = 0               # invitations accepted
    response_hours: float | None = None  # mean hours to answer
    response_count: int = 0         # answers behind response_hours (0: take `invited`)
    response_var: float | None = None  # variance of the hours to answer
    satisfaction_mean: float | None = None  # 1-5
    satisfaction_count: int = 0
    satisfaction_var: float | None = None  # variance of the ratings (shrinkage prior's within-provider part)
    grade: int | None = None        # latest evaluation grade code 0..3 (None: none yet)
    prices: dict[int, float] = field(default_factory=dict)  # category bit -> lowest offered price
    served_types: int = 0           # bit mask of entity type indexes served (1 << type)
    served_industries: int = 0      # bit mask of industries served
    recent_assignments: int = 0     # assignments in the recent window (the fairness penalty)
    award_record: float = 0.0       # weighted count of recent approved awards (the web side computes it)
    text: str = ""                  # profile and past work


def _bit_index(bit: int) -> int:
    return int(bit).bit_length() - 1


def text_vectorizer() -> TfidfVectorizer:
    """Character 1–2-grams: Chinese needs no segmenter for this, and the vocabulary stays small."""
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 2), min_df=1, max_features=20000,
                           sublinear_tf=True, dtype=np.float32)


class CandidatePool:
    """Arrays over all candidates, index-aligned; built once and reused for many needs."""

    def __init__(self, records: list[CandidateRecord]):
        n = len(records)
        self.size = n
        self.kind = np.fromiter((KIND_CODES[r.kind] for r in records), dtype=np.int8, count=n)
        self.ids = np.fromiter((r.id for r in records), dtype=np.int64, count=n)
        self.names = [r.name for r in records]
        self.position = {(r.kind, r.id): i for i, r in enumerate(records)}
        self.specialties = np.fromiter((r.specialties for r in records), dtype=np.int64, count=n)
        self.industries = np.fromiter((r.industries for r in records), dtype=np.int64, count=n)
        self.home = np.zeros((n, LEVELS), dtype=np.int64)
        for i, r in enumerate(records):
            for level, code in enumerate(r.home[1:LEVELS + 1]):
                self.home[i, level] = int(code)
        self.is_remote = np.fromiter((r.is_remote for r in records), dtype=bool, count=n)
        self.is_active = np.fromiter((r.is_active for r in records), dtype=bool, count=n)
        self.open_count = np.fromiter((r.open_count for r in records), dtype=np.float64, count=n)
        self.capacity = np.fromiter((np.inf if r.capacity is None else r.capacity for r in records),
                                    dtype=np.float64, count=n)
        self.invited = np.fromiter((r.invited for r in records), dtype=np.float64, count=n)
        self.accepted = np.fromiter((r.accepted for r in records), dtype=np.float64, count=n)
        self.response_hours = np.fromiter((np.nan if r.response_hours is None else r.response_hours
                                           for r in records), dtype=np.float64, count=n)
        self.sat_mean = np.fromiter((np.nan if r.satisfaction_mean is None else r.satisfaction_mean
                                     for r in records), dtype=np.float64, count=n)
        self.sat_count = np.fromiter((r.satisfaction_count for r in records), dtype=np.float64, count=n)
        self.response_count = np.fromiter((r.response_count or (r.invited if r.response_hours is not None else 0)
                                           for r in records), dtype=np.float64, count=n)
        sat_var = np.fromiter((np.nan if r.satisfaction_var is None else r.satisfaction_var for r in records),
                              dtype=np.float64, count=n)
        response_var = np.fromiter((np.nan if r.response_var is None else r.response_var for r in records),
                                   dtype=np.float64, count=n)
        # the track-record priors, fitted on this pool (matching/shrinkage.py)
        self.priors = fit_priors(self.sat_mean, self.sat_count, sat_var, self.accepted, self.invited,
                                 self.response_hours, self.response_count, response_var)
        self.grade = np.fromiter((-1 if r.grade is None else r.grade for r in records), dtype=np.int8, count=n)
        self.prices = np.full((n, N_CATEGORIES), np.nan)
        for i, r in enumerate(records):
            for bit, price in r.prices.items():
                self.prices[i, _bit_index(bit)] = price
        self.served_types = np.fromiter((r.served_types for r in records), dtype=np.int64, count=n)
        self.served_industries = np.fromiter((r.served_industries for r in records), dtype=np.int64, count=n)
        self.recent = np.fromiter((r.recent_assignments for r in records), dtype=np.float64, count=n)
        self.award_record = np.fromiter((r.award_record for r in records), dtype=np.float64, count=n)
        located = [locate(r.home[-1] if r.home else None) for r in records]
        points = np.array([p for p, _exact in located], dtype=np.float64).reshape(n, 2)
        self.lon, self.lat = points[:, 0].copy(), points[:, 1].copy()
        self.exact_point = np.fromiter((exact for _p, exact in located), dtype=bool, count=n)
        # Service areas: `area_exact[code]` serve exactly that region (so everything below it);
        # `area_prefix[(level, code)]` have an area sharing the path down to `level`.
        exact: dict[str, list[int]] = defaultdict(list)
        prefix: dict[tuple[int, str], set[int]] = defaultdict(set)
        for i, r in enumerate(records):
            for area in r.areas:
                if len(area) < 2:
                    continue
                exact[area[-1]].append(i)
                for level, code in enumerate(area[1:LEVELS + 1], start=1):
                    prefix[(level, code)].add(i)
        self.area_exact = {k: np.array(sorted(set(v)), dtype=np.int64) for k, v in exact.items()}
        self.area_prefix = {k: np.array(sorted(v), dtype=np.int64) for k, v in prefix.items()}
        self.vectorizer = text_vectorizer()
        self._analyzer = None
        texts = [r.text or r.name for r in records]
        if n and any(t.strip() for t in texts):
            self.text_matrix = self.vectorizer.fit_transform(texts).tocsr()
        else:
            self.text_matrix = None

    DYNAMIC = ("is_active", "open_count", "invited", "accepted", "response_hours", "response_count", "sat_mean",
               "sat_count", "served_types", "served_industries", "recent")

    def with_state(self, sat_var: np.ndarray | None = None, response_var: np.ndarray | None = None,
                   **arrays: np.ndarray) -> CandidatePool:
        """A copy of the pool with its changing state replaced (`DYNAMIC` arrays, index-aligned), the
        track-record priors refitted on that state; profiles, areas and texts are shared. The web side uses
        it to rebuild the pool as it stood when a past need was published."""
        unknown = set(arrays) - set(self.DYNAMIC)
        if unknown:
            raise ValueError(f"not pool state: {sorted(unknown)}")
        copy = object.__new__(CandidatePool)
        copy.__dict__.update(self.__dict__)
        for name, values in arrays.items():
            setattr(copy, name, np.asarray(values, dtype=getattr(self, name).dtype))
        nan = np.full(self.size, np.nan)
        copy.priors = fit_priors(copy.sat_mean, copy.sat_count, nan if sat_var is None else sat_var, copy.accepted,
                                 copy.invited, copy.response_hours, copy.response_count,
                                 nan if response_var is None else response_var)
        return copy

    @classmethod
    def build(cls, records: list[CandidateRecord]) -> CandidatePool:
        return cls(list(records))

    def need_vector(self, need: NeedQuery):
        """The need's text in the pool's TF-IDF space, a 1 × V sparse row (None when either side has no
        text). The same weighting as `vectorizer.transform` (sublinear tf × idf, unit length), without its
        per-call validation, which costs more than the arithmetic for one short text."""
        if self.text_matrix is None or not need.text.strip():
            return None
        if self._analyzer is None:
            self._analyzer = self.vectorizer.build_analyzer()
        counts: dict[int, int] = {}
        vocabulary = self.vectorizer.vocabulary_
        for gram in self._analyzer(need.text):
            column = vocabulary.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        if not counts:
            return None
        columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
        weights = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) \
            * self.vectorizer.idf_[columns]
        weights /= np.linalg.norm(weights)
        return csr_matrix((weights.astype(np.float32), (np.zeros(columns.size, dtype=np.int64), columns)),
                          shape=(1, len(vocabulary)))

    def index_of(self, kind: str, candidate_id: int) -> int | None:
        return self.position.get((kind, int(candidate_id)))
