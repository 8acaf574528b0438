"""The data-quality PDF: offline, and it prints the numbers of the `quality` command."""

from __future__ import annotations

import io
import shutil
import subprocess
from contextlib import redirect_stdout

import pandas as pd
import pytest
from conftest import require

from stunting import store
from stunting.cli import main as cli_main

# (label as printed in the PDF, CLI column, decimals printed): written out here on purpose.
PRINTED = (
    ("Cara ukur kosong", "missing_position_pct", 1),
    ("Cara ukur tidak sesuai umur", "position_mismatch_pct", 1),
    ("Preferensi digit tinggi (DPS)", "height_dps", 2),
    ("Tinggi berakhiran 0 atau 5", "height_0_5_pct", 1),
    ("SD TB/U", "sd_haz", 2),
    ("SD BB/TB", "sd_whz", 2),
    ("Kemencengan TB/U", "skew_haz", 2),
    ("Z-score e-PPGBM berbeda (> 0,1)", "reported_z_disagree_pct", 1),
)


@pytest.fixture(scope="module")
def pdftotext() -> str:
    path = shutil.which("pdftotext")
    require(path is not None, "poppler-utils (pdftotext)")
    return path


def test_pdf_prints_the_clis_regency_numbers(demo_dir, tmp_path, pdftotext):
    period = store.periods(demo_dir)[-1]
    out = tmp_path / "kualitas.pdf"
    args = ["--period", period, "--regency", "64.02", "--data-dir", str(demo_dir)]
    with redirect_stdout(io.StringIO()):
        assert cli_main(["quality-report", *args, "--out", str(out)]) == 0
    text = subprocess.run([pdftotext, str(out), "-"], check=True, capture_output=True, text=True).stdout
    csv_text = io.StringIO()
    with redirect_stdout(csv_text):
        assert cli_main(["quality", "--level", "regency", *args]) == 0
    row = pd.read_csv(io.StringIO(csv_text.getvalue()), dtype={"code": str}).iloc[0]
    printed = {}
    for line in text.splitlines():
        label, _, value = line.partition(": ")
        printed[label.strip()] = value.replace("⚠", "").strip()
    for label, column, decimals in PRINTED:
        shown = printed[label].replace("%", "").replace(".", "").replace(",", ".").replace("−", "-")
        assert float(shown) == pytest.approx(row[column], abs=0.51 * 10**-decimals), label
    assert f"{int(row['children']):,}".replace(",", ".") + " anak" in text
    assert "data contoh (sintetis)" in text


def test_report_refuses_a_missing_folder_in_one_sentence(demo_dir, tmp_path, capsys):
    period = store.periods(demo_dir)[-1]
    out = tmp_path / "missing" / "kualitas.pdf"
    args = ["quality-report", "--period", period, "--regency", "64.02", "--out", str(out)]
    assert cli_main([*args, "--data-dir", str(demo_dir)]) == 1
    assert capsys.readouterr().err.strip() == f"error: --out {out}: the folder {out.parent} does not exist."
