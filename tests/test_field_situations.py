"""What real e-PPGBM exports do every month, each with a dozen rows and a hand count (issue 9).

Every export here is written row by row in the test, in e-PPGBM's own layout (EXPORT_HEADER, ``;``,
decimal commas, dd/mm/yyyy), and imported with the commands a data manager uses. Heights and weights
are chosen far from the WHO cut-offs, so which child is stunted or underweight is plain without any
z-score: a boy of 24 months is about 87 cm tall (WHO median 87.1 cm, SD about 3.2 cm), so 76 cm is
stunted (z about -3.5) and 87 cm is not; he weighs about 12.2 kg (SD about 1.4 kg), so 8.0 kg is
underweight (z about -3) and 12.0 kg is not.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from stunting import store
from stunting.cli import main as cli_main
from stunting.eppgbm import EXPORT_HEADER
from stunting.errors import UserError
from stunting.ingest import ingest_files, preview
from stunting.prevalence import prevalence

VILLAGE = "64.02.02.2014"  # Sumber Sari, Loa Kulu (Kutai Kartanegara)
PERIOD = "2024-08"
TALL, SHORT = "87,0", "76,0"  # cm at 24-30 months: not stunted / stunted
HEAVY, LIGHT = "12,0", "8,0"  # kg at 24-30 months: not underweight / underweight


def row(
    serial: int,
    measured_on: str,
    *,
    height: str = TALL,
    weight: str = HEAVY,
    sex: str = "L",
    born: str = "01/06/2022",
    nik: str | None = None,
    name: str | None = None,
    mother: str | None = None,
) -> list[str]:
    """One export row. The NIK embeds the birth date (DDMMYY, day + 40 for girls) as a child's own does."""
    day, month, year = born.split("/")
    if nik is None:
        nik = f"640202{int(day) + (40 if sex == 'P' else 0):02d}{month}{year[2:]}{serial:04d}"
    values = {
        "NIK": nik,
        "Nama": name or f"Anak Fiktif {serial:03d}",
        "JK": sex,
        "Tgl Lahir": born,
        "Nama Ortu": mother or f"Ibu Fiktif {serial:03d}",
        "Prov": "KALIMANTAN TIMUR",
        "Kab/Kota": "KUTAI KARTANEGARA",
        "Kec": "LOA KULU",
        "Pukesmas": "Puskesmas Loa Kulu",
        "Desa/Kel": "SUMBER SARI",
        "Posyandu": "Melati",
        "Tanggal Pengukuran": measured_on,
        "Berat": weight,
        "Tinggi": height,
        "Cara Ukur": "Berdiri" if height else "",
    }
    return [values.get(column, "") for column in EXPORT_HEADER]


