"""Experiments: updating models, and testing them in production.

Chapter 9 of *Designing Machine Learning Systems*, "Continual Learning and Test
in Production", starts from the fact that a model goes stale once deployed:
it has to be updated, and an update has to be shown better before it replaces
the model in service. Offline evaluation on a fixed test set is not enough
(the test set ages too), so the chapter tests models on live traffic, from
the safest to the most informative: shadow deployment (the new model predicts
on mirrored requests, but is never served), canary releases (it serves a
small, growing share while guardrails hold), A/B tests (a random split of
users, compared with a statistical test on a sample size fixed in advance),
interleaving (for rankers: every user sees both models' results mixed), and
bandits (traffic moves to the better model as evidence accumulates). Chapter
8's degenerate feedback loops belong here too: a model that decides what
users see also decides what it learns from next.

- **A/B tests**: :func:`ab_test` compares two arms (two-proportion z-test or
  Welch's t-test, interval of the difference, relative lift);
  :func:`sample_size` and :func:`power` plan one; :func:`peeking_simulation`
  shows how stopping at the first significant look inflates false positives.
- **Rollouts**: :func:`canary_simulation` plays a canary release with a
  guardrail test at every step; :func:`shadow_test` compares a served model
  and a shadow one on the same requests (agreement, disagreements, accuracy
  once labels arrive, latency).
- **Bandits**: :func:`simulate_bandits` compares an A/B test (explore, then
  commit), epsilon-greedy, UCB1 and Thompson sampling by their regret.
- **Interleaving**: :func:`team_draft_interleave` mixes two rankings;
  :func:`interleaving_simulation` shows how many fewer users it needs than an
  A/B test to find the better ranker.
- **Feedback loops**: :func:`feedback_loop_simulation` shows a recommender
  that learns only from what it shows, and what exploration changes.
- **Continual learning**: :func:`simulate_retraining` replays data in time
  order to compare retraining cadences; :func:`champion_challenger` promotes a
  challenger only when fresh data say it is better.

Examples
--------
>>> import numpy as np
>>> from mlkit.experiments import ab_test, sample_size
>>> n = sample_size(0.10, 0.02)           # users per arm to detect 10 % -> 12 %
>>> n
3835
>>> rng = np.random.default_rng(0)
>>> result = ab_test(rng.random(n) < 0.10, rng.random(n) < 0.12)
>>> result.to_frame()[["arm", "n", "mean"]].round(3)
          arm     n   mean
0     control  3835  0.104
1   treatment  3835  0.127
2  difference  7670  0.023
>>> result.significant
True
"""

from __future__ import annotations

from mlkit.experiments._ab import (
    AB_COLUMNS,
    ALTERNATIVES,
    KINDS,
    ABTest,
    ab_test,
    power,
    sample_size,
)
from mlkit.experiments._bandits import (
    BANDIT_COLUMNS,
    POLICIES,
    BanditSimulation,
    simulate_bandits,
)
from mlkit.experiments._feedback import (
    FEEDBACK_COLUMNS,
    FeedbackLoop,
    feedback_loop_simulation,
)
from mlkit.experiments._interleaving import (
    INTERLEAVING_COLUMNS,
    InterleavingSimulation,
    interleaving_simulation,
    team_draft_interleave,
)
from mlkit.experiments._peeking import PeekingSimulation, peeking_simulation
from mlkit.experiments._retraining import (
    ChampionChallenger,
    RetrainingSimulation,
    champion_challenger,
    simulate_retraining,
)
from mlkit.experiments._rollout import (
    CANARY_COLUMNS,
    SHADOW_COLUMNS,
    CanaryRollout,
    ShadowTest,
    canary_simulation,
    shadow_test,
)

__all__ = [
    "AB_COLUMNS",
    "ALTERNATIVES",
    "BANDIT_COLUMNS",
    "CANARY_COLUMNS",
    "FEEDBACK_COLUMNS",
    "INTERLEAVING_COLUMNS",
    "KINDS",
    "POLICIES",
    "SHADOW_COLUMNS",
    "ABTest",
    "BanditSimulation",
    "CanaryRollout",
    "ChampionChallenger",
    "FeedbackLoop",
    "InterleavingSimulation",
    "PeekingSimulation",
    "RetrainingSimulation",
    "ShadowTest",
    "ab_test",
    "canary_simulation",
    "champion_challenger",
    "feedback_loop_simulation",
    "interleaving_simulation",
    "peeking_simulation",
    "power",
    "sample_size",
    "shadow_test",
    "simulate_bandits",
    "simulate_retraining",
    "team_draft_interleave",
]
