"""The CJK font every generated PDF uses, embedded (subsetted) so that any viewer, a phone's included, shows
the Chinese text: WenQuanYi Micro Hei (文泉驿微米黑, TrueType outlines, Apache 2.0 / GPLv3 with the font
exception), installed from PyPI by the pinned package `paperang-p2-fonts-cjk`. reportlab embeds only the glyphs
a document uses and writes a ToUnicode map, so the text can still be extracted (certificates, agreements).
`PDF_FONT_PATH` (FUDAO_PDF_FONT_PATH) may point at another TrueType font or collection (glyf outlines: reportlab
cannot embed CFF/OpenType outlines)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from flask import current_app, has_app_context
from reportlab import rl_config
from reportlab.graphics import shapes
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus.tables import CellStyle

CJK_FONT = "WenQuanYiMicroHei"


def font_path() -> Path:
    """The font file: the configured one, else the packaged WenQuanYi Micro Hei collection."""
    configured = current_app.config.get("PDF_FONT_PATH") if has_app_context() else None
    if configured:
        return Path(configured)
    return Path(str(resources.files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc"))


def register_cjk_font() -> str:
    """Register the font once per process and make it every new canvas's initial font (so no PDF names an
    unembedded standard font such as Helvetica, not even a drawing's initial state); returns its
    name."""
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(CJK_FONT, str(font_path()), subfontIndex=0))
    rl_config.canvas_basefontname = CJK_FONT
    shapes.STATE_DEFAULTS["fontName"] = CJK_FONT  # drawings (QR codes, charts) start in it too
    CellStyle.fontname = CJK_FONT  # and table cells, even empty ones
    return CJK_FONT
