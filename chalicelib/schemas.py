"""Request models: every body the API accepts is declared here and validated at the edge.

Unknown fields are rejected; every string and list is bounded. Booleans and numbers
are strict (`true`, not `"true"` or `1`), and dates are ISO 8601 strings only (never a
number of seconds): the OpenAPI description (`/openapi.json`) is generated from these
models and promises exactly that. A value of the wrong JSON type answers 400
(`invalid_type`), any other failure 422 (see `http.validate`).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    EmailStr,
    Field,
    StrictBool,
    StringConstraints,
    Tag,
    model_validator,
)
from pydantic_core import PydanticCustomError

# Single-line text (names end up in mail subjects): no control characters at all.
_LINE = r"^[^\x00-\x1f\x7f]+$"
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=_LINE)]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=_LINE)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
# Multi-line text published as XML (the status feed): line breaks and tabs only; XML 1.0 has no
# other control characters, and one pasted from a terminal would break the feed for every reader.
XmlText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000,
                                           pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]+$")]
Skill = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
LocalId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]
Url = Annotated[AnyHttpUrl, Field(max_length=2000)]
LinkedInOrgId = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,20}$")]


def _ascii_email(value: str) -> str:
    if not value.isascii():
        raise ValueError("addresses with non-ASCII characters cannot receive mail through SES")
    return value


def _sane_year(value: Any) -> Any:
    if value is not None and value is not False and not 1970 <= value.year <= 2999:
        raise ValueError("the year must be between 1970 and 2999")
    return value


Email = Annotated[EmailStr, AfterValidator(_ascii_email)]

# YYYY-MM-DD, optionally followed by a time; pydantic checks the rest of the value.
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[Tt ][0-9:.]+(?:[Zz]|[+-][0-9]{2}:?[0-9]{2})?)?$")


def _iso_text(value: Any, *, never: bool = False) -> Any:
    """Dates arrive as ISO 8601 strings only. Left alone, pydantic reads `1700000000`,
    `1.5` and `"1700000000"` as Unix times (issue 12: "`issued_at` accepts the integer
    1700000000"). `never`: the field also takes `false` (does not expire)."""
    if value is None or (never and value is False):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("date_string_type",
                                  "a date must be an ISO 8601 string such as 2026-01-31 or 2026-01-31T12:00:00Z")
    if not _ISO_DATE.match(value):
        raise PydanticCustomError("date_format", "a date must be ISO 8601, such as 2026-01-31 or 2026-01-31T12:00:00Z")
    return value


_IsoText = BeforeValidator(_iso_text)


def _locale(value: str) -> str:
    """Issue 19: the issue request's `locale` (API, bulk CSV column `Locale`, LMS rule) takes
    Credly's values (en, fr, fr-CA, de, ko, ja, zh-CN, pt, pt-BR, es-ES, es-US) and any other
    well-formed BCP 47 tag; it is stored as given and mapped to a catalog when a mail is rendered."""
    from .i18n import well_formed

    if not well_formed(value):
        raise PydanticCustomError("invalid_locale", "a locale must be a language tag such as en, fr-CA, pt-BR or ja")
    return value


Locale = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=35), AfterValidator(_locale)]
_IsoTextOrNever = BeforeValidator(lambda value: _iso_text(value, never=True))


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=10000)


class IssuerIn(Strict):
    name: Name
    url: Url
    email: Email
    linkedin_organization_id: LinkedInOrgId | None = None


class OrganizationIn(IssuerIn):
    """An operator creating a tenant: its profile and, optionally, its first console admin."""
    admin_email: Email | None = None


class IssuerPatch(Strict):
    name: Name | None = None
    url: Url | None = None
    email: Email | None = None
    linkedin_organization_id: LinkedInOrgId | None = None


class ApiKeyIn(Strict):
    label: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None


class CriteriaIn(Strict):
    narrative: Text | None = None
    url: Url | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if not self.narrative and not self.url:
            raise ValueError("criteria needs a narrative, a url, or both")
        return self


class ExpiryIn(Strict):
    unit: Literal["never", "days", "months", "years"] = "never"
    amount: int | None = Field(default=None, ge=1, le=1000, strict=True)

    @model_validator(mode="after")
    def _amount(self) -> Self:
        if self.unit == "never" and self.amount is not None:
            raise ValueError("an expiry of 'never' takes no amount")
        if self.unit != "never" and self.amount is None:
            raise ValueError(f"an expiry in {self.unit} needs an amount")
        return self


