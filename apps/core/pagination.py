"""Page-number pagination that refuses a malformed `page` instead of guessing. DRF reads an
empty `?page=` as page 1 and, when `page` is given twice, silently uses the last value; a
client with a bug in its paging loop would then read page 1 again and again."""

from __future__ import annotations

import re

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

_PAGE_NUMBER = re.compile(r"[0-9]+")


class StrictPageNumberPagination(PageNumberPagination):
    def get_page_number(self, request, paginator):
        values = request.query_params.getlist(self.page_query_param)
        if len(values) > 1:
            raise ValidationError({self.page_query_param: ["Give the page number once."]})
        if values and values[0] not in self.last_page_strings and not _PAGE_NUMBER.fullmatch(values[0]):
            raise ValidationError({self.page_query_param: ["A page number is a whole number from 1."]})
        # Well formed but past the end (or 0) stays DRF's 404 "Invalid page".
        return super().get_page_number(request, paginator)
