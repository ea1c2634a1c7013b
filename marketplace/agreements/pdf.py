"""The agreement as a PDF in Chinese, drawn from the canonical content whose SHA-256 the parties signed.

The PDF prints that hash and each signature (who, when, from where). Because it is drawn from
`content.canonical(agreement)` — the very dict that is hashed — what is printed is what was signed; if the
stored hash no longer matches the content, the PDF says so in red.
"""

from __future__ import annotations

import hashlib
from io import BytesIO
from xml.sax.saxutils import escape

from flask_babel import format_datetime
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from marketplace.agreements.content import canonical, canonical_json
from marketplace.agreements.labels import METHOD_LABELS, PARTY_LABELS
from marketplace.agreements.models import Agreement, Party, ServiceMethod
from marketplace.masking import mask_phone
from marketplace.pdffonts import register_cjk_font


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=TA_CENTER),
        "number": ParagraphStyle("number", parent=base, alignment=TA_CENTER, textColor=colors.HexColor("#555555")),
        "heading": ParagraphStyle("heading", parent=base, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4),
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11.5),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11, textColor=colors.HexColor("#444444")),
        "warn": ParagraphStyle("warn", parent=base, textColor=colors.HexColor("#a3201c")),
    }


def _p(text, style) -> Paragraph:
    return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), style)


def _party_table(content: dict, st: dict) -> Table:
    rows = []
    for key, label in (("entity", PARTY_LABELS[Party.ENTITY]), ("provider", PARTY_LABELS[Party.PROVIDER])):
        side = content[key]
        rows += [[_p(label, st["body"]), _p(side["name"], st["body"])],
                 [_p(_("地址"), st["cell"]), _p(side["address"], st["cell"])],
                 [_p(_("代表人 / 电话"), st["cell"]), _p(f"{side['representative'] or ''}　{side['phone'] or ''}",
                                                     st["cell"])],
                 [_p(_("统一社会信用代码"), st["cell"]), _p(side["credit_code"] or _("（无）"), st["cell"])]]
    table = Table(rows, colWidths=[38 * mm, 136 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1f5ee")),
                               ("BACKGROUND", (0, 4), (-1, 4), colors.HexColor("#f1f5ee"))]))
    return table


def _items_table(content: dict, st: dict) -> Table:
    header = [_("序号"), _("服务项目"), _("方式"), _("数量"), _("单价（元）"), _("金额（元）"), _("质量标准"),
              _("验收标准"), _("完成期限")]
    rows = [[_p(h, st["cell"]) for h in header]]
    for item in content["items"]:
        rows.append([_p(item["position"], st["cell"]), _p(item["name"], st["cell"]),
                     _p(METHOD_LABELS[ServiceMethod(item["method"])], st["cell"]),
                     _p(f"{item['quantity']} {item['unit']}", st["cell"]), _p(item["unit_price"] or "—", st["cell"]),
                     _p(item["amount"] or "—", st["cell"]), _p(item["quality_standard"], st["cell"]),
                     _p(item["acceptance_criterion"], st["cell"]), _p(item["deadline"] or "—", st["cell"])])
    total = content["total_amount"]
    rows.append([_p(_("合计"), st["cell"]), "", "", "", "", _p(total or "—", st["cell"]), "", "", ""])
    widths = [9, 24, 14, 15, 16, 17, 29, 30, 20]
    table = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4eedf")),
                               ("SPAN", (0, -1), (4, -1))]))
    return table


def render_for(agreement: Agreement, actor, purpose: str | None = None) -> bytes:
    """The PDF a user may read: the parties' own copy is in full; anyone else (the officials above the
    parties) reads the phones masked, unless they state a purpose, which is audited."""
    from marketplace.agreements.services import party_of
    from marketplace.audit.services import record

    if party_of(actor, agreement) is not None:
        return render_agreement(agreement)
    if not purpose:
        return render_agreement(agreement, masked=True)
    record(actor, "agreement.view_unmasked", agreement, region_code=agreement.region_code,
           fields=["entity_phone", "provider_phone"], purpose=purpose)
    return render_agreement(agreement)


def render_agreement(agreement: Agreement, masked: bool = False) -> bytes:
    """The agreement as an A4 PDF: parties, items, liability, disputes, term, signatures and the hash. With
    `masked` the phones are printed masked; the hash is still the one of the full content."""
    font = register_cjk_font()
    st = _styles(font)
    content = canonical(agreement)
    digest = hashlib.sha256(canonical_json(content)).hexdigest()
    if masked:
        content = {**content, **{side: {**content[side], "phone": mask_phone(content[side]["phone"]) or None}
                                 for side in ("entity", "provider")}}
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=18 * mm, title=_("服务协议 %(number)s", number=content["number"]),
                            author="Fudao", creator="Fudao")
    story = [_p(content["title"], st["title"]),
             _p(_("协议编号：%(number)s　版本：%(version)d", number=content["number"], version=content["version"]),
                st["number"]), Spacer(1, 6 * mm),
             _p(_("一、协议双方"), st["heading"]), _party_table(content, st),
             _p(_("二、服务项目、方式、质量标准与验收标准"), st["heading"]), _items_table(content, st),
             _p(_("三、违约责任"), st["heading"]), _p(content["liability"], st["body"]),
             _p(_("四、争议解决"), st["heading"]), _p(content["dispute_resolution"], st["body"]),
             _p(_("五、协议期限"), st["heading"]),
             _p(_("自 %(start)s 起至 %(end)s 止。", start=content["term_start"] or "—", end=content["term_end"] or "—"),
                st["body"]),
             _p(_("六、签署"), st["heading"])]
    signatures = [s for s in agreement.signatures if s.voided_at is None]
    if signatures:
        rows = [[_p(h, st["cell"]) for h in (_("签署方"), _("签署人"), _("签署时间"), _("IP 地址"))]]
        for s in signatures:
            rows.append([_p(PARTY_LABELS[s.party], st["cell"]), _p(s.user.display_name, st["cell"]),
                         _p(format_datetime(s.signed_at, "yyyy-MM-dd HH:mm:ss"), st["cell"]),
                         _p(s.ip_address or "", st["cell"])])
        table = Table(rows, colWidths=[40 * mm, 64 * mm, 40 * mm, 30 * mm])
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey)]))
        story.append(table)
    else:
        story.append(_p(_("尚未签署。"), st["body"]))
    story += [Spacer(1, 5 * mm),
              _p(_("本协议内容的 SHA-256 摘要：%(hash)s", hash=digest), st["small"]),
              _p(_("双方以平台账户在线签署，签名记录该摘要；协议内容任何改动都会使摘要变化、签名作废。"), st["small"])]
    if masked:
        story.append(_p(_("本副本中的电话号码已作掩码处理（个人信息保护），摘要按完整内容计算。"), st["small"]))
    if agreement.content_hash and agreement.content_hash != digest:
        story.append(_p(_("警告：当前内容与签署时的摘要 %(hash)s 不一致", hash=agreement.content_hash), st["warn"]))

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.HexColor("#777777"))
        canvas.drawString(18 * mm, 10 * mm, f"{content['number']}  SHA-256 {digest[:16]}…")
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, _("第 %(n)d 页", n=document.page))
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def download_name(agreement: Agreement) -> str:
    return f"agreement-{agreement.number}.pdf"
