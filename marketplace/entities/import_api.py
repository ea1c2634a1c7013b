"""Batch import of entities over the API (bearer token); progress at /api/v1/jobs/<job_id>."""

from __future__ import annotations

from flask_smorest import Blueprint

from marketplace.entities import imports
from marketplace.imports.api import add_import_api

blp = Blueprint("entity_imports_api", __name__, url_prefix="/entities", description="经营主体批量导入")
add_import_api(blp, imports.KIND, noun="经营主体", file_prefix="entity")
