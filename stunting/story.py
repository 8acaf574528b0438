"""Stories: an ordered list of slides, each a saved view with a title and a narrative in id and en.

A story is a small YAML file a presenter can edit by hand, e-mail and upload again::

    title: {id: Studi tiru ..., en: Study visit ...}
    slides:
      - page: map                      # the map page and its URL state (stunting/viewstate.py)
        view: {indicator: stunting, period: 2024-08, regency: "64.02"}
        title: {id: ..., en: ...}
        narrative: {id: ..., en: ...}
      - page: compare                  # the comparison page: two areas (or one area in two periods)
        figure: trend                  # headline | trend | ranking | age_profile
        view: {indicator: stunting, a: "64.02", b: "64.74", period: latest}

A story is data, never a program: the loader is PyYAML's safe loader minus anchors and aliases (a
505-byte file of nested aliases expands to millions of characters), with bounded size, slides, text
lengths and nesting, and a message names a bad value's type and place, never its content at length.
A file that is not a story at all (not YAML, no slide list) raises ``UserError``. A bad slide does
not stop the story: it keeps its place with one message per bad field naming the slide number and
the field, and presents (and exports) as that message while every other slide shows as usual.
``period: latest`` follows the store's newest period, so the built-in story works on any store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from stunting.config import REPO_ROOT
from stunting.errors import UserError
from stunting.i18n import LANGUAGES
from stunting.indicators import INDICATORS

BUILTIN_STORY = REPO_ROOT / "stories" / "studi_tiru_bontang_kukar.yaml"

PAGES = ("map", "compare", "evaluate")
# What a comparison slide shows: the page has several parts, a slide projects one of them.
COMPARE_FIGURES = ("headline", "trend", "ranking", "age_profile")
# "Apakah berhasil?" (pages/evaluate.py): the evaluation with its caveats, or the programme map.
EVALUATE_FIGURES = ("evaluation", "programme_map")
FIGURES = {"map": ("map",), "compare": COMPARE_FIGURES, "evaluate": EVALUATE_FIGURES}
LATEST = "latest"

# The map page's URL state (ui/url_state.PARAMS without the language, which the presenter picks).
MAP_VIEW_FIELDS = (
    "indicator", "period", "level", "province", "areas", "regency", "kecamatan", "village", "sex", "age",
    "classes",
)  # fmt: skip
# The regency too, unless the slide is of the national or a province map (_view).
MAP_REQUIRED = ("indicator", "period")
# The maps a slide's ``level`` may name (a regency's and a kecamatan's are implied by their codes).
MAP_WIDE_LEVELS = ("national", "province")
COMPARE_VIEW_FIELDS = ("indicator", "a", "b", "period", "period_b")
COMPARE_REQUIRED = ("indicator", "a", "b", "period")
EVALUATE_VIEW_FIELDS = ("indicator", "programme", "regency", "period")
EVALUATE_REQUIRED = EVALUATE_VIEW_FIELDS
VIEW_FIELDS = {"map": MAP_VIEW_FIELDS, "compare": COMPARE_VIEW_FIELDS, "evaluate": EVALUATE_VIEW_FIELDS}
REQUIRED = {"map": MAP_REQUIRED, "compare": COMPARE_REQUIRED, "evaluate": EVALUATE_REQUIRED}
SLIDE_FIELDS = ("page", "figure", "view", "title", "narrative")

# A story is read aloud in a meeting of an hour at most; a file with hundreds of slides is a mistake
# (or a hostile upload), and each slide costs a few seconds to render.
MAX_SLIDES = 40
# An uploaded story is a few kilobytes; anything larger is not a story file.
MAX_STORY_BYTES = 256 * 1024
# A title must fit on one line of a 16:9 slide at projector size.
MAX_TITLE_CHARS = 120
MAX_NARRATIVE_CHARS = 2000
# A story is five levels deep (story > slides > slide > view/title > value); anything deeper is not a
# story, and deep nesting costs the (recursive) YAML composer its stack.
MAX_NESTING = 8
# View values are codes, periods and names of choices ("64.02.01", "2024-08", "quantile").
MAX_VIEW_VALUE_CHARS = 40
# A bad value is quoted in a message only when it is this short; otherwise it is described.
QUOTE_CHARS = 40

_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Slide:
    page: str
    figure: str
    view: dict  # the page's view state, canonical keys only (see MAP_VIEW_FIELDS / COMPARE_VIEW_FIELDS)
    title: dict  # {"id": ..., "en": ...}
    narrative: dict  # {"id": ..., "en": ...}
    errors: tuple[str, ...] = ()  # one sentence per bad field; a slide with errors presents as them
    raw: dict | None = field(default=None, compare=False)  # the slide as read, kept for a broken slide

    @property
    def ok(self) -> bool:
        return not self.errors

    def text(self, part: str, lang: str) -> str:
        """The title or narrative in ``lang``, falling back to the other language rather than nothing."""
        values = getattr(self, part)
        return values.get(lang) or next((values[other] for other in LANGUAGES if values.get(other)), "")


@dataclass(frozen=True)
class Story:
    title: dict
    slides: tuple[Slide, ...]

    @property
    def errors(self) -> list[str]:
        return [error for slide in self.slides for error in slide.errors]

    def text(self, lang: str) -> str:
        return self.title.get(lang) or next((self.title[o] for o in LANGUAGES if self.title.get(o)), "")


def load_story(path: str | Path | None = None) -> Story:
    """The story in ``path`` (the built-in story when None); UserError when it is not a story file."""
    target = Path(path) if path is not None else BUILTIN_STORY
    try:
        data = target.read_bytes()
    except FileNotFoundError:
        raise UserError(f"Story file {target} does not exist.") from None
    except IsADirectoryError:
        raise UserError(f"{target} is a folder, not a story file.") from None
    return parse_story(data, target.name)


def parse_story(data: bytes | str, name: str = "story file") -> Story:
    """A story from YAML text (bytes as uploaded, or str)."""
    raw_bytes = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw_bytes) > MAX_STORY_BYTES:
        raise UserError(
            f"{name} is {len(raw_bytes) // 1024} KB; a story file is at most {MAX_STORY_BYTES // 1024} KB."
        )
    try:
        document = yaml.load(raw_bytes.decode("utf-8"), Loader=_StoryLoader)  # a SafeLoader, stricter
    except _Refused as refused:
        raise UserError(f"{name}, {refused}") from None
    except UnicodeDecodeError:
        raise UserError(f"{name} is not UTF-8 text; save the story as a UTF-8 YAML file.") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = _quoted(str(getattr(error, "problem", None) or type(error).__name__))
        raise UserError(f"{name} is not valid YAML{where}: {problem}.") from None
    return story_from_dict(document, name)


def story_from_dict(document, name: str = "story file") -> Story:
    if not isinstance(document, dict):
        raise UserError(f"{name} must be a YAML mapping with 'title' and 'slides'.")
    unknown = sorted(set(document) - {"title", "slides"}, key=str)
    if unknown:
        raise UserError(
            f"{name}: unknown top-level field {_describe(unknown[0])}; a story has 'title' and 'slides'."
        )
    slides = document.get("slides")
    if not isinstance(slides, list) or not slides:
        raise UserError(f"{name}: field 'slides' must be a list of at least one slide.")
    if len(slides) > MAX_SLIDES:
        raise UserError(f"{name} has {len(slides)} slides; a story holds at most {MAX_SLIDES}.")
    title, title_errors = _texts(document.get("title"), None, "title", required=True, limit=MAX_TITLE_CHARS)
    if title_errors:
        raise UserError(f"{name}: {title_errors[0]}")
    return Story(title=title, slides=tuple(parse_slide(raw, number) for number, raw in enumerate(slides, 1)))


def parse_slide(raw, number: int) -> Slide:
    """Slide ``number`` (1-based) from its YAML mapping; a bad field becomes one error naming it."""
    prefix = f"Slide {number}"
    if not isinstance(raw, dict):
        return Slide(
            "map",
            "map",
            {},
            {},
            {},
            (f"{prefix} must be a mapping with page, view, title and narrative.",),
            raw={"_": raw},
        )
    errors: list[str] = []
    for key in sorted(set(raw) - set(SLIDE_FIELDS), key=str):
        errors.append(
            f"{prefix}, field {_describe(key)}: unknown field; a slide has {', '.join(SLIDE_FIELDS)}."
        )
    page = raw.get("page")
    if not isinstance(page, str) or page not in PAGES:
        errors.append(
            f"{prefix}, field 'page': {_describe(page)} is not a page; use one of {', '.join(PAGES)}."
        )
        page = "map"
    figure = raw.get("figure", FIGURES[page][0])
    if not isinstance(figure, str) or figure not in FIGURES[page]:
        errors.append(
            f"{prefix}, field 'figure': {_describe(figure)} is not a part of the {page} page; "
            f"use one of {', '.join(FIGURES[page])}."
        )
        figure = FIGURES[page][0]
    view, view_errors = _view(raw.get("view"), page, prefix)
    errors += view_errors
    title, title_errors = _texts(raw.get("title"), prefix, "title", required=True, limit=MAX_TITLE_CHARS)
    narrative, narrative_errors = _texts(
        raw.get("narrative"), prefix, "narrative", required=False, limit=MAX_NARRATIVE_CHARS
    )
    errors += title_errors + narrative_errors
    return Slide(page, figure, view, title, narrative, tuple(errors), raw=dict(raw))


class _Refused(Exception):
    """A YAML construct a story never needs (its message names the place)."""


class _StoryLoader(yaml.SafeLoader):
    """The safe loader without anchors and aliases, and with bounded nesting.

    Aliases are what turn a small file into a huge document (each level repeats the one below), and
    a story has no use for them; refusing the anchor as well says so at the first place it appears."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        where = f"line {event.start_mark.line + 1}, column {event.start_mark.column + 1}"
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(f"{where}: YAML anchors and aliases (& and *) are not allowed in a story.")
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            self._depth += 1
            try:
                if self._depth > MAX_NESTING:
                    raise _Refused(f"{where}: nested more than {MAX_NESTING} levels deep; a story is five.")
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1
        return super().compose_node(parent, index)


