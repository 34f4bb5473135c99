from django import template

register = template.Library()


@register.filter
def share(value: float | None) -> str:
    """A fraction as a whole percentage ("62 %"), a dash when there is nothing to divide."""
    if value is None:
        return "—"
    return f"{round(value * 100):d} %"


@register.filter
def bar_width(count: int, peak: int) -> str:
    """A breakdown bar's width as a percentage of the largest, for `style="width:N%"`."""
    return f"{round(count / peak * 100, 1) if peak else 0}"


@register.filter
def peak_of(slices) -> int:
    """The largest count of a breakdown: its bars are drawn against it."""
    return max((item.incidents for item in slices), default=0)
