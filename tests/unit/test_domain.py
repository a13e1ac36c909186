from datetime import date, datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import credentials as cred_rules
from chalicelib.domain import ids
from chalicelib.domain import templates as tpl_rules
from chalicelib.domain.clock import as_utc, iso, parse_iso
from chalicelib.domain.errors import Conflict

UTC = timezone.utc


@pytest.mark.parametrize(
    "policy, issued, expected",
    [
        ({"unit": "never"}, datetime(2026, 1, 31, tzinfo=UTC), None),
        ({"unit": "days", "amount": 30}, datetime(2026, 1, 31, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC)),
        ({"unit": "months", "amount": 1}, datetime(2026, 1, 31, 9, tzinfo=UTC), datetime(2026, 2, 28, 9, tzinfo=UTC)),
        ({"unit": "months", "amount": 1}, datetime(2028, 1, 31, tzinfo=UTC), datetime(2028, 2, 29, tzinfo=UTC)),
        ({"unit": "months", "amount": 14}, datetime(2026, 11, 15, tzinfo=UTC), datetime(2028, 1, 15, tzinfo=UTC)),
        ({"unit": "years", "amount": 1}, datetime(2028, 2, 29, tzinfo=UTC), datetime(2029, 2, 28, tzinfo=UTC)),
        ({"unit": "years", "amount": 3}, datetime(2026, 6, 1, tzinfo=UTC), datetime(2029, 6, 1, tzinfo=UTC)),
    ],
)
def test_expiry_policy(policy, issued, expected):
    assert tpl_rules.ExpiryPolicy.from_dict(policy).expires_at(issued) == expected


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)), st.integers(0, 600))
def test_add_months_lands_in_the_right_month_and_never_overflows(dt, months):
    result = tpl_rules.add_months(dt, months)
    assert (result.year * 12 + result.month) - (dt.year * 12 + dt.month) == months
    assert result.day <= dt.day
    assert (result.hour, result.minute, result.second) == (dt.hour, dt.minute, dt.second)


def test_template_lifecycle_transitions():
    tpl_rules.check_transition("draft", "active")
    tpl_rules.check_transition("active", "archived")
    tpl_rules.check_transition("draft", "archived")
    for current, target in [("archived", "active"), ("active", "draft"), ("archived", "draft")]:
        with pytest.raises(Conflict):
            tpl_rules.check_transition(current, target)
    with pytest.raises(Conflict):
        tpl_rules.check_can_issue("draft")
    with pytest.raises(Conflict):
        tpl_rules.check_can_issue("archived")
    tpl_rules.check_can_issue("active")


def test_display_status_is_computed_from_dates():
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    assert cred_rules.display_status("accepted", None, now) == "valid"
    assert cred_rules.display_status("accepted", datetime(2026, 11, 22, 13, tzinfo=UTC), now) == "valid"
    assert cred_rules.display_status("accepted", now, now) == "expired"
    assert cred_rules.display_status("revoked", datetime(2020, 1, 1, tzinfo=UTC), now) == "revoked"


def test_accepted_once_accepted():
    assert cred_rules.was_accepted("accepted", "2026-01-01T00:00:00Z")
    assert cred_rules.was_accepted("revoked", "2026-01-01T00:00:00Z")
    assert not cred_rules.was_accepted("revoked", None)
    assert not cred_rules.was_accepted("pending", None)
    assert not cred_rules.was_accepted("rejected", None)


def _fields(status, accepted_at, private, erased_at):
    from types import SimpleNamespace

    return SimpleNamespace(status=status, accepted_at=accepted_at, private=private, erased_at=erased_at)


@given(status=st.sampled_from(cred_rules.STATUSES), accepted_at=st.sampled_from([None, "", "2026-01-01T00:00:00Z"]),
       private=st.sampled_from([None, False, True]), erased_at=st.sampled_from([None, "", "2026-02-01T00:00:00Z"]))
def test_publicity_is_accepted_and_not_private_and_not_erased(status, accepted_at, private, erased_at):
    P = cred_rules.Publicity
    got = cred_rules.publicity(_fields(status, accepted_at, private, erased_at))
    if erased_at:
        assert got is P.ERASED  # whatever else: the person is gone, the issuer's record stays
    elif private or status in ("pending", "rejected") or not accepted_at and status != "accepted":
        assert got is P.HIDDEN
    else:
        assert got is P.PUBLIC


def test_publicity_examples():
    P = cred_rules.Publicity
    at = "2026-01-01T00:00:00Z"
    assert cred_rules.publicity(_fields("accepted", at, None, None)) is P.PUBLIC
    assert cred_rules.publicity(_fields("revoked", at, None, None)) is P.PUBLIC  # revoked, with its reason
    assert cred_rules.publicity(_fields("revoked", at, True, None)) is P.HIDDEN  # ... unless the earner hid it
    assert cred_rules.publicity(_fields("revoked", None, None, None)) is P.HIDDEN  # revoked before acceptance
    assert cred_rules.publicity(_fields("accepted", at, True, None)) is P.HIDDEN
    assert cred_rules.publicity(_fields("pending", None, True, None)) is P.HIDDEN
    assert cred_rules.publicity(_fields("accepted", at, None, at)) is P.ERASED


def test_revocation_rules():
    assert cred_rules.check_revocable("pending") is True
    assert cred_rules.check_revocable("accepted") is True
    assert cred_rules.check_revocable("revoked") is False
    with pytest.raises(Conflict):
        cred_rules.check_revocable("rejected")


def test_credential_ids_are_opaque_and_name_their_tenant():
    tenant = ids.new_tenant_id()
    seen = {ids.new_credential_id(tenant) for _ in range(500)}
    assert len(seen) == 500
    cid = seen.pop()
    t, rand = ids.split_credential_id(cid)
    assert t == tenant and len(rand) == 32  # 32 base32 chars = 160 random bits
    for bad in ["", "x", tenant, f"{tenant}-", f"{tenant}-ABC", "../etc/passwd", f"{tenant}-{rand}x", f"zz-{rand}"]:
        assert ids.split_credential_id(bad) is None


def test_email_hash_normalises_and_hides_the_address():
    assert ids.email_hash(" Ada@Example.COM ") == ids.email_hash("ada@example.com")
    assert "ada" not in ids.email_hash("ada@example.com")


def test_clock_helpers_are_utc_with_z():
    assert iso(datetime(2026, 3, 1, 5, 6, 7, tzinfo=UTC)) == "2026-03-01T05:06:07Z"
    assert parse_iso("2026-03-01T05:06:07Z") == datetime(2026, 3, 1, 5, 6, 7, tzinfo=UTC)
    assert as_utc(date(2027, 1, 2)) == datetime(2027, 1, 2, tzinfo=UTC)
    assert as_utc(datetime(2027, 1, 2, 3)) == datetime(2027, 1, 2, 3, tzinfo=UTC)
