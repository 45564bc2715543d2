from django.urls import path

from . import views

app_name = "images"

urlpatterns = [
    path("images/renditions/<str:name>", views.rendition_file, name="rendition"),
]
