"""The paths one invalidation names (services/cdn.paths_for): every cached answer of the
credentials it is for, inside CloudFront's quotas on invalidations in progress (15 wildcard
paths, 3,000 others), however many credentials one write touched."""

from __future__ import annotations

from chalicelib.services.cdn import MAX_PATHS, MAX_WILDCARDS, paths_for


def test_one_credential_names_its_page_documents_and_its_issuers_lists():
    assert paths_for([("t1", "t1-abc", 2)]) == [
        "/assets/baked/t1/t1-abc/*", "/assets/status/t1/2.json", "/assets/status/t1/2.jwt", "/badges/t1-abc*", "/ob/v2/assertions/t1-abc",
        "/ob/v2/assertions/t1-abc/badge", "/ob/v2/issuers/t1/revocations", "/ob/v3/credentials/t1-abc",
        "/ob/v3/credentials/t1-abc.jwt"]
    # a credential without a status list slot (issued before lists existed) has no list to name
    assert not [p for p in paths_for([("t1", "t1-abc", None)]) if p.startswith("/assets/status/")]


def test_a_few_credentials_keep_their_own_wildcards_more_share_two():
    few = paths_for([("t", f"t-{i}", 0) for i in range(2)])
    assert [p for p in few if p.endswith("*")] == ["/assets/baked/t/t-0/*", "/assets/baked/t/t-1/*", "/badges/t-0*",
                                                   "/badges/t-1*"]
    many = paths_for([("t", f"t-{i}", 0) for i in range(4)])  # 8 wildcards would be more than MAX_WILDCARDS
    assert [p for p in many if p.endswith("*")] == ["/assets/baked*", "/badges/*"]
    assert all(f"/ob/v3/credentials/t-{i}" in many for i in range(4))


def test_thousands_of_credentials_stay_inside_the_quotas():
    for tenants in (1, 700):
        paths = paths_for([(f"t{i % tenants}", f"t-{i}", i % 3) for i in range(5000)])
        wildcards = [p for p in paths if p.endswith("*")]
        assert len(wildcards) <= MAX_WILDCARDS, wildcards
        assert len(paths) - len(wildcards) <= MAX_PATHS
        assert {"/badges/*", "/assets/baked*", "/ob/v2/assertions/*", "/ob/v3/credentials/*"} <= set(wildcards)
    # lists of 700 tenants (2,100 paths) become the two families
    assert {"/ob/v2/issuers/*", "/assets/status/*"} <= set(paths)
