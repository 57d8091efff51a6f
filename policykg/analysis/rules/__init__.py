"""The rule engine: the criteria a measure states, judged once, over any set of enterprises.

:mod:`.facts` gives what is known of enterprises as arrays (from the derived index's columns, or from
Profiles read from the graph); :mod:`.criteria` judges a measure's criteria over them, combines the
statuses and decides near misses. ``eligibility`` (one firm) and ``derived`` (the whole registry) both
call it, so the two answers agree by construction.
"""
