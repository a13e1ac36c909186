"""Demo data for `make run`: an issuer, an active template with a generated badge
image, and one credential waiting to be claimed; and (issue 20) a small skills network,
so the demo earner sees their skills with the network's insights: a second issuer
whose credential the demo earner and NETWORK_SIZE other demo earners accepted, sharing
the demo template's skills (more than the minimum group of 10, so nothing is hidden).
Goes through the same services as the API and the wallet do."""

from __future__ import annotations

import io


def badge_png(label: str = "LAUREL", size: int = 400) -> bytes:
    """A simple round badge drawn with Pillow."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.ellipse((8, 8, size - 8, size - 8), fill=(44, 79, 184, 255), outline=(242, 183, 5, 255), width=14)
    draw.ellipse((60, 60, size - 60, size - 60), outline=(255, 255, 255, 200), width=4)
    box = draw.textbbox((0, 0), label)
    w, h = box[2] - box[0], box[3] - box[1]
    draw.text(((size - w) / 2, (size - h) / 2), label, fill=(255, 255, 255, 255))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


DEMO_ADMIN = "admin@academy.example.org"


def seed(recipient: str = "ada.lovelace@example.com", admin: str = DEMO_ADMIN) -> dict:
    from . import schemas
    from .services import credentials, issuers, templates

    issuer, api_key = issuers.create_issuer(
        schemas.IssuerIn.model_validate({"name": "Analytical Engines Academy", "url": "https://academy.example.org",
                                         "email": "credentials@academy.example.org",
                                         "linkedin_organization_id": "1337"})
    )
    tenant_id = issuer["id"]
    issuers.set_logo(tenant_id, badge_png("AEA", 200))
    template = templates.create(
        tenant_id,
        schemas.TemplateIn.model_validate({
            "name": "Certified Cloud Practitioner",
            "description": "Holders understand serverless architecture on AWS and can design, deploy and operate it.",
            "criteria": {"narrative": "Passed the final assessment with a score of at least 80 %.",
                         "url": "https://academy.example.org/courses/cloud-practitioner"},
            "skills": ["Serverless", "AWS Lambda", "DynamoDB"],
            "kind": "certification",
            "expiry": {"unit": "years", "amount": 2},
        }),
    )
    templates.set_image(tenant_id, template["id"], badge_png("CLOUD"))
    templates.activate(tenant_id, template["id"])
    credential = credentials.issue(
        tenant_id,
        schemas.IssueIn.model_validate({
            "template_id": template["id"], "email": recipient, "first_name": "Ada", "last_name": "Lovelace",
            "evidence": [{"name": "Final project", "url": "https://academy.example.org/projects/42",
                          "narrative": "Designed a serverless credential platform."}],
        }),
    )
    from .services import members

    # signs in at /console/signin; holds the workforce and recruiting permissions (issue 20's demo)
    members.add_first_admin(tenant_id, admin, name="Demo Admin", grants=["workforce", "recruiting"])
    _skills_network(recipient)
    return {"tenant_id": tenant_id, "api_key": api_key, "template_id": template["id"], "console_admin": admin,
            "credential_id": credential["id"], "verification_url": credential["verification_url"]}


NETWORK_SIZE = 12  # other demo earners: above domain/skills.MIN_GROUP (10), so the insights show
NETWORK_SKILLS = ["Serverless", "AWS Lambda", "DynamoDB", "Python"]


def _skills_network(recipient: str) -> None:
    """A second issuer's credential, accepted by the demo earner and NETWORK_SIZE others
    (each an account, as a first sign-in makes it, accepting in the wallet: the real
    write path of the skill profile and its aggregates). No mail is sent for them."""
    from . import schemas
    from .domain import ids
    from .services import credentials, issuers, templates, wallet

    issuer, _ = issuers.create_issuer(schemas.IssuerIn.model_validate(
        {"name": "Open Cloud Guild", "url": "https://guild.example.org", "email": "badges@guild.example.org"}))
    tenant_id = issuer["id"]
    template = templates.create(tenant_id, schemas.TemplateIn.model_validate({
        "name": "Serverless Data Engineering",
        "description": "Builds data pipelines on serverless services.",
        "criteria": {"narrative": "Built and operated a serverless data pipeline for a term."},
        "skills": NETWORK_SKILLS, "kind": "micro-credential", "expiry": {"unit": "years", "amount": 3}}))
    templates.set_image(tenant_id, template["id"], badge_png("DATA"))
    templates.activate(tenant_id, template["id"])
    people = [(recipient, "Ada", "Lovelace")] + [(f"engineer{n:02d}@example.com", "Engineer", f"{n:02d}")
                                                  for n in range(1, NETWORK_SIZE + 1)]
    for n, (email, first, last) in enumerate(people):
        # first seen: all 13 in 2026's first quarter (a quarter under 10 would be hidden, and
        # so would the others, as holders minus the shown quarters would name it)
        month = 1 + n % 3
        credential = credentials.issue(tenant_id, schemas.IssueIn.model_validate({
            "template_id": template["id"], "email": email, "first_name": first, "last_name": last,
            "issued_at": f"2026-{month:02d}-15T09:00:00Z", "suppress_email": True}))
        earner_id = wallet.sign_in(email, ids.email_hash(email))
        wallet.decide(earner_id, credential["id"], "accept")
