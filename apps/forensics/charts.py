"""Small server-rendered SVG histograms (reference vs window): geometry only, the template
draws it. No JavaScript chart library."""

from __future__ import annotations

from typing import Any

WIDTH, HEIGHT, GAP = 240, 72, 1


def histogram_bars(histogram: dict[str, Any] | None) -> dict[str, Any] | None:
    if not histogram or not histogram.get("reference"):
        return None
    reference, window = histogram["reference"], histogram["window"]
    bins = len(reference)
    tallest = max(max(reference), max(window), 1e-9)
    slot = WIDTH / bins
    bars = []
    for index, (ref, cur) in enumerate(zip(reference, window, strict=True)):
        x = index * slot
        ref_height, cur_height = ref / tallest * HEIGHT, cur / tallest * HEIGHT
        if "edges" in histogram:
            label = f"{histogram['edges'][index]:.4g} – {histogram['edges'][index + 1]:.4g}"
        else:
            label = str(histogram["categories"][index])
        bars.append({
            "x": round(x + GAP / 2, 2), "width": round(max(slot / 2 - GAP, 0.5), 2),
            "window_x": round(x + slot / 2, 2),
            "reference_height": round(ref_height, 2), "window_height": round(cur_height, 2),
            "reference_y": round(HEIGHT - ref_height, 2), "window_y": round(HEIGHT - cur_height, 2),
            "label": label, "reference": f"{ref:.1%}", "window": f"{cur:.1%}",
        })
    first = histogram["edges"][0] if "edges" in histogram else None
    last = histogram["edges"][-1] if "edges" in histogram else None
    return {"bars": bars, "width": WIDTH, "height": HEIGHT, "low": first, "high": last}
