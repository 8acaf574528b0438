"""``python -m stunting story export``: a story as PPTX or PDF, offline, from the command line."""

from __future__ import annotations

import sys

from stunting.cli import add_data_dir


def register(commands):
    story = commands.add_parser("story", help="presentation stories: export as PPTX or PDF")
    actions = story.add_subparsers(dest="story_command", required=True, metavar="ACTION")
    export = actions.add_parser(
        "export",
        help="export a story as PPTX or PDF",
        description="Draw every slide of a story (the built-in one unless --story is given) and write "
        "a 16:9 PPTX with the narrative as speaker notes, or a PDF with the same pages. No network needed.",
    )
    export.add_argument("--story", default=None, help="story YAML file (default: the built-in story)")
    export.add_argument("--format", required=True, choices=("pptx", "pdf"), help="output format")
    export.add_argument("--out", required=True, help="file to write")
    export.add_argument("--lang", default="id", choices=("id", "en"), help="slide language (default: id)")
    add_data_dir(export)
    export.set_defaults(run=run_export)


def run_export(args) -> int:
    import time

    from stunting.config import data_dir
    from stunting.story import load_story

    started = time.perf_counter()
    story = load_story(args.story)  # a file that is no story is told before the renderer loads
    from render.export import export_story

    report = export_story(story, args.format, args.out, lang=args.lang, data_dir=data_dir(args.data_dir))
    for slide in report.failed:
        print(f"warning: {slide.error}", file=sys.stderr)
    drawn = len(report.slides) - len(report.failed)
    print(
        f"wrote {report.path}: {len(report.slides)} slides ({drawn} drawn, "
        f"{len(report.failed)} with an error), {time.perf_counter() - started:.1f} s"
    )
    return 0
