from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "phongdich.core"
    verbose_name = "PhòngDịch core"
