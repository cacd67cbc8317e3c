"""What the choices of a reading cost or earn, in the units of a clause's tool relevance.

A reading of a request is worth the relevance its clauses' tools have over "no tool"
(:func:`._search.search`), less these costs for what it leaves undone or had to assume. They
are the planner's few hand-set numbers; each is checked on the development sets only
(``benchmarks/planner_sets/users_a``, the training sets, TaskBench's training cases).
"""

from __future__ import annotations

# -- what the user gave, left unused ----------------------------------------------------
UNUSED_FILE_COST = 0.35  # a file the user gave that no step reads
NAMED_FILE_COST = 0.35  # more when the request names that file ("the portrait", "song.wav")
UNUSED_QUOTE_COST = 0.25  # quoted text that no step uses
UNUSED_OPTION_COST = 0.25  # an instrument, key or tempo the request spells out that no step takes

# -- what a step lacks or assumes -------------------------------------------------------
FAILED_STEP_COST = 0.5  # a chosen tool whose inputs cannot be found
MISSING_VALUE_COST = 0.3  # a required value the request does not state (the reply asks for it)
SINGLE_ITEM_COST = 0.2  # a list input (tracks to mix) given one item
PRODUCER_COST = 0.1  # a step the request did not ask for (that says its quote, turns a result)
IDENTICAL_COPY_COST = 0.35  # a copy for a named variant ("one piano, one harp") that differs in nothing
AGAIN_COST = 0.1  # a second clause served by the same step counts a little less than its own

# -- what a reading earns besides relevance ---------------------------------------------
FOLLOW_ON_BONUS = 0.15  # "… and render it": a clause that points back takes the previous result
FOLLOW_UP_BONUS = 0.3  # a request that builds on an earlier turn's result ("make it happier")
PRODUCER_CREDIT = 0.25  # share of a backed producer's clause similarity that the plan earns