Kind = Literal["certification", "micro-credential", "badge"]


class SkillRef(Strict):
    """A skill from ESCO (issue 20): its URI (an ESCO skill Laurel's index knows, else 400
    `unknown_skill`) and the words shown for it (ESCO's preferred label when left out)."""

    name: Skill | None = None
    uri: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


# a template's skill: free text (as always), or an ESCO skill with its URI; a string is checked
# as text only (its problems are a text's, not also an object's)
SkillItem = Annotated[Annotated[Skill, Tag("text")] | Annotated[SkillRef, Tag("esco")],
                      Discriminator(lambda v: "text" if isinstance(v, str) else "esco")]


class TemplateIn(Strict):
    name: Name
    description: Text
    criteria: CriteriaIn
    skills: list[SkillItem] = Field(default_factory=list, max_length=50)
    kind: Kind = "badge"
    expiry: ExpiryIn = Field(default_factory=ExpiryIn)


class TemplatePatch(Strict):
    name: Name | None = None
    description: Text | None = None
    criteria: CriteriaIn | None = None
    skills: list[SkillItem] | None = Field(default=None, max_length=50)
    kind: Kind | None = None
    expiry: ExpiryIn | None = None


class EvidenceIn(Strict):
    url: Url | None = None
    narrative: ShortText | None = None
    name: Name | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if not self.url and not self.narrative:
            raise ValueError("evidence needs a url, a narrative, or both")
        return self


class IssueIn(Strict):
    template_id: LocalId
    email: Email
    first_name: PersonName
    last_name: PersonName
    issued_at: Annotated[datetime | date | None, _IsoText, AfterValidator(_sane_year)] = None
    # omitted: the template's policy; a date: that date; false: never expires
    expires_at: Annotated[datetime | date | Literal[False] | None, _IsoTextOrNever, AfterValidator(_sane_year)] = None
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=20)
    earner_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None
    suppress_email: StrictBool = False
    duplicate_policy: Literal["allow", "deny", "replace"] = "deny"
    # the language of the mails about this credential when its earner chose none (issue 19)
    locale: Locale | None = None


class RevokeIn(Strict):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    suppress_email: StrictBool = False


class RecipientIn(Strict):
    """The corrected address of a credential nobody claimed yet (issue 17)."""

    email: Email


class VerifyIn(Strict):
    """What to verify: exactly one of a URL, a VC-JWT, a JSON credential, or free text
    holding any of them."""

    url: Annotated[str, StringConstraints(max_length=2000)] | None = None
    jwt: Annotated[str, StringConstraints(max_length=200_000)] | None = None
    credential: dict | None = None
    text: Annotated[str, StringConstraints(max_length=200_000)] | None = None
    email: Email | None = None

    @model_validator(mode="after")
    def _one(self) -> Self:
        given = [v for v in (self.url, self.jwt, self.credential, self.text) if v]
        if len(given) != 1:
            raise ValueError("give exactly one of url, jwt, credential or text")
        return self

    def as_text(self) -> str:
        import json

        return self.url or self.jwt or self.text or json.dumps(self.credential)


class ImportIn(VerifyIn):
    email: Email


class TokenIn(Strict):
    token: Annotated[str, StringConstraints(min_length=1, max_length=100)]


CourseId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=_LINE)]


class LmsRuleIn(Strict):
    template_id: LocalId
    threshold: Annotated[float, Field(ge=0, le=100, strict=True)] = 80
    retake_text: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None
    # issue in weekly batches on this day instead of at once
    schedule_weekday: Literal["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"] | None = None
    # the credentials' `locale` (issue 19: "the issue request's `locale` (API, bulk CSV column, LMS rule)")
    locale: Locale | None = None


class IntegrationIn(Strict):
    name: Name
    format: Literal["generic", "thought_industries"] = "generic"
    rules: dict[CourseId, LmsRuleIn] = Field(default_factory=dict, max_length=500)


class IntegrationRulesIn(Strict):
    rules: dict[CourseId, LmsRuleIn] = Field(max_length=500)


SaneDateTime = Annotated[datetime, _IsoText, AfterValidator(_sane_year)]


class MaintenanceIn(Strict):
    start: SaneDateTime
    end: SaneDateTime
    reason: Name
    # issue 16: set by the server when the window is declared; accepted here only so the
    # service can refuse it with a clear 422 `server_set_field` (instead of "unknown field")
    announced_at: Any = None
    kind: Literal["scheduled", "client_requested"] = "scheduled"
    client_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")] | None = None


