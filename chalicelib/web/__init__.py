"""Server-rendered pages and mail bodies (Jinja2, autoescape on).

Jinja2 is imported on first render so that importing the app stays cheap. The
stylesheet is inlined into each page and allowed by its hash in the CSP, so pages
are self-contained: one response, no external request.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Jinja2 and Chalice load on the first page
    from chalice import Response
    from jinja2 import Environment

_HERE = Path(__file__).parent
HTMX_VERSION = "2.0.11"  # static/htmx.min.js (static/VENDORED.md); console pages ask for ?v=<this>


# The deployment package carries the templates compiled to Python modules (see
# `compile_templates`, run by infra/lambda_package.py): a cold container then imports
# them like any module (their bytecode compiled in too) instead of parsing and
# compiling Jinja source on the first page it serves.
COMPILED = _HERE / "compiled"


def _environment(loader: Any) -> Any:
    """The one Jinja environment's settings (pages, mails, and the compiled package alike).

    Every text a person reads is marked for translation (`{% trans %}…{% endtrans %}`
    or `{{ _("…") }}`, issue 19): the gettext functions are new-style, so the output is
    escaped like any other value and always %-formatted (a literal percent sign is `%%`);
    `trimmed` folds a block's line breaks and indentation, so catalogs hold one line per
    sentence. The language is the one `chalicelib.i18n` holds for the render."""
    from jinja2 import ChainableUndefined, Environment, select_autoescape

    # absolute: infra/lambda_package.py loads this module alone to compile the templates
    from chalicelib import i18n

    env = Environment(
        loader=loader,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=ChainableUndefined,  # optional fields (criteria.url, evidence.name) may be absent
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(i18n.raw_gettext, i18n.raw_ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["html_lang"] = i18n.html_lang
    env.globals["current_locale"] = i18n.current
    env.globals["language_names"] = i18n.NAMES
    env.globals["language_links"] = i18n.language_links
    env.filters["date"] = i18n.format_date  # "2026-12-01…" → "1 December 2026" / "2026年12月1日"
    env.filters["datetime"] = i18n.format_datetime
    env.filters["number"] = i18n.format_number
    env.filters["percent"] = i18n.format_percent
    return env


@lru_cache(maxsize=1)
def _env() -> Environment:
    from jinja2 import FileSystemLoader, ModuleLoader

    loader = ModuleLoader(str(COMPILED)) if COMPILED.is_dir() else FileSystemLoader(str(_HERE / "templates"))
    env = _environment(loader)
    env.globals["stylesheet"] = stylesheet()
    env.globals["htmx_version"] = HTMX_VERSION
    env.globals["copy_script_version"] = COPY_SCRIPT_VERSION
    from ..domain import check_words  # verification reports: checks in plain words (verify_report.html)

    env.globals["check_says"] = check_words.says
    env.globals["verdict_says"] = check_words.verdict_says
    env.globals["verdict_label"] = check_words.verdict_label
    return env


def compile_templates(target: Path) -> int:
    """Compile every template under templates/ into Python modules in `target` (what
    the deployment package ships in `chalicelib/web/compiled/`); returns how many."""
    from jinja2 import FileSystemLoader

    env = _environment(FileSystemLoader(str(_HERE / "templates")))
    names = env.list_templates()
    env.compile_templates(str(target), zip=None, ignore_errors=False)
    return len(names)


@lru_cache(maxsize=1)
def stylesheet() -> str:
    return (_HERE / "static" / "laurel.css").read_text()


def style_hash(css: str) -> str:
    """A CSP source allowing exactly one inline `<style>` element whose text is `css`."""
    digest = hashlib.sha256(css.encode()).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


@lru_cache(maxsize=1)
def _style_hash() -> str:
    return style_hash(stylesheet())


def render(template: str, /, **context: Any) -> str:
    return _env().get_template(template).render(**context)


def _asset_origin() -> str:
    from urllib.parse import urlsplit

    from ..config import get_settings

    parts = urlsplit(get_settings().asset_base_url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(*, scripts: bool = False, styles: tuple[str, ...] = (), copy_script: bool = False) -> str:
    """The public pages run no script at all. The issuer console's pages (`scripts`)
    load one vendored file from their own origin (htmx, routes/console/assets.py) and
    let it fetch fragments from the same origin; still no inline script anywhere.
    `styles`: the texts of further inline `<style>` elements the page carries (a
    dashboard's charts, web/charts.py), each allowed by its hash."""
    imgs = f"'self' {_asset_origin()}"
    own_scripts = "script-src 'self'; connect-src 'self'; " if scripts else ""
    if copy_script and not scripts:  # the copy buttons' static file (COPY_SCRIPT_TEMPLATES): no fetch, no inline
        own_scripts = "script-src 'self'; "
    own_styles = " ".join([_style_hash(), *map(style_hash, styles)])
    return (
        f"default-src 'none'; {own_scripts}style-src {own_styles}; img-src {imgs}; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


def page_headers(*, scripts: bool = False, copy_script: bool = False) -> dict[str, str]:
    """Headers of every HTML page: a strict CSP (inline CSS by hash, images from us and the asset host)."""
    from .. import i18n

    return {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Language": i18n.html_lang(),
        # the page's language is negotiated (app.py middleware: `?lang=`, then Accept-Language): a
        # shared cache must not hand a German page to a Japanese browser (the CDN keys on it too, infra/edge.py)
        "Vary": "Accept-Language",
        "Content-Security-Policy": content_security_policy(scripts=scripts, copy_script=copy_script),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


CONSOLE_TEMPLATES = "console/"  # the console's pages and fragments: the CSP that lets them load htmx
# earner pages with copy buttons (issue 19): they load static/copy.js from our origin (routes/public.py
# serves it); every other public page runs no script at all
COPY_SCRIPT_TEMPLATES = frozenset({"wallet_credential.html", "claim_accepted.html", "wallet_signature.html"})
COPY_SCRIPT_VERSION = "1"  # pages ask for /static/copy.js?v=<this>: a changed script is a new URL


def page(template: str, status: int = 200, headers: dict[str, str] | None = None, /, **context: Any) -> Response:
    """An HTML page response: rendered, with the page headers, never cached."""
    from chalice import Response

    return Response(body=render(template, **context), status_code=status,
                    headers={**page_headers(scripts=template.startswith(CONSOLE_TEMPLATES),
                                            copy_script=template in COPY_SCRIPT_TEMPLATES),
                             "Cache-Control": "no-store", **(headers or {})})
