"""The registers' pages: each views module keeps its own ``urlpatterns``."""

from busbar.registers.views import improvements, reviews, risks

urlpatterns = [*risks.urlpatterns, *improvements.urlpatterns, *reviews.urlpatterns]
