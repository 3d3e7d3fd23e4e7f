"""The review app's pages, one area per sub-package, each with its own patterns: the expert
pool and conflicts (`experts`), rounds and assignment (`rounds`), the expert's workspace and
scoring (`reviews`), results and the archive (`results`), finalists and due diligence
(`finalists`). One namespace, `review:`, for all of them."""

from .experts import urls as experts
from .finalists import urls as finalists
from .results import urls as results
from .reviews import urls as reviews
from .rounds import urls as rounds

app_name = "review"
urlpatterns = [*experts.urlpatterns, *rounds.urlpatterns, *reviews.urlpatterns, *results.urlpatterns,
               *finalists.urlpatterns]
