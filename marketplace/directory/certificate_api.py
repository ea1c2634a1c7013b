from flask_smorest import Blueprint

blp = Blueprint("certificates_api", __name__, url_prefix="/certificates", description="聘任证书核验（公开）")
