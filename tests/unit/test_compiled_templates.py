"""The deployment package ships the Jinja templates compiled to Python modules; they
must render exactly what the templates' source renders."""

from __future__ import annotations

from chalicelib import web


def test_compiled_templates_render_what_the_sources_render(tmp_path):
    from jinja2 import FileSystemLoader, ModuleLoader

    count = web.compile_templates(tmp_path)
    assert count >= 20 and len(list(tmp_path.glob("tmpl_*.py"))) == count
    source = web._environment(FileSystemLoader(str(web._HERE / "templates")))
    compiled = web._environment(ModuleLoader(str(tmp_path)))
    context = {
        "stylesheet": "body{}",
        "c": {"id": "abc", "url": "https://laurel.test/badges/abc", "status": "revoked", "revoked_at": "2026-01-02T00:00:00Z",
              "revocation_reason": "<script>alert(1)</script>", "recipient": {"name": "Grace Hopper"},
              "issued_at": "2026-01-01T00:00:00Z", "expires_at": None,
              "issuer": {"name": "Acme", "url": "https://acme.example", "logo_url": None},
              "badge": {"name": "Data Steward", "description": "Tidy data", "criteria": {"narrative": "Pass"},
                        "skills": ["SQL"], "kind": "badge", "image_url": None}, "evidence": []},
        "verify_action": "https://laurel.test/verify",
        "title": "Not found", "message": "nothing here", "link": None,
    }
    for name in ("verify.html", "message.html"):
        expected = source.get_template(name).render(**context)
        assert compiled.get_template(name).render(**context) == expected
        assert "&lt;script&gt;" in expected or name != "verify.html"  # autoescape holds in both
