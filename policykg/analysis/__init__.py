"""Analyses over the graph for the three kinds of users, each built on catalogue queries only:

- :mod:`~policykg.analysis.eligibility` — which measures an enterprise can use (met / not_met /
  unknown), why (graph paths), and what they could pay (estimates with the stacking rule);
- :mod:`~policykg.analysis.matching` — which enterprises a measure or an industry could reach,
  near misses, similar enterprises;
- :mod:`~policykg.analysis.gaps` — coverage gaps by industry, tier and place;
- :mod:`~policykg.analysis.budget` — annual budget floors and fund scales, by section, clause,
  industry and instrument;
- :mod:`~policykg.analysis.browse` — documents, clauses, taxonomy trees, enterprises and Chinese text
  search that works the same on both backends.

The policy side (measures in force, criteria, instruments, rules, taxonomy) is one
:class:`~policykg.analysis.snapshot.PolicySnapshot`, loaded once per request or reused.
"""
