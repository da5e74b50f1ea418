"""Programme governance pages: meetings."""

urlpatterns: list = []
