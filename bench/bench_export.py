"""Time to export the built-in story on the full demo data (issue 6 target: under 60 s per format).

Builds the full synthetic demo (``build_demo`` at scale 1.0) into bench/out/demo-full once, then
exports the built-in story to PPTX and PDF through the CLI's own function and prints the figures:
per-slide drawing time and the total for each format.

    .venv/bin/python bench/bench_export.py [--data-dir DIR] [--lang id|en]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from render import StoryRenderer  # noqa: E402
from render.export import export_story  # noqa: E402
from stunting import store  # noqa: E402
from stunting.story import load_story, resolve  # noqa: E402

TARGET_SECONDS = 60.0
DEFAULT_DIR = Path(__file__).resolve().parent / "out" / "demo-full"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(DEFAULT_DIR))
    parser.add_argument("--lang", default="id", choices=("id", "en"))
    args = parser.parse_args()
    data_dir = Path(args.data_dir)
    if not store.periods(data_dir):
        from stunting.demo import build_demo

        started = time.perf_counter()
        summary = build_demo(data_dir)
        print(f"built the full demo in {time.perf_counter() - started:.1f} s: {summary.rows_stored:,} rows")
    story = load_story()
    print(f"store: {data_dir} ({len(store.periods(data_dir))} periods, demo={store.is_demo(data_dir)})")

    renderer = StoryRenderer(data_dir)
    resolved = resolve(story, renderer.periods)
    for number, slide in enumerate(resolved.slides, 1):
        started = time.perf_counter()
        rendered = renderer.render_resolved(slide, number, args.lang)
        size = len(rendered.png or b"") // 1024
        print(
            f"slide {number} ({slide.page}/{slide.figure}): "
            f"{time.perf_counter() - started:5.2f} s, {size} KB PNG"
            + (f"  ERROR {rendered.error}" if rendered.error else "")
        )

    with tempfile.TemporaryDirectory() as folder:
        for fmt in ("pptx", "pdf"):
            started = time.perf_counter()
            report = export_story(
                story, fmt, Path(folder) / f"story.{fmt}", lang=args.lang, data_dir=data_dir
            )
            seconds = time.perf_counter() - started
            size = report.path.stat().st_size / 1e6
            verdict = "ok" if seconds < TARGET_SECONDS else "OVER TARGET"
            print(
                f"export {fmt}: {seconds:.1f} s for {len(report.slides)} slides, {size:.1f} MB "
                f"(target < {TARGET_SECONDS:.0f} s: {verdict})"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
