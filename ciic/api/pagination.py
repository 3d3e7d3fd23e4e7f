"""How every API list pages: `?page=N&page_size=M`, answered as `{"items", "count"}`."""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

# A page number past any list (a million pages) is refused by validation, as the API's 422,
# instead of reaching the database as an offset no integer column holds.
MAX_PAGE = 1_000_000
PAGE_SIZE = 20


class Pages(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description="页码 / Page number (from 1)")
        page_size: int | None = Field(None, ge=1, le=PageNumberPagination().max_page_size,
                                      description="每页条数 / Items per page")
