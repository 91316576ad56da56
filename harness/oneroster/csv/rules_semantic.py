"""Semantic rules of the base OneRoster CSV binding that span rows or files (``or.sem.*``).

Pure functions over polars DataFrames returning ``Hit``s; ``checks_jp`` wires them into the engine.
Cross-row rules take the few columns the wiring collected over all chunks (or expressions built
from the engine's key store), so they can be tested on small hand-made frames.
Sources: CSV121 field descriptions (reference/oneroster.md §1.3–1.4) and the semantic checks that
MEIBO and DA2022 K社 implement (§1.4, §2.3).
"""

from __future__ import annotations

import polars as pl

from renkei.harness.oneroster.csv.hits import LINE, Hit, select, subset

DATE_FMT = "%Y-%m-%d"


def _date(column: str) -> pl.Expr:
    return pl.col(column).str.to_date(DATE_FMT, strict=False)


def _count(column: str) -> pl.Expr:
    """Number of list elements in a comma-separated cell (0 for blank)."""
    return pl.when(pl.col(column) == "").then(0).otherwise(pl.col(column).str.count_matches(",") + 1)


def enrollment_primary(df: pl.DataFrame) -> list[Hit]:
    """``primary=true`` only for teachers: CSV121 enrollments.primary is "applicable only to teachers".

    MEIBO and DA-K (ib1082) reject ``true`` for other roles.
    """
    if "primary" not in df.columns or "role" not in df.columns:
        return []
    role = pl.col("role")
    return select(df, (pl.col("primary") == "true") & (role != "") & (role != "teacher"), "primary",
                  "primary=true on a non-teacher enrollment; CSV121: primary applies only to teachers",
                  "教員以外の在籍情報で primary が true になっています（CSV121 では primary は教員にだけ使います）")


def later_duplicates(rows: pl.DataFrame, keys: list[str], column: str, en: str, ja: str) -> list[Hit]:
    """Every occurrence of a key after its first (by line) is a hit; ``rows`` has ``__line__`` + keys."""
    if rows.height == 0:
        return []
    ordered = rows.sort(LINE)
    first = pl.struct(keys).is_first_distinct() if len(keys) > 1 else pl.col(keys[0]).is_first_distinct()
    return select(ordered, ~first, column, en, ja, value=pl.col(keys[0]))


def primary_role_duplicates(primaries: pl.DataFrame) -> list[Hit]:
    """CSV121 roles.roleType: "Only one role per organization can be 'primary'" per user.

    ``primaries``: ``__line__``, ``userSourcedId``, ``orgSourcedId`` of the rows with roleType=primary.
    """
    return later_duplicates(primaries, ["userSourcedId", "orgSourcedId"], "roleType",
                            "the user already has a primary role in this org; only one role per "
                            "organization can be primary",
                            "このユーザーは、この組織ですでに primary のロールを持っています（primary は組織ごとに1つだけです）")


def user_master_id_duplicates(rows: pl.DataFrame) -> list[Hit]:
    """userMasterIdentifier is unique across users.csv (MEIBO user_set.rb, DA-K ib1093).

    ``rows``: ``__line__``, ``userMasterIdentifier`` (non-empty values only).
    """
    return later_duplicates(rows, ["userMasterIdentifier"], "userMasterIdentifier",
                            "userMasterIdentifier is used by an earlier user; it must identify one learner",
                            "userMasterIdentifier が前の行のユーザーと重複しています（学習者一人ひとりを一意に示す値です）")


def demographics_user(df: pl.DataFrame, user_exists: pl.Expr) -> list[Hit]:
    """demographics.sourcedId must equal the sourcedId of a user (CSV121 demographics; DA-K ib1081)."""
    if "sourcedId" not in df.columns:
        return []
    return select(df, (pl.col("sourcedId") != "") & ~user_exists, "sourcedId",
                  "demographics.sourcedId is not the sourcedId of a user in users.csv",
                  "demographics.sourcedId が users.csv のユーザーの sourcedId と一致しません")


def agent_self(df: pl.DataFrame) -> list[Hit]:
    """A user cannot be their own agent (guardian/parent link); resolution is ``or.users.refs``."""
    if "agentSourcedIds" not in df.columns or "sourcedId" not in df.columns:
        return []
    agents = pl.col("agentSourcedIds")
    suspects = subset(df, (agents != "") & agents.str.contains(pl.col("sourcedId"), literal=True),
                      ["sourcedId", "agentSourcedIds"])
    if suspects is None:
        return []
    elements = (suspects
                .select(LINE, "sourcedId", pl.col("agentSourcedIds").str.split(",").alias("agent"))
                .explode("agent"))
    return select(elements, pl.col("agent") == pl.col("sourcedId"), "agentSourcedIds",
                  "agentSourcedIds lists the user's own sourcedId",
                  "agentSourcedIds に本人の sourcedId が含まれています",
                  value=pl.col("agent"))