class KeyRotationIn(Strict):
    """An operator's key rotation (issue 17): a new random Ed25519 generation, or a KMS
    RSA key (created by the operator) made the active VC-JWT key."""

    kind: Literal["ed25519", "rsa"]
    kms_key_id: Annotated[str, StringConstraints(min_length=1, max_length=2048)] | None = None

    @model_validator(mode="after")
    def _key_for_rsa_only(self) -> Self:
        if (self.kind == "rsa") != (self.kms_key_id is not None):
            raise PydanticCustomError("kms_key_id", "kms_key_id is required for kind rsa and only for it")
        return self


class MaintenanceEditIn(Strict):
    """An edit of a scheduled window: the fields given change (kind and client stay)."""

    start: SaneDateTime | None = None
    end: SaneDateTime | None = None
    reason: Name | None = None
    announced_at: Any = None  # refused, as on declaration


class FeeIn(Strict):
    monthly_fee: Annotated[str, StringConstraints(max_length=20)]


class SupportIn(Strict):
    subject: Name
    description: Text
    severity: Annotated[int, Field(ge=1, le=4, strict=True)]  # proposed by the client; an operator confirms
    outage_report: StrictBool = False


class SupportUpdateIn(Strict):
    severity: Annotated[int, Field(ge=1, le=4, strict=True)] | None = None
    state: Literal["open", "acknowledged", "resolved"] | None = None
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class ClaimIn(Strict):
    token: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    decision: Literal["accept", "reject"]


# ------------------------------------------------------------------ earner pages (HTML forms)

Csrf = Annotated[str, StringConstraints(min_length=1, max_length=100)]
NextPath = Annotated[str, StringConstraints(max_length=300)]


class CsrfIn(Strict):
    csrf: Csrf


class SigninIn(CsrfIn):
    email: Email
    next: NextPath | None = None


class SigninProofIn(CsrfIn):
    token: Annotated[str, StringConstraints(max_length=100)] | None = None
    code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None


class DecisionIn(CsrfIn):
    decision: Literal["accept", "reject"]


class VisibilityIn(CsrfIn):
    visibility: Literal["public", "private"]


class EarnerProfileIn(CsrfIn):
    display_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100,
                                                   pattern=r"^[^\x00-\x1f\x7f]*$")] = ""
    profile: Literal["public", "private"]
    headline: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120,
                                               pattern=r"^[^\x00-\x1f\x7f]*$")] = ""


class VanityNameIn(CsrfIn):
    """The profile's vanity address (domain/vanity.py says which names are allowed)."""
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)]


class EarnerLanguageIn(CsrfIn):
    """"automatic" or one of chalicelib.i18n.LOCALES (services/wallet.set_locale checks)."""
    locale: Annotated[str, StringConstraints(max_length=12)]


class AddEmailIn(CsrfIn):
    email: Email


class RemoveEmailIn(CsrfIn):
    email_hash: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class DeleteAccountIn(CsrfIn):
    confirm: Literal["delete"]


class SkillSettingsIn(CsrfIn):
    """The skills page's two checkboxes (issue 20): a box left unticked is not sent."""
    skills_public: Literal["yes"] | None = None
    insights: Literal["yes"] | None = None


class DataRequestIn(Strict):
    """An operator acting on a person's request (access, restriction, erasure)."""
    email: Email
    confirm: Literal["erase"] | None = None


class ExportIn(CsrfIn):
    email_hash: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class RectifyIn(Strict):
    email: Email
    display_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100,
                                                   pattern=r"^[^\x00-\x1f\x7f]*$")]


# ------------------------------------------------------------------ outbound webhooks


from .domain.webhooks import EVENT_TYPES  # noqa: E402

EventType = Literal[EVENT_TYPES]  # type: ignore[valid-type]


class EndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=2000)

    url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000,
                                          pattern=r"^[^\s\x00-\x1f\x7f]+$")]
    event_types: Annotated[list[EventType], Field(min_length=1, max_length=len(EVENT_TYPES))]
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500,
                                                  pattern=r"^[^\x00-\x1f\x7f]*$")] | None = None


# ------------------------------------------------------------------ the issuer console (HTML forms)

Role = Literal["read_only", "issuer", "admin"]
YesNo = Literal["yes", "no"] | None


class ConsoleSigninIn(CsrfIn):
    email: Email
    next: NextPath | None = None


