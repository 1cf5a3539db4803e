"""Every text of ours is translated into Norwegian, Swedish, Polish and Hungarian, and the compiled
catalogues are the ones the .po files give."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ["nb", "sv", "pl", "hu"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_catalogue_is_complete_with_no_fuzzy_entry(lang):
    po = polib.pofile(str(ROOT / "locale" / lang / "LC_MESSAGES" / "django.po"))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"{len(untranslated)} untranslated in {lang}, e.g. {untranslated[:3]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy in {lang}, e.g. {fuzzy[:3]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_compiled_catalogue_matches_its_po_file(lang, tmp_path):
    folder = ROOT / "locale" / lang / "LC_MESSAGES"
    polib.pofile(str(folder / "django.po")).save_as_mofile(str(tmp_path / "django.mo"))
    assert (tmp_path / "django.mo").read_bytes() == (folder / "django.mo").read_bytes(), "Run scripts/catalogues.sh"


def test_every_marked_text_in_the_code_is_in_the_catalogues(tmp_path):
    """Extract the texts afresh from a copy of the code: a new or changed text not yet in the
    catalogues fails here (run makemessages -l nb -l sv -l pl -l hu and translate it)."""
    if shutil.which("xgettext") is None:
        pytest.fail("xgettext (Debian's gettext package) is needed to check the catalogues.")
    copy = tmp_path / "src"
    ignore = shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.sqlite3", "staticfiles", "var", "docs")
    shutil.copytree(ROOT, copy, ignore=ignore)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "nb", "--ignore=tests", "--ignore=bench",
         "--ignore=staticfiles", "--ignore=locale", "--no-obsolete"],
        cwd=copy, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    fresh = {e.msgid for e in polib.pofile(str(copy / "locale" / "nb" / "LC_MESSAGES" / "django.po"))}
    for lang in LANGUAGES:
        kept = {
            e.msgid for e in polib.pofile(str(ROOT / "locale" / lang / "LC_MESSAGES" / "django.po")) if not e.obsolete
        }
        assert fresh - kept == set(), f"{lang} lacks: {sorted(fresh - kept)[:5]}"
