"""Programme-file problems read in the data page's language (stunting/i18n.py), the English kept."""

from __future__ import annotations

import datetime as dt
import re

from test_programmes import BAAS_HEADER, OTHER, SCORE_HEADER, VILLAGE, workbook

from stunting import programmes, uploads
from stunting.i18n import CATALOGUE


def test_every_problem_has_both_languages_with_the_same_blanks():
    keys = [k for k in CATALOGUE if k.startswith(programmes.PROBLEM_KEY + ".")]
    assert len(keys) >= 15
    for key in keys:
        blanks = {lang: sorted(re.findall(r"\{(\w+)\}", CATALOGUE[key][lang])) for lang in ("id", "en")}
        assert blanks["id"] == blanks["en"], key
        assert CATALOGUE[key]["id"] != CATALOGUE[key]["en"], key


def test_the_page_shows_a_bad_files_problems_in_indonesian_and_the_cli_in_english(tmp_path):
    path = workbook(
        tmp_path / "bad.xlsx",
        {
            "baas": [BAAS_HEADER, ["64.02.99.9999", "", 2022, 3, 1], [OTHER, "", 2009, 3, 1],
                     [OTHER, "", 2023, -2, 1]],
            "konvergensi": [SCORE_HEADER, [VILLAGE, "", 2023, "Ibu hamil", "H1", 12, 10]],
        },
    )  # fmt: skip
    problems = programmes.read_file(path, data_dir=tmp_path).problems
    shown = uploads.problems_table(problems, "id").iloc[:, 3].tolist()
    last_year = dt.date.today().year + programmes.YEARS_AHEAD
    assert shown == [
        "kode desa '64.02.99.9999' tidak dikenal (kode seperti di geo/gazetteer.csv, mis. 64.02.01.2001)",
        f"tahun 2009 di luar rentang ({programmes.FIRST_YEAR}-{last_year})",
        "'-2' bukan bilangan bulat 0 atau lebih",
        "pembilang (12) lebih besar dari penyebut (10)",
    ]
    english = uploads.problems_table(problems, "en").iloc[:, 3].tolist()
    assert english == [p.message for p in problems]
    assert english[3] == "the numerator (12) is above the denominator (10)"