def class_terms(df: pl.DataFrame) -> list[Hit]:
    """classes.termSourcedIds must name at least one session (CSV121 required; MEIBO non-empty list)."""
    if "termSourcedIds" not in df.columns:
        return []
    c = pl.col("termSourcedIds")
    return select(df, (c != "") & (c.str.replace_all(r"[,\s]", "") == ""), "termSourcedIds",
                  "termSourcedIds holds no session id (only separators or spaces)",
                  "termSourcedIds に学期（academicSession）の ID が1つもありません")


def subjects_length(df: pl.DataFrame) -> list[Hit]:
    """subjects and subjectCodes, when both given, have the same number of elements (CSV121)."""
    if "subjects" not in df.columns or "subjectCodes" not in df.columns:
        return []
    both = (pl.col("subjects") != "") & (pl.col("subjectCodes") != "")
    return select(df, both & (_count("subjects") != _count("subjectCodes")), "subjectCodes",
                  "subjects and subjectCodes have different numbers of elements",
                  "subjects と subjectCodes の要素数が一致しません")


WHAT_JA = {"enrollment": "在籍情報", "role": "ロール", "academic session": "学期"}


def date_order(df: pl.DataFrame, begin: str, end: str, what: str) -> list[Hit]:
    """``begin`` is not after ``end`` when both are valid dates (malformed dates are format findings).

    ``what`` names the record (a key of ``WHAT_JA``, which gives its Japanese name)."""
    if begin not in df.columns or end not in df.columns:
        return []
    # ISO dates order as strings: a cheap string comparison finds the candidates, parsing confirms.
    suspects = subset(df, (pl.col(end) != "") & (pl.col(begin) > pl.col(end)), [begin, end])
    if suspects is None:
        return []
    b, e = _date(begin), _date(end)
    return select(suspects, b.is_not_null() & e.is_not_null() & (b > e), end,
                  f"{what}: {end} is before {begin}",
                  f"{WHAT_JA.get(what, what)}の {end} が {begin} より前になっています")


def session_within_parent(sessions: pl.DataFrame) -> list[Hit]:
    """A child academic session lies within its parent's dates (CSV121 parentSourcedId hierarchy).

    ``sessions``: ``__line__``, ``sourcedId``, ``startDate``, ``endDate``, ``parentSourcedId`` of the
    whole file (academicSessions is small). Unknown parents are ``or.academicSessions.refs``.
    """
    needed = ("sourcedId", "startDate", "endDate", "parentSourcedId")
    if sessions.height == 0 or any(c not in sessions.columns for c in needed):
        return []
    parents = (sessions.filter(pl.col("sourcedId") != "").unique("sourcedId", keep="first")
               .select(pl.col("sourcedId").alias("parentSourcedId"),
                       _date("startDate").alias("__ps"), _date("endDate").alias("__pe")))
    children = sessions.filter(pl.col("parentSourcedId") != "").with_columns(
        _date("startDate").alias("__cs"), _date("endDate").alias("__ce"))
    joined = children.join(parents, on="parentSourcedId", how="inner")
    outside = ((pl.col("__cs") < pl.col("__ps")) | (pl.col("__ce") > pl.col("__pe")))
    return select(joined, outside, "parentSourcedId",
                  "heuristic: the session's dates are not within its parent session's dates",
                  "経験則による確認: 学期の期間が、親の学期（parentSourcedId）の期間に収まっていません")


def secondary_without_primary(secondaries: pl.DataFrame, has_primary: pl.Expr) -> list[Hit]:
    """DA-K ib1099: a user with a secondary role also has a primary role (implementation rule).

    ``secondaries``: ``__line__``, ``userSourcedId`` of rows with roleType=secondary;
    ``has_primary`` is true where that user has some primary role.
    """
    if "userSourcedId" not in secondaries.columns:
        return []
    return select(secondaries, (pl.col("userSourcedId") != "") & ~has_primary, "roleType",
                  "the user has a secondary role but no primary role",
                  "このユーザーは secondary のロールのみで、primary のロールがありません",
                  value=pl.col("userSourcedId"))
