"""The console's role matrix and member rules (pure)."""

from __future__ import annotations

import pytest

from chalicelib.domain import members as rules
from chalicelib.domain.errors import Conflict, Forbidden


def member(role: str, **kw) -> rules.Member:
    return rules.Member(tenant_id="0123456789abcdef", member_id="fedcba9876543210", email="m@acme.example", role=role,
                        **kw)


def test_admins_may_do_everything_read_only_members_only_look():
    by_role = {a: r for a, r in rules.MATRIX.items() if a not in rules.GRANTED}  # grants: below
    for action in by_role:
        assert rules.allowed("admin", action), action
    looks = {a for a in by_role if a.endswith(".view")}
    assert {a for a in by_role if rules.allowed("read_only", a)} == looks
    # issuers also file support requests, so they reach the Administration section's index
    assert {a for a in by_role if rules.allowed("issuer", a)} == looks | {
        "credentials.issue", "credentials.resend", "support.request", "admin.index"}


def test_workforce_and_recruiting_need_their_grant_whatever_the_role():
    for role in rules.ROLES:
        bare = member(role)
        assert not any(bare.may(a) for a in rules.GRANTED), role
        with pytest.raises(Forbidden) as refused:
            rules.require(bare, "talent.search")
        assert "recruiting permission" in refused.value.message
        workforce = member(role, grants=frozenset({"workforce"}))
        assert workforce.may("workforce.view") and workforce.may("workforce.manage")
        assert not workforce.may("talent.search") and not workforce.may("talent.contact")
        recruiting = member(role, grants=frozenset({"recruiting"}))
        assert recruiting.may("talent.search") and recruiting.may("talent.contact")
        assert not recruiting.may("workforce.view")


def test_only_known_grants_are_given():
    assert rules.check_grants(["recruiting", "workforce", "recruiting"]) == ["workforce", "recruiting"]
    with pytest.raises(Exception) as refused:
        rules.check_grants(["everything"])
    assert getattr(refused.value, "code", None) == "invalid_grant"


def test_an_unknown_action_is_a_programming_error_not_a_refusal():
    with pytest.raises(KeyError):
        rules.allowed("admin", "credentials.delete_everything")


def test_require_refuses_with_403():
    with pytest.raises(Forbidden) as refused:
        rules.require(member("read_only"), "credentials.issue")
    assert refused.value.code == "not_allowed" and refused.value.status == 403


def test_issuers_issue_from_their_templates_only():
    everything = member("issuer")
    listed = member("issuer", templates=("aaaaaaaaaaaaaaaa",))
    assert everything.may_issue_from("bbbbbbbbbbbbbbbb")
    assert listed.may_issue_from("aaaaaaaaaaaaaaaa") and not listed.may_issue_from("bbbbbbbbbbbbbbbb")
    assert member("admin", templates=("aaaaaaaaaaaaaaaa",)).may_issue_from("bbbbbbbbbbbbbbbb")
    assert not member("read_only").may_issue_from("aaaaaaaaaaaaaaaa")
    with pytest.raises(Forbidden):
        rules.require_template(listed, "bbbbbbbbbbbbbbbb")


def test_personal_data_is_hidden_from_read_only_members_without_the_grant():
    assert not member("read_only").sees_personal_data
    assert member("read_only", view_personal_data=True).sees_personal_data
    assert member("issuer").sees_personal_data and member("admin").sees_personal_data
    assert rules.mask_email("grace@example.com") == "g***@example.com"
    assert rules.mask_name("Grace", "Hopper") == "G. H."


def test_an_organization_keeps_an_admin():
    rules.check_role_change(1)
    with pytest.raises(Conflict) as refused:
        rules.check_role_change(0)
    assert refused.value.code == "last_admin"
