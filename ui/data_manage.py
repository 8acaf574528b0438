"""The data page's parts (pages/data.py): upload -> preview -> Simpan -> summary and rejects -> history
and undo, once per kind of file. The rules (size, type by content, one import at a time, undo) live in
stunting/uploads.py; this module only draws them and translates their sentences."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from stunting import app_cache, uploads
from stunting.errors import UserError
from stunting.i18n import fmt_month, fmt_number, t
from ui.auth import Visitor, database
from ui.uploader import file_uploader

_PREVIEWS = "_data_previews"  # (kind, files digest) -> Preview, so a rerun does not read them again
_RESULT = "_data_result_{kind}"
_UPLOADER = "data_upload_{kind}_{round}"
_ROUND = "_data_round_{kind}"  # bumped after a save: a fresh, empty uploader
ACCEPT = {
    "eppgbm": ["csv", "xlsx"],
    "aggregates": ["csv"],
    "boundaries": ["geojson", "json", "gpkg", "zip", "sql"],
    "programmes": ["xlsx", "csv"],
}
KINDS = tuple(ACCEPT)  # the page's tabs, in this order


def refusal(error: UserError, lang: str) -> str:
    """One translated sentence for an UploadRefused; other errors carry their own sentence."""
    if isinstance(error, uploads.UploadRefused):
        values = dict(error.values)
        if "found" in values:
            values["found"] = t(f"filetype.{values['found']}", lang)
        return t(f"upload.{error.code}", lang, **values)
    return t("data.failed", lang, reason=str(error))


def section(kind: str, visitor: Visitor, lang: str) -> None:
    """One kind of file: its uploader, preview, save button, last result and history."""
    round_key = _ROUND.format(kind=kind)
    st.session_state.setdefault(round_key, 0)
    files = file_uploader(
        t(f"data.upload.{kind}", lang),
        key=_UPLOADER.format(kind=kind, round=st.session_state[round_key]),
        types=ACCEPT[kind],
        max_mb=uploads.MAX_UPLOAD_MB,
        lang=lang,
        accept_multiple_files=True,
        help=t("data.limit", lang, limit=uploads.MAX_UPLOAD_MB),
    )
    _last_result(kind, lang)
    if files:
        payload = [(f.name, f.getvalue()) for f in files]
        try:
            for name, data in payload:
                uploads.check_upload(kind, name, data)
            preview = _preview(kind, payload)
            uploads.check_rights(visitor.user, preview.regencies)
        except UserError as error:
            st.error(refusal(error, lang))
        else:
            _show_preview(kind, preview, lang)
            accept_valid = _accept_valid(kind, preview, lang)
            if (
                preview.rows_accepted
                and (accept_valid or not preview.problems)
                and st.button(t("data.save", lang), type="primary", key=f"save_{kind}")
            ):
                _save(kind, payload, preview, visitor, lang, accept_valid)
    _history(kind, visitor, lang)


def _digest(kind: str, payload) -> tuple:
    return (kind, *((name, hashlib.sha256(data).hexdigest()) for name, data in payload))


def _preview(kind: str, payload) -> uploads.Preview:
    key = _digest(kind, payload)
    previews = st.session_state.setdefault(_PREVIEWS, {})
    if key not in previews:
        root = app_cache.data_dir()
        with st.spinner(t("data.reading", st.session_state.get("view_lang", "id"))):
            with uploads.staged(root, payload) as paths:
                if kind == "eppgbm":
                    previews[key] = uploads.preview_eppgbm(paths, root)
                elif kind == "aggregates":
                    previews[key] = uploads.preview_aggregates(paths)
                elif kind == "programmes":
                    previews[key] = uploads.preview_programmes(paths, root)
                else:
                    previews[key] = uploads.preview_boundaries(paths)
    return previews[key]


def _accept_valid(kind: str, preview: uploads.Preview, lang: str) -> bool:
    """Programme data with problems: nothing is stored unless the user ticks "simpan baris yang valid"."""
    if kind != "programmes" or not preview.problems:
        return False
    accepted = st.checkbox(t("data.programmes.accept_valid", lang), key=f"accept_{kind}")
    if not accepted:
        st.warning(t("data.programmes.blocked", lang, rows=fmt_number(preview.rows_rejected, lang)))
    return accepted


def _show_problems(problems: list, lang: str, key: str) -> None:
    st.markdown(f"**{t('data.programmes.problems', lang)}**")
    st.dataframe(uploads.problems_table(problems, lang), hide_index=True, width="stretch")
    st.download_button(
        t("data.programmes.problems_download", lang),
        data=uploads.problems_csv(problems, lang),
        file_name="program-masalah.csv",
        mime="text/csv",
        key=key,
        on_click="ignore",
    )


def _show_programmes(preview: uploads.Preview, lang: str) -> None:
    st.markdown(f"#### {t('data.preview', lang)}")
    cards = st.columns(3)
    cards[0].metric(t("data.rows_read", lang), fmt_number(preview.rows_read, lang))
    cards[1].metric(t("data.rows_accepted", lang), fmt_number(preview.rows_accepted, lang))
    cards[2].metric(t("data.rows_rejected", lang), fmt_number(preview.rows_rejected, lang))
    st.caption(t("data.villages", lang, count=fmt_number(preview.villages, lang)))
    if preview.rows_per_sheet:
        st.markdown(f"**{t('data.programmes.sheets', lang)}**")
        sheets = pd.DataFrame(
            [
                {t("data.col.problem_sheet", lang): sheet, t("data.col.sheet_rows", lang): rows}
                for sheet, rows in preview.rows_per_sheet.items()
            ]
        )
        st.dataframe(sheets, hide_index=True, width="stretch")
    if preview.problems:
        _show_problems(preview.problems, lang, key="problems_preview")


def _show_preview(kind: str, preview: uploads.Preview, lang: str) -> None:
    if kind == "programmes":
        _show_programmes(preview, lang)
        return
    st.markdown(f"#### {t('data.preview', lang)}")
    for name in preview.already_imported:
        st.info(t("data.already", lang, name=name))
    cards = st.columns(4)
    cards[0].metric(t("data.rows_read", lang), fmt_number(preview.rows_read, lang))
    cards[1].metric(t("data.rows_accepted", lang), fmt_number(preview.rows_accepted, lang))
    cards[2].metric(t("data.rows_rejected", lang), fmt_number(preview.rows_rejected, lang))
    if kind == "eppgbm":
        cards[3].metric(t("data.rows_replaced", lang), fmt_number(preview.rows_replaced, lang))
    if preview.periods:
        st.caption(t("data.periods", lang, periods=", ".join(fmt_month(p, lang) for p in preview.periods)))
    st.caption(t("data.villages", lang, count=fmt_number(preview.villages, lang)))
    if preview.rejected_by_reason:
        st.markdown(f"**{t('data.by_reason', lang)}**")
        reasons = pd.DataFrame(
            [
                {
                    t("data.col.reason", lang): uploads.reason_text(code, uploads.usual_header(code), lang),
                    t("data.col.count", lang): n,
                }
                for code, n in preview.rejected_by_reason.items()
            ]
        )
        st.dataframe(reasons, hide_index=True, width="stretch")
    if len(preview.village_months):
        with st.expander(t("data.village_months", lang)):
            table = preview.village_months[["village_code", "period", "file_rows", "stored_rows"]]
            st.dataframe(
                table.rename(
                    columns={c: t(f"data.col.{c}", lang) for c in ("period", "file_rows", "stored_rows")}
                ).rename(columns={"village_code": t("data.col.village", lang)}),
                hide_index=True,
                width="stretch",
            )


def _save(
    kind: str, payload, preview: uploads.Preview, visitor: Visitor, lang: str, accept_valid: bool = False
) -> None:
    root = app_cache.data_dir()
    bar = st.progress(0.0, text=t("data.saving", lang, file=payload[0][0]))
    waiting = st.empty()
    try:
        with uploads.staged(root, payload) as paths:
            result = uploads.run_import(
                kind,
                paths,
                root,
                visitor.user,
                database(),
                preview.regencies,
                progress=lambda fraction, message: bar.progress(min(max(fraction, 0.0), 1.0), text=message),
                on_wait=lambda: waiting.info(t("data.waiting", lang)),
                accept_valid=accept_valid,
            )
    except UserError as error:
        bar.empty()
        waiting.empty()
        st.error(refusal(error, lang))
        return
    st.session_state[_RESULT.format(kind=kind)] = [
        _result_line(kind, summary, name)
        for summary, (name, _data) in zip(result.summaries, payload, strict=True)
    ]
    st.session_state[_PREVIEWS] = {}
    st.session_state[_ROUND.format(kind=kind)] += 1  # an empty uploader: the files are stored
    st.rerun()


def _result_line(kind: str, summary, file_name: str) -> dict:
    if kind == "eppgbm":
        return {
            "file": summary.file_name,
            "stored": summary.rows_stored,
            "rejected": summary.rows_rejected,
            "report": str(summary.rejects_report) if summary.rejects_report else None,
            "import_id": summary.import_id,
            "already": summary.already_imported_on,
        }
    if kind == "programmes":  # a programmes.ImportResult: rows per sheet and the problems left out
        return {
            "file": file_name,
            "sheets": summary.stored,
            "problems": summary.problems,
        }
    name = getattr(summary, "file_name", None) or summary.source.get("source", "")
    return {"file": name, "stored": None, "rejected": 0, "report": None, "import_id": None, "already": None}


def _last_result(kind: str, lang: str) -> None:
    from pathlib import Path

    for number, line in enumerate(st.session_state.get(_RESULT.format(kind=kind), [])):
        if kind == "programmes":
            rows = ", ".join(f"{sheet} {fmt_number(n, lang)}" for sheet, n in line["sheets"].items())
            rejected = fmt_number(len({(p.sheet, p.row) for p in line["problems"]}), lang)
            st.success(t("data.saved_programmes", lang, file=line["file"], rows=rows, rejected=rejected))
            if line["problems"]:
                _show_problems(line["problems"], lang, key=f"problems_saved_{number}")
            continue
        if line["already"]:
            st.info(t("data.already", lang, name=line["file"]))
            continue
        if line["stored"] is None:
            st.success(t("data.saved_other", lang, file=line["file"]))
            continue
        st.success(
            t(
                "data.saved",
                lang,
                file=line["file"],
                stored=fmt_number(line["stored"], lang),
                rejected=fmt_number(line["rejected"], lang),
            )
        )
        if line["report"] and Path(line["report"]).is_file():
            st.markdown(f"**{t('data.rejects', lang)}**")
            st.dataframe(uploads.rejects_table(Path(line["report"]), lang), hide_index=True, width="stretch")
            st.download_button(
                t("data.rejects_download", lang),
                data=uploads.rejects_csv(Path(line["report"]), lang),
                file_name=f"{line['import_id']}-ditolak.csv",
                mime="text/csv",
                key=f"rejects_{line['import_id']}",
                on_click="ignore",
            )


def _history(kind: str, visitor: Visitor, lang: str) -> None:
    from stunting import snapshots

    db = database()
    entries = db.import_history(kind)
    st.markdown(f"#### {t('data.history', lang)}")
    if not entries:
        st.caption(t("data.history.none", lang))
        return
    table = pd.DataFrame(
        [
            {
                t("data.col.at", lang): e["at"].replace("T", " ")[:19],
                t("data.col.actor", lang): e["actor"],
                t("data.col.file", lang): e["file_name"],
                t("data.col.sha256", lang): e["sha256"],
                t("data.col.rows", lang): e["rows_read"],
                t("data.col.replaced", lang): e["rows_stored"],
                t("data.col.state", lang): t("data.state.undone", lang, by=e["undone_by"])
                if e["undone_at"]
                else t("data.state.stored", lang),
            }
            for e in entries
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch")
    last = next((e for e in entries if not e["undone_at"]), None)
    if last is None or not all(visitor.user.may_change(code) for code in last["regencies"]):
        return
    if st.button(
        t("data.undo", lang, file=last["file_name"]),
        key=f"undo_{kind}_{last['id']}",
        help=t("data.undo_help", lang, keep=snapshots.KEEP_SNAPSHOTS),
    ):
        try:
            uploads.undo(last["id"], app_cache.data_dir(), visitor.user, db)
        except UserError as error:
            st.error(refusal(error, lang))
            return
        st.session_state[_RESULT.format(kind=kind)] = []
        st.session_state["_data_undone"] = last["file_name"]
        st.rerun()


def undone_notice(lang: str) -> None:
    name = st.session_state.pop("_data_undone", None)
    if name:
        st.success(t("data.undone", lang, file=name))
