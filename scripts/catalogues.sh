#!/usr/bin/env bash
# Update the translation catalogues from the code (new texts come in untranslated, which the
# suite reports), then compile them. Translate in locale/<lang>/LC_MESSAGES/django.po.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python manage.py makemessages -l nb -l sv -l pl -l hu --no-obsolete \
  --ignore=.venv --ignore=tests --ignore=bench --ignore=staticfiles --ignore=locale
.venv/bin/python - <<'PY'
import polib
for lang in ("nb", "sv", "pl", "hu"):
    folder = f"locale/{lang}/LC_MESSAGES"
    po = polib.pofile(f"{folder}/django.po")
    po.save_as_mofile(f"{folder}/django.mo")
    print(f"{lang}: {po.percent_translated()} % translated")
PY
