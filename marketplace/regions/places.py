"""Place pickers for the public pages: province → city → county as three plain selects filled on the server
from the local region data, so they work without JavaScript (choose a province, press 筛选, the cities appear);
static/js/places.js only re-submits the form when a level changes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from marketplace.directory.labels import INDUSTRY_LABELS, SPECIALTY_LABELS
from marketplace.extensions import db
from marketplace.forms import enum_choices
from marketplace.regions.models import ROOT_CODE, Level, Region
from marketplace.regions.services import current_children

LEVELS = (("province", Level.PROVINCE, _l("全部省份")), ("city", Level.CITY, _l("全部市")),
          ("county", Level.COUNTY, _l("全部区县")))


class PlaceForm(FlaskForm):
    """Search by place on a public page (GET, no CSRF). Call `place_code()` after constructing it."""

    class Meta:
        csrf = False

    province = SelectField(_l("省份"), validate_choice=False, validators=[Optional()])
    city = SelectField(_l("市"), validate_choice=False, validators=[Optional()])
    county = SelectField(_l("区县"), validate_choice=False, validators=[Optional()])
    # An older link (?region_code=130123) still filters: it fills the three levels.
    region_code = StringField(validators=[Optional(), Length(max=12)])

    def place_code(self) -> str | None:
        """Fill the three selects (each level lists the children of the level above that was chosen) and return
        the deepest valid choice; a choice that does not lie under the one above is dropped."""
        chosen = self._from_legacy() or [self.province.data, self.city.data, self.county.data]
        parent, code = ROOT_CODE, None
        for (name, _level, blank), value in zip(LEVELS, chosen, strict=False):
            field = getattr(self, name)
            children = current_children(parent) if parent else []
            field.choices = [("", str(blank))] + [(r.code, r.name) for r in children]
            if value and any(r.code == value for r in children):
                field.data, code, parent = value, value, value
            else:
                field.data, parent = "", None
        return code

    def _from_legacy(self) -> list[str] | None:
        code = (self.region_code.data or "").strip()
        if not code or self.province.data:
            return None
        region = db.session.get(Region, code)
        if region is None:
            return None
        path = [c for c in region.path.strip("/").split("/") if c and c != ROOT_CODE]
        levels = dict(db.session.execute(select(Region.code, Region.level).where(Region.code.in_(path))).all())
        return [next((c for c in path if levels.get(c) is level), "") for _n, level, _b in LEVELS]


class PublicDirectoryForm(PlaceForm):
    q = StringField(_l("姓名或证书编号"), validators=[Optional(), Length(max=64)])
    specialty = SelectField(_l("专长"), choices=enum_choices(SPECIALTY_LABELS, _l("全部专长")), validators=[Optional()])
    industry = SelectField(_l("产业"), choices=enum_choices(INDUSTRY_LABELS, _l("全部产业")), validators=[Optional()])


class PublicCatalogueForm(PlaceForm):
    category = SelectField(_l("服务类别"), choices=enum_choices(SPECIALTY_LABELS, _l("全部类别")),
                           validators=[Optional()])
