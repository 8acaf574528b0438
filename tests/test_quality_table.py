"""The quality table end to end: a hand-made e-PPGBM export in, the CLI's numbers out, each
compared with a hand count of what was planted (or, for z-score moments, with scipy on the stored
z-scores read straight from the parquet files)."""

from __future__ import annotations

import csv
import io
from contextlib import redirect_stdout
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from stunting import store
from stunting.cli import main as cli_main
from stunting.eppgbm import EXPORT_HEADER
from stunting.ingest import ingest_files

MEASURED_ON = pd.Timestamp("2024-08-15")
# Rough WHO median length/height (cm) and weight (kg) by age in months, only so that the planted
# children are plausible (none flagged): the checks here never depend on these exact values.
MEDIAN_MONTHS = [0, 6, 12, 24, 36, 48, 60]
MEDIAN_HEIGHT = [50.0, 66.5, 75.0, 86.5, 95.5, 103.0, 110.0]
MEDIAN_WEIGHT = [3.3, 7.6, 9.4, 12.0, 14.1, 16.1, 18.2]
FIRST = (
    "Muhammad Ahmad Aditya Rizki Fajar Dimas Bayu Rafi Arkan Fathir Zidan Alif Raka Satria Galih Yusuf "
    "Siti Nur Aisyah Putri Dewi Ayu Zahra Nabila Anisa Salsabila Keisha Aulia Naura Alya Khansa Syifa"
).split()
LAST = "Pratama Saputra Ramadhan Hidayat Setiawan Nugroho Wijaya Lestari Rahmawati Safitri Anggraini".split()
MOTHERS = (
    "Sri Wahyuni Rina Hartati Yuli Susanti Nur Hasanah Siti Aminah Dewi Kartika Erna Wati Lina Marlina "
    "Rosmiati Fatimah Halimah Juliana Sulastri Rukmini Suryani Mariani Kasmawati Hasnah Masitah"
).split()

# The issue's columns of `python -m stunting quality`, written out again on purpose.
ISSUE_COLUMNS = (
    "code,name,children,missing_height_pct,flagged_haz_pct,flagged_whz_pct,position_mismatch_pct,"
    "height_dps,weight_dps,height_0_5_pct,sd_haz,sd_whz,skew_haz,kurt_haz,reported_z_disagree_pct,"
    "probable_duplicates,coverage_pct"
).split(",")


def _village_rows(village: str, n: int, rounded_share: float, start: int, rng) -> list[dict]:
    """n children of one village: ages spread over 1-59 months; heights with a whole-centimetre
    share ``rounded_share`` (the rest with decimals 1-9 in turn) or, with None, decimals 0-9 in turn."""
    rows = []
    for i in range(n):
        months = 1 + (i * 58) // n
        born = MEASURED_ON - pd.Timedelta(days=int(months * 30.4375 + 10 + i % 7))
        height = float(np.interp(months, MEDIAN_MONTHS, MEDIAN_HEIGHT)) + rng.normal(0, 2)
        if rounded_share is None:
            height = np.floor(height) + (i % 10) / 10
        elif i < round(n * rounded_share):
            height = float(np.floor(height))
        else:
            height = np.floor(height) + (1 + (i % 9)) / 10
        weight = round(float(np.interp(months, MEDIAN_MONTHS, MEDIAN_WEIGHT)) + rng.normal(0, 0.5), 1)
        rows.append(
            {
                "NIK": f"64020{start + i:011d}",
                "Nama": f"{rng.choice(FIRST)} {rng.choice(FIRST)} {rng.choice(LAST)}",
                "JK": "L" if i % 12 < 7 else "P",  # 7 boys for 5 girls
                "Tgl Lahir": born.strftime("%d/%m/%Y"),
                "Nama Ortu": f"{rng.choice(MOTHERS)} {rng.choice(MOTHERS)}",
                "Kab/Kota": "KUTAI KARTANEGARA",
                "Kec": "Loa Kulu",
                "Pukesmas": "Loa Kulu",
                "Desa/Kel": village,
                "Posyandu": "Melati" if i % 2 else "Mawar",
                "Tanggal Pengukuran": MEASURED_ON.strftime("%d/%m/%Y"),
                "Berat": f"{weight:.1f}".replace(".", ","),
                "Tinggi": f"{height:.1f}".replace(".", ","),
                "Cara Ukur": "Terlentang" if months < 24 else "Berdiri",
                "ZS TB/U": "0,00",
            }
        )
    return rows


