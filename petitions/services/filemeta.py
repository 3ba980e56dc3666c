"""Files lose what they say about who made them: metadata of every kind, removed.

Used by the pseudonymised copy for the verification team and by every generated official
document (DOCX and PDF). What goes:

- **PDF**: the document information (author, title, producer…), the XMP stream (document
  and page level), every annotation (comments, highlights, stamps, with their author) and
  the form fields (the writer starts a new document and copies only the pages' content),
  page-piece data, embedded files, JavaScript and outlines;
- **DOCX**: core properties (author, last modified by, title, subject, keywords, dates
  are emptied), custom properties and the extended properties' company and manager are
  dropped, comments and the people list go with their anchors, tracked changes are settled
  (insertions kept, deletions dropped, formatting changes forgotten) and no author or
  initials attribute is left anywhere;
- **images**: JPEG APPn segments (EXIF, XMP, IPTC…) and comments; PNG text, EXIF and time
  chunks; HEIC/HEIF re-encoded from its pixels alone (pillow-heif), turned upright first
  so dropping the EXIF orientation does not turn the photo.
"""
from __future__ import annotations

import io
import logging
import re
import zipfile

from lxml import etree

# Pillow logs every EXIF tag it reads at DEBUG ("Tag 315, Type: 2, Value: 'owner'"): a photo's
# owner and device would reach the application's log; its messages stop at INFO
logging.getLogger("PIL").setLevel(logging.INFO)

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = f"{{{W}}}"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

EMPTY_CORE = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
              b'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
              b'xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
              b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"></cp:coreProperties>')

# parts that hold people or their words outside the text: dropped with their references
_DROPPED_PARTS = re.compile(r"^(docProps/custom\.xml|word/comments[A-Za-z]*\.xml|word/people\.xml|"
                            r"customXml/.*|docProps/thumbnail\.[a-z]+)$")
_STORY = re.compile(r"^word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml$")
# elements removed with what they hold: deleted text, comment anchors, format-change records
_REMOVED = {f"{_W}{n}" for n in ("del", "moveFrom", "commentRangeStart", "commentRangeEnd", "commentReference",
                                 "rPrChange", "pPrChange", "sectPrChange", "tblPrChange", "trPrChange",
                                 "tcPrChange", "numberingChange", "tblGridChange", "tblPrExChange",
                                 "cellDel", "customXmlDelRangeStart", "customXmlDelRangeEnd")}
# elements replaced by their children: inserted or moved text is kept as plain text
_UNWRAPPED = {f"{_W}{n}" for n in ("ins", "moveTo")}
_MARKERS = {f"{_W}{n}" for n in ("moveFromRangeStart", "moveFromRangeEnd", "moveToRangeStart", "moveToRangeEnd",
                                 "cellIns", "cellMerge")}
_PEOPLE_ATTRS = {f"{_W}author", f"{_W}initials", f"{_W}date"}


