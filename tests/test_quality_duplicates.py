"""Probable duplicate children: planted double registrations are found, distinct children are not."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stunting.quality.duplicates import probable_duplicates

FIRST = (
    "Muhammad Ahmad Aditya Rizki Fajar Dimas Bayu Rafi Arkan Fathir Zidan Alif Raka Satria Galih Yusuf "
    "Ilham Farhan Hafiz Naufal Siti Nur Aisyah Putri Dewi Ayu Zahra Nabila Anisa Salsabila Keisha Aulia "
    "Naura Alya Khansa Syifa Rahma Intan Citra Fitri"
).split()
LAST = (
    "Pratama Saputra Ramadhan Hidayat Setiawan Nugroho Wijaya Kurniawan Firmansyah Maulana Hakim Akbar "
    "Permata Lestari Rahmawati Safitri Anggraini Wulandari Azzahra Khairunnisa Amelia Oktaviani Puspita"
).split()
MOTHERS = (
    "Sri Wahyuni Rina Hartati Yuli Susanti Nur Hasanah Siti Aminah Dewi Kartika Erna Wati Lina Marlina "
    "Rosmiati Fatimah Halimah Juliana Nurul Hidayah Sulastri Rukmini Suryani Mariani Kasmawati Hasnah "
    "Masitah Nurlela Rahmatia"
).split()


def _people(n: int, rng: np.random.Generator) -> pd.DataFrame:
    villages = [f"64.02.01.20{v:02d}" for v in range(1, 11)]
    return pd.DataFrame(
        {
            "child_id": [f"id{i:05d}" for i in range(n)],
            "period": "2024-08",
            "village_code": rng.choice(villages, n),
            "puskesmas": "Muara Muntai",
            "posyandu": rng.choice(["Melati", "Mawar", "Anggrek", "Kenanga"], n),
            "sex": rng.choice(["L", "P"], n),
            "birth_date": pd.Timestamp("2019-09-01") + pd.to_timedelta(rng.integers(0, 1800, n), unit="D"),
            "name": [f"{rng.choice(FIRST)} {rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(n)],
            "mother_name": [f"{rng.choice(MOTHERS)} {rng.choice(MOTHERS)}" for _ in range(n)],
            "source_row": np.arange(1, n + 1),
        }
    )


def _typo(text: str, rng: np.random.Generator) -> str:
    """One way a name is typed again: a letter changed, dropped or doubled, or a word abbreviated."""
    kind = rng.integers(0, 4)
    i = int(rng.integers(1, len(text) - 1))
    if kind == 0:
        return text[:i] + ("a" if text[i] != "a" else "e") + text[i + 1 :]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    if kind == 2:
        return text[:i] + text[i] + text[i:]
    return text.upper()


def test_twenty_planted_duplicates_among_a_thousand_children_are_found_with_few_false_pairs():
    rng = np.random.default_rng(2024)
    people = _people(1000, rng)
    planted = people.sample(20, random_state=7)
    again = planted.copy()
    again["child_id"] = [f"dup{i}" for i in range(20)]  # no matching NIK: another identity
    again["name"] = [_typo(t, rng) for t in planted["name"]]
    again["mother_name"] = [_typo(t, rng) if rng.random() < 0.5 else t for t in planted["mother_name"]]
    again["birth_date"] = planted["birth_date"] + pd.to_timedelta(rng.integers(-5, 6, 20), unit="D")
    again["source_row"] = np.arange(2001, 2021)
    truth = {tuple(sorted(p)) for p in zip(planted["source_row"], again["source_row"], strict=True)}
    frame = pd.concat([people, again], ignore_index=True).sample(frac=1.0, random_state=1)

    pairs = probable_duplicates(frame)
    found = {tuple(p) for p in pairs[["source_row", "other_source_row"]].itertuples(index=False)}
    assert len(found & truth) >= 18
    assert len(found - truth) <= 2
    assert "name" not in pairs.columns and "mother_name" not in pairs.columns


def test_the_same_identity_measured_twice_and_twins_are_not_pairs():
    rng = np.random.default_rng(1)
    people = _people(2, rng)
    people["village_code"] = "64.02.01.2001"
    people["posyandu"] = "Melati"
    people["sex"] = "L"
    people["birth_date"] = pd.Timestamp("2022-01-01")
    people["mother_name"] = "Siti Aminah"
    people["name"] = ["Muhammad Rizki", "Ahmad Fauzan"]  # twins: one mother, two names
    twice = people.iloc[[0]].assign(source_row=9)  # the first child again, same identity
    assert probable_duplicates(pd.concat([people, twice], ignore_index=True)).empty


def test_a_typed_again_registration_pairs_across_villages_through_its_posyandu():
    frame = pd.DataFrame(
        {
            "child_id": ["a", "b"],
            "period": "2024-08",
            "village_code": ["64.02.01.2001", "64.02.01.2002"],
            "puskesmas": "Muara Muntai",
            "posyandu": "Melati",
            "sex": "P",
            "birth_date": pd.to_datetime(["2022-03-04", "2022-03-08"]),
            "name": ["Nabila Putri", "Nabilah Putri"],
            "mother_name": ["Rina Hartati", "Rina Hartati"],
            "source_row": [4, 17],
        }
    )
    pairs = probable_duplicates(frame)
    assert pairs[["source_row", "other_source_row"]].values.tolist() == [[4, 17]]
    # Six days apart is outside the window.
    frame.loc[1, "birth_date"] = pd.Timestamp("2022-03-10")
    assert probable_duplicates(frame).empty