class ConsoleChooseIn(CsrfIn):
    choice: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    tenant_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]


class _TemplateChoice(Strict):
    templates: list[LocalId] = Field(default_factory=list, max_length=200)
    grants: list[Literal["workforce", "recruiting"]] = Field(default_factory=list, max_length=2)

    def template_list(self) -> list[str] | None:
        return list(self.templates) or None


class InviteIn(_TemplateChoice):
    email: Email
    role: Role
    name: PersonName | None = None
    view_personal_data: YesNo = None


class MemberChangeIn(_TemplateChoice):
    role: Role
    view_personal_data: YesNo = None


class MemberNameIn(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")] = ""


class ConfirmIn(Strict):
    confirm: Literal["yes"]


# ------------------------------------------------------------------ the console: credentials and settings

ConsoleState = Literal["pending", "accepted", "rejected", "revoked", "expired"]
IsoDay = Annotated[date, _IsoText, AfterValidator(_sane_year)]


class CredentialSearchIn(Strict):
    """The console's credential search (query parameters of GET /console/credentials).
    `from` / `to`: the days the credentials were issued in Laurel, both included."""

    q: Email | None = None  # the recipient's address (exact)
    template: LocalId | None = None
    state: ConsoleState | None = None
    from_: IsoDay | None = Field(default=None, alias="from")
    to: IsoDay | None = None
    cursor: Annotated[str, StringConstraints(max_length=2000)] | None = None

    @model_validator(mode="after")
    def _range(self) -> Self:
        if self.from_ and self.to and self.from_ > self.to:
            raise PydanticCustomError("date_range", "the first day must not be after the last day")
        return self


class MonthlySummaryIn(Strict):
    """An admin's opt-in to the monthly summary mail (a checkbox: absent when unticked)."""

    monthly_summary: YesNo = None


class ExportJobIn(Strict):
    """An export job (issue 15 item 3), from the console's reports page or the issuer API.
    `awards`: the CSV of the credentials issued from `from` to `to` (both included; "the
    days the credentials were issued in Laurel", as the credential search reads them),
    of one template when `template` is given; `organization`: the whole organization as
    a ZIP (no range)."""

    kind: Literal["awards", "organization"]
    from_: IsoDay | None = Field(default=None, alias="from")
    to: IsoDay | None = None
    template: LocalId | None = None

    @model_validator(mode="after")
    def _range(self) -> Self:
        if self.from_ and self.to and self.from_ > self.to:
            raise PydanticCustomError("date_range", "the first day must not be after the last day")
        if self.kind == "organization" and (self.from_ or self.to or self.template):
            raise PydanticCustomError("not_for_organization",
                                      "an organization export takes no dates and no template")
        return self


class LocalFeedbackIn(Strict):
    """The local outbox's "simulate SES feedback" buttons (local stage only, issue 17)."""

    kind: Literal["bounce", "complaint", "transient"]


class ConsoleRecipientIn(Strict):
    """The console's form for a corrected address (issue 17)."""

    email: Email


class ConsoleRevokeIn(Strict):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    suppress_email: YesNo = None
    confirm: Literal["yes"]


class ConsoleReplaceIn(Strict):
    """A replacement: the same person and template, the name and dates as corrected."""

    first_name: PersonName
    last_name: PersonName
    issued_at: IsoDay
    expires_at: IsoDay | None = None  # blank: the replacement does not expire
    suppress_email: YesNo = None
    confirm: Literal["yes"]

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.expires_at and self.expires_at <= self.issued_at:
            raise PydanticCustomError("date_range", "the expiry date must be after the issue date")
        return self


def _linkedin_id(value: str) -> str:
    if value and not re.fullmatch(r"[0-9]{1,20}", value):
        raise PydanticCustomError("linkedin_id", "the LinkedIn organization id is the number in your LinkedIn "
                                                 "page's admin address (up to 20 digits)")
    return value


class SettingsProfileIn(Strict):
    """The organization's profile, as the console's settings form posts it (a blank
    LinkedIn id removes it). Credentials issued before keep the profile of their day."""

    name: Name
    url: Url
    email: Email
    linkedin_organization_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40),
                                        AfterValidator(_linkedin_id)] = ""


# Characters that have no place in a sender's name: control and format characters
# (bidirectional overrides reorder what the reader sees), line and paragraph separators.
_HIDDEN_CATEGORIES = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def _hidden(value: str, allowed: str = "") -> bool:
    import unicodedata

    return any(unicodedata.category(c) in _HIDDEN_CATEGORIES and c not in allowed for c in value)


