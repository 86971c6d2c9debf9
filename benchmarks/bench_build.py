"""How long a site with N days of Hot Papers takes to build, against Markdown.

Why this exists: the plugin's promise is that a day file becomes an article
more cheaply than the hand-written Markdown post it replaces, and that the
cost per day stays flat as the archive grows (a site of ten years holds 3,650
days). This script measures both claims on the same content:

- **plugin** site: an empty content folder, ``PLUGINS=["pelican_hotpapers"]``,
  the N synthetic day files in ``HOTPAPERS_DATA_PATH``, ``HOTPAPERS_FETCH =
  "never"`` (fully offline);
- **markdown** site: the same N days written as Markdown articles shaped like
  the reference post (``../shared/reference/hot-papers-2021-01-11.md``): a
  ``# 1. Title`` heading, the authors, the counts, links and categories lines,
  the abstract and each embedded post as X's raw ``blockquote`` HTML (without
  the widgets.js line), and no plugin.

Both sites use the notmyidea theme, the same feeds and ``DEFAULT_PAGINATION
= 10``, ``SITEURL``, ``TIMEZONE = "UTC"``, and ``LOAD_CONTENT_CACHE =
False``, ``CACHE_CONTENT = False``: every build reads and converts
everything, as a first build or a CI build does. Each build runs in a fresh
subprocess (so that one build's imports, caches and memory do not help or
hurt the next) into fresh output and cache folders, after ``os.sync()`` (so
that the files one build wrote reach the disk before the next starts); no
build's files are deleted before the benchmark ends (a few hundred MB at 365
days, several GB at 3,650 with --history; deleting a build's thousand files
while the next one ran made that one's system time erratic and rising, run
by run, for both sites on this machine's ext4 with ``discard``); the builds
alternate plugin, markdown, floor, plugin, markdown, floor... so that drift
in the machine's speed hits all alike. The **floor** is the plugin site
built again with its render memo warm (``CACHE_CONTENT`` and
``LOAD_CONTENT_CACHE`` on, nothing changed since an earlier build that is
not measured): the same pages, written by Pelican, with the plugin's own
work taken from the memo. A build's time is its child's CPU time (user +
system, read with ``os.wait4``), which other work on a shared machine moves
far less than the wall time; ratios are of CPU times, and each is printed
with its range over the runs. The cold build's CPU less the floor's, per
day, is the plugin's own work as the builds show it. It is also given in
user and system time: most system time is the files' creation, which a cold
build pays for every page and the floor, writing over the pages of the build
before it, mostly does not; the benchmark measures what creating and
overwriting a page-sized file costs on the machine and prints it beside. The
peak memory of a build is its child's ``ru_maxrss``. The plugin's modules
are byte-compiled before the first build, as ``pip install`` does for it and
did for Pelican and Markdown: on a machine that sets
``PYTHONDONTWRITEBYTECODE``, an editable install would otherwise compile
them in every build.

The synthetic days follow the stored day format and are written with
``pelican_hotpapers.archive.write_day``, so they pass the schema: about 7 papers
a day with 2-8 authors, arXiv categories and abstracts of about 1,500
characters; one or two X posts a paper with t.co links mapped in ``links``.
Every paper passes the default thresholds (score >= 50), so every paper is
rendered by both sites; a few second posts stay under the post threshold
(25) and are embedded by neither. A seeded ``random.Random`` makes the data
the same on every run.

The plugin's own work per day is the cold build's CPU time less the
floor's, over N. For a breakdown, the same work (reading + validating the
day files, ranking, rendering bodies and summaries: ``archive.read_day``,
``ranking.rank_day``, ``render.Renderer``; with ``--history`` also the index,
digests, paper pages' bodies and JSON documents) is timed in this process
over all N days.

Usage (from the repository root, in the project's virtualenv)::

    python benchmarks/bench_build.py --days 365
    python benchmarks/bench_build.py --days 3650 --runs 3 --json /tmp/bench-3650.json
    python benchmarks/bench_build.py --days 20 --runs 1 --keep /tmp/bench-site

Options:

--days N      number of days (articles) to generate; required
--runs R      builds of each site, alternating (default 3); medians are reported
--keep DIR    generate into DIR (new or empty) and keep the data, the Markdown
              content, and every build's output and log; otherwise a temporary
              folder is used and removed
--json PATH   also write the results as JSON
--seed S      seed of the synthetic data (default 2021)
--history     everything across days on (issue 13): week and month digests,
              paper pages and JSON files on the plugin site; about 30% of a
              day's papers are papers of the last 14 days listed again, so
              papers have histories. The plugin's own time then includes the
              index, trend marks, digests, paper pages and JSON documents.
              What the paper pages cost is measured by one more cold build
              with HOTPAPERS_PAPER_PAGES = False. A warm build is measured
              too: a cold build with the content cache (and so the render
              memo) on, one new day added, and the build again into the same
              folders. Without --history the plugin site turns paper pages
              and JSON off, so that both sites write the same pages.
--instructions
              also build each site once under valgrind's callgrind, which
              counts the instructions the build runs: the same count for the
              same build whatever else the machine does, where CPU seconds
              move by a tenth from one benchmark to the next on a shared
              machine. The child runs with PYTHONHASHSEED=0 and address
              randomisation off (setarch -R), which makes the count
              repeatable. Slow: about fifty times a build's CPU time.

The exit code is 1 when a build fails or the two sites produce a different
number of ``hot-papers-*.html`` articles (or not N), else 0. Times are
printed, never asserted: ``tests/test_bench.py`` only checks that the quick
form (``--days 20 --runs 1``) still runs and that both sites agree.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import gc
import html
import importlib.metadata
import json
import logging
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

# The plugin is imported lazily (inside functions), never at module level:
# the Markdown site's build child runs this file too, and must not pay for
# importing a plugin it does not use.
if TYPE_CHECKING:
    from pelican_hotpapers.models import Day, Paper, Post, RankedDay
    from pelican_hotpapers.settings import HotpapersSettings

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEED = 2021
#: The last synthetic day; days go back from it, so any N gives valid arXiv ids.
LAST_DAY = dt.date(2025, 12, 31)
#: Targets from issues 5, 13 and 14, printed beside the figures (never
#: asserted): the CPU ratio at N=365 and the plugin's own time per day
#: without --history (14), its own time with --history, the warm build's
#: share of the cold one and the peak memory at N=3650 (13).
TARGET_RATIO = 0.36
TARGET_OWN_MS_PER_DAY = 0.4
TARGET_OWN_MS_PER_DAY_HISTORY = 2.0
TARGET_WARM_RATIO = 0.25
TARGET_PEAK_RSS_MB = 1024.0
#: The builds of each run, in the order they alternate. "floor" is the
#: plugin site built again with its render memo warm and nothing changed:
#: Pelican's own work on the same pages, with no plugin work left to do.
#: "themed" is the plugin site with a copy of the package's templates as
#: its THEME_TEMPLATES_OVERRIDES, as a site that overrides them all: it
#: must cost what the plugin site costs (issue 19).
KINDS = ("plugin", "themed", "markdown", "floor")

# --- Synthetic content --------------------------------------------------------

FIRST_NAMES = (
    "Ada", "Simon", "Tess", "Lixin", "Jonathan", "Mordechai", "Nicola", "Boris",
    "Becky", "Winston", "Ruohan", "Kristen", "Joachim", "Maram", "Maximilian",
    "Asja", "Stefan", "Priya", "Daniel", "Hannah", "Camille", "Kenji", "Seo-yeon",
    "Ines", "Leo", "Maya", "Olu", "Ana", "Ravi", "Tomas", "Yuki", "Fatima",
    "Mateo", "Chiara", "Arjun", "Sofia", "Wei", "Noah", "Amara", "Lukas",
)  # fmt: skip
LAST_NAMES = (
    "Batzner", "Smidt", "Sun", "Mailoa", "Kornbluth", "Molinari", "Kozinsky",
    "Mashaido", "Tangongho", "Gao", "Grauman", "Sicking", "Akila", "Pintz",
    "Wirtz", "Fischer", "Wrobel", "Raman", "Ferrer", "Cole", "Moreau", "Tanaka",
    "Park", "Duarte", "Brandt", "Goldberg", "Okafor", "Souza", "Menon",
    "Lindqvist", "Watanabe", "Haddad", "Reyes", "Rossi", "Kowalski", "Zhang",
    "Nguyen", "Müller", "Kraemer", "Becker",
)  # fmt: skip
# (primary category, other categories it is often cross-listed with, field)
CATEGORIES = (
    ("cs.LG", ("stat.ML", "cs.AI", "cs.NE"), "machine learning"),
    ("cs.CV", ("cs.LG", "eess.IV", "cs.AI"), "computer vision"),
    ("cs.CL", ("cs.AI", "cs.LG"), "natural language processing"),
    ("stat.ML", ("cs.LG", "math.ST"), "statistical learning"),
    ("physics.comp-ph", ("cond-mat.mtrl-sci", "cs.LG"), "computational physics"),
    ("cs.RO", ("cs.AI", "cs.CV", "cs.LG"), "robotics"),
    ("eess.AS", ("cs.SD", "cs.CL"), "speech processing"),
    ("q-bio.BM", ("cs.LG", "physics.bio-ph"), "structural biology"),
    ("cs.CR", ("cs.LG", "cs.SE"), "computer security"),
    ("quant-ph", ("cs.ET", "physics.comp-ph"), "quantum computing"),
    ("math.OC", ("cs.LG", "stat.ML"), "optimization"),
    ("astro-ph.IM", ("cs.LG", "astro-ph.GA"), "astronomical instrumentation"),
)  # fmt: skip
METHODS = (
    "transformer", "graph neural network", "diffusion model", "variational autoencoder",
    "contrastive encoder", "mixture-of-experts model", "state-space model",
    "normalizing flow", "Gaussian process", "policy-gradient agent",
    "neural radiance field", "spiking neural network", "kernel machine",
)  # fmt: skip
TASKS = (
    "image segmentation", "protein structure prediction", "machine translation",
    "speech recognition", "molecular dynamics", "anomaly detection",
    "code generation", "weather forecasting", "question answering",
    "robotic grasping", "time-series forecasting", "3D reconstruction",
    "text-to-image generation", "causal discovery", "program synthesis",
    "uncertainty estimation", "audio-visual speech separation",
)  # fmt: skip
PROPERTIES = (
    "sample-efficient", "calibrated", "robust", "scalable", "interpretable",
    "equivariant", "privacy-preserving", "sparse", "self-supervised",
    "multilingual", "few-shot", "long-context", "data-efficient",
)  # fmt: skip
DATASETS = (
    "ImageNet", "COCO", "MD-17", "LibriSpeech", "WMT'14 English-German",
    "SQuAD 2.0", "Kinetics-400", "the UCI regression suite", "CIFAR-100",
    "HumanEval", "ERA5", "OGB-LSC", "nuScenes", "VoxCeleb2",
)  # fmt: skip
LIMITATIONS = (
    "brittle under distribution shift", "expensive to train at scale",
    "poorly calibrated", "hard to interpret", "limited to short contexts",
    "dependent on large labelled datasets",
)  # fmt: skip
SYLLABLES = ("Neq", "Vis", "Flo", "Gra", "Tra", "Sym", "Pro", "Dif", "Mo", "Lex")
SUFFIXES = ("IP", "Net", "Former", "Voice", "GPT", "Flow", "Diff", "Bench", "RL")
HASHTAGS = (
    "MachineLearning", "DeepLearning", "AI", "DataScience", "NLProc",
    "ComputerVision", "compchem", "Robotics", "Python", "100DaysOfCode",
)  # fmt: skip
ACCOUNTS = (
    ("AK", "ak92501"), ("ML Papers Daily", "mlpapers_daily"),
    ("arXiv CS.LG bot", "arxiv_cs_lg"), ("Reading Group NLP", "nlp_readgroup"),
    ("CV Weekly", "cvweekly"), ("Robust ML Reading", "robustml_reading"),
    ("Marcus Borba", "marcusborba"), ("PhD reading pile", "phd_readingpile"),
)  # fmt: skip
ABSTRACT_SENTENCES = (
    "{Task} is a central problem in {field}, yet existing {method}s remain "
    "{limitation}.",
    "In this work we introduce {name}, a {prop} {method} that learns directly "
    "from raw observations and requires no hand-crafted features.",
    "Unlike prior approaches that rely on invariant representations and act "
    "only on scalars, {name} operates on geometric tensors and keeps the "
    "symmetry of the problem by construction.",
    "We evaluate {name} on {dataset} and {dataset2}, where it improves over the "
    "strongest published baseline by {pct}% while using {k}x fewer parameters.",
    "Our analysis shows that the gains come mostly from the {prop} objective "
    "rather than from the larger model, which we confirm with a series of "
    "controlled ablations.",
    "We further prove that, under mild assumptions on the data distribution, "
    "the generalisation error of {name} decreases with the number of training "
    "examples at the optimal rate.",
    "The method is simple to implement, adds little computational overhead, and "
    "can be combined with existing {method}s without changing their training "
    "pipeline.",
    "Extensive experiments on {task} show that {name} is {prop} across model "
    "sizes, random seeds and evaluation protocols, and that it transfers to "
    "unseen domains with minimal fine-tuning.",
    "We also release a new benchmark of {k}0,000 annotated examples that covers "
    "the long tail of {task} and exposes failure modes that standard test sets "
    "miss.",
    "Finally, we discuss the limitations of our approach, including its "
    "reliance on {dataset}-style supervision, and outline directions for "
    "future work in {field}.",
    "To make this possible, we derive a training objective that couples the "
    "{method} with a lightweight auxiliary model and can be optimised end to "
    "end with standard stochastic gradient methods.",
    "On {dataset2}, {name} matches the accuracy of models trained on {k} times "
    "more data, which makes it attractive for settings where labels are "
    "scarce or expensive to obtain.",
    "A user study with domain experts indicates that the predictions of {name} "
    "are easier to audit than those of the baselines.",
    "Code, pretrained models and the evaluation scripts are publicly available "
    "to support reproducibility.",
)
POST_TEMPLATES_EN = (
    "{title} #{tag1} #{tag2} #{tag3} {link}",
    "We're excited to introduce {name}, a {prop} {method} for {task} that "
    "outperforms existing models with up to {k}x fewer data! w/ @{co1} @{co2} "
    "#{tag1} 1/N {link} {pic}",
    "{title}\n\n{first} et al.: {link}",
    "New paper on {task}: {name} is {prop} and beats the baselines on "
    "{dataset} by {pct}%. Thread below, paper here {link}",
    "Interesting read from @{co1}: why {method}s are {limitation}, and how "
    "{name} fixes it. {link} {pic}",
)
POST_TEMPLATES_OTHER = (
    ("ja", "{name}: {task}のための新しい手法を提案した論文。{dataset}で"
     "従来手法を{pct}%上回る。時間のあるときに読んでみよう。{link}"),
    ("de", "Spannendes Paper zu {task}: {name} ist {prop} und schlägt die "
     "Baselines auf {dataset} um {pct}%. {link}"),
    ("fr", "Nouvel article sur {task} : {name}, un {method} {prop}, "
     "évalué sur {dataset}. {link}"),
)  # fmt: skip
_TCO_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#: X's epoch for snowflake ids, in milliseconds.
_SNOWFLAKE_EPOCH_MS = 1288834974657


class SyntheticArchive:
    """N days of believable Hot Papers data, the same for the same seed.

    One instance owns the random generator and the arXiv id counters, so the
    days it makes never share an id and a rerun makes the same bytes.
    """

    def __init__(self, seed: int = DEFAULT_SEED, recurring: float = 0.0) -> None:
        self.rng = random.Random(seed)
        #: The share of a day's papers that are recent papers listed again.
        self.recurring = recurring
        self._recent: list[tuple[dt.date, Paper]] = []
        self._next_number: dict[str, int] = {}
        # The words a paper was made of, so that its posts talk about it.
        self._words_of: dict[str, dict[str, Any]] = {}

    def days(self, count: int, last: dt.date = LAST_DAY) -> list[Day]:
        """``count`` consecutive days ending on ``last``, oldest first."""
        first = last - dt.timedelta(days=count - 1)
        return [self.day(first + dt.timedelta(days=i)) for i in range(count)]

    def day(self, date: dt.date) -> Day:
        """One day: about 7 papers, each linked by one or two posts."""
        from pelican_hotpapers.models import Day
        from pelican_hotpapers.ranking import build_entries

        rng = self.rng
        papers: dict[str, Paper] = {}
        posts: list[Post] = []
        self._recent = [
            (seen, paper) for seen, paper in self._recent if (date - seen).days <= 14
        ]
        for _ in range(rng.randint(6, 8)):
            paper = None
            if self._recent and rng.random() < self.recurring:
                paper = rng.choice(self._recent)[1]
                if paper.arxiv_id in papers:
                    paper = None
            if paper is None:
                paper = self.paper(date)
                self._recent.append((date, paper))
            papers[paper.arxiv_id] = paper
            # The first post alone clears the paper threshold (50), so every
            # paper is listed; a second post is sometimes under the post
            # threshold (25), as real stragglers are, and is not embedded.
            posts.append(self.post(date, paper, min_score=50))
            if rng.random() < 0.35:
                low = rng.random() < 0.3
                posts.append(self.post(date, paper, min_score=3 if low else 25))
        counts_taken_at = dt.datetime.combine(
            date + dt.timedelta(days=1),
            dt.time(13, 59, rng.randint(0, 59)),
            tzinfo=dt.UTC,
        )
        return Day(
            date=date,
            counts_taken_at=counts_taken_at,
            sources=("x",),
            # The same grouping and order as a real fetch stores.
            entries=build_entries(papers, posts),
        )

    def _arxiv_id(self, date: dt.date) -> str:
        month = f"{date:%y%m}"
        number = self._next_number.get(month, self.rng.randint(100, 900))
        number += self.rng.randint(1, 40)
        self._next_number[month] = number
        return f"{month}.{number:05d}"

    def _name(self) -> str:
        return self.rng.choice(SYLLABLES) + self.rng.choice(SUFFIXES)

    def _words(self, primary_field: str) -> dict[str, Any]:
        rng = self.rng
        task = rng.choice(TASKS)
        dataset, dataset2 = rng.sample(DATASETS, 2)
        return {
            "name": self._name(),
            "method": rng.choice(METHODS),
            "task": task,
            "Task": task[0].upper() + task[1:],
            "prop": rng.choice(PROPERTIES),
            "dataset": dataset,
            "dataset2": dataset2,
            "limitation": rng.choice(LIMITATIONS),
            "field": primary_field,
            "pct": rng.randint(2, 40),
            "k": rng.randint(2, 12),
        }

    def paper(self, date: dt.date) -> Paper:
        """A paper with 2-8 authors, 1-4 categories and a ~1,500-character abstract."""
        from pelican_hotpapers.models import Paper

        rng = self.rng
        primary, others, primary_field = rng.choice(CATEGORIES)
        words = self._words(primary_field)
        title = rng.choice(
            (
                "{name}: {Prop} {Method}s for {Task_t}",
                "{Prop} {Task_t} with {Method}s",
                "Towards {Prop} {Task_t}: A {Method} Approach",
                "A Survey of {Method}s for {Task_t}",
                "On the Limits of {Method}s in {Task_t}",
            )
        ).format(
            name=words["name"],
            Prop=words["prop"].title(),
            Method=words["method"].title(),
            Task_t=words["task"].title(),
        )
        # All sentences, in their order, minus random ones (never the first
        # two, which say what the paper is) until it is about 1,500 characters.
        target = min(max(rng.gauss(1600, 120), 1250), 1900)
        sentences = [s.format(**words) for s in ABSTRACT_SENTENCES]
        while len(" ".join(sentences)) > target and len(sentences) > 3:
            del sentences[rng.randrange(2, len(sentences))]
        abstract = " ".join(sentences)
        categories = (primary, *rng.sample(others, rng.randint(0, len(others))))
        published = date - dt.timedelta(days=rng.randint(0, 3))
        arxiv_id = self._arxiv_id(date)
        self._words_of[arxiv_id] = words
        return Paper(
            arxiv_id=arxiv_id,
            title=title,
            authors=tuple(
                f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
                for _ in range(rng.randint(2, 8))
            ),
            abstract=abstract,
            primary_category=primary,
            categories=categories,
            published=published if rng.random() < 0.8 else None,
        )

    def _tco(self) -> str:
        code = "".join(self.rng.choice(_TCO_ALPHABET) for _ in range(10))
        return f"https://t.co/{code}"

    def _handle(self) -> tuple[str, str]:
        rng = self.rng
        if rng.random() < 0.3:
            return rng.choice(ACCOUNTS)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        handle = f"{first}{last}".lower().replace("-", "").replace("ü", "u")
        return f"{first} {last}", handle + rng.choice(("", "_ml", "_ai", "42"))

    def post(self, date: dt.date, paper: Paper, min_score: int) -> Post:
        """An X post linking ``paper`` by a t.co link, scored at least ``min_score``."""
        from pelican_hotpapers.models import Counts, Link, Post

        rng = self.rng
        created_at = dt.datetime.combine(date, dt.time(), tzinfo=dt.UTC)
        created_at += dt.timedelta(seconds=rng.uniform(0, 86399))
        created_at = created_at.replace(
            microsecond=created_at.microsecond // 1000 * 1000
        )
        millis = int(created_at.timestamp() * 1000) - _SNOWFLAKE_EPOCH_MS
        post_id = str((millis << 22) | rng.getrandbits(22))
        author_name, handle = self._handle()
        if paper.arxiv_id not in self._words_of:  # a paper of an earlier run
            self._words_of[paper.arxiv_id] = self._words(paper.primary_category)
        words = {
            **self._words_of[paper.arxiv_id],
            "title": paper.title,
            "pct": rng.randint(2, 40),
            "k": rng.randint(2, 12),
        }
        words.update(
            first=paper.authors[0].split()[-1],
            co1=self._handle()[1],
            co2=self._handle()[1],
            tag1=rng.choice(HASHTAGS),
            tag2=rng.choice(HASHTAGS),
            tag3=rng.choice(HASHTAGS),
        )
        link_url = self._tco()
        links = [
            Link(
                url=link_url,
                expanded_url=f"https://arxiv.org/abs/{paper.arxiv_id}",
                display_url=f"arxiv.org/abs/{paper.arxiv_id}",
            )
        ]
        pic_url = self._tco()
        words.update(link=link_url, pic=pic_url)
        if rng.random() < 0.15:
            lang, template = rng.choice(POST_TEMPLATES_OTHER)
        else:
            lang, template = "en", rng.choice(POST_TEMPLATES_EN)
        text = template.format(**words)
        if pic_url in text:
            photo = f"https://x.com/{handle}/status/{post_id}/photo/1"
            links.append(Link(pic_url, photo, f"pic.x.com/{pic_url[13:]}"))
        # Heavy-tailed, like real engagement: most posts get a few dozen
        # reactions, a few get thousands.
        score = min_score + int(rng.paretovariate(1.3) * 20) - 20
        reposts = int(score * rng.uniform(0.2, 0.9))
        counts = Counts(
            reposts=reposts,
            likes=score - reposts,
            quotes=rng.randint(0, 10),
            replies=rng.randint(0, 20),
        )
        return Post(
            source="x",
            id=post_id,
            url=f"https://x.com/{handle}/status/{post_id}",
            author_name=author_name,
            author_handle=handle,
            text=text,
            lang=lang,
            created_at=created_at,
            counts=counts,
            arxiv_ids=(paper.arxiv_id,),
            links=tuple(links),
        )


# --- The Markdown twin of a day ---------------------------------------------

_X_TOKEN_RE = re.compile(
    r"(?P<url>https://t\.co/\w+)|(?<![\w@])@(?P<mention>\w+)|(?<![\w#&])#(?P<tag>\w+)"
)


def tweet_html(post: Post) -> str:
    """A post as the HTML X's "embed" button gives, as the reference post has it.

    Links show their display form, mentions and hashtags link to X, line breaks
    become ``<br>``; the ``widgets.js`` script line is left out on purpose
    (the plugin's pages load no third-party script by default either).
    """
    links = {link.url: link for link in post.links}
    ref = "ref_src=twsrc%5Etfw"

    def linked(match: re.Match[str]) -> str:
        if match.group("url"):
            url = match.group("url")
            link = links.get(url)
            shown = link.display_url if link is not None else url
            if shown.startswith("arxiv.org"):
                shown = url  # X shows the t.co address of a plain link
            return f'<a href="{url}">{html.escape(shown)}</a>'
        if match.group("mention"):
            handle = match.group("mention")
            return f'<a href="https://twitter.com/{handle}?{ref}">@{handle}</a>'
        tag = match.group("tag")
        return (
            f'<a href="https://twitter.com/hashtag/{tag}?src=hash&amp;{ref}">#{tag}</a>'
        )

    text = _X_TOKEN_RE.sub(linked, html.escape(post.text, quote=False))
    text = text.replace("\n", "<br>")
    status = f"https://twitter.com/{post.author_handle}/status/{post.id}?{ref}"
    date = f"{post.created_at:%B} {post.created_at.day}, {post.created_at.year}"
    return (
        f'<blockquote class="twitter-tweet"><p lang="{post.lang}" dir="ltr">{text}'
        f"</p>&mdash; {html.escape(post.author_name)} (@{post.author_handle}) "
        f'<a href="{status}">{date}</a></blockquote>'
    )


def markdown_article(ranked: RankedDay) -> str:
    """The hand-written Markdown post for a ranked day, shaped like the reference.

    The papers and embedded posts are exactly those the plugin lists (the
    caller ranks with the plugin's own settings), so both sites carry the
    same content and differ only in how it becomes HTML.
    """
    date = ranked.date.isoformat()
    taken = ranked.counts_taken_at.astimezone(dt.UTC)
    lines = [
        f"Title: Hot Papers {date}",
        f"Date: {taken:%Y-%m-%d %H:%M:%S}",
        "Category: arXiv",
        "Tags: arXiv",
        f"Slug: hot-papers-{date}",
        "",
    ]
    for entry in ranked.entries:
        paper = entry.paper
        categories = " | ".join(
            f"[{c}](https://arxiv.org/list/{c}/recent)" for c in paper.categories
        )
        lines += [
            f"# {entry.rank}. {paper.title}",
            "",
            ", ".join(paper.authors),
            "",
            f"- retweets: {entry.counts.reposts}, favorites: {entry.counts.likes} "
            f"({taken:%m/%d/%Y %H:%M:%S})",
            "",
            f"- links: [abs]({paper.abs_url}) | [pdf]({paper.pdf_url})",
            f"- {categories}",
            "",
            paper.abstract,
            "",
        ]
        for post in entry.posts:
            lines += [tweet_html(post), ""]
        lines += ["", "", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


# --- The two sites ------------------------------------------------------------


@dataclass
class Workspace:
    """Where one benchmark keeps its data, content and builds."""

    root: Path

    @property
    def data(self) -> Path:
        return self.root / "hotpapers"

    @property
    def markdown_content(self) -> Path:
        return self.root / "markdown-content"

    @property
    def empty_content(self) -> Path:
        return self.root / "plugin-content"

    @property
    def builds(self) -> Path:
        return self.root / "builds"

    @property
    def theme_templates(self) -> Path:
        """A copy of the package's templates, for the "themed" site."""
        return self.root / "theme-templates"


#: Settings the two sites share: only the content differs between them.
COMMON_SETTINGS: dict[str, Any] = {
    "THEME": "notmyidea",
    "SITENAME": "Benchmark lab",
    "SITEURL": "https://lab.example.org",
    "AUTHOR": "Hot Papers",
    "TIMEZONE": "UTC",
    "DEFAULT_LANG": "en",
    "DEFAULT_PAGINATION": 10,
    "FEED_ALL_ATOM": "feeds/all.atom.xml",
    "FEED_ALL_RSS": "feeds/all.rss.xml",
    "CATEGORY_FEED_ATOM": "feeds/{slug}.atom.xml",
    "FEED_MAX_ITEMS": 100,
    # No warm cache: every build reads and converts every article.
    "LOAD_CONTENT_CACHE": False,
    "CACHE_CONTENT": False,
}


def site_settings(
    kind: str,
    workspace: Workspace,
    build_dir: Path,
    history: bool = False,
    cached: bool = False,
    paper_pages: bool = True,
) -> dict[str, Any]:
    """The override settings of the ``plugin`` or the ``markdown`` site."""
    settings = {
        **COMMON_SETTINGS,
        "OUTPUT_PATH": str(build_dir / "output"),
        "CACHE_PATH": str(build_dir / "cache"),
    }
    if cached:
        settings.update(LOAD_CONTENT_CACHE=True, CACHE_CONTENT=True)
    if kind in ("plugin", "themed"):
        if kind == "themed":
            settings["THEME_TEMPLATES_OVERRIDES"] = [str(workspace.theme_templates)]
        settings.update(
            PATH=str(workspace.empty_content),
            PLUGINS=["pelican_hotpapers"],
            HOTPAPERS_DATA_PATH=str(workspace.data),
            HOTPAPERS_FETCH="never",
        )
        if history:
            settings.update(
                HOTPAPERS_DIGESTS=["week", "month"], HOTPAPERS_PAPER_PAGES=paper_pages
            )
        else:
            settings.update(HOTPAPERS_PAPER_PAGES=False, HOTPAPERS_JSON=False)
    else:
        settings.update(PATH=str(workspace.markdown_content), PLUGINS=[])
    return settings


def hotpapers_settings(
    workspace: Workspace, history: bool = False
) -> HotpapersSettings:
    """The plugin's checked settings for the plugin site, as its build reads them."""
    from pelican.settings import read_settings

    from pelican_hotpapers.settings import HotpapersSettings

    pelican_settings = read_settings(
        override=site_settings(
            "plugin", workspace, workspace.builds / "unused", history=history
        )
    )
    return HotpapersSettings.from_pelican(pelican_settings, workspace.root)


@dataclass
class DataStats:
    """What was generated, to show the data is the size it claims to be."""

    days: int
    papers: int
    posts: int
    embedded_posts: int
    mean_abstract_chars: float
    day_files_bytes: int
    markdown_bytes: int
    generate_s: float


def generate(
    workspace: Workspace, count: int, seed: int, recurring: float = 0.0
) -> DataStats:
    """Write the day files and their Markdown twins into ``workspace``."""
    from pelican_hotpapers import archive, ranking

    start = time.perf_counter()
    for folder in (workspace.data, workspace.markdown_content, workspace.empty_content):
        folder.mkdir(parents=True)
    workspace.builds.mkdir()
    from pelican_hotpapers.render import TEMPLATES_PATH

    shutil.copytree(TEMPLATES_PATH, workspace.theme_templates)
    options = hotpapers_settings(workspace).ranking
    papers = posts = embedded = abstract_chars = 0
    for day in SyntheticArchive(seed, recurring).days(count):
        archive.write_day(workspace.data, day)
        ranked = ranking.rank_day(day, options)
        if len(ranked.entries) != len(day.entries):
            raise AssertionError(f"{day.date}: a paper is under the thresholds")
        md = workspace.markdown_content / f"hot-papers-{day.date.isoformat()}.md"
        md.write_text(markdown_article(ranked), encoding="utf-8")
        papers += len(day.entries)
        posts += sum(len(entry.posts) for entry in day.entries)
        embedded += sum(len(entry.posts) for entry in ranked.entries)
        abstract_chars += sum(len(entry.paper.abstract) for entry in day.entries)
    return DataStats(
        days=count,
        papers=papers,
        posts=posts,
        embedded_posts=embedded,
        mean_abstract_chars=abstract_chars / papers,
        day_files_bytes=folder_bytes(workspace.data, "*.json"),
        markdown_bytes=folder_bytes(workspace.markdown_content, "*.md"),
        generate_s=time.perf_counter() - start,
    )


def folder_bytes(folder: Path, pattern: str) -> int:
    return sum(p.stat().st_size for p in folder.glob(pattern))


# --- One build, in a child process ------------------------------------------


class _CountingHandler(logging.Handler):
    """Counts warnings and errors, so a build that complained is noticed."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts = {"warnings": 0, "errors": 0}

    def emit(self, record: logging.LogRecord) -> None:
        key = "errors" if record.levelno >= logging.ERROR else "warnings"
        self.counts[key] += 1


def build_child(spec_path: Path) -> int:
    """Build one site as the spec says; write phase times to the result file.

    Runs in its own process (``--_build``), so that its peak memory is its
    own and it starts as cold as ``pelican content`` does. The phases:
    ``context`` until Pelican's ``all_generators_finalized`` (reading: Markdown
    conversion, or the plugin's hook), ``write`` until ``finalized``.
    """
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    counter = _CountingHandler()
    stream = logging.StreamHandler()
    stream.setLevel(logging.WARNING)
    logging.basicConfig(level=logging.INFO, handlers=[stream, counter])

    from pelican import Pelican
    from pelican.plugins import signals
    from pelican.settings import read_settings

    marks: dict[str, float] = {}
    hook_s: list[float] = []

    def mark(name: str) -> Callable[[Any], None]:
        def receiver(_sender: Any) -> None:
            marks[name] = time.perf_counter()

        return receiver

    signals.all_generators_finalized.connect(mark("context"), weak=False)
    signals.finalized.connect(mark("finalized"), weak=False)
    if "pelican_hotpapers" in spec["settings"].get("PLUGINS", []):
        # Time the plugin's receiver inside the real build. Patched before
        # Pelican loads the plugin, so register() connects the wrapper.
        from pelican_hotpapers import plugin

        hook = plugin.add_day_articles

        def timed_hook(generator: Any) -> None:
            start = time.perf_counter()
            hook(generator)
            hook_s.append(time.perf_counter() - start)

        plugin.add_day_articles = timed_hook

    start = time.perf_counter()
    Pelican(read_settings(override=spec["settings"])).run()
    end = time.perf_counter()
    result = {
        "pelican_s": end - start,
        "context_s": marks.get("context", end) - start,
        "write_s": marks.get("finalized", end) - marks.get("context", start),
        "hook_s": sum(hook_s) if hook_s else None,
        **counter.counts,
    }
    Path(spec["result"]).write_text(json.dumps(result), encoding="utf-8")
    return 0


@dataclass
class BuildResult:
    """One build as the parent saw it, plus what the child reported."""

    kind: str
    run: int
    wall_s: float
    #: The child's CPU time (user + system), which other work on a shared
    #: machine moves far less than the wall time.
    cpu_s: float
    pelican_s: float
    context_s: float
    write_s: float
    hook_s: float | None
    max_rss_mb: float
    articles: int
    mean_article_bytes: float
    output_files: int
    warnings: int
    errors: int
    paper_pages: int = 0
    digests: int = 0
    json_files: int = 0
    #: The system's part of cpu_s: mostly creating and writing files, which a
    #: busy disk makes dearer.
    sys_s: float = 0.0
    #: With --instructions, for the build run under callgrind: what it ran.
    instructions: int | None = None


class BuildFailed(Exception):
    """A build child exited with an error; the message points at its log."""


def run_build(
    kind: str,
    run: int,
    workspace: Workspace,
    history: bool = False,
    cached: bool = False,
    name: str | None = None,
    paper_pages: bool = True,
    count_instructions: bool = False,
) -> BuildResult:
    """Build one site in a fresh child process and fresh folders; measure it.

    With ``name``, the build goes into that folder of ``builds``, which may
    hold an earlier build (a warm build reuses its output and cache). With
    ``count_instructions``, under callgrind (see --instructions).
    """
    build_dir = workspace.builds / (name or f"{run}-{kind}")
    build_dir.mkdir(exist_ok=name is not None)
    spec = {
        "settings": site_settings(
            kind, workspace, build_dir, history, cached, paper_pages
        ),
        "result": str(build_dir / "result.json"),
    }
    spec_path = build_dir / "spec.json"
    spec_path.write_text(json.dumps(spec, indent=2), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "X_BEARER_TOKEN"}
    log_path = build_dir / "build.log"
    command = [sys.executable, str(Path(__file__).resolve()), "--_build", spec_path]
    if count_instructions:
        env["PYTHONHASHSEED"] = "0"
        command = [
            "setarch",
            platform.machine(),
            "-R",
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            *command,
        ]
    # The files the last build wrote reach the disk before this build
    # starts, so that one build's writing does not land on the next.
    os.sync()
    with log_path.open("wb") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=build_dir
        )
        # wait4 gives this child's own rusage, so ru_maxrss is its peak alone.
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise BuildFailed(f"{kind} build {run} exited {proc.returncode}:\n{tail}")
    child = json.loads((build_dir / "result.json").read_text(encoding="utf-8"))
    output = build_dir / "output"
    # The days' articles only: digests are counted with the other pages.
    pages = sorted(output.glob("hot-papers-????-??-??.html"))
    page_bytes = sum(p.stat().st_size for p in pages)
    result = BuildResult(
        kind=kind,
        run=run,
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        sys_s=usage.ru_stime,
        pelican_s=child["pelican_s"],
        context_s=child["context_s"],
        write_s=child["write_s"],
        hook_s=child["hook_s"],
        max_rss_mb=usage.ru_maxrss / 1024,  # kilobytes on Linux
        articles=len(pages),
        mean_article_bytes=page_bytes / len(pages) if pages else 0.0,
        output_files=sum(1 for p in output.rglob("*") if p.is_file()),
        paper_pages=sum(1 for p in (output / "papers").glob("*.html")),
        digests=sum(1 for p in output.glob("hot-papers-*.html")) - len(pages),
        json_files=sum(1 for p in (output / "hotpapers").glob("*.json")),
        warnings=child["warnings"],
        errors=child["errors"],
    )
    if count_instructions:
        result.instructions = collected(log_path.read_text("utf-8", "replace"))
        if result.instructions is None:
            raise BuildFailed(f"callgrind reported no count; see {log_path}")
    return result


def collected(log: str) -> int | None:
    """The instructions callgrind counted, from its closing lines in ``log``."""
    found = re.search(r"^==\d+== Collected : (\d+)$", log, re.MULTILINE)
    return int(found.group(1)) if found else None


def count_instructions(workspace: Workspace, history: bool) -> dict[str, int]:
    """Each site built once under callgrind: the instructions it ran."""
    counts = {}
    for kind in KINDS:
        if kind == "floor":
            build = run_build(
                "plugin", 0, workspace, history, True, "floor", count_instructions=True
            )
        else:
            build = run_build(
                kind, 0, workspace, history, name=f"cg-{kind}", count_instructions=True
            )
        assert build.instructions is not None
        counts[kind] = build.instructions
        print(f"  {kind:8}  {build.instructions / 1e9:.2f} G instructions", flush=True)
    return counts


def _uses_theme_copy(build: BuildResult, workspace: Workspace) -> bool:
    """Whether the themed site wrote the plugin site's pages, byte for byte."""
    themed = workspace.builds / f"{build.run}-themed" / "output"
    plain = workspace.builds / f"{build.run}-plugin" / "output"
    return all(
        page.read_bytes() == (plain / page.name).read_bytes()
        for page in sorted(themed.glob("hot-papers-????-??-??.html"))[:20]
    )


def warm_builds(workspace: Workspace, seed: int) -> tuple[BuildResult, BuildResult]:
    """A cold build with the content cache on, then one more day and a warm build.

    The new day is the day after the last, with a paper of the last days
    listed again, so the pages that depend on it (trend marks, a paper page)
    change as on a real site's next day.
    """
    from pelican_hotpapers import archive

    name = "warm"
    cold = run_build("plugin", 0, workspace, True, True, name=name)
    synthetic = SyntheticArchive(seed + 1, recurring=1.0)
    last = dt.date.fromisoformat(archive.day_files(workspace.data)[-1].stem)
    old = archive.read_day(archive.day_path(workspace.data, last))
    synthetic._recent = [(last, entry.paper) for entry in old.entries]
    archive.write_day(workspace.data, synthetic.day(last + dt.timedelta(days=1)))
    warm = run_build("plugin", 0, workspace, True, True, name=name)
    return cold, warm


# --- The plugin's own work, in this process ---------------------------------


@dataclass
class OwnTimes:
    """Seconds spent on all N days by each step of the plugin's own work."""

    read_validate_s: float
    rank_s: float
    render_s: float
    #: With --history: the index, digests, paper pages and JSON documents.
    history_s: float = 0.0
    paper_pages: int = 0
    digests: int = 0
    #: The parts of history_s: ranking and rendering the digests, rendering
    #: the paper pages' bodies, making and encoding the JSON documents.
    digests_s: float = 0.0
    paper_pages_s: float = 0.0
    json_s: float = 0.0

    @property
    def total_s(self) -> float:
        return self.read_validate_s + self.rank_s + self.render_s + self.history_s


def time_plugin_work(workspace: Workspace, history: bool = False) -> OwnTimes:
    """Time the plugin's work in this process (see _time_plugin_work)."""
    try:
        return _time_plugin_work(workspace, history)
    finally:
        # The days frozen as a build freezes them go back to the collector,
        # as a build's end (SiteHistory.finish) hands them back.
        gc.unfreeze()


def _time_plugin_work(workspace: Workspace, history: bool = False) -> OwnTimes:
    """Read, validate, rank and render every day once, as a build does.

    A fresh Renderer each time: a build makes one, so compiling the templates
    is part of a build's cost. The index over all days is built first and
    each day is rendered with its trend marks, as every build does. With
    ``history``, every digest is then ranked and rendered, every paper page's
    body rendered and every JSON document made (but not written: writing is
    Pelican's part).
    """
    from pelican_hotpapers import archive, export, ranking
    from pelican_hotpapers.history import LoadedDay, SiteHistory
    from pelican_hotpapers.memo import collector_paused
    from pelican_hotpapers.render import Marks, Renderer

    hp = hotpapers_settings(workspace, history)
    # As a build reads and ranks them: the collector paused, then the days
    # frozen (see memo.collector_paused), and one ranker for the days and
    # the digests.
    with collector_paused():
        start = time.perf_counter()
        days = [archive.read_day(path) for path in archive.day_files(hp.data_path)]
        loaded = time.perf_counter()
        ranker = ranking.Ranker(hp.ranking, remember=bool(hp.history.digests))
        ranked = [ranker.rank(day) for day in days]
        ranked_at = time.perf_counter()
    renderer = Renderer(hp)
    site = SiteHistory.build(
        hp, [LoadedDay(Path(f"{r.date}.json"), "", r) for r in ranked], {}
    )
    site.renderer = renderer
    for day in ranked:
        renderer.render_day(day, site.day_marks(day))
        renderer.render_summary(day)
    rendered = time.perf_counter()
    if not history:
        return OwnTimes(loaded - start, ranked_at - loaded, rendered - ranked_at)
    timeline = site.timeline
    for kind in hp.history.digests:
        for period in timeline.periods(kind):
            digest = timeline.digest(
                period,
                hp.ranking,
                hp.history.digest_max_papers,
                site.today,
                ranker=ranker,
            )
            timeline.record(digest)
            site.digests.append(digest)
            renderer.render_digest(digest, Marks(pages=site.page_links(digest.ranked)))
            renderer.render_digest_summary(digest)
    digested = time.perf_counter()
    for arxiv_id in site.pages:
        renderer.render_paper_page(site.paper_history(arxiv_id, ".."))
    paged = time.perf_counter()
    siteurl = COMMON_SETTINGS["SITEURL"]
    for day in ranked:
        export.encode(export.day_document(site, day, siteurl))
    export.encode(export.index_document(site, siteurl, "Benchmark lab"))
    done = time.perf_counter()
    return OwnTimes(
        loaded - start,
        ranked_at - loaded,
        rendered - ranked_at,
        done - rendered,
        len(site.pages),
        len(site.digests),
        digested - rendered,
        paged - digested,
        done - paged,
    )


# --- Report -----------------------------------------------------------------


def environment(days: int, runs: int, seed: int) -> dict[str, Any]:
    """What the figures depend on, printed and stored with them."""
    import pelican_hotpapers

    def version(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    package_dir = Path(pelican_hotpapers.__file__).resolve().parent
    git = "unknown"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=package_dir,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "."],
            cwd=package_dir,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        git = commit + ("+uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        pass
    # pip byte-compiles a package as it installs it, and Python writes the
    # bytecode at the first import; Pelican and Markdown here are compiled.
    # An editable install on a machine that sets PYTHONDONTWRITEBYTECODE
    # (this one does) would compile the plugin's source in every build, a
    # cost no user's build pays: compile it once, before any build.
    compiled = compileall.compile_dir(package_dir, quiet=1)
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count() or 0
    return {
        "python": platform.python_version(),
        "pelican": version("pelican"),
        "markdown": version("markdown"),
        "pelican_hotpapers": getattr(pelican_hotpapers, "__version__", "?"),
        "pelican_hotpapers_path": str(package_dir),
        "pelican_hotpapers_git": git,
        "pelican_hotpapers_compiled": bool(compiled),
        "cpu_count": os.cpu_count(),
        "cpus_usable": affinity,
        "platform": platform.platform(),
        "days": days,
        "runs": runs,
        "seed": seed,
    }


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


FILE_PROBE_COUNT = 300
FILE_PROBE_BYTES = 30_000


def time_file_costs(folder: Path) -> dict[str, float]:
    """The CPU time of creating a page-sized file, and of overwriting one.

    A cold build writes every page into an empty folder; the floor writes
    over the pages of the build before it. On some file systems creating a
    file costs several times what overwriting one does, all of it system
    time: this says how much of the cold build's system time that is.
    """
    folder.mkdir()
    data = b"x" * FILE_PROBE_BYTES
    paths = [folder / f"{n}.html" for n in range(FILE_PROBE_COUNT)]
    costs = {}
    for name in ("create_ms", "overwrite_ms"):
        start = time.process_time()
        for path in paths:
            path.write_bytes(data)
        costs[name] = (time.process_time() - start) / len(paths) * 1000
    shutil.rmtree(folder)
    return costs


@dataclass
class Report:
    """Everything measured, in the shape written to ``--json``."""

    environment: dict[str, Any]
    settings: dict[str, Any]
    data: DataStats
    builds: list[BuildResult] = field(default_factory=list)
    own: list[OwnTimes] = field(default_factory=list)
    #: With --history: the cold build with the cache on, and the warm one.
    warm: tuple[BuildResult, BuildResult] | None = None
    #: What creating and overwriting a page-sized file costs here (ms of CPU).
    file_costs: dict[str, float] | None = None
    #: With --instructions: each site's instructions, built once under callgrind.
    instructions: dict[str, int] | None = None

    def of(self, kind: str) -> list[BuildResult]:
        return [b for b in self.builds if b.kind == kind]

    def summary(self) -> dict[str, Any]:
        days = self.data.days
        sites: dict[str, Any] = {}
        for kind in (*KINDS, "nopages") if self.of("nopages") else KINDS:
            builds = self.of(kind)
            hooks = [b.hook_s for b in builds if b.hook_s is not None]
            cpu = [b.cpu_s for b in builds]
            sites[kind] = {
                "median_cpu_s": median(cpu),
                "median_sys_s": median([b.sys_s for b in builds]),
                "median_user_s": median([b.cpu_s - b.sys_s for b in builds]),
                "min_cpu_s": min(cpu),
                "max_cpu_s": max(cpu),
                "median_wall_s": median([b.wall_s for b in builds]),
                "median_pelican_s": median([b.pelican_s for b in builds]),
                "median_context_s": median([b.context_s for b in builds]),
                "median_write_s": median([b.write_s for b in builds]),
                "median_hook_s": median(hooks) if hooks else None,
                "wall_ms_per_day": median([b.wall_s for b in builds]) / days * 1000,
                "peak_rss_mb": max(b.max_rss_mb for b in builds),
                "articles": sorted({b.articles for b in builds}),
            }
        own = {
            "read_validate": median([o.read_validate_s for o in self.own]),
            "rank": median([o.rank_s for o in self.own]),
            "render": median([o.render_s for o in self.own]),
            "history": median([o.history_s for o in self.own]),
            "digests": median([o.digests_s for o in self.own]),
            "paper_pages": median([o.paper_pages_s for o in self.own]),
            "json": median([o.json_s for o in self.own]),
            "total": median([o.total_s for o in self.own]),
        }
        plugin, markdown, floor = sites["plugin"], sites["markdown"], sites["floor"]
        return {
            "sites": sites,
            "ratio_cpu": plugin["median_cpu_s"] / markdown["median_cpu_s"],
            # The spread: the ratios of each run's builds (they alternate).
            "ratio_cpu_runs": [
                p.cpu_s / m.cpu_s
                for p, m in zip(self.of("plugin"), self.of("markdown"), strict=True)
            ],
            "themed_ratio_cpu": sites["themed"]["median_cpu_s"]
            / markdown["median_cpu_s"],
            "themed_ratio_cpu_runs": [
                p.cpu_s / m.cpu_s
                for p, m in zip(self.of("themed"), self.of("markdown"), strict=True)
            ],
            "floor_ratio_cpu": floor["median_cpu_s"] / markdown["median_cpu_s"],
            "floor_ratio_cpu_runs": [
                f.cpu_s / m.cpu_s
                for f, m in zip(self.of("floor"), self.of("markdown"), strict=True)
            ],
            # The plugin's cold work as the builds show it: the cold build
            # less the same build with every page from the render memo; also
            # in user and system time: the plugin's code runs in user time;
            # most system time is the files' creation, which a cold build
            # into an empty folder pays and the floor (which overwrites the
            # files of the build before it) mostly does not.
            **{
                f"own_{part}_ms_per_day": (
                    plugin[f"median_{part}_s"] - floor[f"median_{part}_s"]
                )
                / days
                * 1000
                for part in ("cpu", "user", "sys")
            },
            "file_costs": self.file_costs,
            "instructions": self.instructions,
            "ratio_instructions": (
                {
                    kind: count / self.instructions["markdown"]
                    for kind, count in self.instructions.items()
                    if kind != "markdown"
                }
                if self.instructions
                else None
            ),
            "ratio_wall": plugin["median_wall_s"] / markdown["median_wall_s"],
            "ratio_pelican_run": plugin["median_pelican_s"]
            / markdown["median_pelican_s"],
            "plugin_own_ms_per_day": {k: v / days * 1000 for k, v in own.items()},
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "settings": self.settings,
            "data": asdict(self.data),
            "builds": [asdict(b) for b in self.builds],
            "own": [{**asdict(o), "total_s": o.total_s} for o in self.own],
            "warm": [asdict(b) for b in self.warm] if self.warm else None,
            "summary": self.summary(),
            "targets": {
                "ratio_plugin_markdown_at_365_max": TARGET_RATIO,
                "plugin_own_ms_per_day_max": TARGET_OWN_MS_PER_DAY,
                "plugin_own_ms_per_day_history_max": TARGET_OWN_MS_PER_DAY_HISTORY,
                "warm_over_cold_at_3650_max": TARGET_WARM_RATIO,
                "peak_rss_mb_max": TARGET_PEAK_RSS_MB,
                "ms_per_day_growth_365_to_3650_max": 0.20,
            },
        }


def print_header(env: dict[str, Any], data: DataStats) -> None:
    print("pelican-hotpapers build benchmark")
    print(
        f"  Python {env['python']}, Pelican {env['pelican']}, "
        f"Markdown {env['markdown']}, pelican-hotpapers {env['pelican_hotpapers']} "
        f"({env['pelican_hotpapers_path']}, git {env['pelican_hotpapers_git']})"
    )
    print(
        f"  CPUs: {env['cpu_count']} ({env['cpus_usable']} usable); {env['platform']}"
    )
    print(
        "  the plugin's modules are byte-compiled before the builds, as pip "
        "install does"
        if env["pelican_hotpapers_compiled"]
        else "  the plugin's modules could not be byte-compiled: every build "
        "compiles them, which an installed plugin does not"
    )
    print(
        f"  N = {env['days']} days, {env['runs']} run(s) of each site, alternating "
        f"plugin/markdown; seed {env['seed']}"
    )
    print(
        "  both sites: theme notmyidea, DEFAULT_PAGINATION=10, SITEURL set, "
        "TIMEZONE=UTC, atom+rss feeds;\n"
        "  LOAD_CONTENT_CACHE=False, CACHE_CONTENT=False (no content cache: every "
        "build reads and converts everything)"
    )
    print(
        f"  data: {data.days} day files, {data.papers} papers "
        f"({data.papers / data.days:.1f}/day), {data.posts} posts, "
        f"{data.embedded_posts} embedded; abstracts {data.mean_abstract_chars:.0f} "
        f"chars on average; {data.day_files_bytes / 1e6:.1f} MB of JSON, "
        f"{data.markdown_bytes / 1e6:.1f} MB of Markdown "
        f"(generated in {data.generate_s:.1f} s)"
    )


def print_build(build: BuildResult) -> None:
    hook = f", hook {build.hook_s:.2f}" if build.hook_s is not None else ""
    print(
        f"  run {build.run} {build.kind:8}  CPU {build.cpu_s:6.2f} s "
        f"(sys {build.sys_s:4.2f})  "
        f"wall {build.wall_s:6.2f} s  "
        f"(run() {build.pelican_s:.2f}: context {build.context_s:.2f}{hook}, "
        f"write {build.write_s:.2f})  peak RSS {build.max_rss_mb:6.1f} MB  "
        f"{build.articles} articles, {build.output_files} files, "
        f"{build.warnings} warnings, {build.errors} errors",
        flush=True,
    )


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def spread(values: Sequence[float], digits: int = 2) -> str:
    """The median and the range of a few runs: "1.23 (1.20-1.31)"."""
    return (
        f"{median(values):.{digits}f} "
        f"({min(values):.{digits}f}-{max(values):.{digits}f})"
    )


def print_summary(report: Report) -> None:
    summary = report.summary()
    days = report.data.days
    history = report.warm is not None
    print("\nmedians (range)")
    for kind, site in summary["sites"].items():
        hook = site["median_hook_s"]
        hook_text = f", plugin hook {hook:.2f} s" if hook is not None else ""
        cpu = [b.cpu_s for b in report.of(kind)]
        print(
            f"  {kind:8}  CPU {spread(cpu)} s ({site['median_cpu_s'] / days * 1000:.2f}"
            f" ms/day)  wall {site['median_wall_s']:.2f} s  run() "
            f"{site['median_pelican_s']:.2f} s (context {site['median_context_s']:.2f}"
            f"{hook_text}, write {site['median_write_s']:.2f})  "
            f"peak RSS {site['peak_rss_mb']:.1f} MB  articles {site['articles']}"
        )
    sizes = {
        kind: median([b.mean_article_bytes for b in report.of(kind)])
        for kind in ("plugin", "markdown")
    }
    print(
        f"  article page size: plugin {sizes['plugin'] / 1000:.1f} kB, "
        f"markdown {sizes['markdown'] / 1000:.1f} kB on average"
    )
    own = summary["plugin_own_ms_per_day"]
    print(
        f"\nratio plugin/markdown, CPU: {summary['ratio_cpu']:.3f} (runs "
        f"{min(summary['ratio_cpu_runs']):.3f}-{max(summary['ratio_cpu_runs']):.3f}); "
        f"floor (plugin, render memo warm)/markdown: "
        f"{summary['floor_ratio_cpu']:.3f} (runs "
        f"{min(summary['floor_ratio_cpu_runs']):.3f}-"
        f"{max(summary['floor_ratio_cpu_runs']):.3f})"
    )
    print(
        f"ratio themed (the package's templates as THEME_TEMPLATES_OVERRIDES)/"
        f"markdown, CPU: {summary['themed_ratio_cpu']:.3f} (runs "
        f"{min(summary['themed_ratio_cpu_runs']):.3f}-"
        f"{max(summary['themed_ratio_cpu_runs']):.3f})"
    )
    if summary["ratio_instructions"]:
        ratios = summary["ratio_instructions"]
        print(
            "ratio to markdown in instructions (callgrind): "
            + ", ".join(f"{kind} {ratio:.3f}" for kind, ratio in ratios.items())
        )
    print(
        f"  (wall time {summary['ratio_wall']:.3f}, Pelican run() only "
        f"{summary['ratio_pelican_run']:.3f})"
    )
    print(
        f"plugin's own work per day: {summary['own_cpu_ms_per_day']:.3f} ms "
        f"(CPU of the cold build less the floor's, over {days} days) = "
        f"{summary['own_user_ms_per_day']:.3f} user + "
        f"{summary['own_sys_ms_per_day']:.3f} system"
    )
    costs = summary["file_costs"]
    if costs:
        print(
            f"  system time is mostly files made: creating a {FILE_PROBE_BYTES // 1000}"
            f" kB file here costs {costs['create_ms']:.2f} ms of CPU, overwriting "
            f"one {costs['overwrite_ms']:.2f} ms ({FILE_PROBE_COUNT} files each); "
            "the cold build creates every file, the floor overwrites them"
        )
    print(
        f"  in-process, median of {len(report.own)}: {own['total']:.3f} ms/day = "
        f"read+validate {own['read_validate']:.3f} + rank {own['rank']:.3f} + "
        f"render {own['render']:.3f}"
        + (
            f" + across days {own['history']:.3f} (digests {own['digests']:.3f}, "
            f"paper pages' bodies {own['paper_pages']:.3f}, JSON {own['json']:.3f})"
            if own["history"]
            else ""
        )
    )
    plugin_builds = report.of("plugin")
    if plugin_builds and any(b.paper_pages or b.json_files for b in plugin_builds):
        b = plugin_builds[-1]
        print(
            f"pages written by the plugin site: {b.articles} days, {b.digests} "
            f"digests, {b.paper_pages} paper pages, {b.json_files} JSON files "
            f"({b.output_files} files in all)"
        )
    if "nopages" in summary["sites"] and plugin_builds:
        without = summary["sites"]["nopages"]["median_cpu_s"]
        cost = summary["sites"]["plugin"]["median_cpu_s"] - without
        pages = plugin_builds[-1].paper_pages
        print(
            f"what the paper pages cost: the cold build without them takes CPU "
            f"{without:.2f} s, so the {pages} pages cost {cost:.2f} s "
            f"({cost / max(pages, 1) * 1000:.2f} ms a page, "
            f"{cost / days * 1000:.2f} ms a day); their bodies alone "
            f"{own['paper_pages']:.3f} ms a day in-process"
        )
    if report.warm is not None:
        cold, warm = report.warm
        ratio = warm.cpu_s / cold.cpu_s
        print(
            f"warm build (render memo on, one new day added): CPU {warm.cpu_s:.2f} s "
            f"against {cold.cpu_s:.2f} s cold with the cache on (peak RSS "
            f"{cold.max_rss_mb:.1f} MB) = {ratio:.2f} "
            f"(wall {warm.wall_s:.2f} s against {cold.wall_s:.2f} s = "
            f"{warm.wall_s / cold.wall_s:.2f}); warm peak RSS "
            f"{warm.max_rss_mb:.1f} MB"
        )
    peak = summary["sites"]["plugin"]["peak_rss_mb"]
    print("\ntargets (measured, not asserted)")
    ratio = summary["ratio_cpu"]
    if history:
        print(
            f"  ratio plugin/markdown (target <= {TARGET_RATIO} is for N=365 "
            f"without --history): {ratio:.3f}"
        )
    else:
        at = "" if days == 365 else " (target is for N=365)"
        themed = summary["themed_ratio_cpu"]
        print(
            f"  ratio plugin/markdown, CPU, <= {TARGET_RATIO}{at}: "
            f"{ratio:.3f} {verdict(ratio <= TARGET_RATIO)}; themed/markdown: "
            f"{themed:.3f} {verdict(themed <= TARGET_RATIO)}"
        )
    target = TARGET_OWN_MS_PER_DAY_HISTORY if history else TARGET_OWN_MS_PER_DAY
    own_ms = summary["own_cpu_ms_per_day"]
    print(
        f"  plugin's own time <= {target} ms/day: {own_ms:.3f} "
        f"{verdict(own_ms <= target)}"
    )
    own_user = summary["own_user_ms_per_day"]
    print(
        f"  plugin's own time in user CPU (its code; files' creation left out) "
        f"<= {target} ms/day: {own_user:.3f} {verdict(own_user <= target)}"
    )
    if report.warm is not None:
        cold, warm = report.warm
        ratio = warm.cpu_s / cold.cpu_s
        print(
            f"  warm build < {TARGET_WARM_RATIO} of the cold build (target is for "
            f"N=3650): {ratio:.2f} {verdict(ratio < TARGET_WARM_RATIO)}"
        )
    print(
        f"  peak RSS < {TARGET_PEAK_RSS_MB:.0f} MB (target is for N=3650): "
        f"plugin {peak:.1f} MB, markdown "
        f"{summary['sites']['markdown']['peak_rss_mb']:.1f} MB "
        f"{verdict(peak < TARGET_PEAK_RSS_MB)}"
    )
    print(
        "  flat from N=365 to N=3650: compare the own ms/day (and the CPU ms/day) "
        "of the two runs"
    )


# --- Command line -------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time N days built by pelican-hotpapers against the same "
        "content as Markdown articles (see the module docstring)."
    )
    parser.add_argument("--days", type=int, help="number of days; required")
    parser.add_argument("--runs", type=int, default=3, help="builds of each site")
    parser.add_argument("--keep", type=Path, help="keep everything in this folder")
    parser.add_argument("--json", type=Path, help="also write results as JSON here")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--history", action="store_true", help="digests, paper pages, JSON on"
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count each site's instructions once under callgrind",
    )
    parser.add_argument("--_build", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args._build is None:
        if args.days is None or args.days < 1:
            parser.error("--days N (N >= 1) is required")
        if args.runs < 1:
            parser.error("--runs must be at least 1")
        if args.keep is not None and args.keep.exists() and any(args.keep.iterdir()):
            parser.error(f"--keep {args.keep} must be a new or empty folder")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args._build is not None:
        return build_child(args._build)

    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        root = args.keep.resolve()
    else:
        root = Path(tempfile.mkdtemp(prefix="hotpapers-bench-"))
    workspace = Workspace(root)
    try:
        data = generate(workspace, args.days, args.seed, 0.3 if args.history else 0.0)
        env = environment(args.days, args.runs, args.seed)
        report = Report(env, COMMON_SETTINGS, data)
        print_header(env, data)
        print("\nbuilds (each in a fresh process and fresh output folder)", flush=True)
        # The floor's memo is filled once, by a build that is not measured.
        run_build("plugin", 0, workspace, args.history, True, name="floor")
        # With --history, what the paper pages cost: the cold build again
        # without them ("nopages"), in the same alternation.
        kinds = (*KINDS, "nopages") if args.history else KINDS
        for run in range(1, args.runs + 1):
            for kind in kinds:
                if kind == "floor":
                    build = run_build(
                        "plugin", run, workspace, args.history, True, "floor"
                    )
                elif kind == "nopages":
                    name = f"{run}-nopages"
                    build = run_build(
                        "plugin",
                        run,
                        workspace,
                        True,
                        name=name,
                        paper_pages=False,
                    )
                else:
                    build = run_build(kind, run, workspace, args.history)
                    if kind == "themed" and not (
                        build.articles and _uses_theme_copy(build, workspace)
                    ):
                        raise BuildFailed("the themed site did not use its copy")
                build.kind = kind
                report.builds.append(build)
                print_build(build)
        if args.history:
            report.warm = warm_builds(workspace, args.seed)
        for _ in range(args.runs):
            report.own.append(time_plugin_work(workspace, args.history))
        report.file_costs = time_file_costs(workspace.root / "file-probe")
        if args.instructions:
            print("\ninstructions (each site once, under callgrind)", flush=True)
            report.instructions = count_instructions(workspace, args.history)
        print_summary(report)
        if args.json is not None:
            args.json.write_text(
                json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8"
            )
        counts = {b.articles for b in report.builds}
        if counts != {args.days}:
            print(
                f"\nFAIL: the builds produced {sorted(counts)} articles; expected "
                f"{args.days} from each site",
                file=sys.stderr,
            )
            return 1
        if args.keep is not None:
            print(f"\nkept in {root}")
        return 0
    except BuildFailed as exc:
        print(f"\nFAIL: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
