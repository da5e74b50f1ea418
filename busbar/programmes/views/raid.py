"""Programme governance pages: raid."""

urlpatterns: list = []
