"""Key builders: the only place that spells Laurel's partition and sort keys."""

from __future__ import annotations

from ..domain.ids import split_credential_id


def tenant_pk(tenant_id: str) -> str:
    return f"T#{tenant_id}"


PROFILE_SK = "PROFILE"


def api_key_sk(key_hash: str) -> str:
    return f"KEY#{key_hash}"


def template_sk(template_id: str) -> str:
    return f"TPL#{template_id}"


def credential_key(credential_id: str) -> tuple[str, str] | None:
    parts = split_credential_id(credential_id)
    if parts is None:
        return None
    tenant_id, rand = parts
    return f"T#{tenant_id}#C#{rand}", "C"


def recipient_slot_key(tenant_id: str, email_hash: str, template_id: str) -> tuple[str, str]:
    return f"T#{tenant_id}#R#{email_hash}", f"TPL#{template_id}"


def counter_sk(name: str) -> str:
    return f"COUNTER#{name}"


def status_list_sk(list_no: int) -> str:
    return f"STATUSLIST#{list_no}"


def revocations_pk(tenant_id: str) -> str:
    return f"T#{tenant_id}#REVOKED"


PLATFORM_PK = "PLATFORM"


def signing_key_sk(kid: str) -> str:
    return f"SIGNKEY#{kid}"


def tenant_credentials_pk(tenant_id: str) -> str:
    return f"T#{tenant_id}#C"


def email_pk(email_hash: str) -> str:
    return f"E#{email_hash}"


def email_sk_prefix(tenant_id: str, template_id: str | None = None) -> str:
    return f"T#{tenant_id}#" + (f"{template_id}#" if template_id else "")


def expiry_pk(day: str) -> str:
    return f"X#{day}"


def lms_events_pk(tenant_id: str, integration_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#LMSEV#{integration_id}"


def scheduled_pk(tenant_id: str, template_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#SCHED#{template_id}"


def job_failures_pk(tenant_id: str, job_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#JOB#{job_id}"


def idempotency_pk(tenant_id: str) -> str:
    """Powertools Idempotency records of a tenant (its static partition key)."""
    return f"{tenant_pk(tenant_id)}#IDEMPOTENCY"


# ------------------------------------------------------------------ audit log (store/audit_models.py)


def tenant_audit_pk(tenant_id: str) -> str:
    return f"T#{tenant_id}#AUDIT"


OPS_AUDIT_PK = "OPS#AUDIT"


def audit_day_pk(day: str) -> str:
    """by_tenant partition holding every audit entry of one UTC day (YYYY-MM-DD)."""
    return f"AUDIT#{day}"


# ------------------------------------------------------------------ console members (store/member_models.py)


def member_sk(member_id: str) -> str:
    return f"MEMBER#{member_id}"


MEMBER_SK_PREFIX = "MEMBER#"
MEMBER_COUNT_SK = "MEMBERS"
SSO_SK = "SSO"


def member_email_key(email_hash: str, tenant_id: str) -> tuple[str, str]:
    return f"MEMBEREMAIL#{email_hash}", tenant_pk(tenant_id)


def member_email_pk(email_hash: str) -> str:
    return f"MEMBEREMAIL#{email_hash}"


def console_session_key(session_hash: str) -> tuple[str, str]:
    return f"CSESSION#{session_hash}", "S"


def member_sessions_pk(tenant_id: str, member_id: str) -> str:
    """by_tenant partition listing one member's console sessions."""
    return f"{tenant_pk(tenant_id)}#MSESSIONS#{member_id}"


def sso_domain_key(domain: str) -> tuple[str, str]:
    """One item per e-mail domain whatever the organization: its key names the domain
    alone, so a conditional write on it is what keeps a domain to one organization."""
    return f"SSODOMAIN#{domain}", "D"


def sso_state_key(state_hash: str) -> tuple[str, str]:
    return f"SSOSTATE#{state_hash}", "S"
