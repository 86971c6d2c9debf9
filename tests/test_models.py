"""The data classes' JSON mapping: the typed structs that read a day file."""

from __future__ import annotations

import json
from importlib import resources

import msgspec

from pelican_hotpapers import models
from pelican_hotpapers.models import CountedPost, clean_json

from .factories import make_post

#: Words of a JSON Schema that say nothing about which files are valid.
NOT_RULES = {
    "title",
    "description",
    "default",
    "$schema",
    "$id",
    "definitions",
    "$defs",
}


def rules(node: dict, definitions: dict) -> dict:
    """What a schema asks of a file, in one spelling: references resolved,
    ``const`` as a one-value ``enum``, ``oneOf`` of disjoint types as
    ``anyOf``, lists of alternatives and of required names sorted."""
    if "$ref" in node:
        return rules(definitions[node["$ref"].rsplit("/", 1)[-1]], definitions)
    found = {}
    for key, value in node.items():
        if key in NOT_RULES or (key == "additionalProperties" and value is True):
            continue
        if key == "const":
            key, value = "enum", [value]
        elif key in ("anyOf", "oneOf"):
            alternatives = (rules(item, definitions) for item in value)
            key, value = "anyOf", sorted(alternatives, key=json.dumps)
        elif key == "properties":
            value = {name: rules(item, definitions) for name, item in value.items()}
        elif key == "items":
            value = rules(value, definitions)
        elif key == "required":
            value = sorted(value)
        found[key] = value
    return found


def test_the_structs_ask_what_the_published_schema_asks() -> None:
    """The structs are the schema as Python types: msgspec's JSON Schema of
    them has the same fields, types, required names, patterns and minimums
    as the file users read. A field or a rule added to one and not the other
    fails here."""
    text = resources.files("pelican_hotpapers").joinpath("schema/day.schema.json")
    published = json.loads(text.read_text(encoding="utf-8"))
    ours = msgspec.json.schema(models.DayJSON)
    expected = rules(published, published["definitions"])
    assert rules(ours, ours["$defs"]) == expected
    post = expected["properties"]["entries"]["items"]["properties"]["posts"]["items"]
    assert post["properties"]["counts"]["properties"]["likes"] == {
        "type": "integer",
        "minimum": 0,
    }
    assert expected["properties"]["sources"]["uniqueItems"] is True


def test_each_struct_has_every_field_of_the_class_it_becomes() -> None:
    """The reader makes each class from its struct's fields of the same
    names: a field added to a class and not to its struct would be read as
    the field's default, whatever the file says."""
    pairs = [
        (models.Day, models.DayJSON),
        (models.Entry, models.EntryJSON),
        (models.Paper, models.PaperJSON),
        (models.Post, models.PostJSON),
        (models.Counts, models.CountsJSON),
        (models.Link, models.LinkJSON),
    ]
    for cls, struct in pairs:
        names = set(cls.__struct_fields__)
        assert names <= set(struct.__struct_fields__), cls


def test_clean_json_reaches_text_nested_as_deep_as_json_allows() -> None:
    nested = json.loads("[" * 800 + '"a\\u0000b"' + "]" * 800)
    cleaned = clean_json({"k\x01": nested, "n": 1.5, "s": ["\ud800", None, True]})
    assert cleaned["n"] == 1.5 and cleaned["s"] == ["\ufffd", None, True]
    inner = cleaned["k\ufffd"]
    for _ in range(800):
        (inner,) = inner
    assert inner == "a\ufffdb"
    assert nested[0] is not cleaned["k\ufffd"][0]  # a copy: the input is kept
    assert [clean_json(v) for v in ("a\x1b", 1.5, None)] == ["a\ufffd", 1.5, None]


def test_the_data_is_left_out_of_the_cyclic_collector() -> None:
    """A site keeps tens of thousands of posts and papers, none in a cycle:
    the collector's passes, in the build and as Python exits, skip them."""
    import gc
    import pickle
    import typing

    from pelican_hotpapers.archive import read_day
    from pelican_hotpapers.memo import Rendered
    from pelican_hotpapers.ranking import rank_day
    from pelican_hotpapers.settings import RankingOptions
    from pelican_hotpapers.timeline import Timeline

    from .conftest import EXAMPLE_SITE

    day = read_day(EXAMPLE_SITE / "hotpapers" / "2021-01-11.json")
    ranked = rank_day(day, RankingOptions())
    entry = ranked.entries[0]
    post = entry.posts[0]
    [listing] = Timeline([ranked]).listings[entry.paper.arxiv_id]
    found = [
        day,
        day.entries[0],
        entry.paper,
        post,
        post.counts,
        ranked,
        entry,
        entry.by_source[0],
        listing,
        Rendered("", ranked, "<p>", "<p>"),
        *entry.counted_posts,
        *post.links,
    ]
    flags = [
        flag
        for listed in ranked.entries
        for counted in listed.counted_posts
        for flag in counted.flags
    ]
    assert post.links and flags  # the reference day's hashtag-stuffed post
    found += flags
    assert [type(o).__name__ for o in found if gc.is_tracked(o)] == []
    # Their fields and types can be read, as scripts are told to.
    for cls in {type(o) for o in found}:
        assert msgspec.structs.fields(cls)
        assert typing.get_type_hints(cls)
    # Still plain values: equal, hashable, and pickled as they were made.
    assert pickle.loads(pickle.dumps(ranked)) == ranked
    assert hash(post) == hash(pickle.loads(pickle.dumps(post)))


def test_a_counted_post_gives_the_reason_its_ranking_writes():
    # models imports nothing of the package: the ranking that counted a post
    # hands it the function that explains it, called only when read.
    post = make_post(reposts=3, likes=4)
    seen = []

    def explain(counted: CountedPost) -> str:
        seen.append(counted)
        return "counted 7"

    counted = CountedPost(post, 7, 7, 3, 1.0, explain=explain)
    assert seen == []
    assert counted.reason == "counted 7"
    assert seen == [counted]
    assert CountedPost(post, 7, 7, 3, 1.0).reason == ""
