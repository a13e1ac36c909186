"""Issue 19 item 4, the profile: a chosen vanity address (`/u/<name>`: unique, changeable,
the old one redirects for 90 days), headline and photo, a public profile that counts only
valid credentials and groups expired ones; and the earner's language setting (every
wallet page in it; mail finds it by address in one read). With what an attacker tries:
another earner's session, forged forms, private, restricted and erased profiles."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from datetime import timedelta

import pytest
from PIL import Image
from urllib3 import encode_multipart_formdata

from chalicelib.domain import ids
from chalicelib.domain.errors import Conflict
from chalicelib.services import clock
from tests.aws_calls import recording
from tests.conftest import body, list_bucket, scan_table
from tests.helpers import Browser, active_template, csrf_of, issue, new_issuer, post, sign_in

GRACE, ALAN = "grace@example.com", "alan@example.com"
IMG_ACCEPT = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"  # what Chromium asks an <img> with


@pytest.fixture()
def issuer(client):
    _, key = new_issuer()
    return key, active_template(client, key)


def _earner_id(email: str) -> str:
    return next(i for i in scan_table() if i["pk"] == f"EMAIL#{ids.email_hash(email)}")["earner_id"]


def _earner(earner_id: str) -> dict:
    return next(i for i in scan_table() if i["pk"] == f"EARNER#{earner_id}" and i["sk"] == "PROFILE")


def _csrf(b: Browser) -> str:
    return csrf_of(b.text(b.get("/wallet/settings")))


def _signed_in(client, email: str = GRACE, *, public: bool = True, name: str | None = None,
               headline: str = "") -> Browser:
    b = Browser(client)
    sign_in(b, email)
    if public:
        res = b.post("/wallet/settings/profile", {"display_name": email.split("@")[0].title(), "profile": "public",
                                                  "headline": headline, "csrf": _csrf(b)})
        assert res.status_code == 303, res.body
    if name:
        res = _set_name(b, name)
        assert res.status_code == 303, b.text(res)
    return b


def _set_name(b: Browser, name: str, csrf: str | None = None):
    return b.post("/wallet/settings/name", {"name": name, "csrf": csrf or _csrf(b)})


def _upload(b: Browser, data: bytes, *, csrf: str | None = None, filename: str = "me.jpg",
            content_type: str = "image/jpeg"):
    fields: dict = {"photo": (filename, data, content_type)}
    if csrf != "":
        fields["csrf"] = csrf or _csrf(b)
    payload, ctype = encode_multipart_formdata(fields)
    return b._keep(b.client.http.post("/wallet/settings/photo", headers=b._headers({"Content-Type": ctype}),
                                      body=payload))


def _photo_with_exif(size=(1200, 800)) -> bytes:
    img = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x8825] = {2: (51.0, 30.0, 0.0), 1: "N"}  # GPSInfo: latitude
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _get(client, path: str, **headers):
    return client.http.get(path, headers=headers)


def _move_clock(monkeypatch, delta: timedelta) -> None:
    """Every service reads the time through services/clock.py: one patch moves them all."""
    real = clock.utcnow()
    monkeypatch.setattr(clock, "utcnow", lambda: real + delta)


# ------------------------------------------------------------------ the vanity address


def test_a_chosen_name_is_the_profile_address_normalised_and_the_old_address_keeps_working(client):
    b = _signed_in(client, public=False)
    eid = _earner_id(GRACE)
    assert _set_name(b, "  Grace-Hopper ").status_code == 303
    assert _earner(eid)["vanity_name"] == "grace-hopper"
    name_item = next(i for i in scan_table() if i["pk"] == "NAME#grace-hopper")
    assert name_item["earner_id"] == eid and name_item["current"] is True
    # a private profile answers 404 at its vanity address too
    assert _get(client, "/u/grace-hopper").status_code == 404
    b.post("/wallet/settings/profile", {"display_name": "Grace", "profile": "public", "csrf": _csrf(b)})
    page = _get(client, "/u/grace-hopper")
    assert page.status_code == 200 and "<h1>Grace</h1>" in page.body.decode()
    assert '<link rel="canonical" href="http://localhost:8000/u/grace-hopper">' in page.body.decode() or \
        'href="' in page.body.decode() and "/u/grace-hopper\">" in page.body.decode()
    # another spelling leads to the one address; the opaque address still answers
    res = _get(client, "/u/Grace-HOPPER")
    assert res.status_code == 301 and res.headers["Location"].endswith("/u/grace-hopper")
    old = _get(client, f"/profiles/{eid}")
    assert old.status_code == 200 and "/u/grace-hopper" in old.body.decode()
    settings = b.text(b.get("/wallet/settings"))
    assert 'id="profile-link">http' in settings and "/u/grace-hopper</a>" in settings
    assert 'value="grace-hopper"' in settings


def test_a_name_someone_holds_is_409_whatever_its_case(client):
    _signed_in(client, GRACE, name="grace")
    alan = _signed_in(client, ALAN)
    before = scan_table()
    res = _set_name(alan, "GRACE")
    assert res.status_code == 409 and "taken" in alan.text(res)
    assert [i for i in scan_table() if i["pk"].startswith(("NAME#", "EARNER#"))] == \
        [i for i in before if i["pk"].startswith(("NAME#", "EARNER#"))]


@pytest.fixture()
def atomic_dynamodb(monkeypatch):
    """Real DynamoDB runs each request atomically; moto in-process does not lock, so each
    DynamoDB request is made one step, as the service does (tests/integration/test_bulk_race.py)."""
    from moto.dynamodb.responses import DynamoHandler

    lock, original = threading.RLock(), DynamoHandler.call_action

    def one_step(self):
        with lock:
            return original(self)

    monkeypatch.setattr(DynamoHandler, "call_action", one_step)


def test_two_earners_racing_for_one_name_exactly_one_wins(client, atomic_dynamodb):
    from chalicelib.services import wallet

    _signed_in(client, GRACE)
    _signed_in(client, ALAN)
    earners = [_earner_id(GRACE), _earner_id(ALAN)]
    for attempt in range(3):  # a few rounds: each one a fresh name both want at the same moment
        name = f"the-one-{attempt}"
        start, outcomes = threading.Barrier(2), {}

        def claim(earner_id: str, name: str = name, start: threading.Barrier = start, outcomes: dict = outcomes):
            start.wait()
            try:
                outcomes[earner_id] = wallet.set_vanity_name(earner_id, name)
            except Conflict as exc:
                outcomes[earner_id] = exc.code

        threads = [threading.Thread(target=claim, args=(e,)) for e in earners]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        winners = [e for e in earners if outcomes[e] == name]
        assert len(winners) == 1, outcomes
        loser = next(e for e in earners if e not in winners)
        assert outcomes[loser] in ("name_taken", "concurrent_update"), outcomes
        held = next(i for i in scan_table() if i["pk"] == f"NAME#{name}")
        assert held["earner_id"] == winners[0]
        assert _earner(loser).get("vanity_name") != name


@pytest.mark.parametrize(("name", "code"), [
    ("admin", "name_reserved"), ("Wallet", "name_reserved"), ("ab", "invalid_name"), ("x" * 31, "invalid_name"),
    ("grace hopper", "invalid_name"), ("-grace", "invalid_name"), ("grace--hopper", "invalid_name"),
    ("gräce", "invalid_name"), ("grace/../admin", "invalid_name"), ("grace_hopper", "invalid_name"),
])
def test_reserved_and_invalid_names_are_400_pages_and_change_nothing(client, name, code):
    b = _signed_in(client)
    csrf = _csrf(b)
    before = scan_table()
    res = _set_name(b, name, csrf)
    assert res.status_code == 400, (name, res.status_code)
    assert "text/html" in res.headers["Content-Type"]
    assert ("reserved" if code == "name_reserved" else "profile address has") in b.text(res)
    assert scan_table() == before


def test_a_changed_name_redirects_for_90_days_nobody_else_takes_it_then_it_is_released(client, monkeypatch):
    grace = _signed_in(client, GRACE, name="grace")
    alan = _signed_in(client, ALAN)
    changed_at = clock.utcnow()
    assert _set_name(grace, "amazing-grace").status_code == 303
    res = _get(client, "/u/grace")
    assert res.status_code == 301 and res.headers["Location"].endswith("/u/amazing-grace")
    assert _get(client, "/u/amazing-grace").status_code == 200
    assert _set_name(alan, "grace").status_code == 409  # held for its old owner's visitors
    left = next(i for i in scan_table() if i["pk"] == "NAME#grace")
    assert left["current"] is False and left["earner_id"] == _earner_id(GRACE)
    assert int(left["expiration"]) >= int((changed_at + timedelta(days=90)).timestamp())  # TTL cleans up later

    real = clock.utcnow
    monkeypatch.setattr(clock, "utcnow", lambda: changed_at + timedelta(days=89, hours=23))
    alan = Browser(client)
    sign_in(alan, ALAN)  # (his session of 90 days ago ended)
    assert _get(client, "/u/grace").status_code == 301
    assert _set_name(alan, "grace").status_code == 409

    monkeypatch.setattr(clock, "utcnow", lambda: real() + timedelta(days=90, seconds=1))  # released:
    assert _get(client, "/u/grace").status_code == 404  # TTL may not have deleted it yet: the code decides
    assert _set_name(alan, "grace").status_code == 303
    page = _get(client, "/u/grace")
    assert page.status_code == 200 and "<h1>Alan</h1>" in page.body.decode()
    assert _get(client, "/u/amazing-grace").status_code == 200  # Grace keeps her new one


def test_the_owner_may_take_back_a_name_they_left(client):
    grace = _signed_in(client, GRACE, name="grace")
    assert _set_name(grace, "grace-h").status_code == 303
    assert _set_name(grace, "grace").status_code == 303
    assert _get(client, "/u/grace").status_code == 200
    assert _get(client, "/u/grace-h").headers["Location"].endswith("/u/grace")


def test_a_private_profile_hides_its_name_and_its_redirects(client):
    grace = _signed_in(client, GRACE, name="grace")
    _set_name(grace, "grace-hopper")
    grace.post("/wallet/settings/profile", {"display_name": "Grace", "profile": "private", "csrf": _csrf(grace)})
    for path in ("/u/grace-hopper", "/u/grace", "/u/GRACE-HOPPER", f"/profiles/{_earner_id(GRACE)}", "/u/nobody"):
        assert _get(client, path).status_code == 404, path


# ------------------------------------------------------------------ attackers


def test_another_earners_session_cannot_change_my_name_and_every_profile_form_needs_its_token(client):
    grace = _signed_in(client, GRACE, name="grace")
    alan = _signed_in(client, ALAN)
    graces_csrf = _csrf(grace)
    before = scan_table()
    # Alan posts with Grace's form token under his own session: refused, and nothing of Grace's moves
    assert alan.post("/wallet/settings/name", {"name": "stolen", "csrf": graces_csrf}).status_code == 403
    # no token, or no session at all
    assert grace.post("/wallet/settings/name", {"name": "other"}).status_code == 422  # as every wallet form
    assert Browser(client).post("/wallet/settings/name", {"name": "other", "csrf": graces_csrf}).status_code == 401
    assert grace.post("/wallet/settings/language", {"locale": "ja"}).status_code == 422
    assert alan.post("/wallet/settings/language", {"locale": "ja", "csrf": graces_csrf}).status_code == 403
    assert grace.post("/wallet/settings/photo/remove", {}).status_code == 422
    assert _upload(grace, _photo_with_exif(), csrf="").status_code == 403
    assert _upload(alan, _photo_with_exif(), csrf=graces_csrf).status_code == 403
    assert scan_table() == before
    assert not [k for k in list_bucket() if k.startswith("photos/")]
    # what Alan can change is his own name only
    assert _set_name(alan, "alan").status_code == 303
    assert _earner(_earner_id(GRACE))["vanity_name"] == "grace"


# ------------------------------------------------------------------ headline and photo


def test_the_headline_is_shown_escaped_on_the_public_profile(client):
    _signed_in(client, name="grace", headline="<b>Rear admiral</b> & compiler pioneer")
    page = _get(client, "/u/grace").body.decode()
    assert '<p class="headline" id="headline">&lt;b&gt;Rear admiral&lt;/b&gt; &amp; compiler pioneer</p>' in page
    assert 'content="&lt;b&gt;Rear admiral&lt;/b&gt; &amp; compiler pioneer"' in page  # og:description


def test_a_photo_is_cropped_square_re_encoded_without_metadata_and_shown_only_while_public(client):
    grace = _signed_in(client, name="grace")
    upload = _photo_with_exif()
    assert Image.open(io.BytesIO(upload)).getexif()  # the upload carries EXIF (camera, GPS)
    res = _upload(grace, upload)
    assert res.status_code == 303 and res.headers["Location"] == "/wallet/settings?saved=photo"
    (key,) = [k for k in list_bucket() if k.startswith("photos/")]
    assert key.startswith(f"photos/{_earner_id(GRACE)}/") and key.endswith(".jpg")
    page = _get(client, "/u/grace").body.decode()
    src = page.split('class="profile-photo" src="', 1)[1].split('"', 1)[0]
    photo = _get(client, src, Accept=IMG_ACCEPT)
    assert photo.status_code == 200 and photo.headers["Content-Type"] == "image/jpeg"
    img = Image.open(io.BytesIO(photo.body))
    assert img.size == (400, 400) and img.format == "JPEG"
    assert not img.getexif() and "exif" not in img.info and b"SpyCam" not in photo.body
    # a new photo replaces the old file; a private profile shows neither page nor photo
    png = io.BytesIO()
    Image.new("RGBA", (300, 500), (0, 0, 0, 0)).save(png, "PNG")
    assert _upload(grace, png.getvalue(), filename="me.png", content_type="image/png").status_code == 303
    (new_key,) = [k for k in list_bucket() if k.startswith("photos/")]
    assert new_key != key and new_key.endswith(".png")
    assert _get(client, src, Accept=IMG_ACCEPT).status_code == 404  # the old file's address
    new_src = _get(client, "/u/grace").body.decode().split('class="profile-photo" src="', 1)[1].split('"', 1)[0]
    assert _get(client, new_src, Accept=IMG_ACCEPT).status_code == 200
    grace.post("/wallet/settings/profile", {"display_name": "Grace", "profile": "private", "csrf": _csrf(grace)})
    assert _get(client, new_src, Accept=IMG_ACCEPT).status_code == 404
    # removing it deletes the file
    assert grace.post("/wallet/settings/photo/remove", {"csrf": _csrf(grace)}).status_code == 303
    assert not [k for k in list_bucket() if k.startswith("photos/")]
    assert "photo_key" not in _earner(_earner_id(GRACE))


def test_an_oversized_photo_is_413_and_not_an_image_is_415_and_nothing_is_stored(client):
    grace = _signed_in(client, name="grace")
    before = scan_table()
    big = _upload(grace, b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024 + 10))
    assert big.status_code == 413, big.status_code
    assert _upload(grace, b"%PDF-1.4 this is no photo", filename="cv.pdf").status_code == 415
    assert _upload(grace, b"\x89PNG\r\n\x1a\n truncated", filename="x.png").status_code == 415
    assert _upload(grace, b"").status_code == 400
    assert scan_table() == before and not [k for k in list_bucket() if k.startswith("photos/")]


# ------------------------------------------------------------------ what the profile counts


def test_the_public_profile_counts_only_valid_credentials_and_groups_expired_ones(client, issuer, monkeypatch):
    key, tpl = issuer
    soon = (clock.utcnow() + timedelta(days=10)).date().isoformat()
    valid = body(issue(client, key, tpl, email=GRACE))
    expiring = body(issue(client, key, active_template(client, key, name="Short Course"), email=GRACE,
                          expires_at=soon))
    revoked = body(issue(client, key, active_template(client, key, name="Withdrawn Award"), email=GRACE))
    hidden = body(issue(client, key, active_template(client, key, name="Secret Skill"), email=GRACE))
    grace = _signed_in(client, name="grace")
    for cid in (valid["id"], expiring["id"], revoked["id"], hidden["id"]):
        csrf = csrf_of(grace.text(grace.get("/wallet")))
        res = grace.post(f"/wallet/credentials/{cid}/decision", {"decision": "accept", "csrf": csrf})
        assert res.status_code == 303
    grace.post(f"/wallet/credentials/{hidden['id']}/visibility", {"visibility": "private", "csrf": _csrf(grace)})
    assert post(client, f"/credentials/{revoked['id']}/revoke", key, {"reason": "issued by mistake"}).status_code == 200
    page = _get(client, "/u/grace").body.decode()
    assert '<p id="valid-count">2 valid credentials</p>' in page and "Short Course" in page
    assert 'id="expired-credentials"' not in page

    _move_clock(monkeypatch, timedelta(days=11))
    page = _get(client, "/u/grace").body.decode()
    assert '<p id="valid-count">1 valid credential</p>' in page
    valid_part, expired_part = page.split('id="expired-credentials"')
    assert "Data Steward" in valid_part and "Short Course" not in valid_part
    assert "Short Course" in expired_part and "Data Steward" not in expired_part
    assert "Withdrawn Award" not in page and "Secret Skill" not in page


# ------------------------------------------------------------------ data rights


def test_restriction_hides_name_headline_and_photo(client):
    grace = _signed_in(client, name="grace", headline="Compiler pioneer")
    assert _upload(grace, _photo_with_exif()).status_code == 303
    src = _get(client, "/u/grace").body.decode().split('class="profile-photo" src="', 1)[1].split('"', 1)[0]
    csrf = csrf_of(grace.text(grace.get("/wallet/privacy")))
    assert grace.post("/wallet/restrict", {"csrf": csrf}).status_code == 303
    for path in ("/u/grace", f"/profiles/{_earner_id(GRACE)}", src):
        assert _get(client, path, Accept=IMG_ACCEPT).status_code == 404, path


def test_erasure_deletes_photo_and_headline_and_releases_every_name_at_once(client):
    grace = _signed_in(client, name="grace", headline="Compiler pioneer")
    _set_name(grace, "grace-hopper")  # "grace" now redirects, held for 90 days
    assert _upload(grace, _photo_with_exif()).status_code == 303
    eid = _earner_id(GRACE)
    csrf = csrf_of(grace.text(grace.get("/wallet/privacy")))
    assert grace.post("/wallet/delete", {"csrf": csrf, "confirm": "delete"}).status_code == 200
    assert not [i for i in scan_table() if i["pk"].startswith("NAME#") or i["pk"] == f"EARNER#{eid}"]
    assert not [k for k in list_bucket() if k.startswith("photos/")]
    assert _get(client, "/u/grace").status_code == 404 and _get(client, "/u/grace-hopper").status_code == 404
    alan = _signed_in(client, ALAN)
    assert _set_name(alan, "grace").status_code == 303 and _set_name(alan, "grace-hopper").status_code == 303


def test_export_includes_name_headline_language_and_photo(client):
    from chalicelib.services import rights

    grace = _signed_in(client, name="grace", headline="Compiler pioneer")
    _set_name(grace, "grace-hopper")
    assert grace.post("/wallet/settings/language", {"locale": "ja", "csrf": _csrf(grace)}).status_code == 303
    assert _upload(grace, _photo_with_exif()).status_code == 303
    archive = zipfile.ZipFile(io.BytesIO(rights.build_export(rights.person_of_earner(_earner_id(GRACE)))))
    profile = json.loads(archive.read("profile.json"))
    assert profile["vanity_name"] == "grace-hopper" and profile["headline"] == "Compiler pioneer"
    assert profile["language"] == "ja" and profile["photo"] == "photo.jpg"
    assert {(n["name"], n["current"]) for n in profile["profile_names"]} == {("grace-hopper", True), ("grace", False)}
    assert Image.open(io.BytesIO(archive.read("photo.jpg"))).size == (400, 400)


# ------------------------------------------------------------------ the earner's language


def test_the_language_setting_puts_every_wallet_page_in_it(client, issuer):
    key, tpl = issuer
    cred = body(issue(client, key, tpl, email=GRACE))
    grace = _signed_in(client, public=False)
    en = grace.get("/wallet/settings", headers={"Accept-Language": "fr"})
    assert '<html lang="fr">' in grace.text(en)  # automatic: the browser's language
    assert grace.post("/wallet/settings/language", {"locale": "ja", "csrf": _csrf(grace)}).status_code == 303
    assert _earner(_earner_id(GRACE))["locale"] == "ja"
    for path in ("/wallet", "/wallet/settings", "/wallet/privacy", f"/wallet/credentials/{cred['id']}"):
        res = grace.get(path, headers={"Accept-Language": "fr"})
        assert res.status_code == 200 and res.headers["Content-Language"] == "ja", path
        assert '<html lang="ja">' in grace.text(res), path
    assert '<option value="ja" lang="ja" selected>' in grace.text(grace.get("/wallet/settings"))
    # a refusal page of the wallet too
    missing = grace.get("/wallet/credentials/acme-nothing")
    assert missing.status_code == 404 and '<html lang="ja">' in grace.text(missing)
    # an explicit ?lang= from the visitor wins for that view
    assert '<html lang="de">' in grace.text(grace.get("/wallet?lang=de"))
    # somebody else (signed out) is not in Grace's language
    assert '<html lang="fr">' in Browser(client).text(Browser(client).get("/signin", {"Accept-Language": "fr"}))
    # back to automatic
    assert grace.post("/wallet/settings/language", {"locale": "automatic", "csrf": _csrf(grace)}).status_code == 303
    assert "locale" not in _earner(_earner_id(GRACE))
    assert grace.get("/wallet", headers={"Accept-Language": "pt-BR"}).headers["Content-Language"] == "pt-BR"


def test_an_unknown_language_is_400_and_changes_nothing(client):
    grace = _signed_in(client, public=False)
    csrf = _csrf(grace)
    before = scan_table()
    for value in ("xx", "ko", "pt-BR", "", "EN", "Automatic"):
        assert grace.post("/wallet/settings/language", {"locale": value, "csrf": csrf}).status_code == 400, value
    assert scan_table() == before


def test_mail_finds_the_language_of_an_address_owner_in_one_read(client):
    from chalicelib.services import wallet
    from tests.helpers import signin_mail

    grace = _signed_in(client, public=False)
    assert wallet.earner_locale_for_email(ids.email_hash(GRACE)) is None  # automatic
    assert grace.post("/wallet/settings/language", {"locale": "pt_BR", "csrf": _csrf(grace)}).status_code == 303
    with recording() as calls:
        assert wallet.earner_locale_for_email(ids.email_hash(GRACE)) == "pt_BR"
    assert calls == ["dynamodb.GetItem"]
    assert wallet.earner_locale_for_email(ids.email_hash("nobody@example.com")) is None
    # an address added later carries it too
    import re

    page = grace.text(grace.post("/wallet/emails", {"email": "grace@navy.example", "csrf": _csrf(grace)}))
    login_id = re.search(r'action="/signin/([a-z2-7]{32})"', page).group(1)
    assert grace.post(f"/signin/{login_id}", {"code": signin_mail("grace@navy.example")[2],
                                              "csrf": _csrf(grace)}).status_code == 303
    assert wallet.earner_locale_for_email(ids.email_hash("grace@navy.example")) == "pt_BR"
    # an account merged in: its address now answers with the surviving account's language
    alan = _signed_in(client, ALAN, public=False)
    assert alan.post("/wallet/settings/language", {"locale": "de", "csrf": _csrf(alan)}).status_code == 303
    assert wallet.earner_locale_for_email(ids.email_hash(ALAN)) == "de"
    page = grace.text(grace.post("/wallet/emails", {"email": ALAN, "csrf": _csrf(grace)}))
    login_id = re.search(r'action="/signin/([a-z2-7]{32})"', page).group(1)
    assert grace.post(f"/signin/{login_id}", {"code": signin_mail(ALAN)[2], "csrf": _csrf(grace)}).status_code == 303
    assert wallet.earner_locale_for_email(ids.email_hash(ALAN)) == "pt_BR"
    # a change reaches every address
    assert grace.post("/wallet/settings/language", {"locale": "ja", "csrf": _csrf(grace)}).status_code == 303
    assert {wallet.earner_locale_for_email(ids.email_hash(e)) for e in (GRACE, ALAN, "grace@navy.example")} == {"ja"}


def test_a_wallet_page_costs_no_extra_read_for_the_language(client):
    grace = _signed_in(client, public=False)
    with recording() as automatic:
        assert grace.get("/wallet/privacy").status_code == 200
    grace.post("/wallet/settings/language", {"locale": "ja", "csrf": _csrf(grace)})
    with recording() as chosen:
        res = grace.get("/wallet/privacy")
    assert res.headers["Content-Language"] == "ja"
    assert chosen == automatic


def test_a_merged_away_accounts_photo_is_deleted(client):
    # second review: the merge freed the other account's names but left photos/<other>/ for ever
    import re

    from tests.helpers import signin_mail

    alan = _signed_in(client, ALAN, name="alan")
    assert _upload(alan, _photo_with_exif()).status_code == 303
    alan_id = _earner_id(ALAN)
    assert [k for k in list_bucket() if k.startswith(f"photos/{alan_id}/")]
    grace = _signed_in(client, GRACE)
    page = grace.text(grace.post("/wallet/emails", {"email": ALAN, "csrf": _csrf(grace)}))
    login_id = re.search(r'action="/signin/([a-z2-7]{32})"', page).group(1)
    assert grace.post(f"/signin/{login_id}", {"code": signin_mail(ALAN)[2], "csrf": _csrf(grace)}).status_code == 303
    assert _earner_id(ALAN) == _earner_id(GRACE) != alan_id  # merged into Grace's account
    assert [k for k in list_bucket() if k.startswith(f"photos/{alan_id}/")] == []
