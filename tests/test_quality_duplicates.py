"""Probable duplicate children: planted double registrations are found, distinct children are not."""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from stunting.pseudonym import normalise_name
from stunting.quality import duplicates
from stunting.quality.duplicates import (
    BIRTH_DATE_WINDOW_DAYS,
    DENSE_NAMES,
    NAME_SIMILARITY,
    probable_duplicates,
)

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


def _every_pair_scored(frame: pd.DataFrame) -> set[tuple[int, int]]:
    """The rule of stunting/quality/duplicates.py applied the plain way: every two representative
    rows of one block within the window, both names scored by rapidfuzz, nothing set aside."""
    rows = frame.sort_values("source_row").drop_duplicates(["child_id", "period"])
    rows = rows.assign(
        child=normalise_name(rows["name"]), mother=normalise_name(rows["mother_name"])
    ).reset_index(drop=True)
    rows = rows[(rows["child"] != "") & (rows["mother"] != "")]
    found = set()
    for keys in (["period", "sex", "village_code"], ["period", "sex", "puskesmas", "posyandu"]):
        pairs = rows.merge(rows, on=keys, suffixes=("", "_b"))
        pairs = pairs[
            (pairs["source_row"] < pairs["source_row_b"])
            & (pairs["child_id"] != pairs["child_id_b"])
            & (
                (pairs["birth_date"] - pairs["birth_date_b"]).abs()
                <= pd.Timedelta(days=BIRTH_DATE_WINDOW_DAYS)
            )
        ]
        for row in pairs.itertuples(index=False):
            if (
                JaroWinkler.normalized_similarity(row.child, row.child_b) >= NAME_SIMILARITY
                and JaroWinkler.normalized_similarity(row.mother, row.mother_b) >= NAME_SIMILARITY
            ):
                found.add((row.source_row, row.source_row_b))
    return found


def test_many_distinct_names_give_the_pairs_of_scoring_every_pair():
    # More distinct names than DENSE_NAMES, crowded into few blocks: the path that bounds and scores
    # pair by pair must find exactly the pairs every pair scored finds.
    rng = np.random.default_rng(12)
    people = _people(3000, rng)
    people["village_code"] = rng.choice(["64.02.01.2001", "64.02.01.2002"], len(people))
    people["birth_date"] = pd.Timestamp("2023-01-01") + pd.to_timedelta(
        rng.integers(0, 200, len(people)), "D"
    )
    people["mother_name"] = [f"{m} {rng.choice(LAST)}" for m in people["mother_name"]]
    again = people.sample(150, random_state=3).copy()
    again["child_id"] = [f"again{i}" for i in range(len(again))]
    again["name"] = [_typo(t, rng) for t in again["name"]]
    again["source_row"] = np.arange(5001, 5001 + len(again))
    frame = pd.concat([people, again], ignore_index=True)
    assert frame["name"].map(str.lower).nunique() > DENSE_NAMES

    pairs = probable_duplicates(frame)
    found = {tuple(p) for p in pairs[["source_row", "other_source_row"]].itertuples(index=False)}
    expected = _every_pair_scored(frame)
    assert len(expected) > 100
    assert found == expected


def test_the_character_bound_never_sets_aside_a_pair_rapidfuzz_scores_alike():
    rng = np.random.default_rng(5)
    words = FIRST + LAST + MOTHERS
    originals = normalise_name(pd.Series([f"{rng.choice(words)} {rng.choice(words)}" for _ in range(3000)]))
    typed = normalise_name(pd.Series([_typo(name, rng) for name in originals[:1500]]))
    uniques = np.array(sorted(set(originals) | set(typed)), dtype=object)
    position = {name: i for i, name in enumerate(uniques)}
    # Random pairs, and each name with its typed-again form.
    a = np.concatenate([rng.integers(0, len(uniques), 200_000), originals[:1500].map(position).to_numpy()])
    b = np.concatenate([rng.integers(0, len(uniques), 200_000), typed.map(position).to_numpy()])
    counts, lengths = duplicates._character_counts(uniques)
    kept = duplicates._may_be_similar(counts, lengths, a, b)
    scores = process.cpdist(
        uniques[a].tolist(), uniques[b].tolist(), scorer=JaroWinkler.normalized_similarity
    )
    alike = scores >= NAME_SIMILARITY
    assert alike.sum() > 1000
    assert not (alike & ~kept).any()
    assert (~kept).mean() > 0.5  # and it does set pairs aside
