"""The site's JSON files: encoded quickly, to the bytes ``json`` would write.

``export.encode`` uses msgspec's encoder, about six times quicker than
``json.dumps``. The files are a public format that other tools diff and
cache, so its bytes are held to ``json.dumps(..., ensure_ascii=False,
separators=(",", ":"))``: compact, UTF-8, keys in order. The one documented
difference is a number in exponent form, written shortest (``1e-7``).
"""

from __future__ import annotations

import json
import math

from hypothesis import given
from hypothesis import strategies as st

from pelican_hotpapers import export

from .hostile import HOSTILE

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)))
NUMBERS = st.integers(min_value=-(2**70), max_value=2**70) | st.floats(
    allow_nan=False, allow_infinity=False
)
VALUES = st.recursive(
    st.none() | st.booleans() | NUMBERS | TEXT,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5)
    ),
    max_leaves=30,
)


def _json_dumps(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _has_exponent(value: object) -> bool:
    if isinstance(value, float):
        return "e" in repr(value)
    if isinstance(value, list):
        return any(map(_has_exponent, value))
    if isinstance(value, dict):
        return any(map(_has_exponent, value.values()))
    return False


@given(VALUES)
def test_encode_writes_what_json_dumps_writes(value):
    ours = export.encode(value)
    assert json.loads(ours) == value
    if not _has_exponent(value):
        assert ours == _json_dumps(value)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def test_hostile_text_is_encoded_byte_for_byte_as_json_does():
    # Lone surrogates never get here: reading a day cleans them out.
    texts = [text for text in HOSTILE if _encodable(text)]
    assert len(texts) > len(HOSTILE) // 2
    document = {"texts": texts, "every_control": "".join(map(chr, range(32)))}
    assert export.encode(document) == _json_dumps(document)


def test_numbers_in_exponent_form_are_written_shortest_and_read_back_the_same():
    values = [1e-7, 2.5e-05, 1e16, 1e22, 538.39, 0.1]
    encoded = export.encode(values)
    assert encoded == b"[1e-7,0.000025,1e16,1e22,538.39,0.1]\n"
    assert all(
        math.isclose(a, b, rel_tol=0, abs_tol=0)
        for a, b in zip(json.loads(encoded), values, strict=True)
    )
