"""The requests pages: each views module keeps its own ``urlpatterns``."""

from busbar.requests.views import catalogue, requests

urlpatterns = [*catalogue.urlpatterns, *requests.urlpatterns]
