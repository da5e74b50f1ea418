"""The demand pages: each views module keeps its own ``urlpatterns`` (the fixed addresses before
``demand/<reference>/``)."""

from busbar.demand.views import notices, tolerances, trends

urlpatterns = [*trends.urlpatterns, *tolerances.urlpatterns, *notices.urlpatterns]
