"""Programme governance pages: readiness."""

urlpatterns: list = []
