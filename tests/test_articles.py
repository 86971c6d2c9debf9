"""The Article objects handed to Pelican: plain Pelican objects, left alone.

The plugin makes Pelican's own Article and Page objects and replaces none
of their methods: what Pelican does with them (its scan for internal
links, the paths it works out) is Pelican's, from one release to the next.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pelican
import pelican.contents
import pelican.generators
from pelican.contents import Article

import pelican_hotpapers
from pelican_hotpapers import articles

from .sites import build, hotpapers_articles

PACKAGE = Path(pelican_hotpapers.__file__).parent


def test_articles_stay_plain_articles_filed_under_shared_objects(tmp_path, data_dir):
    """Plugins test ``type(content) is Article``; one category object for all."""
    with hotpapers_articles() as seen:
        build(tmp_path, data_dir, HOTPAPERS_TAGS=["arXiv", "papers"])
    assert len(seen) >= 2
    assert all(type(article) is Article for article in seen)
    first, second = seen[:2]
    assert first.category is second.category
    assert first.author is second.author
    assert [t.name for t in first.tags] == ["arXiv", "papers"]
    assert all(a is b for a, b in zip(first.tags, second.tags, strict=True))
    # Each article has its own lists, as Pelican's readers give it.
    assert first.tags is not second.tags
    assert first.authors is not second.authors


def test_a_build_without_the_memo_hashes_nothing(tmp_path, data_dir, monkeypatch):
    """File and page fingerprints key the render memo only."""

    def refuse(data: bytes) -> str:
        raise AssertionError("hashed without a memo")

    monkeypatch.setattr(articles, "digest", refuse)
    monkeypatch.setattr("pelican_hotpapers.history.digest", refuse)
    out = build(tmp_path, data_dir, HOTPAPERS_DIGESTS=["week"])
    assert (out / "hot-papers-2021-01-11.html").exists()
    assert (out / "hot-papers-2021-W02.html").exists()


def pelicans_methods() -> set[str]:
    """Every callable that Pelican's content, generator and main classes define."""
    classes = [pelican.Pelican]
    for module in (pelican.contents, pelican.generators):
        classes += [
            cls
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if cls.__module__ == module.__name__
        ]
    names = set()
    for cls in classes:
        names |= {n for n, v in inspect.getmembers(cls) if callable(v)}
    return names - {"__class__", "__init__", "__new__"}


def test_no_module_sets_a_method_of_pelicans_on_an_object():
    """Neither ``obj.method = ...`` nor ``setattr(obj, "method", ...)``, for
    any method name of Pelican's classes, anywhere in the package."""
    methods = pelicans_methods()
    assert {"_update_content", "get_relative_source_path", "get_content"} <= methods
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
                targets = (
                    node.targets if isinstance(node, ast.Assign) else [node.target]
                )
            names = [t.attr for t in targets if isinstance(t, ast.Attribute)]
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "setattr"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
            ):
                names.append(node.args[1].value)
            found += [f"{path.name}:{node.lineno} {n}" for n in names if n in methods]
    assert found == []


def test_the_articles_of_a_build_carry_no_method_of_their_own(tmp_path, data_dir):
    with hotpapers_articles() as seen:
        build(tmp_path, data_dir, HOTPAPERS_DIGESTS=["week"])
    assert seen
    for article in seen:
        own = {
            name
            for name, value in vars(article).items()
            if callable(value) and callable(getattr(type(article), name, None))
        }
        assert own == set(), article.source_path