def _sender_name(value: str) -> str:
    if _hidden(value):
        raise PydanticCustomError("sender_name", "the sender name must be one line of text without control characters")
    if set(value) & set("@<>"):
        # the address is always Laurel's own; a name that looks like another address misleads
        raise PydanticCustomError("sender_name", "the sender name cannot contain @, < or > (it must not look like an "
                                                 "email address)")
    return value


def _optional_email(value: str) -> str:
    if not value:
        return value
    from pydantic import TypeAdapter, ValidationError

    try:
        return str(TypeAdapter(Email).validate_python(value))
    except ValidationError:
        raise PydanticCustomError("reply_to", "the reply-to address is not a valid email address") from None


MAX_FOOTER = 500


def _footer(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(value) > MAX_FOOTER:
        raise PydanticCustomError("footer", "the footer has {length} characters; at most {limit} are allowed",
                                  {"length": len(value), "limit": MAX_FOOTER})
    if _hidden(value, allowed="\n"):
        raise PydanticCustomError("footer", "the footer must be plain text (line breaks are fine, other control "
                                            "characters are not)")
    return value


class MailBrandingIn(Strict):
    """The organization's mail branding (every mail Laurel sends on its behalf); a blank
    field removes that part. Display name: one line, at most 64 characters; footer:
    plain text, at most 500 characters."""

    from_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64),
                         AfterValidator(_sender_name)] = ""
    reply_to: Annotated[str, StringConstraints(strip_whitespace=True, max_length=320),
                        AfterValidator(_optional_email)] = ""
    footer: Annotated[str, StringConstraints(max_length=2000), AfterValidator(_footer)] = ""
# ------------------------------------------------------------------ console single sign-on (services/sso.py)

class ConsoleSsoIn(CsrfIn):
    email: Email
    next: NextPath | None = None


class SsoSettingsIn(Strict):
    issuer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500,
                                             pattern=r"^[^\s\x00-\x1f\x7f]+$")]
    client_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255, pattern=_LINE)]
    # blank keeps the secret already saved (it is never shown back). RFC 6749 A.2:
    # "client-secret = *VSCHAR" (%x20-7E)
    client_secret: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000,
                                                    pattern=r"^[\x20-\x7e]+$")] | None = None
    domains: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    default_role: Literal["read_only", "issuer", "admin", "none"]
    enabled: YesNo = None


# ------------------------------------------------------------------ the console's templates and issuing (HTML forms)
# Loose text fields, as a form posts them: each is then held to the API's own model
# (TemplateIn, IssueIn) by the console's services, so the console accepts exactly what
# the API accepts and can show every problem next to its field.

FormText = Annotated[str, StringConstraints(max_length=6000)]


class TemplateFormIn(CsrfIn):
    template_id: LocalId | None = None  # the preview: which template's image to show (none yet for a new one)
    name: FormText = ""
    description: FormText = ""
    criteria_narrative: FormText = ""
    criteria_url: FormText = ""
    skills: FormText = ""  # tags, separated by commas or new lines
    kind: FormText = ""
    expiry_unit: FormText = ""
    expiry_amount: FormText = ""


class IssueFormIn(CsrfIn):
    template_id: FormText = ""
    email: FormText = ""
    first_name: FormText = ""
    last_name: FormText = ""
    issued_at: FormText = ""
    expires_at: FormText = ""
    never_expires: YesNo = None
    evidence_url: FormText = ""
    evidence_narrative: FormText = ""
    evidence_name: FormText = ""
    suppress_email: YesNo = None
    duplicate_policy: Literal["deny", "allow"] = "deny"


# ------------------------------------------------------------------ the console: administration (issue 15)


class IntegrationFormIn(Strict):
    """A new LMS integration from the console: its name and payload format; its rules
    are added one by one on its page (`LmsRuleFormIn`)."""

    name: Name
    format: Literal["generic", "thought_industries"] = "generic"

    def to_api(self) -> IntegrationIn:
        return IntegrationIn(name=self.name, format=self.format)


class LmsRuleFormIn(Strict):
    """One course's rule, as the integration page's form posts it: the threshold arrives
    as text ("80"), which the API's strict number would refuse."""

    course_id: CourseId
    template_id: LocalId
    threshold: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 80
    retake_text: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None
    schedule_weekday: Literal["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"] | None = None
    locale: Locale | None = None  # the language of the credentials and mails (issue 19); the API's field too

    def to_api(self) -> LmsRuleIn:
        return LmsRuleIn(**self.model_dump(exclude={"course_id"}))


