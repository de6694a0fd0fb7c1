"""Small CJK fonts in WeasyPrint's PDFs, with every glyph the pages draw.

WeasyPrint subsets each font but keeps every glyph at its original number, so a font whose
used glyphs lie near its end still carries an empty entry for each glyph before them. Noto
CJK has 65,000 glyphs with the Han ideographs far down the list: one Chinese word turns a
font of a hundred used glyphs into 750 KB, and an issue's PDF into 600 KB.

A CID-keyed CFF font (Noto CJK is one) does not need its glyph numbers kept: its charset
maps each glyph to a CID, and the pages draw by CID. compact_cjk_fonts, a WeasyPrint
finisher, cuts such fonts down to the glyphs the pages use with HarfBuzz (the subsetter
WeasyPrint itself uses) and embeds them as bare CFF (FontFile3 /CIDFontType0C), the form PDF
viewers have read CJK fonts in for decades. The pages stay as they are. A font is replaced
only when the cut font is CID-keyed and maps every CID the pages draw; anything else
(TrueType, name-keyed CFF, a HarfBuzz without the subsetter) stays as WeasyPrint made it.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pydyf  # type: ignore[import-untyped]
from fontTools.cffLib import CFFFontSet  # type: ignore[import-untyped]

log = logging.getLogger(__name__)

BARE_CID_CFF = "/CIDFontType0C"
# Tables HarfBuzz would otherwise follow to add glyphs the pages never draw.
_LAYOUT_TABLES = (b"BASE", b"GDEF", b"GPOS", b"GSUB", b"JSTF", b"MATH", b"morx")


@dataclass
class _FontProgram:
    """One embedded OpenType font program and what the pages draw from it."""

    stream: pydyf.Stream
    face: Any  # the HarfBuzz face of the font file WeasyPrint laid the text out with
    cids: set[int]


def compact_cjk_fonts(document: Any, pdf: pydyf.PDF) -> None:
    """WeasyPrint finisher: cut each CID-keyed CFF font to the glyphs the pages draw."""
    try:
        from weasyprint.text.ffi import harfbuzz_subset
    except ImportError:  # pragma: no cover - a WeasyPrint without HarfBuzz's subsetter
        return
    if not harfbuzz_subset:
        return  # pragma: no cover
    for program in _opentype_programs(document, pdf):
        cff = _hb_cid_subset(program.face, program.cids)
        if cff is not None and _draws_every_cid(cff, program.cids):
            program.stream.stream = [cff]
            program.stream.extra["Subtype"] = BARE_CID_CFF
        else:
            log.debug("font program left as WeasyPrint made it")


def _opentype_programs(document: Any, pdf: pydyf.PDF) -> Iterator[_FontProgram]:
    """The OpenType/CFF font programs in the PDF, with the glyphs drawn from each."""
    fonts_by_name = {font.name: font for font in getattr(document, "fonts", {}).values()}
    programs: dict[int, _FontProgram] = {}
    for obj in pdf.objects:
        if not isinstance(obj, dict) or obj.get("Type") != "/FontDescriptor":
            continue
        number = _reference_number(obj.get("FontFile3"))
        font = fonts_by_name.get(obj.get("FontName"))
        if number is None or font is None or getattr(font, "hb_face", None) is None:
            continue
        stream = pdf.objects[number]
        if not isinstance(stream, pydyf.Stream) or stream.extra.get("Subtype") != "/OpenType":
            continue
        program = programs.setdefault(number, _FontProgram(stream, font.hb_face, {0}))
        program.cids.update(int(gid) for gid in font.widths)
    return iter(programs.values())


def _hb_cid_subset(face: Any, gids: set[int]) -> bytes | None:
    """The CFF table of face cut to gids (glyph numbers not kept), or None."""
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset

    subset_input = ffi.gc(
        harfbuzz_subset.hb_subset_input_create_or_fail(), harfbuzz_subset.hb_subset_input_destroy
    )
    if subset_input == ffi.NULL:
        return None
    _add_sorted(ffi, harfbuzz, harfbuzz_subset.hb_subset_input_glyph_set(subset_input), gids)
    drop = harfbuzz_subset.hb_subset_input_set(
        subset_input, harfbuzz_subset.HB_SUBSET_SETS_DROP_TABLE_TAG
    )
    _add_sorted(ffi, harfbuzz, drop, {harfbuzz.hb_tag_from_string(t, -1) for t in _LAYOUT_TABLES})
    harfbuzz_subset.hb_subset_input_set_flags(
        subset_input,
        harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE
        | harfbuzz_subset.HB_SUBSET_FLAGS_NO_HINTING
        | harfbuzz_subset.HB_SUBSET_FLAGS_NOTDEF_OUTLINE,
    )
    subset_face = harfbuzz_subset.hb_subset_or_fail(face, subset_input)
    if subset_face == ffi.NULL:
        return None
    subset_face = ffi.gc(subset_face, harfbuzz.hb_face_destroy)
    table = ffi.gc(
        harfbuzz.hb_face_reference_table(subset_face, harfbuzz.hb_tag_from_string(b"CFF ", -1)),
        harfbuzz.hb_blob_destroy,
    )
    length = ffi.new("unsigned int *")
    data = harfbuzz.hb_blob_get_data(table, length)
    return bytes(ffi.unpack(data, length[0])) if length[0] else None


def _add_sorted(ffi: Any, harfbuzz: Any, hb_set: Any, values: set[int]) -> None:
    ordered = sorted(values)
    harfbuzz.hb_set_add_sorted_array(hb_set, ffi.new("hb_codepoint_t[]", ordered), len(ordered))


def _draws_every_cid(cff: bytes, cids: set[int]) -> bool:
    """Whether cff is CID-keyed and its charset holds every CID the pages draw."""
    fonts = CFFFontSet()
    try:
        fonts.decompile(io.BytesIO(cff), None)
        top = fonts.topDictIndex[0]
        if not hasattr(top, "ROS"):
            return False
        present = {int(name[3:]) for name in top.charset if name.startswith("cid")}
    except Exception:  # any parse failure means: keep WeasyPrint's font
        return False
    return (cids - {0}) <= present


def _reference_number(value: object) -> int | None:
    """12 for b'12 0 R' (a pydyf reference), None for anything else."""
    text = value.decode() if isinstance(value, bytes) else value
    if not isinstance(text, str):
        return None
    parts = text.split()
    if len(parts) == 3 and parts[2] == "R" and parts[0].isdigit():
        return int(parts[0])
    return None
