"""The derived index: what matching and gaps compute from the whole registry, computed once per data version
(and the registry's properties and links, from which eligible-clauses reads one enterprise).

Matching a measure against the registry means judging every enterprise of its candidate pool; the gap
figures aggregate the whole graph. Both depend only on the loaded data (and, for matching, on the
measures in force on a date), so the API computes them once, in a background thread, and keeps them
under the key (``backend.data_version()``, as-of date, document). A request whose key matches uses the
index; any other request (the index is being built, another date, data loaded since) takes the live
path, so answers never depend on whether the index is there. The API keeps it on disk
(:mod:`policykg.analysis.derived.store`): serving processes share one memory-mapped copy, and a restart
reads it instead of rebuilding.

What the index holds (compact: one row per enterprise in numpy columns):

``Columns``   enterprise ids (sorted, UTF-8 bytes; an enterprise's position is its id rank), registered
              capital with its currency and CNY value, founding date, employees, revenue, R&D spend,
              and bitsets of the industries, places and tiers each enterprise is linked to directly.
``MeasureIndex``  per measure in force with a candidate pool: the pool size and three arrays of
              enterprise positions — met, near misses, unknown — each sorted by the live ranking
              (estimated support, highest first; registered capital CNY; USCC).
``gap aggregates``  the rows of the four whole-graph gap queries (they do not depend on the date);
              ``taxonomy_enterprise_counts`` is counted from the index's own link rows.
``props``     the properties of every enterprise (an Arrow table: the rows ``enterprises_by_id`` gives),
              with each enterprise's link rows (``Links``, grants received among them): a request builds
              the Profiles of the firms it returns from the index alone, without a query — matching for
              the firms of a page, eligible-clauses (``service.DerivedCache.eligible_clauses``) for one firm.

Reading: on Ladybug one scan of the enterprises' ids (``derived_enterprise_ids``), then id-range
scans of their properties (``derived_enterprises_range``) and links (``derived_links``), through ``Backend.query_arrow`` (Arrow export, no
Python object per row) and on a connection of their own; sorted in Arrow. On Neo4j pages of
``PAGE`` enterprises by id (key-index range seeks), streamed record by record.

Statuses are judged by the rule engine (:mod:`policykg.analysis.rules.criteria`) over the index's
columns (``ColumnFacts``), the very code that judges one enterprise for ``eligible-clauses``; estimates by
the one estimate rule (:mod:`policykg.analysis.rules.estimates`) over the same columns. A measure with a
condition over yearly figures (``revenue_growth``, ``rd_growth``: the index holds none) is judged by the
engine over the Profiles read from the graph (``ProfileFacts``), and estimated one enterprise at a time.
A request then filters the sorted arrays with masks (numpy over the registry), counts, and renders only
the enterprises it returns, whose reasons come from ``evaluate`` exactly as on the live path.
"""

from __future__ import annotations

from policykg.analysis.derived.answers import LRU, MARK, dumps
from policykg.analysis.derived.columns import (
    BuildStopped,
    Columns,
    Links,
    Targets,
    filter_mask,
    filter_positions,
    load_columns,
    load_profiles_indexed,
    select,
)
from policykg.analysis.derived.index import (
    DerivedIndex,
    MeasureIndex,
    build,
    estimate_high,
    industry_counts,
    judge_measure,
    pool_of,
    similar_page,
    taxonomy_counts,
)

__all__ = ["LRU", "MARK", "BuildStopped", "Columns", "DerivedIndex", "Links", "MeasureIndex", "Targets", "build",
           "dumps", "estimate_high", "filter_mask", "filter_positions", "industry_counts", "judge_measure",
           "load_columns", "load_profiles_indexed", "pool_of", "select", "similar_page", "taxonomy_counts"]
