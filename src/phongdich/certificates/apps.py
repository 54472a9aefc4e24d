from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "phongdich.certificates"
    verbose_name = _("Certificates")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from phongdich.certificates.models import SigningKey, TrustedCertificate
        from phongdich.core.memo import forget_all

        # The trust list is kept for a few seconds on the verification path (certificates.services.trust_list).
        for model in (SigningKey, TrustedCertificate):
            post_save.connect(forget_all, sender=model, dispatch_uid=f"memo-save-{model.__name__}")
            post_delete.connect(forget_all, sender=model, dispatch_uid=f"memo-delete-{model.__name__}")
