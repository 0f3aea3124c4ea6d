"""The site's URL conf with the API's handler400 and handler500 wired in.

tests/api/test_errors.py uses it to show what those two lines in sparekey/urls.py give: the one
error shape under /api/ even for failures Django answers before any view runs (a bad Host).
"""

from sparekey.urls import urlpatterns

handler400 = "sparekey.api.errors.handler400"
handler500 = "sparekey.api.errors.handler500"

__all__ = ["handler400", "handler500", "urlpatterns"]