def _clean_story(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    for el in list(root.iter()):
        if el.tag in _REMOVED or el.tag in _MARKERS:
            parent = el.getparent()
            if parent is not None:
                # a comment reference sits alone in its run: drop the emptied run too
                parent.remove(el)
                if parent.tag == f"{_W}r" and not [c for c in parent if c.tag != f"{_W}rPr"]:
                    grand = parent.getparent()
                    if grand is not None:
                        grand.remove(parent)
    for el in list(root.iter(*_UNWRAPPED)):
        parent = el.getparent()
        if parent is None:
            continue
        index = parent.index(el)
        for child in list(el):
            parent.insert(index, child)
            index += 1
        parent.remove(el)
    for el in root.iter():
        for attr in _PEOPLE_ATTRS & set(el.attrib):
            del el.attrib[attr]
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _clean_app(xml: bytes) -> bytes:
    try:
        root = etree.fromstring(xml)
    except etree.XMLSyntaxError:
        return xml
    for el in list(root):
        if etree.QName(el).localname in ("Company", "Manager", "HyperlinkBase", "Template"):
            root.remove(el)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _without_rels_to(xml: bytes, dropped: set[str]) -> bytes:
    root = etree.fromstring(xml)
    for rel in list(root):
        target = rel.get("Target", "")
        name = target.lstrip("/").split("/")[-1]
        if any(d.endswith("/" + name) or d == name or d == target.lstrip("/") for d in dropped):
            root.remove(rel)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _without_overrides(xml: bytes, dropped: set[str]) -> bytes:
    root = etree.fromstring(xml)
    for el in list(root):
        if el.get("PartName", "").lstrip("/") in dropped:
            root.remove(el)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def clean_docx(data: bytes) -> bytes:
    """The Word file without properties, comments, revisions or authors (see the module)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    dropped = {n for n in names if _DROPPED_PARTS.match(n)}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            name = info.filename
            if name in dropped:
                continue
            body = source.read(name)
            if name == "docProps/core.xml":
                body = EMPTY_CORE
            elif name == "docProps/app.xml":
                body = _clean_app(body)
            elif name == "[Content_Types].xml":
                body = _without_overrides(body, dropped)
            elif name.endswith(".rels"):
                body = _without_rels_to(body, dropped)
            elif _STORY.match(name):
                body = _clean_story(body)
            elif name == "word/settings.xml":
                body = re.sub(rb"<w:trackRevisions[^>]*/>", b"", body)
            target.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), body,
                            compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def clean_pdf(data: bytes | None = None, *, reader=None, keep=None) -> bytes:
    """A new PDF holding only the pages' content (``keep``: the page numbers to keep,
    1-based; all by default): no information dictionary beyond the producer, no XMP, no
    annotations, form fields, attachments, scripts or outlines."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject
    reader = reader or PdfReader(io.BytesIO(data))
    writer = PdfWriter()
    for number, page in enumerate(reader.pages, start=1):
        if keep is not None and number not in keep:
            continue
        added = writer.add_page(page)
        for key in ("/Annots", "/Metadata", "/PieceInfo", "/AA", "/B", "/StructParents"):
            if NameObject(key) in added:
                del added[NameObject(key)]
    writer.add_metadata({"/Producer": "petitions"})
    for key in ("/Metadata", "/AcroForm", "/Names", "/OpenAction", "/Outlines", "/StructTreeRoot", "/MarkInfo"):
        if NameObject(key) in writer._root_object:
            del writer._root_object[NameObject(key)]
    out = io.BytesIO()
    writer.write(out)
    # the page copies brought their annotations' objects along, unreferenced: a second pass
    # from the written file copies only what the pages still use
    again = PdfWriter()
    for page in PdfReader(io.BytesIO(out.getvalue())).pages:
        again.add_page(page)
    again.add_metadata({"/Producer": "petitions"})
    out = io.BytesIO()
    again.write(out)
    return out.getvalue()


def clean_image(data: bytes, mime: str) -> bytes:
    """The photo without EXIF/XMP/comments, in its own format."""
    if mime == "image/jpeg" and data[:2] == b"\xff\xd8":
        out, i = [data[:2]], 2
        while i + 4 <= len(data) and data[i] == 0xFF:
            marker = data[i + 1]
            if marker == 0xDA:  # start of scan: the image data follows
                break
            length = int.from_bytes(data[i + 2:i + 4], "big")
            segment = data[i:i + 2 + length]
            if not (0xE1 <= marker <= 0xEF or marker == 0xFE):  # keep APP0 (JFIF) and the image tables
                out.append(segment)
            i += 2 + length
        out.append(data[i:])
        return b"".join(out)
    if mime == "image/png" and data[:8] == b"\x89PNG\r\n\x1a\n":
        out, i = [data[:8]], 8
        while i + 8 <= len(data):
            length = int.from_bytes(data[i:i + 4], "big")
            kind = data[i + 4:i + 8]
            chunk = data[i:i + 12 + length]
            if kind not in (b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"tIME"):
                out.append(chunk)
            i += 12 + length
        return b"".join(out)
    if mime == "image/heic":
        return _clean_heic(data)
    return data


def _clean_heic(data: bytes) -> bytes:
    """Decoded and encoded again from the pixels alone: EXIF (place, device, time), XMP and
    every other metadata box are left behind."""
    import pillow_heif
    from PIL import Image, ImageOps
    heif = pillow_heif.open_heif(data, convert_hdr_to_8bit=True)
    image = heif.to_pillow()
    image = ImageOps.exif_transpose(image)
    pixels = Image.frombytes(image.mode, image.size, image.tobytes())  # a new image: no info at all
    out = io.BytesIO()
    pillow_heif.from_pillow(pixels).save(out, quality=90, exif=None, xmp=None)
    return out.getvalue()


def docx_metadata_text(data: bytes) -> str:
    """Everything a DOCX says besides its body, for tests and checks."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                         if n.startswith("docProps/") or "comments" in n or n == "word/people.xml")
