"""Generic xlsx batch import (批量导入): templates, tolerant reading, row checks, error reports, jobs.

An area supplies a *kind* — a subclass of `ImportKind` (spec.py) — and the package does the rest:

- ``spec.Column(key, header, variants=(), required=False, kind="text", labels=None, note="", width=14,
  max_length=None, regions=None)``: one spreadsheet column. ``kind`` is how its cells are read (see
  cells.py: text, phone, id, choice, multi, bool, date, int, decimal, region); ``labels`` maps enum members to
  their Chinese labels (choice / multi drop-downs); ``note`` (a lazy ``_l()`` string) is the prompt in the
  template and its line in the instructions sheet; ``regions`` ("upper", "township", "county_township") picks
  the regions listed in a region drop-down.
- ``spec.ImportKind``: ``job_kind`` (the Job.kind), ``data_sheet``, ``columns``, ``key_columns`` (the headers
  that must be present to recognise the header row), ``unit`` (人 / 个), and the hooks ``department(actor)``
  (who may import: raise NotAllowed), ``example_row(department)``, ``extra_instructions()``, ``task()`` (the
  Celery task that runs a job) and ``import_file(actor, path, progress, job) -> Outcome`` (check every row,
  then write; flush, never commit). ``register(kind)`` makes jobs of that kind runnable and reapable.
- template.py ``build_template(kind, department) -> bytes``: the data sheet with an example row and drop-downs,
  an instructions sheet, a hidden lists sheet.
- reader.py ``iter_raw_rows(path, kind)``: rows of the first sheet with recognised headers (header variants,
  full-width characters, a title above the header, blank rows and the example row skipped), ``check_upload``,
  ``ImportFileError``, ``Outcome`` (errors with row / column / message, created / updated / unchanged),
  ``error_report(errors) -> bytes`` and ``safe_cell`` (no formulas in files we write).
- cells.py ``CellParser(columns, regions).parse(raw_row, outcome)``: cells → a dict of Python values, or None
  with Chinese cell-level errors recorded; ``RegionIndex(department)``: codes and names of a jurisdiction,
  preloaded once; ``parse_date``, ``cell_text``, ``id_text``, ``label_map``.
- pool.py ``checked_chunks(rows, check)``: ``(chunk, check(chunk))`` in order, checked by forked helper processes
  (billiard) for a file of more than IMPORT_POOL_MIN_ROWS rows, in the job's process otherwise or when the
  pool breaks; ``check`` must be pure (no queries).
- jobs.py ``start_import(kind, actor, stream, content_length)``, ``run_import(job)`` (pending → running →
  succeeded / failed, all-or-nothing: the rows and the job's final state commit together), ``reap_stale()``
  (jobs whose worker died), ``job_json(job)``; ``Progress.phase(name)`` times a phase for ``summary["phases"]``.
- web.py: ``file_field(label)`` for the upload form, ``render_upload`` / ``render_job`` (templates/imports/),
  ``scoped_job(kind, job_id, user)`` (404 outside the jurisdiction or for another kind), ``xlsx_response``.

Areas using it: marketplace/directory/imports.py (counselors), marketplace/entities/imports.py (entities);
docs/imports.md describes it. For an xlsx you only write (a report), ``reader.safe_cell`` is the piece to reuse.
"""
