"""What an import kind declares: its columns and its hooks (see the package docstring)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from marketplace.accounts.models import Department, User
    from marketplace.imports.reader import Outcome
    from marketplace.jobs.models import Job

INSTRUCTIONS_SHEET = "填写说明"
LISTS_SHEET = "代码表"
EXAMPLE_MARK = "示例"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    variants: tuple[str, ...] = ()
    required: bool = False
    kind: str = "text"  # text, phone, id, choice, multi, bool, date, int, decimal, region
    labels: dict | None = None
    note: Any = ""  # a lazy _l() string (or "")
    width: int = 14
    max_length: int | None = None
    regions: str | None = None  # region drop-down: "upper" (not townships), "township", "county_township"


def norm(value: Any) -> str:
    """Full-width to half-width, stray and inner spaces removed (for headers, codes and labels)."""
    return "".join(unicodedata.normalize("NFKC", str(value)).split())


def header_key(value: Any) -> str:
    text_ = norm(value).replace("*", "")
    return re.sub(r"[(（][^)）]*[)）]$", "", text_)


class ImportKind:
    """One kind of import. Subclasses set the attributes and implement the hooks."""

    job_kind: str = ""
    data_sheet: str = ""
    columns: list[Column] = []
    extra_columns: list[Column] = []  # read and checked when a file has them; not in the template or export
    key_columns: tuple[str, ...] = ("name",)
    example_key: str = "name"
    unit: str = "个"

    def __init__(self) -> None:
        self.by_key = {c.key: c for c in self.read_columns}
        self.header_index: dict[str, str] = {}
        for column in self.read_columns:
            for name in (column.header, *column.variants):
                self.header_index[header_key(name)] = column.key

    @property
    def read_columns(self) -> list[Column]:
        return [*self.columns, *self.extra_columns]

    def department(self, actor: User) -> Department:
        """The department the actor imports for; raise NotAllowed when it may not import."""
        raise NotImplementedError

    def example_row(self, department: Department | None) -> dict[str, Any]:
        return {}

    def extra_instructions(self) -> list[list[str]]:
        return []

    def import_file(self, actor: User, path: str | Path, progress: Callable[[str, int, int], None] | None = None,
                    job: Job | None = None) -> Outcome:
        raise NotImplementedError


# The modules that define (and register) import kinds, loaded on first use; an area adding a kind adds it here.
KIND_MODULES = ["marketplace.directory.imports", "marketplace.entities.imports", "marketplace.training.imports"]
KINDS: dict[str, ImportKind] = {}


def register(kind: ImportKind) -> ImportKind:
    KINDS[kind.job_kind] = kind
    return kind


def all_kinds() -> dict[str, ImportKind]:
    import importlib

    for module in KIND_MODULES:
        importlib.import_module(module)
    return KINDS


def kind_of(job_kind: str) -> ImportKind | None:
    return KINDS.get(job_kind) or all_kinds().get(job_kind)