def _describe(value) -> str:
    """A bad value for a message: short text quoted, anything else by its type and size."""
    if isinstance(value, str):
        return repr(value) if len(value) <= QUOTE_CHARS else f"a text of {len(value):,} characters"
    if isinstance(value, dict):
        return f"a mapping of {len(value):,} entries"
    if isinstance(value, list):
        return f"a list of {len(value):,} items"
    if value is None:
        return "nothing"
    text = str(value)
    if len(text) <= QUOTE_CHARS:
        return f"{text} ({type(value).__name__})"
    return f"a {type(value).__name__}"


def _quoted(text: str) -> str:
    return text if len(text) <= 4 * QUOTE_CHARS else text[: 4 * QUOTE_CHARS] + " …"


def _field(prefix: str | None, name: str) -> str:
    return f"{prefix}, field '{name}'" if prefix else f"field '{name}'"


def _texts(value, prefix: str | None, name: str, *, required: bool, limit: int) -> tuple[dict, list[str]]:
    """{"id": ..., "en": ...}: a mapping of the app's languages to text."""
    if value is None and not required:
        return {lang: "" for lang in LANGUAGES}, []
    if not isinstance(value, dict):
        return {}, [f"{_field(prefix, name)} must map each language ({', '.join(LANGUAGES)}) to a text."]
    errors = []
    for key in sorted(set(value) - set(LANGUAGES), key=str):
        errors.append(
            f"{_field(prefix, name)}: unknown language {_describe(key)}; use {', '.join(LANGUAGES)}."
        )
    out = {}
    for lang in LANGUAGES:
        text = value.get(lang)
        text = "" if text is None else text
        if not isinstance(text, str):
            errors.append(f"{_field(prefix, f'{name}.{lang}')} must be text, not {type(text).__name__}.")
            text = ""
        text = text.strip()
        if required and not text:
            errors.append(f"{_field(prefix, f'{name}.{lang}')} is missing or empty.")
        elif len(text) > limit:
            where = _field(prefix, f"{name}.{lang}")
            errors.append(f"{where} has {len(text)} characters; at most {limit} fit on a slide.")
        out[lang] = text
    return out, errors


