"""Laurel's routes: one Chalice blueprint per audience (see DESIGN.md).

    public.py        anyone: health, OpenAPI, verification pages, Open Badges documents,
                     verify any badge, imports, the claim link
    issuer_api.py    the issuer API (API key)           webhooks_api.py  its outbound webhooks
    hooks.py         signed LMS deliveries               wallet.py        earners' pages (session)
    ops.py           operations (operator key)           jobs.py          schedules and queue consumers
    local.py         the local stage's outbox            _guards.py       who may call what; refusals
"""
