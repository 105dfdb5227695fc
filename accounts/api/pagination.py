"""Page-number pagination for every API list: `?page=` and `?page_size=` (at most 200)."""

from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def paginated_response(*, queryset, serializer_class, request, view, pagination_class=StandardPagination):
    """Serialise one page of `queryset` as `{"count", "next", "previous", "results"}`.

    For plain APIViews (which have no `paginate_queryset`); an unknown page is a 404.
    """
    paginator = pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    serializer = serializer_class(page, many=True, context={"request": request, "view": view})
    return paginator.get_paginated_response(serializer.data)
