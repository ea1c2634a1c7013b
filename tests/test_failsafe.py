"""Error pages that need nothing: the 500 page without the database or a usable session; an unwritable
folder gives a clear Chinese message, not a bare 500."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import webtest
from sqlalchemy import select, text

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.jobs.models import Job
from tests.marketplace.directory.test_imports import row, xlsx


def _broken_app(make_app, database_url: str):
    other = make_app({"SQLALCHEMY_DATABASE_URI": database_url, "PROPAGATE_EXCEPTIONS": False, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_STORAGE_URI": "memory://"})

    @other.get("/test/query")
    def query():
        db.session.execute(text("SELECT 1"))
        return "ok"

    @other.get("/test/failed-commit")
    def failed_commit():
        db.session.add(User(username=None, display_name="x"))  # NOT NULL: the flush fails
        db.session.commit()
        return "ok"

    @other.get("/test/write")
    def write():
        raise PermissionError(13, "Permission denied", "/srv/fudao/instance/reports/x.pdf")

    @other.get("/api/v1/test/query")
    def api_query():
        db.session.execute(text("SELECT 1"))
        return "ok"

    return other


def test_the_500_page_renders_without_the_database(make_app, tmp_path):
    other = _broken_app(make_app, f"sqlite:///{tmp_path}/missing/dir/fudao.sqlite")  # cannot be opened
    client = other.test_client()
    response = client.get("/test/query")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "服务器内部错误" in html and "返回首页" in html and "Internal Server Error" not in html
    api = client.get("/api/v1/test/query")
    assert api.status_code == 500 and api.get_json()["error"]["code"] == "server_error"


def test_any_other_unwritable_file_is_a_clear_503(make_app, database_url):
    response = _broken_app(make_app, database_url).test_client().get("/test/write")
    assert response.status_code == 503
    assert "服务器暂时无法保存文件（存储目录不可写或空间已满）" in response.get_data(as_text=True)


def test_the_500_page_renders_after_a_failed_commit_for_a_signed_in_user(make_app, database_url, world):
    other = _broken_app(make_app, database_url)
    client = other.test_client()
    from tests.conftest import TEST_PASSWORD

    assert client.post("/auth/login", data={"username": world["county"].username,
                                            "password": TEST_PASSWORD}).status_code == 302
    response = client.get("/test/failed-commit")
    assert response.status_code == 500
    assert "服务器内部错误" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200  # the next request is served normally


@pytest.fixture
def unwritable_imports(app):
    """instance/imports replaced by a file: nothing can be written there (root ignores permissions)."""
    folder = Path(app.instance_path) / "imports"
    shutil.rmtree(folder, ignore_errors=True)
    folder.write_text("not a folder")
    yield folder
    folder.unlink()


def test_an_unwritable_upload_folder_gives_a_clear_message(pages, world, unwritable_imports):
    pages.sign_in(world["county"])
    page = pages.get("/directory/imports")
    form = next(f for f in page.forms.values() if "file" in f.fields)
    form["file"] = webtest.Upload("a.xlsx", xlsx([row(1)]))
    res = form.submit(status=400)  # the form again, with the message beside the file field
    assert "服务器暂时无法保存上传的文件（存储目录不可写或空间已满），未导入任何数据" in res.text
    assert db.session.scalar(select(Job)) is None


def test_an_unwritable_folder_in_the_api_is_a_clear_503(client, world, api_token, unwritable_imports):
    response = client.post("/api/v1/counselors/imports", headers=api_token(world["county"]),
                           data={"file": (io.BytesIO(xlsx([row(1)])), "a.xlsx")})
    assert response.status_code == 400, response.get_json()
    assert "存储目录不可写" in response.get_json()["error"]["message"]
    assert db.session.scalar(select(Job)) is None
