"""Programme governance pages: changes."""

urlpatterns: list = []
