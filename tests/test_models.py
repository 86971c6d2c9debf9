"""The data classes and their JSON mapping."""

from __future__ import annotations

import json

from pelican_hotpapers.models import clean_json


def test_clean_json_reaches_text_nested_as_deep_as_json_allows() -> None:
    nested = json.loads("[" * 800 + '"a\\u0000b"' + "]" * 800)
    cleaned = clean_json({"k\x01": nested, "n": 1.5, "s": ["\ud800", None, True]})
    assert cleaned["n"] == 1.5 and cleaned["s"] == ["\ufffd", None, True]
    inner = cleaned["k\ufffd"]
    for _ in range(800):
        (inner,) = inner
    assert inner == "a\ufffdb"
    assert nested[0] is not cleaned["k\ufffd"][0]  # a copy: the input is kept
