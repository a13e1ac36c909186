"""Demo data for `make run`: an issuer, an active template with a generated badge
image, and one credential waiting to be claimed. Goes through the same services
as the API does."""

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
    return {"tenant_id": tenant_id, "api_key": api_key, "template_id": template["id"], "console_admin": admin,
            "credential_id": credential["id"], "verification_url": credential["verification_url"]}
