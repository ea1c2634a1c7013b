"""What the journeys do on a page, as a person would: pick a region level by level, upload a file, read
the flash message, make the small files people upload."""

from __future__ import annotations

import io
import re
from pathlib import Path


def pick_region(page, field_id: str, *names: str) -> None:
    """Choose a region in the cascading picker around the hidden input `field_id`, one level at a time, from
    the full path (province first); levels above the picker's root (a county's form starts at its city) are
    not offered and are passed over."""
    picker = page.locator(f"div.region-picker:has(input#{field_id})")
    first = picker.locator("select").first
    first.locator("option").nth(1).wait_for(state="attached")
    offered = [text.strip() for text in first.locator("option").all_inner_texts()]
    path = list(names)
    while path and path[0] not in offered:
        path.pop(0)
    assert path, f"none of {names} is offered in the region picker ({offered[:8]})"
    for level, name in enumerate(path):
        select = picker.locator("select").nth(level)
        select.locator("option", has_text=name).first.wait_for(state="attached")
        select.select_option(label=name)


def flashes(page) -> str:
    return " ".join(page.locator(".alert").all_inner_texts())


def main_text(page) -> str:
    return re.sub(r"\s+", " ", page.locator("main").inner_text() if page.locator("main").count()
                  else page.locator("body").inner_text())


def pdf_file(folder: Path, name: str, title: str) -> Path:
    """A one-page PDF such as an office would upload (a rules document, a scanned form)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = folder / name
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setTitle(title)
    pdf.drawString(72, 760, title)
    pdf.showPage()
    pdf.save()
    return path


def photo_file(folder: Path, name: str = "photo.jpg") -> Path:
    """A small JPEG, as a phone camera would give (a real image, so content checks pass)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), (90, 140, 60))
    ImageDraw.Draw(image).rectangle((40, 40, 280, 200), outline=(250, 250, 250), width=6)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    path = folder / name
    path.write_bytes(buffer.getvalue())
    return path


def open_notification(journey, page, title: str) -> str:
    """Open the message centre, find the message whose title holds `title`, press 查看; return its text."""
    journey.go(page, "/inbox/")
    item = page.locator(".list-group-item", has_text=title).first
    message = re.sub(r"\s+", " ", item.inner_text())
    item.get_by_role("button", name="查看").click()
    page.wait_for_load_state()
    return message
