"""Markdown for call descriptions: rendered with Python-Markdown, then sanitised with nh3 (an allow-list)."""

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "dd", "dl", "dt", "em", "h2", "h3", "h4", "h5", "h6", "hr", "li",
    "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}, "td": set()}


def render_markdown(text: str) -> SafeString:
    """HTML safe to embed: no scripts, styles, event handlers or ``javascript:`` links survive.

    Headings start at level 2 (``#`` becomes ``<h2>``) because the page's own title is the only ``<h1>``.
    """
    html = markdown_lib.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    for level in range(5, 0, -1):
        html = html.replace(f"<h{level}", f"<h{level + 1}").replace(f"</h{level}>", f"</h{level + 1}>")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # noqa: S308 -- sanitised by nh3 with an allow-list just above
