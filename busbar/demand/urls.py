"""The demand pages: each views module keeps its own ``urlpatterns``."""

from busbar.demand.views import notices

urlpatterns = [*notices.urlpatterns]
