"""The order of every list of firms a measure reaches, stated (``ORDER_BY``) and applied once (``order``)
for the live path and the derived index alike.

A measure may prefer some of its beneficiaries (给予瞪羚企业政策倾斜: ``preference`` on the TARGETS or
SUPPORTS link): firms holding what it prefers come first in every list, each with a reason saying so.
Then met firms by their estimated support; near misses and unknowns by how close they are
(:mod:`policykg.analysis.rules.criteria`: fewest criteria unmet, then the smallest shortfall), then by
their estimated support. Ties: registered capital in CNY, then USCC. A firm without an estimate or a CNY
capital comes after those with one.
"""

from __future__ import annotations

import numpy as np

_TAIL = ["estimate_cny.high desc (none last)", "enterprise.registered_capital_cny desc (none last)",
         "enterprise.id asc"]
_CLOSE = ["preferred desc", "closeness.unmet_criteria asc", "closeness.shortfall asc", *_TAIL]
#: the order of each list of a matching-enterprises answer, as the answer states it
ORDER_BY: dict[str, list[str]] = {"items": ["preferred desc", *_TAIL], "near_misses": _CLOSE, "unknown": _CLOSE}


def order(sel: np.ndarray, ident: np.ndarray, preferred: np.ndarray, has_est: np.ndarray, high: np.ndarray,
          cap_cny: np.ndarray, close: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """The indices of the firms where ``sel`` holds, in the order of ``ORDER_BY``: by closeness when
    ``close`` = (unmet criteria, shortfall) is given (near misses, unknowns), else by support (met).
    ``ident`` sorts as the USCC does (the USCC itself, or its rank); ``cap_cny`` is nan where unknown."""
    where = np.flatnonzero(sel)
    keys: list[np.ndarray] = [ident[where], np.where(np.isnan(cap_cny), 1.0, -cap_cny)[where],
                              np.where(has_est, -high, 1.0)[where]]
    if close is not None:
        unmet, shortfall = close
        keys += [shortfall[where], unmet[where]]
    keys.append(np.where(preferred, 0, 1)[where])
    return where[np.lexsort(keys)]
