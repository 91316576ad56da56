"""``renkei publish``: a static listing site from any number of result folders.

Layout of ``SITE``::

    index.html, index.en.html          products x profiles x roles x versions, filters and search
    products/<product>/<version>.html  one product version: its history, a link to each report (+ .en.html)
    results/<id>/                      the published result folders, copied whole (so they still verify)
    feed.json, feed.schema.json, feed.csv, badges/<product>.svg

Why it is built this way: the site must work offline from the folder (relative links, one inline
script allowed by its hash, no server), be the same bytes for the same inputs (sorted records, no
build time; ``as_of`` is an input), only grow when one more result is published (the results already
in ``SITE/results`` are inputs too), and never carry personal data: a result whose report was not
written with ``--redact`` is listed with its verdict but its folder is not copied, unless the
operator allows it. The site is written aside and moved into place, so a reader never sees half.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from renkei.harness.core.atomic import write_dir_with
from renkei.reports.site import badge as B
from renkei.reports.site import feed as F
from renkei.reports.site.records import Record, SiteError, read_record
from renkei.reports.site.script import FILTER_SCRIPT
from renkei.reports.site.status import DEFAULT_VALIDITY_MONTHS, assign
from renkei.reports.site.words import WORDS, family, word

RESULTS_DIR = "results"
MAX_RESULTS = 100_000


@dataclass(frozen=True)
class Published:
    site: Path
    records: int
    new: int
    withheld: int  # listed without their report (not redacted)
    signature_problems: list[str]  # tampered or unknown-key results, named


def _inputs(folders: list[Path], site: Path) -> list[Path]:
    """The given folders plus those the site already holds; the same result twice counts once (by id)."""
    held = sorted(p for p in (site / RESULTS_DIR).iterdir() if p.is_dir()) if (site / RESULTS_DIR).is_dir() else []
    out: list[Path] = []
    for folder in [*folders, *held]:
        if not folder.is_dir():
            raise SiteError(f"{folder}: not a folder (give result folders, each holding a result.json)")
        out.append(folder)
    if len(out) > MAX_RESULTS:
        raise SiteError(f"more than {MAX_RESULTS} results; split the listing")
    return out


@cache
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("renkei.reports.site", "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


@cache
def _css() -> str:
    return resources.files("renkei.reports.site").joinpath("static/site.css").read_text("utf-8")


def _script_hash() -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(FILTER_SCRIPT.encode("utf-8")).digest()).decode("ascii")


def _date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def _product_href(r: Record, root: str, lang: str) -> str:
    suffix = ".html" if lang == "ja" else ".en.html"
    return f"{root}products/{r.product_key}/{r.version_key}{suffix}"


def _row(r: Record, lang: str, root: str, reports: dict[str, str | None]) -> dict[str, Any]:
    title = (r.profile_title_ja if lang == "ja" else r.profile_title) or r.profile_id
    report = reports.get(r.id)
    search = " ".join([r.product, r.product_version, r.vendor, r.profile_id, title, r.standard,
                       word("family_" + family(r.profile_id), lang)]).lower()
    c = {k: r.counts.get(k, 0) for k in ("passed", "failed", "warnings", "errors", "skipped")}
    return {"family": family(r.profile_id), "role": r.role, "verdict": r.verdict, "status": r.status,
            "search": search, "product": r.product, "vendor": r.vendor, "product_version": r.product_version,
            "product_href": _product_href(r, root, lang), "profile_title": title, "profile_id": r.profile_id,
            "profile_version": r.profile_version, "counts_text": word("counts", lang, **c), "date": _date(r.finished_at),
            "suite_version": r.suite_version, "signature": r.signature, "signature_detail": r.signature_detail,
            "report_href": f"{root}{report}" if report else None}


def _page(template: str, lang: str, **values: Any) -> bytes:
    html = _env().get_template(template).render(
        lang=lang, w=lambda key, **kw: word(key, lang, **kw), css=_css(), script=FILTER_SCRIPT,
        script_hash=_script_hash(), **values)
    return html.encode("utf-8")


def _filters(records: list[Record], lang: str) -> list[tuple[str, list[tuple[str, str]]]]:
    families = sorted({family(r.profile_id) for r in records})
    roles = sorted({r.role for r in records})
    return [("standard", [(f, word("family_" + f, lang)) for f in families]),
            ("role", [(x, word("role_" + x, lang)) for x in roles]),
            ("verdict", [(v, word("verdict_" + v, lang)) for v in ("pass", "fail", "interrupted")]),
            ("status", [(s, word("status_" + s, lang)) for s in ("current", "expired", "superseded")])]


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def publish(folders: list[Path], site: Path, *, keyring: dict[str, Ed25519PublicKey] | None = None,
            as_of: datetime | None = None, validity_months: int = DEFAULT_VALIDITY_MONTHS,
            allow_unredacted: bool = False) -> Published:
    """Build (or grow) the listing site at ``site`` from result folders."""
    if validity_months < 1:
        raise SiteError(f"the validity must be at least one month, not {validity_months}")
    when = (as_of or datetime.now(UTC)).astimezone(UTC)
    _refuse_foreign_folder(site)
    before = {p.name for p in (site / RESULTS_DIR).iterdir()} if (site / RESULTS_DIR).is_dir() else set()
    records: dict[str, Record] = {}
    for folder in _inputs(folders, site):
        record = read_record(folder, keyring)
        records.setdefault(record.id, record)
    listed = sorted(records.values(), key=F.sort_key)
    assign(listed, as_of=when, validity_months=validity_months)
    reports = {r.id: (f"{RESULTS_DIR}/{r.id}/report.html" if (r.redacted or allow_unredacted)
                      and (r.folder / "report.html").is_file() else None) for r in listed}

    def produce(tmp: Path) -> None:
        for r in listed:
            if reports[r.id] is not None or (r.redacted or allow_unredacted):
                shutil.copytree(r.folder, tmp / RESULTS_DIR / r.id, symlinks=False)
        data = F.feed(listed, as_of=when, validity_months=validity_months, reports=reports)
        _write(tmp / "feed.json", F.feed_json(data))
        _write(tmp / "feed.csv", F.feed_csv(data))
        _write(tmp / "feed.schema.json", F.feed_json(F.schema()))
        for lang, name, other in (("ja", "index.html", "index.en.html"), ("en", "index.en.html", "index.html")):
            rows = [_row(r, lang, "", reports) for r in listed]
            _write(tmp / name, _page("index.html.j2", lang, title=word("site_title", lang), other_lang_href=other,
                                     rows=rows, filters=_filters(listed, lang), as_of=_date(when),
                                     validity=validity_months, generator=_generator(listed)))
        _product_pages(tmp, listed, reports)

    write_dir_with(site, produce, overwrite=True)
    problems = [f"{r.folder}: {r.signature_detail}" for r in listed if r.signature in ("tampered", "unknown_key")]
    return Published(site=site, records=len(listed), new=len({r.id for r in listed} - before),
                     withheld=sum(1 for r in listed if reports[r.id] is None), signature_problems=problems)


def _refuse_foreign_folder(site: Path) -> None:
    """Publishing replaces ``site``: refuse a non-empty folder that is not a listing renkei wrote."""
    if site.is_dir() and any(site.iterdir()):
        try:
            ours = json.loads((site / "feed.json").read_text("utf-8")).get("format") == F.FORMAT
        except (OSError, ValueError, AttributeError):
            ours = False
        if not ours:
            raise SiteError(f"{site} is a non-empty folder that is not a renkei listing; give a new or empty "
                            "folder (publishing replaces its contents)")
    elif site.exists() and not site.is_dir():
        raise SiteError(f"{site} exists and is not a folder")


def _generator(records: list[Record]) -> str:
    """The newest renkei version among the inputs (not this process's: the same inputs, the same bytes)."""
    versions = sorted({r.suite_version for r in records if r.suite_version})
    return versions[-1] if versions else ""


def _product_pages(tmp: Path, listed: list[Record], reports: dict[str, str | None]) -> None:
    by_product: dict[str, list[Record]] = {}
    for r in listed:
        by_product.setdefault(r.product_key, []).append(r)
    for key, records in by_product.items():
        versions = sorted({r.version_key: r.product_version for r in records}.items(), key=lambda kv: kv[1])
        newest = max(records, key=lambda r: (r.finished_at, r.id)).version_key
        current = [r for r in records if r.version_key == newest and r.status == "current"]
        _write(tmp / "badges" / f"{key}.svg", B.badge_svg(current).encode("utf-8"))
        for vkey, label in versions:
            rows_of = sorted((r for r in records if r.version_key == vkey),
                             key=lambda r: (r.profile_id, r.role, r.finished_at, r.id), reverse=False)
            sample = rows_of[0]
            for lang, suffix, other in (("ja", ".html", ".en.html"), ("en", ".en.html", ".html")):
                about = [word("about_" + f, lang) for f in sorted({family(r.profile_id) for r in rows_of})]
                page = _page(
                    "product.html.j2", lang, title=f"{sample.product} {label}".strip(), root="../../",
                    index_name="index.html" if lang == "ja" else "index.en.html",
                    other_lang_href=f"{vkey}{other}", vendor=sample.vendor, version=label, badge=f"{key}.svg",
                    versions=[{"label": lab or "—", "href": f"{vk}{suffix}", "current": vk == vkey}
                              for vk, lab in versions],
                    rows=[_row(r, lang, "../../", reports) for r in rows_of], about=[a for a in about if a],
                    generator=_generator(listed))
                _write(tmp / "products" / key / f"{vkey}{suffix}", page)


def feed_of(site: Path) -> dict[str, Any]:
    """The site's feed, parsed (for tests and for `renkei publish` to say what it wrote)."""
    return json.loads((site / "feed.json").read_text("utf-8"))


__all__ = ["publish", "Published", "SiteError", "WORDS", "feed_of"]
