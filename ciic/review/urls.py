"""The review app's pages: expert pool and conflicts, rounds and assignment, the expert's
workspace and scoring, results and advancement. Each area keeps its patterns in its own module."""

from . import urls_experts, urls_results, urls_rounds, urls_workspace

app_name = "review"
urlpatterns = [*urls_experts.urlpatterns, *urls_rounds.urlpatterns, *urls_workspace.urlpatterns,
               *urls_results.urlpatterns]
