"""Signing material for EU DCC certificates, and the document-signer certificates of others we trust.

Private keys are stored in the database as PKCS#8 PEM encrypted with a key derived from
``SECRET_KEY`` by HKDF (see ``keystore``): every application server and worker shares them through
the database, and a database dump alone does not reveal them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