def export(path: Path, rows: list[list[str]]) -> Path:
    lines = [";".join(EXPORT_HEADER)] + [";".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def counts(data_dir: Path, indicator: str) -> tuple[int, int]:
    """(children, cases) of the village in August 2024, as the map page and the CLI show them."""
    frame = prevalence(indicator, PERIOD, "village", regency="64.02", data_dir=data_dir).set_index("code")
    return int(frame.at[VILLAGE, "measured"]), int(frame.at[VILLAGE, "cases"])


def fingerprint(data_dir: Path) -> dict[str, str]:
    root = data_dir / "store"
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


# --- siblings under one NIK ------------------------------------------------------------------------


@pytest.mark.parametrize("sister_weighed_on", ["05/08/2024", "19/08/2024"], ids=["same_day", "later_day"])
def test_a_stunted_boy_and_his_sister_under_their_mothers_nik_are_two_children(tmp_path, sister_weighed_on):
    mothers_nik = "6402024507900001"  # the mother's own: born 5 July 1990, a woman (+40)
    rows = [row(i, "05/08/2024") for i in range(1, 11)]  # 10 children, none stunted
    rows.append(row(11, "05/08/2024", height=SHORT, nik=mothers_nik, name="Budi Fiktif", mother="Ibu Sari"))
    rows.append(
        row(
            12,
            sister_weighed_on,
            sex="P",
            born="10/03/2022",
            nik=mothers_nik,
            name="Sari Fiktif",
            mother="Ibu Sari",
        )
    )
    [summary] = ingest_files([export(tmp_path / "agustus.csv", rows)], tmp_path / "data")
    assert counts(tmp_path / "data", "stunting") == (12, 1)
    assert (
        summary.rows_accepted == 12 and summary.nik_disagreements == 2
    )  # the two rows with the mother's NIK


# --- weight-only follow-ups ------------------------------------------------------------------------


def test_weight_only_re_weighs_keep_the_earlier_height_and_give_the_newer_weight(tmp_path):
    rows = [row(i, "05/08/2024") for i in range(1, 10)]  # 9 children, not stunted
    rows += [row(i, "05/08/2024", height=SHORT, weight=HEAVY) for i in (10, 11, 12)]  # 3 stunted
    # PMT follow-up: the 3 stunted children re-weighed on 20 August, without a height, lighter.
    rows += [row(i, "20/08/2024", height="", weight=LIGHT) for i in (10, 11, 12)]
    ingest_files([export(tmp_path / "agustus.csv", rows)], tmp_path / "data")
    assert counts(tmp_path / "data", "stunting") == (12, 3)  # the 5 August heights
    assert counts(tmp_path / "data", "underweight") == (12, 3)  # the 20 August weights
    # Weight-for-height needs both: the re-weighed three count with their 5 August measurement.
    assert counts(tmp_path / "data", "wasting")[0] == 12


# --- corrections retract ---------------------------------------------------------------------------


def _august(mistyped: bool) -> list[list[str]]:
    rows = [row(i, "05/08/2024") for i in range(1, 10)]
    rows += [row(i, "05/08/2024", height=SHORT) for i in (10, 11)]
    nik = "6402020106229912" if mistyped else None  # two digits of the serial swapped, then fixed
    rows.append(row(12, "05/08/2024", height=SHORT, nik=nik))
    return rows


def test_a_corrected_re_export_replaces_the_mistyped_row(tmp_path, capsys):
    data = tmp_path / "data"
    first = export(tmp_path / "agustus.csv", _august(mistyped=True))
    corrected = export(tmp_path / "agustus-perbaikan.csv", _august(mistyped=False))
    ingest_files([first], data)
    assert counts(data, "stunting") == (12, 3)

    before = fingerprint(data)
    assert cli_main(["ingest", str(corrected), "--dry-run", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "12 rows read, 12 accepted" in out and "0 rejected" in out
    assert "periods: 2024-08; villages: 1" in out
    assert "would replace 1 rows of earlier imports in 1 village-months" in out  # the mistyped row
    assert "nothing was changed" in out and fingerprint(data) == before
    planned = preview([corrected], data).files[0]
    assert (planned.rows_stored, planned.rows_replaced, planned.village_months_replaced) == (1, 1, 1)
    fresh = tmp_path / "fresh"
    assert preview([corrected], fresh).rows_accepted == 12 and not fresh.exists()  # not even a secret

    assert cli_main(["ingest", str(corrected), "--data-dir", str(data)]) == 0
    assert "replaced 1 rows of earlier imports in 1 village-months" in capsys.readouterr().out
    assert counts(data, "stunting") == (12, 3)


def test_with_add_the_corrected_re_export_counts_the_child_twice(tmp_path):
    data = tmp_path / "data"
    ingest_files([export(tmp_path / "agustus.csv", _august(mistyped=True))], data)
    [summary] = ingest_files([export(tmp_path / "perbaikan.csv", _august(mistyped=False))], data, add=True)
    assert counts(data, "stunting") == (13, 4)
    assert summary.rows_replaced == 0


def test_a_child_missing_from_the_new_export_is_gone_and_other_months_stay(tmp_path):
    data = tmp_path / "data"
    february = [row(i, "12/02/2024") for i in range(1, 13)]
    ingest_files([export(tmp_path / "feb-agu.csv", february + _august(mistyped=False))], data)
    ingest_files([export(tmp_path / "agustus.csv", _august(mistyped=False)[:-1])], data)  # child 12 left out
    assert counts(data, "stunting") == (11, 2)
    frame = prevalence("stunting", "2024-02", "village", regency="64.02", data_dir=data).set_index("code")
    assert frame.at[VILLAGE, "measured"] == 12  # February is outside the new export's scope


def test_the_files_of_one_command_are_one_export(tmp_path, capsys):
    """Two posyandu's files for the same village and month, imported together: neither retracts the other."""
    data = tmp_path / "data"
    rows = _august(mistyped=False)
    part_1, part_2 = export(tmp_path / "melati.csv", rows[:6]), export(tmp_path / "mawar.csv", rows[6:])
    assert cli_main(["ingest", str(part_1), str(part_2), "--data-dir", str(data)]) == 0
    capsys.readouterr()
    assert counts(data, "stunting") == (12, 3)


# --- demo and real data never mix ------------------------------------------------------------------


def test_ingest_into_a_demo_store_is_refused_and_leaves_it_unchanged(demo_dir, tmp_path, capsys):
    real = export(tmp_path / "agustus.csv", _august(mistyped=False))
    before = fingerprint(demo_dir)
    assert cli_main(["ingest", str(real), "--data-dir", str(demo_dir)]) == 1
    error = capsys.readouterr().err.strip()
    assert error.count(". ") == 0 and error.endswith(").")  # one sentence
    assert "--data-dir DIR" in error and "python -m stunting demo --remove" in error
    with pytest.raises(UserError, match="synthetic demo"):
        ingest_files([real], demo_dir)
    with pytest.raises(UserError, match="synthetic demo"):
        preview([real], demo_dir)
    assert fingerprint(demo_dir) == before


def test_after_demo_remove_the_store_is_empty_and_takes_real_data(demo_dir, tmp_path, capsys):
    data = tmp_path / "copy"
    shutil.copytree(demo_dir, data)
    assert cli_main(["demo", "--remove", "--data-dir", str(data)]) == 0
    assert "is empty" in capsys.readouterr().out
    assert store.is_empty(data) and store.demo_removed(data) and store.periods(data) == []
    ingest_files([export(tmp_path / "agustus.csv", _august(mistyped=False))], data)
    assert store.periods(data) == [PERIOD] and not store.is_demo(data)
    assert counts(data, "stunting") == (12, 3)
    # ... and the demo is refused into it now: real data and synthetic never mix either way.
    assert cli_main(["demo", "--data-dir", str(data)]) == 1
    assert "real import" in capsys.readouterr().err


def test_an_old_format_demo_rebuilds_itself_and_real_data_must_be_rebuilt(tmp_path, capsys):
    from stunting import store_layout
    from stunting.demo import build_demo

    demo = tmp_path / "demo"
    build_demo(demo, scale=0.005)
    (store.current_snapshot(demo) / store_layout.FORMAT_FILE).unlink()  # as an older version left it
    args = ["prevalence", "--indicator", "stunting", "--period", PERIOD, "--level", "regency"]
    assert cli_main([*args, "--data-dir", str(demo)]) == 1
    assert "older Peta Stunting" in capsys.readouterr().err
    build_demo(demo, scale=0.005)
    assert not store.is_outdated(demo) and PERIOD in store.periods(demo)

    real = tmp_path / "real"
    ingest_files([export(tmp_path / "agustus.csv", _august(mistyped=False))], real)
    (store.current_snapshot(real) / store_layout.FORMAT_FILE).unlink()
    assert (
        cli_main(["ingest", str(export(tmp_path / "b.csv", [row(1, "06/08/2024")])), "--data-dir", str(real)])
        == 1
    )
    assert "rebuild it" in capsys.readouterr().err


# --- the counting rule, against the store's raw rows -----------------------------------------------


def test_the_long_summary_is_the_counting_rule_over_the_measurements(demo_dir):
    """The rule computed here in pandas from the stored rows, independently of queries/*.sql."""
    snapshot = store.current_snapshot(demo_dir)
    rows = duckdb.sql(
        "select * from read_parquet($f, hive_partitioning = true, hive_types = {'regency': 'VARCHAR'})",
        params={"f": store.measurement_files(demo_dir)},
    ).df()
    rules = {
        "stunting": ("haz", -2.0),
        "severe_stunting": ("haz", -3.0),
        "wasting": ("whz", -2.0),
        "underweight": ("waz", -2.0),
    }
    expected = []
    for indicator, (column, cutoff) in rules.items():
        valid = rows[rows[column].notna() & ~rows[f"{column}_flag"] & rows["age_group"].notna()]
        last = valid.sort_values("measured_on").groupby(["child_id", "period"]).tail(1)
        grouped = last.assign(case=last[column] < cutoff).groupby(
            ["period", "village_code", "age_group", "sex"]
        )
        expected.append(
            grouped["case"].agg(measured="size", cases="sum").reset_index().assign(indicator=indicator)
        )
    expected = pd.concat(expected, ignore_index=True)
    summary = duckdb.sql(
        "select period, village_code, age_group, sex, indicator, measured, cases "
        "from read_parquet($f, hive_partitioning = true)",
        params={"f": store.summary_files_in(snapshot)},
    ).df()
    keys = ["period", "village_code", "age_group", "sex", "indicator"]
    merged = expected.merge(summary, on=keys, how="outer", suffixes=("_hand", ""), indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["measured"] == merged["measured_hand"]).all() and (
        merged["cases"] == merged["cases_hand"]
    ).all()
    # The demo really has children whose last measurement is not valid for every indicator.
    assert merged["measured"].sum() > 0


# --- the same children on both sides of a comparison ------------------------------------------------


def test_overlap_counts_are_the_children_counted_on_both_sides(tmp_path):
    from test_store import measurement, write

    from stunting.compare import area
    from stunting.prevalence import overlap_counts

    kukar_village = "64.02.01.2001"
    nan = float("nan")
    august_2024 = {"a": -2.5, "b": -2.5, "c": -1.0, "d": -1.0, "e": -3.0, "f": -1.0}
    august_2025 = {"a": -2.5, "b": -1.0, "c": -2.5, "d": -1.0, "g": -2.5, "f": -2.5}
    rows = [measurement(c, kukar_village, "2024-08-05", haz=z) for c, z in august_2024.items()]
    rows += [
        measurement(c, kukar_village, "2025-08-05", haz=z, age_days=1065) for c, z in august_2025.items()
    ]
    rows.append(measurement("f", kukar_village, "2025-08-20", haz=nan, age_days=1080))  # weight-only re-weigh
    write(tmp_path, rows)
    # By hand: a case on both; b in 2024 only; c and f in 2025 only; d neither; e and g on one side only.
    both = overlap_counts(
        "stunting", (area("64.02"), "2024-08"), (area("64.02"), "2025-08"), data_dir=tmp_path
    )
    assert (both.n11, both.n10, both.n01, both.n00, both.children_in_both) == (1, 1, 2, 1, 5)
    # An area and the kecamatan containing it, one period: every child of the village is on both sides.
    nested = overlap_counts(
        "stunting",
        ("village", kukar_village, "2024-08"),
        ("kecamatan", "64.02.01", "2024-08"),
        data_dir=tmp_path,
    )
    assert (nested.n11, nested.n10, nested.n01, nested.n00) == (3, 0, 0, 3)
    # One period is answered from the summary; the child-level query gives the same 2x2.
    from stunting.prevalence import _overlap_query

    query = _overlap_query(
        "stunting",
        ("kecamatan", "64.02.01", "2024-08"),
        ("village", kukar_village, "2024-08"),
        store.current_snapshot(tmp_path),
    )
    assert query.n11 == 3 and query.n00 == 3 and query.n10 == query.n01 == 0
    assert overlap_counts(
        "stunting", ("regency", "64.74", "2024-08"), ("regency", "64.02", "2024-08"), data_dir=tmp_path
    ) == type(nested)(0, 0, 0, 0)
    elsewhere = overlap_counts(
        "stunting", ("regency", "64.74", "2024-08"), ("regency", "64.02", "2025-08"), data_dir=tmp_path
    )
    assert elsewhere.children_in_both == 0


def test_aggregated_counts_into_a_demo_store_are_refused_too(tmp_path):
    from test_store import measurement, write

    from stunting.aggregates import ingest_aggregates

    write(tmp_path, [measurement("a", "64.02.01.2001", "2024-08-03")], source="demo")
    before = fingerprint(tmp_path)
    counts_file = tmp_path / "rekap.csv"
    counts_file.write_text(
        "period,village_code,measured,stunting\n2024-08,64.02.01.2002,12,3\n", encoding="utf-8"
    )
    with pytest.raises(UserError, match="python -m stunting demo --remove"):
        ingest_aggregates(counts_file, tmp_path)
    assert fingerprint(tmp_path) == before
