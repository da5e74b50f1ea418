from django.urls import path

from busbar.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("mfa-required/", views.mfa_required, name="mfa_required"),
    path("audit/", views.audit_list, name="audit_list"),
]
