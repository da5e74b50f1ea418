from django.urls import path

from busbar.core import views
from busbar.core.favicon import favicon

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("mfa-required/", views.mfa_required, name="mfa_required"),
    path("audit/", views.audit_list, name="audit_list"),
]
