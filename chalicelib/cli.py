"""Operator commands.

    python -m chalicelib.cli init                    create table, bucket and SES sender (idempotent)
    python -m chalicelib.cli create-issuer --name N --url U --email E [--linkedin-org-id ID] [--admin-email A]
    python -m chalicelib.cli create-api-key --tenant T [--label L]
    python -m chalicelib.cli revoke-api-key --tenant T --key-id K
    python -m chalicelib.cli seed-demo [--json]
    python -m chalicelib.cli rotate-keys --kind ed25519 | --kind rsa --kms-key-id K
    python -m chalicelib.cli canary                  the uptime canary credential the probes verify (idempotent)
    python -m chalicelib.cli offboard --tenant T                  dry run: what goes, what stays, a token
    python -m chalicelib.cli offboard --tenant T --confirm TOKEN  delete (continues on the bulk worker)
    python -m chalicelib.cli offboard --tenant T --status | --continue

API keys are printed once; only their hashes are stored.
"""

from __future__ import annotations

import argparse
import json
import sys


def init_resources() -> None:
    """Local and test set-up of what infra/ provides in a deployment (idempotent)."""
    from .adapters import aws, kms, mail, objects, secrets
    from .config import get_settings
    from .services import signing
    from .store import openbadges
    from .store.schema import create_table

    settings = get_settings()
    create_table(aws.client("dynamodb"), settings.table_name)
    objects.ensure_bucket()
    mail.ensure_sender_identity()
    secrets.ensure_signing_material(settings.secret_id)
    secrets.ensure_secret(settings.ed25519_secret_id, "Laurel Ed25519 (Data Integrity) seeds")
    from .adapters import queue

    queue.ensure_queue(settings.bulk_queue, f"{settings.bulk_queue}-dlq")
    queue.ensure_queue(queue.events_queue_name(), queue.events_dlq_name(), visibility_timeout=720)
    if not openbadges.signing_keys():
        signing.register_rsa_key(kms.create_rsa_signing_key(f"Laurel {settings.stage} VC-JWT signing"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.cli", description="Laurel operator commands")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create the table, bucket and SES sender identity")
    p = sub.add_parser("create-issuer", help="create an issuer and print its first API key once")
    p.add_argument("--name", required=True)
    p.add_argument("--url", required=True)
    p.add_argument("--email", required=True)
    p.add_argument("--linkedin-org-id")
    p.add_argument("--admin-email", help="the organization's first console admin (invited by mail)")
    p = sub.add_parser("create-api-key", help="add an API key to an issuer")
    p.add_argument("--tenant", required=True)
    p.add_argument("--label")
    p = sub.add_parser("revoke-api-key", help="revoke one API key of an issuer")
    p.add_argument("--tenant", required=True)
    p.add_argument("--key-id", required=True)
    p = sub.add_parser("rotate-signing-key", help="register a KMS key as the new VC-JWT key (old keys stay published)")
    p.add_argument("--kms-key-id", required=True)
    p = sub.add_parser("rotate-keys", help="rotate a signing key: a new Ed25519 generation, or a KMS RSA key "
                                           "as the VC-JWT key (every old public key stays published)")
    p.add_argument("--kind", required=True, choices=("ed25519", "rsa"))
    p.add_argument("--kms-key-id", help="the KMS RSA signing key to make active (--kind rsa)")
    p = sub.add_parser("create-operator-key", help="print a new operator key (for /ops routes) once")
    p.add_argument("--label")
    sub.add_parser("sweep-expiry", help="run the expiry sweep now")
    sub.add_parser("probe", help="run the uptime probe once")
    sub.add_parser("canary", help="create the uptime canary credential the probes verify, once (idempotent)")
    p = sub.add_parser("offboard", help="offboard a tenant: a dry run first, then --confirm with its token")
    p.add_argument("--tenant", required=True)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--confirm", metavar="TOKEN")
    mode.add_argument("--status", action="store_true")
    mode.add_argument("--continue", dest="resume", action="store_true")
    p = sub.add_parser("seed-demo", help="create demo issuer, template and credential")
    p.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from pydantic import ValidationError

    from .domain.errors import LaurelError

    try:
        if args.command == "init":
            init_resources()
            print("table, bucket and sender identity are ready")
        elif args.command == "create-issuer":
            from .schemas import IssuerIn
            from .services import issuers

            data = IssuerIn(name=args.name, url=args.url, email=args.email,
                            linkedin_organization_id=args.linkedin_org_id)
            made = issuers.create_organization(data, args.admin_email)
            print(f"issuer {made['issuer']['id']} created")
            print(f"API key (shown once, store it now): {made['api_key']}")
            if made["admin"]:
                print(f"console admin {made['admin']['email']} invited until {made['admin']['expires_at'][:10]}: "
                      "they sign in at /console/signin with that address")
        elif args.command == "create-api-key":
            from .services import issuers

            issuers.get_profile(args.tenant)
            key, view = issuers.create_api_key(args.tenant, label=args.label)
            print(f"API key {view['id']} (shown once, store it now): {key}")
        elif args.command == "revoke-api-key":
            from .services import issuers

            view = issuers.revoke_api_key(args.tenant, args.key_id)
            print(f"API key {view['id']} revoked at {view['revoked_at']}")
        elif args.command == "rotate-signing-key":
            from .services import signing

            print(f"active signing key is now {signing.register_rsa_key(args.kms_key_id)}")
        elif args.command == "rotate-keys":
            from .services import audit, signing

            if (args.kind == "rsa") != bool(args.kms_key_id):
                print("error: --kms-key-id is required with --kind rsa, and only with it", file=sys.stderr)
                return 2
            result = signing.rotate(args.kind, args.kms_key_id)
            audit.record_cli("rotate-keys", result)
            print(json.dumps(result))
        elif args.command == "create-operator-key":
            from .services import ops

            print(f"operator key (shown once, store it now): {ops.create_operator_key(args.label)}")
        elif args.command == "sweep-expiry":
            from .services import expiry

            print(json.dumps(expiry.sweep()))
        elif args.command == "probe":
            from .services import probes

            print(json.dumps(probes.run()))
        elif args.command == "canary":
            from .services import canary

            print(json.dumps(canary.ensure(), indent=2))
        elif args.command == "offboard":
            from .services import offboarding

            if args.confirm:
                result = offboarding.confirm(args.tenant, args.confirm)
            elif args.status:
                result = offboarding.status(args.tenant)
            elif args.resume:
                result = offboarding.resume(args.tenant)
            else:
                result = offboarding.dry_run(args.tenant)
            print(json.dumps(result, indent=2))
        elif args.command == "seed-demo":
            from .demo import seed

            result = seed()
            print(json.dumps(result) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))
    except ValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except LaurelError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
