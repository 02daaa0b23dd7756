"""Which searched parameters matter: Optuna's PED-ANOVA importance of each parameter for
the final validation accuracy. (Optuna's fANOVA evaluator needs scikit-learn, which
Hyperdesk does not otherwise use; PED-ANOVA needs nothing more and takes milliseconds.)"""

from __future__ import annotations

from typing import Any

from hyperdesk.core.search.space import Param

MIN_TRIALS = 5


def parameter_importance(
    space: tuple[Param, ...], scored: list[tuple[dict[str, Any], float]]
) -> dict[str, float]:
    """Importance per searched parameter, summing to 1, most important first, from
    (params, final validation accuracy) pairs of finished trials. Empty below MIN_TRIALS
    trials; a single parameter gets all of it."""
    if len(scored) < MIN_TRIALS or not space:
        return {}
    if len(space) == 1:
        return {space[0].name: 1.0}
    import optuna

    from hyperdesk.core.search.optuna_strategies import distribution, ended_trial

    distributions = {param.name: distribution(param) for param in space}
    study = optuna.create_study(direction="maximize")
    study.add_trials([ended_trial(distributions, params, value=score) for params, score in scored])
    importances = optuna.importance.get_param_importances(
        study, evaluator=optuna.importance.PedAnovaImportanceEvaluator()
    )
    return {name: float(value) for name, value in importances.items()}
