"""The CJK font every generated PDF uses: reportlab's standard STSong-Light CID font. Viewers supply the
glyphs, nothing is embedded, and the text can be extracted back (certificates, agreements)."""

from __future__ import annotations

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

CJK_FONT = "STSong-Light"


def register_cjk_font() -> str:
    """Register the font once per process; returns its name."""
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT
