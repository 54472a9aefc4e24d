from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "phongdich.core"
    verbose_name = "PhòngDịch core"

    def ready(self) -> None:
        from django.db import models
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from phongdich.accounts.models import ApiToken, User
        from phongdich.core.db import AnyOf
        from phongdich.core.memo import forget_all
        from phongdich.geo.models import AdministrativeUnit
        from phongdich.venues.models import Venue

        models.Field.register_lookup(AnyOf)
        # The hot-path memos hold tokens, accounts, venues and rights derived from these: any change
        # made through this process clears them (other processes wait out the short ttl).
        for model in (ApiToken, User, Venue, AdministrativeUnit):
            post_save.connect(forget_all, sender=model, dispatch_uid=f"memo-save-{model.__name__}")
            post_delete.connect(forget_all, sender=model, dispatch_uid=f"memo-delete-{model.__name__}")
        for through in (User.units.through, Venue.operators.through):
            m2m_changed.connect(forget_all, sender=through, dispatch_uid=f"memo-m2m-{through.__name__}")
