from django.urls import path

from . import views

urlpatterns = [
    path("", views.activity, name="activity"),
    path("export.csv", views.activity_export, name="activity_export"),
]
