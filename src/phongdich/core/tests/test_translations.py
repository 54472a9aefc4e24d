"""Vietnamese is the interface's first language: every message is translated, and the compiled
catalogue the site loads is the one the translators wrote."""

import ast
import gettext
from pathlib import Path

import phongdich

LOCALE = Path(phongdich.__file__).parent / "locale" / "vi" / "LC_MESSAGES"


def read_po(path: Path) -> list[dict[str, object]]:
    """Entries of a .po file: msgid, msgstr (or msgstr[0]) and flags. Enough of the format for this check."""
    entries: list[dict[str, object]] = []
    current: dict[str, object] = {}
    key = ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if "msgid" in current:
                entries.append(current)
            current, key = {}, ""
        elif line.startswith("#,"):
            current["flags"] = {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[key] = str(current[key]) + ast.literal_eval(line)
        else:
            key, _space, value = line.partition(" ")
            key = "msgstr" if key == "msgstr[0]" else key
            current[key] = ast.literal_eval(value)
    return [entry for entry in entries if entry["msgid"]]


def test_every_message_is_translated_and_none_is_fuzzy():
    entries = read_po(LOCALE / "django.po")
    assert len(entries) > 300
    untranslated = [entry["msgid"] for entry in entries if not entry.get("msgstr")]
    fuzzy = [entry["msgid"] for entry in entries if "fuzzy" in entry.get("flags", set())]
    assert untranslated == []
    assert fuzzy == []


def test_the_compiled_catalogue_matches_the_source():
    with (LOCALE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in read_po(LOCALE / "django.po"):
        if "msgid_plural" in entry:
            assert compiled.ngettext(str(entry["msgid"]), str(entry["msgid_plural"]), 1) == entry["msgstr"]
        elif "msgctxt" in entry:
            assert compiled.pgettext(str(entry["msgctxt"]), str(entry["msgid"])) == entry["msgstr"]
        else:
            assert compiled.gettext(str(entry["msgid"])) == entry["msgstr"], entry["msgid"]
