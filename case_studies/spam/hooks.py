"""Case-specific code of the spam case: the rules a moderator would write.

``labeling_functions()`` are the weak labelers of the labels notebook; ``heuristic``
is the single rule that the model-development notebook uses as a baseline.

Each labeling function (LF) reads a comment and votes ``SPAM`` (1), ``HAM`` (0) or
abstains (-1), like the heuristics of the Snorkel spam tutorial: keywords, regular
expressions, links, length, shouting. None is right every time; the label model of
``mlkit.labeling`` learns how far to trust each one, without labels. Most are
vectorised (they read the whole column at once); ``short_comment`` reads one row at
a time, as a hand-written rule often does.

Examples
--------
>>> import mlkit as mk
>>> case = mk.cases.load("spam")
>>> lfs = case.hooks.labeling_functions()
>>> len(lfs), lfs[0].name
(10, 'mentions_my')
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd

from mlkit.labeling import ABSTAIN, labeling_function

SPAM, HAM = 1, 0
_ARTISTS = (
    r"\b(?:psy|gangnam|katy|perry|roar|lmfao|party rock|eminem|rihanna|shakira|waka)\b"
)


def clean(text: pd.Series) -> pd.Series:
    """Comments as plain lower-case text: HTML entities and tags resolved, the
    invisible U+FEFF characters of this data set removed."""
    text = text.astype("str").str.replace("\ufeff", "", regex=False)
    text = text.map(html.unescape).str.replace(r"<[^>]+>", " ", regex=True)
    return text.str.lower()


def _vote(condition: pd.Series, label: int) -> np.ndarray:
    return np.where(condition.to_numpy(), label, ABSTAIN)


@labeling_function(vectorized=True)
def mentions_my(df):
    """ "my channel", "my video", "my music": self-promotion."""
    return _vote(clean(df["CONTENT"]).str.contains(r"\bmy\b"), SPAM)


@labeling_function(vectorized=True)
def asks_to_subscribe(df):
    """Asks for subscribers, likes or views."""
    text = clean(df["CONTENT"])
    return _vote(text.str.contains(r"subscrib|sub to|like my|view my"), SPAM)


@labeling_function(vectorized=True)
def has_link(df):
    """A web address: where spam wants to send viewers."""
    text = clean(df["CONTENT"])
    return _vote(
        text.str.contains(r"https?://|www\.|\.com\b|\.net\b|\.tk\b|/watch\?v="), SPAM
    )


@labeling_function(vectorized=True)
def check_out(df):
    """ "check out ...", "check this out": the commonest spam opening."""
    return _vote(
        clean(df["CONTENT"]).str.contains(r"check\b.{0,20}\bout|check it"), SPAM
    )


@labeling_function(vectorized=True)
def please(df):
    """Begging: "please", "plz", "pls"."""
    return _vote(
        clean(df["CONTENT"]).str.contains(r"\b(?:please|plz|pls|plese)\b"), SPAM
    )


@labeling_function(vectorized=True)
def money(df):
    """Money, prizes and offers."""
    text = clean(df["CONTENT"])
    return _vote(
        text.str.contains(r"\$|money|earn|free|gift card|win a|prize|cash"), SPAM
    )


@labeling_function(vectorized=True)
def talks_about_the_song(df):
    """Fans talk about the song, the video or the artist."""
    text = clean(df["CONTENT"])
    about = text.str.contains(r"\b(?:song|music|dance|voice|lyrics|beat)\b|" + _ARTISTS)
    pushes = text.str.contains(r"\bmy\b|subscrib|https?://")
    return _vote(about & ~pushes, HAM)


@labeling_function(vectorized=True)
def counts_views(df):
    """Comments on the view count ("2 billion views!") are fans', not spammers'."""
    text = clean(df["CONTENT"])
    return _vote(
        text.str.contains(r"billion|million|views") & ~text.str.contains(r"my "), HAM
    )


@labeling_function(vectorized=True)
def shouting(df):
    """MOSTLY CAPITALS over a long comment: shouting for attention."""
    text = df["CONTENT"].astype("str")
    letters = text.str.count(r"[A-Za-z]")
    capitals = text.str.count(r"[A-Z]")
    return _vote((letters >= 15) & (capitals >= 0.6 * letters), SPAM)


@labeling_function()
def short_comment(row):
    """Under five words ("love it", "cool song"): spam needs more words to sell."""
    words = re.findall(r"[\w']+", str(row["CONTENT"]))
    return HAM if 0 < len(words) < 5 else ABSTAIN


def labeling_functions() -> list:
    """The case's labeling functions, in the order of the label matrix's columns.

    They vote ``SPAM`` (1, the case's positive label), ``HAM`` (0) or abstain
    (-1) on a frame with the case's ``CONTENT`` column.
    """
    return [
        mentions_my,
        asks_to_subscribe,
        has_link,
        check_out,
        please,
        money,
        shouting,
        talks_about_the_song,
        counts_views,
        short_comment,
    ]


def heuristic(X: pd.DataFrame) -> np.ndarray:
    """The rule a moderator writes first: hold a comment with a link or that asks
    viewers to subscribe or check something out.

    Returns 1 (spam) or 0 per row of ``X``, which needs the ``CONTENT`` column; the
    baseline that a model has to beat to be worth its upkeep.
    """
    text = clean(X["CONTENT"])
    flagged = text.str.contains(
        r"https?://|www\.|\.com\b|subscrib|check (?:it )?out", regex=True
    )
    return flagged.to_numpy().astype(np.int64)