def _view(value, page: str, prefix: str) -> tuple[dict, list[str]]:
    where = _field(prefix, "view")
    if value is None:
        return {}, [f"{where} is missing: a slide needs the saved view of its page."]
    if not isinstance(value, dict):
        return {}, [f"{where} must be a mapping (e.g. indicator, period, regency)."]
    fields, required = VIEW_FIELDS[page], REQUIRED[page]
    if page == "map" and value.get("level") not in MAP_WIDE_LEVELS:
        required = (*required, "regency")  # a regency's or kecamatan's map
    errors = [
        f"{_field(prefix, 'view')}: unknown field {_describe(key)} for the {page} page; "
        f"use {', '.join(fields)}."
        for key in sorted(set(value) - set(fields), key=str)
    ]
    view = {}
    for key in fields:
        item = value.get(key)
        if item is None or item == "":
            if key in required:
                errors.append(f"{_field(prefix, f'view.{key}')} is missing.")
            continue
        if isinstance(item, (dict, list)) or len(str(item)) > MAX_VIEW_VALUE_CHARS:
            errors.append(
                f"{_field(prefix, f'view.{key}')} must be a code, a month or a choice of at most "
                f"{MAX_VIEW_VALUE_CHARS} characters, not {_describe(item)}."
            )
            continue
        # YAML reads 64.02 as a float and 2024-08 as a date-less string: codes and periods are text.
        view[key] = (
            f"{item:.2f}" if isinstance(item, float) and key in ("regency", "a", "b") else str(item).strip()
        )
    indicator = view.get("indicator")
    if indicator is not None and indicator not in INDICATORS:
        known = ", ".join(INDICATORS)
        errors.append(
            f"{_field(prefix, 'view.indicator')}: {indicator!r} is not an indicator; use one of {known}."
        )
    for key in ("period", "period_b"):
        period = view.get(key)
        if period is not None and period != LATEST and not _PERIOD.match(period):
            where = _field(prefix, f"view.{key}")
            errors.append(f"{where}: {period!r} is not a month like 2024-08 (or '{LATEST}').")
    checks = {"map": _map_view_errors, "compare": _compare_view_errors, "evaluate": _evaluate_view_errors}
    errors += checks[page](view, prefix)
    return view, errors


