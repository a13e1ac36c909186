"""The public status page and its Atom feed, drawn from a snapshot (services/status.py).

The page's own stylesheet (static/status.css) is one more inline `<style>`, allowed by
its hash (web.content_security_policy `styles`): the page runs no script. The feed is
built with ElementTree (escaping is the library's), RFC 4287 Atom."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from .. import i18n
from ..domain.status import STATE_LABELS
from ..i18n import N_, _
from . import render

# The page's words (issue 19: every page in the visitor's language), marked here and
# translated when the page is rendered. The Atom feed stays English: a feed has one language.
HEADLINES = {"operational": N_("All measured systems operational"), "degraded": N_("Some systems are degraded"),
             "partial_outage": N_("Partial outage"), "major_outage": N_("Major outage"),
             "not_monitored": N_("No component is monitored yet"),
             "no_data": N_("No recent measurements: the checks have gone quiet")}
# domain/status.py STATE_LABELS and COMPONENTS names, as the page shows them
_STATE_WORDS = (N_("Operational"), N_("Degraded performance"), N_("Partial outage"), N_("Major outage"),
                N_("Not monitored"), N_("No recent data"))
_COMPONENT_WORDS = (N_("Verification pages"), N_("API"), N_("LMS hooks"), N_("Wallet"), N_("Mail"))
INCIDENT_STATES = {"investigating": N_("Investigating"), "identified": N_("Identified"),
                   "monitoring": N_("Monitoring"), "resolved": N_("Resolved")}
IMPACTS = {"minor": N_("minor impact"), "major": N_("major impact"), "critical": N_("critical impact")}


@lru_cache(maxsize=1)
def status_css() -> str:
    return (Path(__file__).parent / "static" / "status.css").read_text()


def day_text(d: dict) -> str:
    day = i18n.format_date(d["day"], "medium")
    if d["uptime"] is None:
        return _("%(day)s: no data", day=day)
    return i18n.ngettext("%(day)s: %(uptime)s %% up, %(num)s outage minute of %(measured)s measured",
                         "%(day)s: %(uptime)s %% up, %(num)s outage minutes of %(measured)s measured",
                         d["outage_minutes"], day=day, uptime=d["uptime"],
                         measured=i18n.format_number(d["measured_minutes"]))


def _words(text: str | None) -> str:
    """A marked constant (state, component name) in the page's language; anything else as stored."""
    return _(text) if text else ""


def render_page(snapshot: dict) -> tuple[str, str]:
    """(the page's HTML, its inline CSS)."""
    days = snapshot["days"]
    measured = sum(d["measured_minutes"] for d in days)
    outage = sum(d["outage_minutes"] for d in days)
    uptime = None
    if measured:
        uptime = str((Decimal(measured - outage) * 100 / measured).quantize(Decimal("0.001"), rounding=ROUND_DOWN))
    css = status_css()
    html = render("status.html", s=snapshot, status_css=css, day_text=day_text, uptime=uptime, measured=measured,
                  headline=_words(HEADLINES.get(snapshot["overall"], STATE_LABELS.get(snapshot["overall"], ""))),
                  component_name=lambda c: _words(c["name"]),
                  component_names=lambda names: ", ".join(_words(n) for n in names),
                  state_label=lambda state, label: _words(STATE_LABELS.get(state, label)),
                  incident_state=lambda state: _words(INCIDENT_STATES.get(state, state.capitalize())),
                  impact_label=lambda impact: _words(IMPACTS.get(impact, impact)),
                  bad_days=[d for d in reversed(days) if d["outage_minutes"]])
    return html, css


# ------------------------------------------------------------------ Atom (RFC 4287)

ATOM = "http://www.w3.org/2005/Atom"


def _tag(base: str, date: str, what: str) -> str:
    """A stable entry id (RFC 4151 tag URI): the host, the day the thing was created, its id."""
    return f"tag:{urlsplit(base).hostname},{date[:10]}:status/{what}"


def atom_feed(snapshot: dict, base: str) -> str:
    import xml.etree.ElementTree as ET

    ET.register_namespace("", ATOM)

    def sub(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM}}}{name}", attrs)
        if text is not None:
            el.text = text
        return el

    feed = ET.Element(f"{{{ATOM}}}feed")
    sub(feed, "id", f"{base}/status/feed.atom")
    sub(feed, "title", "Laurel status")
    sub(feed, "subtitle", "Incidents and scheduled maintenance of the Laurel platform")
    sub(feed, "link", rel="self", href=f"{base}/status/feed.atom", type="application/atom+xml")
    sub(feed, "link", rel="alternate", href=f"{base}/status", type="text/html")
    author = sub(feed, "author")
    sub(author, "name", "Laurel operations")
    entries: list[tuple[str, ET.Element]] = []
    for i in snapshot["incidents"]:
        entry = ET.Element(f"{{{ATOM}}}entry")
        sub(entry, "id", _tag(base, i["created_at"], f"incident/{i['id']}"))
        sub(entry, "title", f"[{i['state'].capitalize()}] {i['title']}")
        sub(entry, "published", i["created_at"])
        sub(entry, "updated", i["updated_at"])
        sub(entry, "link", rel="alternate", href=f"{base}/status#incident-{i['id']}", type="text/html")
        for name in i["component_names"]:
            sub(entry, "category", term=name)
        lines = [f"Impact: {i['impact']}. Affected: {', '.join(i['component_names'])}."]
        lines += [f"{u['at']} {u['status'].capitalize()}: {u['message']}" for u in i["updates"]]
        sub(entry, "content", "\n\n".join(lines), type="text")
        entries.append((i["updated_at"], entry))
    for w in snapshot.get("announcements", []):
        entry = ET.Element(f"{{{ATOM}}}entry")
        announced = w.get("announced_at") or w["start"]
        updated = w.get("updated_at") or w.get("cancelled_at") or announced
        cancelled = w.get("state") == "cancelled"
        sub(entry, "id", _tag(base, announced, f"maintenance/{w['id']}"))
        sub(entry, "title", f"{'[Cancelled] ' if cancelled else ''}Scheduled maintenance: {w['reason']}")
        sub(entry, "published", announced)
        sub(entry, "updated", updated)
        sub(entry, "link", rel="alternate", href=f"{base}/status", type="text/html")
        sub(entry, "content", f"From {w['start']} to {w['end']} (UTC)." + (" Cancelled." if cancelled else ""),
            type="text")
        entries.append((updated, entry))
    entries.sort(key=lambda e: e[0], reverse=True)
    sub(feed, "updated", entries[0][0] if entries else snapshot["generated_at"])
    for _updated, entry in entries:
        feed.append(entry)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode")
