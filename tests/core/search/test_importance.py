"""Parameter importance: the parameter that drives the score comes out on top."""

import numpy as np

from hyperdesk.core.search.importance import MIN_TRIALS, parameter_importance
from hyperdesk.core.search.space import ChoiceParam, RangeParam

SPACE = (
    RangeParam("lr", 1e-6, 1e-2, "log"),
    RangeParam("weight_decay", 1e-8, 1e-4, "log"),
    ChoiceParam("activation", ("relu", "tanh")),
)


def synthetic_trials(count, seed=0):
    """Scores that depend on the learning rate alone, plus a little noise."""
    rng = np.random.default_rng(seed)
    trials = []
    for _ in range(count):
        params = {
            "lr": float(10 ** rng.uniform(-6, -2)),
            "weight_decay": float(10 ** rng.uniform(-8, -4)),
            "activation": str(rng.choice(["relu", "tanh"])),
        }
        score = 0.1 + 0.2 * (np.log10(params["lr"]) + 6) + 0.01 * rng.standard_normal()
        trials.append((params, float(score)))
    return trials


def test_the_parameter_that_drives_the_score_matters_most():
    importance = parameter_importance(SPACE, synthetic_trials(80))
    assert set(importance) == {"lr", "weight_decay", "activation"}
    assert abs(sum(importance.values()) - 1) < 1e-9
    assert next(iter(importance)) == "lr" and importance["lr"] > 0.8


def test_too_few_trials_give_no_importance_and_one_parameter_gets_it_all():
    assert parameter_importance(SPACE, synthetic_trials(MIN_TRIALS - 1)) == {}
    assert parameter_importance(SPACE[:1], synthetic_trials(10)) == {"lr": 1.0}
