"""Batch import pages on the entities blueprint (the routes and machinery: marketplace/imports/)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.entities import imports
from marketplace.entities.views import bp
from marketplace.imports.web import add_import_routes

add_import_routes(
    bp, imports.KIND, form_label=_l("经营主体文件（xlsx、xls 或 csv）"), upload_title=_l("批量导入经营主体"),
    job_title=_l("批量导入经营主体"), back_endpoint="entities.list_entities", back_label=_l("返回经营主体列表"),
    file_prefix="entity",
    intro=_l("请先下载模板，按“填写说明”工作表填写后上传。所有行检查无误才会导入；任何一行有错，都不写入任何数据，"
             "并给出错误清单。本部门已导入的主体按统一社会信用代码（无代码的家庭农场按名称和地区）更新；县级部门"
             "导入的主体直接记为已核实。"))
