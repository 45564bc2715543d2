from django.urls import path

from . import views

app_name = "landscape"

urlpatterns = [
    path("landscape/", views.landscape, name="landscape"),
    path("companies/<slug:slug>/", views.company_detail, name="company_detail"),
    path("people/<slug:slug>/", views.person_detail, name="person_detail"),
    path("quotes/", views.quote_list, name="quote_list"),
    path("figures/", views.figure_list, name="figure_list"),
]
