"""Markdown for statements and explanations: rendered, then sanitised with nh3 (Ammonia), so
content edited in the admin can never inject script into a learner's page."""

import markdown as md
import nh3
from django.utils.safestring import mark_safe

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "table", "thead", "tbody", "tr", "th", "td", "h3", "h4", "hr", "sup", "sub", "a",
}  # fmt: skip


def render_markdown(text):
    html = md.markdown(text or "", extensions=["tables", "fenced_code", "sane_lists"], output_format="html")
    clean = nh3.clean(
        html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}}, url_schemes={"http", "https", "mailto"}
    )
    return mark_safe(clean)