def _map_view_errors(view: dict, prefix: str) -> list[str]:
    """Everything but indicator and period, checked by the map page's own URL validator."""
    from stunting.gazetteer import provinces, villages
    from stunting.viewstate import PROVINCE_AREAS, ViewState, regency_choices, validate

    level = view.get("level")
    if level is not None and level not in MAP_WIDE_LEVELS:
        return [
            f"{_field(prefix, 'view.level')}: {level!r} is not a map of its own; use one of "
            f"{', '.join(MAP_WIDE_LEVELS)} (a regency's or kecamatan's map is named by its code)."
        ]
    areas = view.get("areas")
    if areas is not None and (level != "province" or areas not in PROVINCE_AREAS):
        return [
            f"{_field(prefix, 'view.areas')}: {areas!r} is not valid here; a province map (level: "
            f"province) draws one of {', '.join(PROVINCE_AREAS)}."
        ]
    if level == "national":
        return []
    if level == "province":
        if view.get("province") in provinces():
            return []
        return [
            f"{_field(prefix, 'view.province')}: {view.get('province')!r} is not a province code "
            "(like 64; python -m stunting areas --level province lists them)."
        ]
    if "regency" not in view:  # missing (said by _view) or not text (said there too)
        return []
    checked = {k: view[k] for k in ("regency", "kecamatan", "village", "sex", "age", "classes") if k in view}
    state = ViewState(**checked)
    _, fixed = validate(state, [], villages())
    fixed = [name for name in fixed if name in checked]
    choices = {"regency": ", ".join(regency_choices(villages()))}
    return [
        f"{_field(prefix, f'view.{name}')}: {checked[name]!r} is not valid here"
        + (f"; use one of {choices[name]}." if name in choices else " (unknown, or outside the regency).")
        for name in fixed
    ]


def _compare_view_errors(view: dict, prefix: str) -> list[str]:
    from stunting.compare import area

    errors = []
    for side in ("a", "b"):
        if side in view:
            try:
                area(view[side])
            except UserError as error:
                errors.append(f"{_field(prefix, f'view.{side}')}: {error}")
    return errors


def _evaluate_view_errors(view: dict, prefix: str) -> list[str]:
    from stunting.gazetteer import regencies

    regency = view.get("regency")
    if regency is not None and regency not in regencies():
        # 514 codes are too many for one sentence: point to the command that lists them.
        return [
            f"{_field(prefix, 'view.regency')}: {regency!r} is not a regency of the gazetteer "
            "(codes like 64.02; python -m stunting areas --level regency lists them)."
        ]
    return []


def resolve(story: Story, periods: list[str]) -> Story:
    """The story against the store: ``latest`` becomes the newest period, and a slide whose period
    has no data gets an error naming it (the other slides are unaffected)."""
    return replace(
        story,
        slides=tuple(resolve_slide(slide, number, periods) for number, slide in enumerate(story.slides, 1)),
    )


def resolve_slide(slide: Slide, number: int, periods: list[str]) -> Slide:
    if not slide.ok:
        return slide
    view, errors = dict(slide.view), []
    for key in ("period", "period_b"):
        if key not in view:
            continue
        if view[key] == LATEST:
            if periods:
                view[key] = periods[-1]
            else:
                errors.append(f"Slide {number}, field 'view.{key}': the store has no data yet.")
        elif view[key] not in periods:
            shown = f"{periods[0]} to {periods[-1]}" if periods else "none"
            errors.append(
                f"Slide {number}, field 'view.{key}': {view[key]} has no data in the store "
                f"(periods with data: {shown})."
            )
    if slide.page == "compare" and not errors:
        same_area = view["a"] == view["b"]
        if same_area and view["period"] == view.get("period_b", view["period"]):
            errors.append(
                f"Slide {number}, field 'view': both sides are {view['a']} in {view['period']}; "
                "choose two areas, or one area in two periods."
            )
    return replace(slide, view=view, errors=tuple(errors))


