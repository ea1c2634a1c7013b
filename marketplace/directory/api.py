from flask_smorest import Blueprint

blp = Blueprint("counselors_api", __name__, url_prefix="/counselors", description="辅导员名录库")
