from flask_smorest import Blueprint

blp = Blueprint("jobs_api", __name__, url_prefix="/jobs", description="后台任务进度")
