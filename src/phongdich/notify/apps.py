from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "phongdich.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # The message texts this app ships (those the quarantine flows send).
        from phongdich.notify import notify_templates  # noqa: F401
        from phongdich.notify.channels import register_configured_channels

        register_configured_channels()