def slide_to_dict(slide: Slide) -> dict:
    if not slide.ok and slide.raw is not None:
        return slide.raw if "_" not in slide.raw else slide.raw["_"]  # a broken slide is kept as it was read
    out = {"page": slide.page}
    if slide.page != "map":
        out["figure"] = slide.figure
    out["view"] = dict(slide.view)
    out["title"] = dict(slide.title)
    out["narrative"] = dict(slide.narrative)
    return out


def dump_story(story: Story) -> str:
    """The story as YAML text (keys in a reading order, non-ASCII text as is)."""
    document = {"title": dict(story.title), "slides": [slide_to_dict(s) for s in story.slides]}
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


def save_story(story: Story, path: str | Path) -> Path:
    """Write the story atomically: a half-written file never replaces a good one."""
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(dump_story(story), encoding="utf-8")
    partial.replace(target)
    return target


def new_slide(page: str, view: dict, figure: str | None = None) -> Slide:
    """A slide for the view a user is looking at ("Tambahkan tampilan ini ke cerita"), titled after
    the view in both languages so it presents at once; the presenter may retitle it later."""
    raw = {"page": page, "view": {k: v for k, v in view.items() if v is not None}}
    if figure is not None:
        raw["figure"] = figure
    slide = parse_slide(raw | {"title": {lang: "-" for lang in LANGUAGES}}, 0)
    if slide.ok:
        slide = replace(slide, title={lang: default_title(slide, lang) for lang in LANGUAGES})
    return slide


def map_area_name(view: dict, lang: str) -> str:
    """The area a map view is about, named with its level: "Desa/Kel. Jembayan, Kec. Loa Kulu",
    "Kec. Tenggarong", "Kabupaten Kutai Kartanegara" - a picture of one kecamatan must say so."""
    from stunting.gazetteer import name_of, provinces, regencies
    from stunting.i18n import t

    def named(code: str) -> str:
        # The gazetteer's name dict (built once per process): indexing its 83,000 villages again for
        # one name cost tens of ms on every map rerun with a village open.
        name = name_of(code)
        if name is None:
            raise KeyError(code)
        return name

    if view.get("level") == "national":
        return t("map.country", lang)
    if view.get("level") == "province":
        if view.get("areas") == "kecamatan":
            return t("area.province.kecamatan", lang, name=provinces()[view["province"]])
        return provinces()[view["province"]]
    if view.get("village"):
        village = view["village"]  # its kecamatan's code is its first 8 characters (64.02.01.2001)
        return t("panel.title", lang, name=named(village), kecamatan=named(village[:8]))
    if view.get("kecamatan"):
        return t("area.kecamatan", lang, name=named(view["kecamatan"]))
    if view.get("regency") in (None, "all"):
        return t("sidebar.regency.all", lang)
    return regencies()[view["regency"]]


def default_title(slide: Slide, lang: str) -> str:
    """ "Peta Stunting (pendek) · Agustus 2024 · Kota Bontang": what the view shows, in ``lang``."""
    from stunting.i18n import fmt_month, t

    view = slide.view
    indicator = t(f"indicator.{view['indicator']}", lang)
    month = t("story.latest", lang) if view["period"] == LATEST else fmt_month(view["period"], lang)
    if slide.page == "map":
        return f"{t('map.title', lang, indicator=indicator)} · {month} · {map_area_name(view, lang)}"
    part = t(f"story.figure.{slide.figure}", lang)
    return f"{t('compare.title', lang, indicator=indicator)} · {part} · {month}"


def moved(story: Story, index: int, offset: int) -> Story:
    """The story with slide ``index`` moved by ``offset`` places (clamped to the ends)."""
    slides = list(story.slides)
    target = max(0, min(len(slides) - 1, index + offset))
    slides.insert(target, slides.pop(index))
    return replace(story, slides=tuple(slides))


def without(story: Story, index: int) -> Story:
    return replace(story, slides=tuple(s for i, s in enumerate(story.slides) if i != index))


def with_slide(story: Story, slide: Slide, index: int | None = None) -> Story:
    """The story with ``slide`` replacing slide ``index``, or appended when index is None."""
    slides = list(story.slides)
    if index is None:
        slides.append(slide)
    else:
        slides[index] = slide
    return replace(story, slides=tuple(slides))
