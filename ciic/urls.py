from django.conf.urls.i18n import i18n_patterns  # noqa: F401  (kept for future per-language URLs)
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("ciic.api.urls")),
    path("accounts/", include("ciic.accounts.urls")),
    path("projects/", include("ciic.projects.urls")),
    path("notifications/", include("ciic.notifications.urls")),
    path("review/", include("ciic.review.urls")),
    path("finals/", include("ciic.awards.urls")),
    path("vote/", include("ciic.votes.urls")),
    path("results/", include("ciic.awards.public_urls")),
    path("certificates/", include("ciic.certificates.urls")),
    path("publicity/", include("ciic.publicity.urls")),
    path("organizing/", include("ciic.organizing.urls")),
    path("", include("ciic.entrants.urls")),
    path("", include("ciic.site.urls")),
]
