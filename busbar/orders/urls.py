"""The orders pages: each views module keeps its own ``urlpatterns``."""

from busbar.orders.views import forecasts, orders, returns

urlpatterns = [*forecasts.urlpatterns, *orders.urlpatterns, *returns.urlpatterns]
