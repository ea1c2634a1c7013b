from flask_smorest import Blueprint

blp = Blueprint("counselor_imports_api", __name__, url_prefix="/counselors", description="名录库批量导入与导出")
