from django.apps import AppConfig


class LandscapeConfig(AppConfig):
    name = "landscape"
    verbose_name = "Landscape"
