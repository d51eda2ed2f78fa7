"""Users, organisations, memberships, invitations and personal API tokens."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from accounts.countries import ELIGIBLE_COUNTRIES
from accounts.validators import validate_orcid


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Logs in with the email address; there is no username."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    is_staff = models.BooleanField(
        _("admin site access"), default=False, help_text=_("May log in to the Django admin site.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    timezone = models.CharField(_("time zone"), max_length=64, blank=True)
    # Set by the language switcher and the profile; emails to this person are written in it.
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Pages and emails are in this language."),
    )
    orcid = models.CharField(
        _("ORCID iD"),
        max_length=19,
        blank=True,
        validators=[validate_orcid],
        help_text=_("Your persistent researcher identifier, e.g. 0000-0002-1825-0097 (orcid.org)."),
    )
    # Raised when the credentials change (password, authenticator, deactivation): every session signed with the
    # old value ends (see _get_session_auth_hash); accounts.tokens.credentials_changed re-signs the current one.
    credentials_version = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            # One person, one iD: a second account claiming it is refused (ORCID iDs are public, so saying so
            # reveals nothing).
            models.UniqueConstraint(fields=["orcid"], condition=~Q(orcid=""), name="user_orcid_unique"),
            models.CheckConstraint(
                condition=Q(orcid="") | Q(orcid__regex=r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$"), name="user_orcid_format"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def display_name(self) -> str:
        return self.get_full_name()

    def _get_session_auth_hash(self, secret=None):
        if not self.credentials_version:
            return super()._get_session_auth_hash(secret=secret)
        key_salt = "accounts.User.get_session_auth_hash"
        value = f"{self.password}:{self.credentials_version}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    # Django permissions come with the staff groups: none of them in a request that did not pass MFA.
    def has_perm(self, perm, obj=None) -> bool:
        return getattr(self, "mfa_passed", None) is not False and super().has_perm(perm, obj)

    def has_module_perms(self, app_label) -> bool:
        return getattr(self, "mfa_passed", None) is not False and super().has_module_perms(app_label)


class OrganisationType(models.TextChoices):
    STARTUP = "startup", _("Start-up")
    SME = "sme", _("SME")
    LARGE = "large", _("Large enterprise")
    UNIVERSITY = "university", _("University")
    RESEARCH = "research", _("Research organisation")
    PUBLIC = "public", _("Public body")
    NONPROFIT = "nonprofit", _("Non-profit")


class Organisation(models.Model):
    """A legal entity that applies for compute: start-up, SME, university, research organisation, ..."""

    legal_name = models.CharField(_("legal name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    country = CountryField(_("country"), countries=ELIGIBLE_COUNTRIES)
    type = models.CharField(_("type"), max_length=20, choices=OrganisationType.choices)
    vat_number = models.CharField(
        _("VAT number"), max_length=20, blank=True, help_text=_("With the country prefix, e.g. BE0403170701.")
    )
    pic = models.CharField(
        _("PIC"), max_length=9, blank=True, help_text=_("Participant Identification Code: 9 digits.")
    )
    website = models.URLField(_("website"), blank=True)
    founded_on = models.DateField(_("founding date"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="organisations")

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["legal_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pic="") | Q(pic__regex=r"^[0-9]{9}$"), name="organisation_pic_nine_digits"
            ),
            models.UniqueConstraint(fields=["vat_number"], condition=~Q(vat_number=""), name="organisation_vat_unique"),
        ]

    def __str__(self) -> str:
        return self.short_name or self.legal_name

    def clean(self) -> None:
        from accounts.validators import normalise_vat, validate_pic, validate_vat

        errors = {}
        self.vat_number = normalise_vat(self.vat_number, str(self.country or ""))
        try:
            validate_pic(self.pic)
        except ValidationError as exc:
            errors["pic"] = exc.messages
        if self.country:
            try:
                validate_vat(self.vat_number, str(self.country))
            except ValidationError as exc:
                errors["vat_number"] = exc.messages
        if self.vat_number and "vat_number" not in errors:
            taken = Organisation.objects.filter(vat_number=self.vat_number).exclude(pk=self.pk).exists()
            if taken:
                errors["vat_number"] = [
                    _("An organisation with this VAT number is already registered. Ask its owners to invite you.")
                ]
        if self.founded_on and self.founded_on > timezone.localdate():
            errors["founded_on"] = [_("The founding date cannot be in the future.")]
        if errors:
            raise ValidationError(errors)

    @property
    def is_startup_or_sme(self) -> bool:
        return self.type in {OrganisationType.STARTUP, OrganisationType.SME}


class MembershipRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    MEMBER = "member", _("Member")


class Membership(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation_id", "user__email"]
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.get_role_display()})"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    REVOKED = "revoked", _("Revoked")


class Invitation(models.Model):
    """An invitation to join an organisation, sent by email with a signed, single-use token valid 7 days."""

    VALID_DAYS = 7

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.MEMBER)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=Q(status="pending"),
                name="invitation_one_pending_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} -> {self.organisation}"

    @property
    def expires_at(self):
        return self.created_at + timezone.timedelta(days=self.VALID_DAYS)

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class TokenScope(models.TextChoices):
    READ = "read", pgettext_lazy("token scope", "Read")  # "Read" alone is also a count of read rows
    WRITE = "write", _("Write")
    STAFF = "staff", _("Staff")


class RevocationReason(models.TextChoices):
    BY_USER = "user", _("revoked by you")
    PASSWORD = "password", _("password changed")
    AUTHENTICATOR = "authenticator", _("authenticator changed")
    DEACTIVATED = "deactivated", _("account deactivated")


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the key is shown once, at creation."""

    PREFIX = "gap_"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(max_length=12, editable=False)
    scopes = ArrayField(models.CharField(max_length=10, choices=TokenScope.choices), verbose_name=_("scopes"))
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=20, choices=RevocationReason.choices, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scopes__contained_by=["read", "write", "staff"])
                & (Q(scopes__contains=["read"]) | Q(scopes__contains=["write"])),
                name="api_token_known_scopes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    def allows(self, scope: str) -> bool:
        return scope in self.scopes or (scope == TokenScope.READ and TokenScope.WRITE in self.scopes)

    def is_active_at(self, now) -> bool:
        return self.revoked_at is None and now < self.expires_at

    def get_scopes_display(self) -> list[str]:
        return [TokenScope(scope).label for scope in TokenScope.values if scope in self.scopes]

    @classmethod
    def new_key(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @staticmethod
    def hash(raw: str) -> str:
        return _hash_token(raw)
