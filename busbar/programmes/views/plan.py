"""Programme governance pages: plan."""

urlpatterns: list = []
