"""What every PDF the app makes must satisfy: each font it names is embedded (a phone viewer without the font
would show boxes), and subsetted (only the glyphs used, so a certificate stays small)."""

from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader


def _fonts(reader: PdfReader):
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        stack = [resources.get_object()]
        while stack:
            res = stack.pop()
            for font in (res.get("/Font") or {}).values():
                yield font.get_object()
            for xobject in (res.get("/XObject") or {}).values():
                inner = xobject.get_object().get("/Resources")
                if inner is not None:
                    stack.append(inner.get_object())


def font_problems(data: bytes) -> list[str]:
    """The fonts of the PDF that are not embedded or not subsetted (empty when all is well)."""
    problems, seen = [], 0
    for font in _fonts(PdfReader(BytesIO(data))):
        seen += 1
        name = str(font.get("/BaseFont"))
        if font.get("/Subtype") == "/Type0":
            descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
        else:
            descriptor = font.get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor is not None else {}
        if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
            problems.append(f"{name}: not embedded")
        elif "+" not in name:
            problems.append(f"{name}: embedded whole, not subsetted")
    if not seen:
        problems.append("no fonts at all")
    return problems