def _write(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(EXPORT_HEADER), delimiter=";", restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """Village Jembayan: 120 children, 60% of heights at whole centimetres, 6 without height, 10
    under 24 months measured standing, 4 without position, 3 registered twice under other names,
    5 weighed twice. Village Loh Sumber: 120 children with decimals 0-9 equally often."""
    rng = np.random.default_rng(8)
    a = _village_rows("JEMBAYAN", 120, 0.6, 1000, rng)
    for row in a[100:106]:  # six heights missing (weights present: the rows are kept)
        row["Tinggi"] = ""
    under_24 = [r for r in a[:106] if r["Cara Ukur"] == "Terlentang"]
    for row in under_24[:10]:
        row["Cara Ukur"] = "Berdiri"
    for row in a[110:114]:
        row["Cara Ukur"] = ""
    for row in a[40:44]:
        row["NIK"] = "6402-123"  # typed, but not 16 digits
    twice = [dict(r, **{"Tanggal Pengukuran": "02/08/2024"}) for r in a[20:25]]  # an earlier weighing
    again = []
    for k, row in enumerate(a[30:33]):
        copy = dict(row)
        copy["NIK"] = ""  # registered again without NIK, the name typed slightly differently
        copy["Nama"] = row["Nama"].replace("i", "y", 1) if "i" in row["Nama"] else row["Nama"] + "h"
        born = pd.to_datetime(row["Tgl Lahir"], dayfirst=True) + pd.Timedelta(days=k + 1)
        copy["Tgl Lahir"] = born.strftime("%d/%m/%Y")
        again.append(copy)
    b = _village_rows("LOH SUMBER", 120, None, 5000, rng)
    folder = tmp_path_factory.mktemp("quality")
    export = _write(folder / "planted.csv", twice + a + again + b)
    data_dir = folder / "data"
    ingest_files([export], data_dir)
    return {"data_dir": data_dir, "a": a, "again": again, "b": b}


def _cli(*args: str) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli_main(list(args)) == 0
    return out.getvalue()


def _table(planted, level: str) -> pd.DataFrame:
    text = _cli("quality", "--period", "2024-08", "--level", level, "--data-dir", str(planted["data_dir"]))
    return pd.read_csv(io.StringIO(text), dtype={"code": str})


def _stored(planted) -> pd.DataFrame:
    files = store.measurement_files(planted["data_dir"])
    return duckdb.sql(
        "select * from read_parquet($f, hive_partitioning = true, hive_types = {'regency': 'VARCHAR'}) "
        "where last_in_period",
        params={"f": files},
    ).df()


def test_csv_starts_with_the_issues_columns(planted):
    text = _cli("quality", "--period", "2024-08", "--level", "village", "--regency", "64.02",
                "--data-dir", str(planted["data_dir"]))  # fmt: skip
    header = text.splitlines()[0].split(",")
    assert header[: len(ISSUE_COLUMNS)] == ISSUE_COLUMNS


def test_planted_faults_are_counted_as_planted(planted):
    table = _table(planted, "village").set_index("code")
    a, b = table.loc["64.02.02.2003"], table.loc["64.02.02.2005"]
    assert a["children"] == 123  # 120 + 3 registered twice (the 5 weighed twice count once)
    assert b["children"] == 120
    assert a["missing_height_pct"] == pytest.approx(100 * 6 / 123, abs=1e-3)
    # Position known for 123 - 4 children (the 3 again-registered copy their originals' position);
    # 10 standing under 24 months, nobody lying from 24 months.
    assert a["position_mismatch_pct"] == pytest.approx(100 * 10 / 119, abs=1e-3)
    assert a["probable_duplicates"] == 3
    assert a["nik_invalid_pct"] == pytest.approx(100 * 4 / 123, abs=1e-3)
    # The planted NIKs carry no birth date (digits 7-12 are 000000 or 000001, never a day): every
    # child with a valid NIK (120 - 4 malformed; the 3 registered again have none) disagrees.
    assert a["nik_date_mismatch_pct"] == pytest.approx(100 * 116 / 123, abs=1e-3)
    assert a["repeated_measurements_pct"] == pytest.approx(100 * 5 / 123, abs=1e-3)
    assert a["sex_ratio"] == pytest.approx(
        sum(r["JK"] == "L" for r in planted["a"] + planted["again"])
        / sum(r["JK"] == "P" for r in planted["a"] + planted["again"]),
        abs=1e-3,
    )


def test_rounded_heights_score_problematic_and_even_decimals_excellent(planted):
    table = _table(planted, "village").set_index("code")
    a, b = table.loc["64.02.02.2003"], table.loc["64.02.02.2005"]
    assert a["height_dps"] >= 20
    assert "height_dps" in a["failed"].split(";")
    assert b["height_dps"] < 8
    # Hand count of village A's heights: whole centimetres are terminal digit 0.
    heights = [r["Tinggi"] for r in planted["a"] + planted["again"] if r["Tinggi"]]
    zeros = sum(h.endswith(",0") for h in heights)
    fives = sum(h.endswith(",5") for h in heights)
    assert a["height_0_5_pct"] == pytest.approx(100 * (zeros + fives) / len(heights), abs=1e-2)


def test_zscore_moments_and_reported_disagreement_equal_scipy_on_the_stored_rows(planted):
    table = _table(planted, "kecamatan").set_index("code")
    row = table.loc["64.02.02"]
    stored = _stored(planted)
    haz = stored.loc[stored["haz"].notna() & ~stored["haz_flag"], "haz"].to_numpy()
    assert row["sd_haz"] == pytest.approx(np.std(haz, ddof=1), rel=1e-3)
    assert row["skew_haz"] == pytest.approx(stats.skew(haz, bias=True), abs=1e-3)
    assert row["kurt_haz"] == pytest.approx(stats.kurtosis(haz, bias=True), abs=1e-3)
    pairs = stored[stored["haz"].notna() & stored["reported_haz"].notna()]
    disagree = ((pairs["reported_haz"] - pairs["haz"]).abs() > 0.1).mean()
    assert row["reported_z_disagree_pct"] == pytest.approx(100 * disagree, abs=1e-2)


def test_units_add_up_and_small_units_read_too_few(planted):
    posyandu = _table(planted, "posyandu")
    village = _table(planted, "village")
    assert posyandu["children"].sum() == village["children"].sum() == 243
    assert set(posyandu["name"].str.split(" · ").str[0]) == {"Melati", "Mawar"}
    # Posyandu of about 60 children: distribution checks shown, digit preference (< 100) too few.
    assert posyandu["height_dps"].isna().all()
    assert posyandu["too_few"].str.contains("height_dps").all()
    assert posyandu["sd_haz"].notna().all()
    # A village without any child is "no data": empty values, never 0%.
    empty = village[village["children"] == 0]
    assert len(empty) > 0 and empty["missing_height_pct"].isna().all()


def test_duplicates_report_lists_row_numbers_and_never_a_name(planted):
    reports = list((planted["data_dir"] / "reports").glob("*-duplicates.csv"))
    assert len(reports) == 1
    text = reports[0].read_text(encoding="utf-8-sig")
    frame = pd.read_csv(io.StringIO(text))
    assert len(frame) == 3
    for row in planted["a"][30:33]:
        assert row["Nama"] not in text and row["Nama Ortu"] not in text


def test_targets_template_loads_back_and_gives_coverage(planted, tmp_path):
    template = tmp_path / "sasaran.csv"
    _cli("quality-targets", "--template", str(template), "--regency", "64.02", "--year", "2024",
         "--data-dir", str(planted["data_dir"]))  # fmt: skip
    frame = pd.read_csv(template, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(frame.columns[:2]) == ["kode_desa", "nama_desa"]
    frame.loc[frame["kode_desa"] == "64.02.02.2003", "sasaran_balita"] = "1.230"  # 1,230 as typed in id
    frame.loc[frame["kode_desa"] == "64.02.02.2005", "sasaran_balita"] = "240"
    frame.to_csv(template, index=False)
    _cli("quality-targets", "--load", str(template), "--data-dir", str(planted["data_dir"]))
    table = _table(planted, "village").set_index("code")
    assert table.loc["64.02.02.2003", "coverage_pct"] == pytest.approx(100 * 123 / 1230)
    assert table.loc["64.02.02.2005", "coverage_pct"] == pytest.approx(50.0)
    # A kecamatan with villages lacking targets gets no coverage (a partial sum would inflate it).
    assert np.isnan(_table(planted, "kecamatan").set_index("code").loc["64.02.02", "coverage_pct"])


def test_a_bad_target_names_file_row_and_column(planted, tmp_path, capsys):
    bad = tmp_path / "sasaran.csv"
    bad.write_text("kode_desa,tahun,sasaran_balita\n64.02.02.2003,2024,banyak\n", encoding="utf-8")
    assert cli_main(["quality-targets", "--load", str(bad), "--data-dir", str(planted["data_dir"])]) == 1
    assert capsys.readouterr().err.strip() == (
        "error: sasaran.csv, row 2, column sasaran_balita: 'banyak' is not a whole number from 0 to 10000000."
    )


def test_shares_of_children_follow_publishs_minimum_and_distribution_checks_their_own(planted, monkeypatch):
    """One suppression rule: with the published minimum raised above Loh Sumber's 120 children, its
    shares of children read "too few" exactly as a prevalence on 120 children would, while the digit
    preference score (its own minimum, checks.MIN_MEASURES_DIGITS) is still shown."""
    from stunting import config, publish
    from stunting.quality import checks
    from stunting.quality.table import quality_table

    monkeypatch.setattr(config, "MIN_CHILDREN", 121)
    village = quality_table("2024-08", "village", data_dir=planted["data_dir"]).set_index("children")
    loh_sumber, jembayan = village.loc[120], village.loc[123]
    assert publish.publish(pd.DataFrame({"measured": [120], "cases": [0]}))["state"][0] == "too_few"
    for share in ("missing_height_pct", "flagged_haz_pct", "position_mismatch_pct", "nik_invalid_pct"):
        assert loh_sumber[f"status_{share}"] == "too_few" and np.isnan(loh_sumber[share])
    assert jembayan["missing_height_pct"] == pytest.approx(100 * 6 / 123)
    assert 120 >= checks.MIN_MEASURES_DIGITS and loh_sumber["status_height_dps"] == "ok"


def _synthetic_units(rng, count: int = 400) -> tuple[pd.DataFrame, dict]:
    """``count`` units' sums as quality_stats.sql gives them, from raw values drawn here (z-scores of
    varied spread and skew, terminal-digit counts, counts of missing heights), with the raw z-scores
    kept for the reference: sizes 0 to 300, the minimums' edges (3, 4, 9, 10, 49, 50) included."""
    from stunting.quality import table

    sizes = np.concatenate([[0, 3, 4, 9, 10, 49, 50, 99, 100], rng.integers(0, 300, count - 9)])
    columns: dict[str, list] = {}
    raw = []

    def put(name, value):
        columns.setdefault(name, []).append(value)

    for i, n in enumerate(sizes):
        put("code", f"u{i:04d}")
        put("name", f"Unit {i}")
        for column in ("children", "measurements", "boys"):
            put(column, int(n) if column != "boys" else int(rng.binomial(n, 0.51)))
        put("girls", columns["children"][-1] - columns["boys"][-1])
        z = rng.normal(rng.uniform(-2, 0), rng.uniform(0.6, 2.4), n)
        z = np.where(rng.random(n) < rng.uniform(0, 0.3), z + rng.exponential(2, n), z)  # skewed units
        raw.append(z)
        for name in table.INDICATORS:
            values = z if name == "haz" else rng.normal(-0.8, 1.2, n)
            for k, power in (("n", 0), ("s1", 1), ("s2", 2), ("s3", 3), ("s4", 4)):
                put(f"{name}_{k}", float(np.sum(values**power)) if k != "n" else int(n))
            put(f"{name}_defined", int(n))
            put(f"{name}_flagged", int(rng.binomial(n, rng.uniform(0, 0.04))))
            for what in ("disagree", "n", "diff_sum"):
                put(f"reported_{name}_{what}", {"disagree": 0, "n": int(n), "diff_sum": 0.0}[what])
        put("missing_height", int(rng.binomial(n, rng.choice([0.01, 0.05, 0.12]))))
        for measure in ("height", "weight"):
            weights = rng.dirichlet(np.ones(10) * rng.choice([0.5, 5, 50]))
            for digit, c in enumerate(rng.multinomial(n, weights)):
                put(f"{measure}_d{digit}", int(c))
        for r, c in enumerate(rng.multinomial(n, np.ones(12) / 12)):
            put(f"age_m{r}", int(c))
        for column in (
            "missing_weight", "missing_position", "standing_under_24m", "lying_from_24m",
            "position_known_under_24m", "position_known_from_24m", "standing_under_9m",
            "position_known_under_9m", "born_1st_or_15th", "probable_duplicates", "nik_invalid",
            "nik_date_mismatch",
        ):  # fmt: skip
            put(column, 0)
    return pd.DataFrame(columns), {"haz": raw}


def test_every_unit_evaluated_at_once_reads_as_scipy_unit_by_unit():
    """The table's arrays against scipy on each unit's own raw values: SD, skewness and kurtosis
    (nipnTK's are the biased g1 and g2), digit preference from scipy's chi-squared, and a share
    "above its limit beyond chance" from scipy's one-sided exact binomial test."""
    from stunting import config
    from stunting.quality import checks, table

    units, raw = _synthetic_units(np.random.default_rng(14))
    out = table.evaluate(units)
    assert list(out["code"]) == list(units["code"])
    for i, z in enumerate(raw["haz"]):
        row = out.iloc[i]
        if len(z) < checks.MIN_CHILDREN_DISTRIBUTION:
            assert row["status_sd_haz"] == row["status_skew_haz"] == ("too_few" if len(z) else "no_data")
            continue
        assert row["sd_haz"] == pytest.approx(np.std(z, ddof=1), rel=1e-9)
        assert row["skew_haz"] == pytest.approx(stats.skew(z, bias=True), rel=1e-6, abs=1e-9)
        assert row["kurt_haz"] == pytest.approx(stats.kurtosis(z, bias=True), rel=1e-6, abs=1e-9)
    failing = {"missing_height_pct": 0, "height_dps": 0}
    for i, unit in units.iterrows():
        row = out.iloc[i]
        n, k = int(unit["children"]), int(unit["missing_height"])
        if n == 0:
            assert row["status_missing_height_pct"] == "no_data"
            continue
        if n < config.MIN_CHILDREN:
            assert row["status_missing_height_pct"] == "too_few"
        else:
            test = stats.binomtest(k, n, table.MISSING_LIMIT_PCT / 100, alternative="greater")
            fails = k / n > table.MISSING_LIMIT_PCT / 100 and test.pvalue < checks.EXCEEDS_P
            assert (row["status_missing_height_pct"] == "fail") == fails
            failing["missing_height_pct"] += fails
        digits = unit[[f"height_d{d}" for d in range(10)]].to_numpy(dtype=float)
        if digits.sum() >= checks.MIN_MEASURES_DIGITS:
            chi2 = stats.chisquare(digits).statistic
            assert row["height_dps"] == pytest.approx(100 * np.sqrt(chi2 / (digits.sum() * 9)), rel=1e-12)
            assert (row["status_height_dps"] == "fail") == (row["height_dps"] >= 20)
            failing["height_dps"] += row["status_height_dps"] == "fail"
        else:
            assert row["status_height_dps"] == "too_few"
    # Both outcomes occur: a test in which no unit fails (or every one does) would prove little.
    assert all(0 < count < len(units) - 20 for count in failing.values()), failing
