
app_name = "entrants"
urlpatterns: list = []
