"""URL patterns of the review app's rounds pages (included by urls.py)."""

urlpatterns: list = []