class CourseIn(Strict):
    course_id: CourseId


class SupportFormIn(Strict):
    """A support request from the console: the severity comes as text from a radio group."""

    subject: Name
    description: Text
    severity: Literal["1", "2", "3", "4"]
    outage_report: YesNo = None

    def to_api(self) -> SupportIn:
        return SupportIn(subject=self.subject, description=self.description, severity=int(self.severity),
                         outage_report=self.outage_report == "yes")


class AuditFilterIn(Strict):
    """The console's audit log filters (query parameters of GET /console/admin/audit)."""

    member: LocalId | None = None
    action: Annotated[str, StringConstraints(max_length=300, pattern=r"^[A-Z]+ /[^\s]*$")] | None = None
    day: IsoDay | None = None
    cursor: Annotated[str, StringConstraints(max_length=2000)] | None = None


# ------------------------------------------------------------------ the public status page (issue 16)

StatusComponent = Literal["verification", "api", "lms", "wallet", "mail"]  # domain/status.py COMPONENTS
IncidentStatus = Literal["investigating", "identified", "monitoring", "resolved"]


class IncidentUpdateIn(Strict):
    """An operator's update of an incident; `resolved` resolves it."""

    status: IncidentStatus
    message: XmlText


class IncidentIn(IncidentUpdateIn):
    """A new incident and its first update."""

    title: Name
    components: Annotated[list[StatusComponent], Field(min_length=1, max_length=5)]
    impact: Literal["minor", "major", "critical"]

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        if len(set(self.components)) != len(self.components):
            raise PydanticCustomError("duplicate_component", "each component is named once")
        return self


class StatusSubscribeIn(Strict):
    """The status page's subscription form."""

    email: Email


class StatusLinkIn(Strict):
    """A mailed status link (confirm, unsubscribe): `token` is "<address hash>.<secret>",
    from the link's query string or the page's button. (RFC 8058's one-click POST carries
    `List-Unsubscribe=One-Click` in its body and the link's own query string.)"""

    token: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}\.[A-Za-z0-9_-]{1,128}$")]

    @property
    def address_hash(self) -> str:
        return self.token.split(".", 1)[0]

    @property
    def secret(self) -> str:
        return self.token.split(".", 1)[1]


# ------------------------------------------------------------------ workforce skills (issue 20, item 3)

_Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")]


class WorkforceDecisionIn(CsrfIn):
    """The earner's answer to an organization's request to link their wallet."""

    decision: Literal["accept", "decline"]


class WorkforceUnlinkIn(CsrfIn):
    pass


class WorkforceInviteFormIn(Strict):
    """One address or a pasted list (domain/workforce.addresses splits and checks them)."""

    emails: Annotated[str, StringConstraints(min_length=1, max_length=70000)]


class TeamFormIn(Strict):
    name: _Line
    members: Annotated[list[Annotated[str, StringConstraints(max_length=100)]], Field(max_length=500)] = []


class RoleFormIn(Strict):
    name: _Line
    occupation: Annotated[str, StringConstraints(max_length=300)] | None = None
    essential: Annotated[list[Annotated[str, StringConstraints(max_length=300)]], Field(max_length=300)] = []
    skills: Annotated[str, StringConstraints(max_length=20000)] | None = None  # one skill a line, in words

    def free_text(self) -> list[str]:
        return [line for line in (self.skills or "").splitlines() if line.strip()]


# ------------------------------------------------------------------ talent search (issue 20 item 4)


class TalentSettingsIn(CsrfIn):
    """The wallet's "open to opportunities" form."""
    open: Literal["yes", "no"]
    kinds: list[Literal["certification", "micro-credential", "badge"]] = Field(default_factory=list, max_length=3)
    city: _Line = ""
    country: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2)] = ""


class TalentContactIn(CsrfIn):
    candidate: Annotated[str, StringConstraints(min_length=1, max_length=400)]
    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=150,
                                              pattern=r"^[^\x00-\x1f\x7f]*$")]
    text: Annotated[str, StringConstraints(min_length=1, max_length=2000,
                                           pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")]


class TalentReplyIn(CsrfIn):
    text: Annotated[str, StringConstraints(min_length=1, max_length=2000,
                                           pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")]
    email_hash: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
