#!/usr/bin/env bash
# Every benchmark, one after another (never two at once: the machine has 2 cores), results in
# bench/out/results-<date>.txt. Synthetic stores and exports are built on first use under bench/out/
# (git-ignored, about 15 GB with the national rounds); the Jawa Tengah boundary bench reads ../shared.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p bench/out
out="bench/out/results-$(date -u +%Y%m%dT%H%M).txt"
run() { echo "=== $* ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))" | tee -a "$out"; "$@" 2>&1 | tee -a "$out"; }
run $PY bench/bench_zscores.py
run $PY bench/bench_prevalence.py
run $PY bench/bench_compare.py
[ -d bench/out/demo-full ] || $PY -m stunting demo --data-dir bench/out/demo-full
rm -rf bench/out/demo-timed
run /usr/bin/time -f "demo: %e s wall, %U s user, %M KB peak" $PY -m stunting demo --data-dir bench/out/demo-timed
run $PY bench/bench_export.py --data-dir bench/out/demo-full
# The map bench reads the 10M-row store bench_prevalence.py built, with Kukar's and Bontang's real
# borders when ../shared has them (schematic cells otherwise; the payload figure then means little).
kel=../shared/data/boundaries/wilayah_boundaries/db/kel/64
if [ -d "$kel" ] && [ ! -e bench/out/store-10m/boundaries/CURRENT ]; then
    $PY -m stunting boundaries import "$kel/wilayah_boundaries_kel_64.02.sql" "$kel/wilayah_boundaries_kel_64.74.sql" \
        --data-dir bench/out/store-10m
fi
run $PY bench/bench_map.py --data-dir bench/out/store-10m
# 20 sessions at once on the same 10M-row store, over the app's websocket (60 s).
run $PY bench/bench_load.py --data-dir bench/out/store-10m
# The national (514 regencies) and Jawa Tengah (35) map views: the demo plus the national outlines
# (fetch --overview from ../shared) in bench/out/levels, built on first use.
run $PY bench/bench_levels.py
run $PY bench/bench_boundaries.py
run $PY bench/bench_gazetteer.py
run $PY bench/bench_ingest.py
# National rounds (bench/make_national_export.py writes them on first use: about 5 GB for 20M rows,
# over the installed gazetteer's villages); the longest bench, last.
run $PY bench/bench_scale.py
echo "results in $out"
