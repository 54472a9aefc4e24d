"""Signing material for EU DCC certificates, the document-signer certificates of others we trust, the
certificates we issued, and the business rules (CertLogic) that decide acceptance.

Private keys are stored in the database as PKCS#8 PEM encrypted with a key derived from
``SECRET_KEY`` by HKDF (see ``keystore``): every application server and worker shares them through
the database, and a database dump alone does not reveal them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from phongdich.core.access import RestrictedQuerySet


class SigningAuthority(models.Model):
    """The country signing CA (CSCA) that certifies our document signers. Self-signed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    certificate_der = models.BinaryField(_("certificate (DER)"))
    private_key_pem = models.TextField(_("private key (encrypted PEM)"))
    not_after = models.DateTimeField(_("valid until"))

    class Meta:
        verbose_name = _("signing authority")
        verbose_name_plural = _("signing authorities")

    def __str__(self) -> str:
        return f"CSCA {self.pk} (until {self.not_after:%Y-%m-%d})"


class SigningKey(models.Model):
    """A document signer (DSC): the key that signs certificates, while it is the active one.

    Rotation makes a new key active; earlier keys stay in the trust list until their certificate expires.
    """

    kid = models.CharField(_("key id (base64)"), max_length=16, unique=True)
    authority = models.ForeignKey(SigningAuthority, on_delete=models.PROTECT, related_name="keys")
    certificate_der = models.BinaryField(_("certificate (DER)"))
    private_key_pem = models.TextField(_("private key (encrypted PEM)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        constraints = [
            models.UniqueConstraint(fields=["active"], condition=models.Q(active=True), name="one_active_signing_key")
        ]

    def __str__(self) -> str:
        return f"{self.kid} ({'active' if self.active else 'retired'})"


class TrustedCertificate(models.Model):
    """Another issuer's document-signer certificate, imported from its trust list."""

    kid = models.CharField(_("key id (base64)"), max_length=16, db_index=True)
    country = models.CharField(_("country"), max_length=2)
    certificate_der = models.BinaryField(_("certificate (DER)"))
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    not_after = models.DateTimeField(_("valid until"))
    source = models.CharField(_("source"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("trusted certificate")
        verbose_name_plural = _("trusted certificates")

    def __str__(self) -> str:
        return f"{self.country} {self.kid}"


class CertificateKind(models.TextChoices):
    VACCINATION = "vaccination", _("Vaccination")
    TEST = "test", _("Test")
    RECOVERY = "recovery", _("Recovery")


# The DCC entry group of each kind.
KIND_ENTRY = {CertificateKind.VACCINATION: "v", CertificateKind.TEST: "t", CertificateKind.RECOVERY: "r"}


class IssuedCertificate(models.Model):
    """A certificate we signed, kept so the holder sees the same one every time and an officer can revoke it.

    The HC1 text is stored: ES256 signatures are randomised, so it cannot be derived again from the DCC.
    ``source`` names what it was issued from ("dose:12", "result:34"), to tell when a newer one is due.
    """

    access_resource = "certificate"
    jurisdiction_lookup = "person__home_commune"
    person_lookup = "person"

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="certificates", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=CertificateKind.choices)
    uvci = models.CharField(_("certificate identifier (UVCI)"), max_length=80, unique=True)
    issued_at = models.DateTimeField(_("issued at"))
    expires_at = models.DateTimeField(_("valid until"))
    dcc = models.JSONField(_("DCC payload"))
    hc1 = models.TextField(_("QR content (HC1)"))
    kid = models.CharField(_("key id (base64)"), max_length=16)
    source = models.CharField(_("issued from"), max_length=40, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("issued certificate")
        verbose_name_plural = _("issued certificates")
        indexes = [models.Index(fields=["person", "kind", "issued_at"], name="certificates_person_kind")]

    def __str__(self) -> str:
        return self.uvci

    @property
    def entry(self) -> dict[str, Any]:
        """The certificate's one v, t or r entry."""
        group = self.dcc.get(KIND_ENTRY[CertificateKind(self.kind)]) or [{}]
        return dict(group[0])

    @property
    def payload(self) -> str:
        """The QR text (HC1), as ``issuing.issue_for_person`` answered before certificates were stored."""
        return self.hc1

    @property
    def identifier(self) -> str:
        return self.uvci


class RuleType(models.TextChoices):
    ACCEPTANCE = "Acceptance", _("Acceptance")
    INVALIDATION = "Invalidation", _("Invalidation")


class RuleCertificateType(models.TextChoices):
    GENERAL = "General", _("All certificates")
    VACCINATION = "Vaccination", _("Vaccination")
    TEST = "Test", _("Test")
    RECOVERY = "Recovery", _("Recovery")


class BusinessRule(models.Model):
    """An EU DCC business rule (CertLogic), as published in the EU rule format, ours or imported.

    ``rule`` keeps the rule as published (the JSON object with Identifier, Type, Country, Version,
    CertificateType, Description, ValidFrom, ValidTo, AffectedFields, Logic …); the other fields repeat
    what is needed to select the rules that apply.
    """

    identifier = models.CharField(_("identifier"), max_length=50)
    version = models.CharField(_("version"), max_length=20)
    rule_type = models.CharField(_("type"), max_length=12, choices=RuleType.choices)
    country = models.CharField(_("country"), max_length=2)
    region = models.CharField(_("region"), max_length=10, blank=True)
    certificate_type = models.CharField(_("certificate type"), max_length=12, choices=RuleCertificateType.choices)
    valid_from = models.DateTimeField(_("valid from"))
    valid_to = models.DateTimeField(_("valid to"))
    rule = models.JSONField(_("rule (EU format)"))
    source = models.CharField(_("source"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        ordering = ["country", "identifier", "valid_from"]
        verbose_name = _("business rule")
        verbose_name_plural = _("business rules")
        constraints = [
            models.UniqueConstraint(fields=["identifier", "version"], name="certificates_rule_identifier_version")
        ]

    def __str__(self) -> str:
        return f"{self.identifier} {self.version}"
