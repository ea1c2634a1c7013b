"""Chinese labels for the directory's coded values (also the import template's drop-down lists)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.directory.models import (
    CounselorStatus,
    Education,
    Gender,
    Industry,
    PoliticalStatus,
    Source,
    Specialty,
    WorkMode,
)
from marketplace.i18n import locale_name

SPECIALTY_LABELS = {
    Specialty.ORGANIZATION: _l("组织建设"), Specialty.OPERATION: _l("规范运营"), Specialty.FINANCE: _l("财务会计"),
    Specialty.MARKETING: _l("市场营销"), Specialty.GREEN: _l("绿色发展"), Specialty.TECHNICAL: _l("技术支持"),
    Specialty.QUALITY: _l("质量标准"), Specialty.CREDIT: _l("信贷保险"),
}
INDUSTRY_LABELS = {
    Industry.GRAIN: _l("粮油作物"), Industry.FRUIT: _l("果树"), Industry.VEGETABLE: _l("蔬菜"),
    Industry.LIVESTOCK: _l("畜牧养殖"), Industry.AQUACULTURE: _l("水产养殖"), Industry.LEISURE: _l("休闲农业"),
    Industry.PROCESSING: _l("农产品加工"), Industry.OTHER: _l("其他"),
}
GENDER_LABELS = {Gender.MALE: _l("男"), Gender.FEMALE: _l("女")}
WORK_MODE_LABELS = {WorkMode.FULL_TIME: _l("专职"), WorkMode.PART_TIME: _l("兼职")}
SOURCE_LABELS = {
    Source.ENTITY_LEADER: _l("优秀合作社或家庭农场带头人"),
    Source.ENTERPRISE_MANAGER: _l("联农带农企业经营管理人员"),
    Source.RURAL_EXPERT: _l("乡土专家"),
    Source.SKILLED_FARMER: _l("种养能手"),
    Source.EXTENSION_TECHNICIAN: _l("农技员"),
    Source.RESEARCHER: _l("科研人员或学者"),
    Source.SOCIAL_ORGANIZATION: _l("社会组织工作人员或志愿者"),
}
POLITICAL_LABELS = {
    PoliticalStatus.CPC_MEMBER: _l("中共党员"), PoliticalStatus.CPC_PROBATIONARY: _l("中共预备党员"),
    PoliticalStatus.CYL_MEMBER: _l("共青团员"), PoliticalStatus.DEMOCRATIC_PARTY: _l("民主党派"),
    PoliticalStatus.MASSES: _l("群众"),
}
EDUCATION_LABELS = {
    Education.POSTGRADUATE: _l("研究生"), Education.BACHELOR: _l("大学本科"), Education.COLLEGE: _l("大学专科"),
    Education.SECONDARY: _l("中专或高中"), Education.JUNIOR_OR_BELOW: _l("初中及以下"),
}
STATUS_LABELS = {
    CounselorStatus.APPOINTED: _l("在聘"), CounselorStatus.SUSPENDED: _l("暂停"), CounselorStatus.EXPIRED: _l("期满"),
    CounselorStatus.TRANSFERRED_OUT: _l("调出"), CounselorStatus.STRUCK_OFF: _l("除名"),
}
# the badge colour of each status (Bootstrap classes after "bg-")
STATUS_COLORS = {
    CounselorStatus.APPOINTED: "success", CounselorStatus.SUSPENDED: "warning text-dark",
    CounselorStatus.EXPIRED: "secondary", CounselorStatus.TRANSFERRED_OUT: "dark", CounselorStatus.STRUCK_OFF: "danger",
}
EVENT_LABELS = {
    "appoint": _l("聘任"), "update": _l("修改信息"), "suspend": _l("暂停"), "resume": _l("恢复"),
    "renew": _l("续聘"), "expire": _l("期满"), "transfer_out": _l("调出"), "strike_off": _l("除名"),
    "import_update": _l("批量导入更新"), "change_approved": _l("审核通过本人修改"),
    "confirm_own": _l("本人确认信息为最新"),
}


def flag_labels(value: int, labels: dict) -> list[str]:
    """The labels of the bits set in `value`, in declaration order. A list page asks for every row's; each
    (value, table, language) is worked out once per process (the tables are constants of this module)."""
    key = (int(value or 0), id(labels), locale_name())
    found = _flag_memo.get(key)
    if found is None or found[0] is not labels:  # the table is kept, so its id cannot be reused meanwhile
        if len(_flag_memo) > 20_000:  # bounded however many tables and values are asked for
            _flag_memo.clear()
        found = _flag_memo[key] = (labels, tuple(str(label) for flag, label in labels.items() if value & flag))
    return list(found[1])


_flag_memo: dict[tuple[int, int, str], tuple[dict, tuple[str, ...]]] = {}


def label(value, labels: dict) -> str:
    return str(labels[value]) if value in labels else ""

FIELD_LABELS = {
    "name": _l("姓名"), "gender": _l("性别"), "birth_date": _l("出生日期"), "id_number": _l("身份证号码"),
    "phone": _l("手机号码"), "political_status": _l("政治面貌"), "education": _l("学历"), "title": _l("职称"),
    "employer": _l("工作单位"), "position": _l("职务"), "region_code": _l("地区"), "specialties": _l("业务专长"),
    "industries": _l("产业领域"), "work_mode": _l("工作模式"), "source": _l("选聘来源"), "is_remote": _l("远程服务"),
    "capacity": _l("同时服务上限"), "township_code": _l("聘任乡镇"), "appointed_on": _l("聘任日期"),
    "term_end": _l("聘期结束"), "certificate_no": _l("证书编号"), "service_area_codes": _l("服务区域"),
}
