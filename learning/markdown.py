"""Markdown for statements and explanations: rendered, then sanitised with nh3 (Ammonia), so
content edited in the admin can never inject script into a learner's page."""

from functools import lru_cache

import markdown as md
import nh3
from django.utils.safestring import mark_safe

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "table", "thead", "tbody", "tr", "th", "td", "h3", "h4", "hr", "sup", "sub", "a",
}  # fmt: skip
# Rendering costs about 2 ms a text, on every problem page and every solved answer; the same few
# hundred texts come back all day. Keyed by the text itself, so an edited text is a new entry.
RENDERED_TEXTS_KEPT = 2048


@lru_cache(maxsize=RENDERED_TEXTS_KEPT)
def _rendered(text):
    html = md.markdown(text, extensions=["tables", "fenced_code", "sane_lists"], output_format="html")
    links = {"a": {"href", "title"}}
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=links, url_schemes={"http", "https", "mailto"})


def render_markdown(text):
    return mark_safe(_rendered(text or ""))
