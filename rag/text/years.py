"""Years as reports write them: the one home of every year pattern.

A year is four digits 1900–2099 and 年. Which of its mentions a reader wants differs: the
year a figure is of (2023年 全年实现…), not a horizon (到2025年 is a goal's deadline), nor
the start of a span (2020年以来), nor a comparison's base (比2020年). Each variant has a name
here; a reader takes the one that is its own, and builds on ``YEAR_DIGITS`` only where its
pattern is its own (a date at a meeting, a heading of a plan). Nothing here knows about
documents or answers.
"""

from __future__ import annotations

import re

# --- building blocks (regex text, to compose) ----------------------------------------------

YEAR_DIGITS = r"(?:19|20)\d{2}"
"""The four digits of a year, 1900–2099; nothing around them is checked (2023 in 12023 too)."""

YEAR_RE = rf"{YEAR_DIGITS}年"
"""2023年, without a group: for a pattern that needs a year somewhere in it."""

YEAR_NOT_SINCE_RE = rf"{YEAR_DIGITS}年(?!以来|来|前)"
"""2021年 that is no span's start or end: not 2021年以来, 2021年来, 2021年前."""

DATE_RE = rf"{YEAR_DIGITS}年\d{{1,2}}月\d{{1,2}}日"
"""A full date, 2024年1月6日, without groups."""

DATE_GROUPS_RE = rf"(?P<y>{YEAR_DIGITS})年(?P<m>\d{{1,2}})月(?P<d>\d{{1,2}})日"
"""A full date, 2024年1月6日, with its parts in the groups ``y``, ``m``, ``d``."""

# --- patterns (group 1 is the year, where there is a group) ----------------------------------

YEAR = re.compile(rf"({YEAR_DIGITS})年")
"""Any written year, 2023年: also 到2025年, 2020年以来, 2023年底. The bare year."""

YEAR_SPACED = re.compile(rf"({YEAR_DIGITS})\s*年")
"""A year with layout or typing between digits and 年 (2023 年): headings, questions."""

COLUMN_YEAR = re.compile(rf"({YEAR_DIGITS})年?")
"""A table column's year: 2023年 or the bare digits 2023 (a header cell)."""

HORIZON = re.compile(rf"到{YEAR_DIGITS}年")
"""A horizon, 到2025年: the deadline of a goal, never the year a figure is of."""

YEAR_NOT_HORIZON = re.compile(rf"(?<![\d到至])({YEAR_DIGITS})年(?!代)")
"""A year a text speaks in: not a horizon (到/至2025年), not the tail of a longer number,
not a decade (1990年代). 2020年以来 and 2023年底 count."""

FIGURE_YEAR = re.compile(rf"(?<![到至比较])({YEAR_DIGITS})年(?!以来|来|前|底|末|初)")
"""The year a figure is of: not a horizon (到/至2025年), not a comparison's base (比/较2020年),
not a span's start (2020年以来, 2020年来) or a point in a year (2023年前, 底, 末, 初)."""

QUESTION_YEAR_2000S = re.compile(r"(20\d{2})\s*年")
"""A year a retrieval question names, 2000–2099 only (2023 年 too): the years of the corpus."""

ISO_DATE = re.compile(rf"(?<!\d)({YEAR_DIGITS})[-/.](\d{{1,2}})[-/.](\d{{1,2}})(?!\d)")
"""A date in digits, 2024-02-26, 2024/2/26 or 2024.2.26: groups year, month, day."""
