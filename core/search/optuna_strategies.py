"""Bayesian (TPE) and quasi-random (Sobol) search through Optuna's ask-and-tell.

Asks come in batches: a batch is proposed together (TPE's constant liar keeps its members
apart) and its results reach the study only when the whole batch is in, in trial order.
What the study knows at each ask is then fixed by the seed and the results, not by which
worker finished first, so a search gives the same trials with any number of workers and
a resumed search replays exactly.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.trial import TrialState

from hyperdesk.core.search.objectives import SCORE_ONLY, TradeOff
from hyperdesk.core.search.space import ChoiceParam, Param, point_problems
from hyperdesk.core.search.strategies import Strategy, Suggestion, point_key
from hyperdesk.core.training.optimizers import CONDITIONS, drop_inactive

optuna.logging.set_verbosity(optuna.logging.WARNING)

# How many times a sampler may propose points trained already before one of them is
# trained again (a small discrete space runs out of new points).
MAX_REPEATS = 50


def distribution(param: Param) -> BaseDistribution:
    """The Optuna distribution of one of our parameters."""
    if isinstance(param, ChoiceParam):
        return CategoricalDistribution(param.values)
    log = param.scale == "log"
    if param.integer:
        return IntDistribution(int(param.low), int(param.high), log=log)
    return FloatDistribution(param.low, param.high, log=log)


def ended_trial(
    distributions: dict[str, BaseDistribution], params: dict, **fields
) -> optuna.trial.FrozenTrial:
    """An ended Optuna trial (its state, value and so on in `fields`) with the values
    `params` holds: a trial has none for a setting its optimizer does not use."""
    present = {name: dist for name, dist in distributions.items() if name in params}
    return optuna.trial.create_trial(
        params={name: params[name] for name in present}, distributions=present, **fields
    )


def _suggest(trial: optuna.trial.Trial, name: str, dist: BaseDistribution):
    if isinstance(dist, CategoricalDistribution):
        return trial.suggest_categorical(name, dist.choices)
    if isinstance(dist, IntDistribution):
        return trial.suggest_int(name, dist.low, dist.high, log=dist.log)
    return trial.suggest_float(name, dist.low, dist.high, log=dist.log)


class OptunaStrategy(Strategy):
    """`trials` trials from an Optuna sampler, asked `batch` at a time."""

    def __init__(
        self,
        space: tuple[Param, ...],
        seed: int,
        trials: int,
        batch: int,
        sampler: optuna.samplers.BaseSampler,
        prior: tuple[dict, ...] = (),
        trade_off: TradeOff = SCORE_ONLY,
        skip_repeats: bool = True,
    ):
        """`skip_repeats`: a point trained already is not trained again (its result is
        told to the study instead); off for sessions stored before it was so."""
        super().__init__(space, seed)
        self.attempts = MAX_REPEATS if skip_repeats else 1
        self.planned = trials
        self.batch = batch
        self.trade_off = trade_off
        self.study = optuna.create_study(directions=trade_off.directions, sampler=sampler)
        self.distributions = {param.name: distribution(param) for param in space}
        # Trials of an earlier search, as finished trials of this study: TPE models them
        # as its own from the first ask (they are not run again). A trade-off needs their
        # costs, which a session stored before sizes were does not have.
        self.study.add_trials(
            [
                ended_trial(
                    self.distributions,
                    trial["params"],
                    values=values,
                    constraints=self.trade_off.violations(trial.get("measures", {})),
                )
                for trial in prior
                if not point_problems(space, trial["params"])
                and (values := self._values(trial["score"], trial.get("measures"))) is not None
            ]
        )
        # With a searched optimizer, settings it alone uses are asked only when it is
        # chosen (Optuna's define-by-run).
        names = {param.name for param in space}
        self.conditional = any(
            name in names and setting in names for name, (setting, _) in CONDITIONS.items()
        )
        settings = {setting for setting, _ in CONDITIONS.values()}
        self.order = sorted(space, key=lambda param: param.name not in settings)
        self._trials: dict[int, optuna.trial.Trial] = {}
        # Each trial's objective values (None: no result) and excess over each limit.
        self._results: dict[int, tuple[tuple[float, ...] | None, dict]] = {}
        # The same by point, for every point the study was told of.
        self._known: dict[str, tuple[tuple[float, ...] | None, dict]] = {}
        self._asked = 0

    def ask(self) -> Suggestion | None:
        if self._asked >= self.planned:
            return None
        if self._asked % self.batch == 0 and len(self._results) < self._asked:
            return None  # the batch before is not all in yet
        for attempt in range(self.attempts):
            trial = self._ask_study()
            known = self._known.get(point_key(trial.params))
            if known is None or attempt == self.attempts - 1:  # the last one is trained
                break
            # A point trained already (NSGA-II's offspring and integer settings repeat
            # often): the study is told its result again instead of training it twice.
            self._tell_study(trial, *known)
        self._asked += 1
        self._trials[self._asked] = trial
        return Suggestion(dict(trial.params))

    def _ask_study(self) -> optuna.trial.Trial:
        if not self.conditional:
            return self.study.ask(self.distributions)
        trial = self.study.ask()
        params: dict = {}
        for param in self.order:  # what conditions depend on comes first
            if param.name in drop_inactive({**params, param.name: None}):
                params[param.name] = _suggest(trial, param.name, self.distributions[param.name])
        return trial

    def _tell_study(
        self, trial: optuna.trial.Trial, values: tuple[float, ...] | None, excess: dict
    ) -> None:
        # Samplers steer away from the trials that break a limit, by how far.
        for name, value in excess.items():
            trial.set_constraint(name, value)
        if values is None:
            self.study.tell(trial, state=TrialState.FAIL)
        else:
            self.study.tell(trial, list(values))
        self._known[point_key(trial.params)] = (values, excess)

    def _values(
        self, score: float | None, costs: Mapping[str, float] | None
    ) -> tuple[float, ...] | None:
        if not self.trade_off.several:
            return None if score is None else (score,)
        return None if costs is None else self.trade_off.values(score, costs)

    def tell(
        self,
        number: int,
        suggestion: Suggestion,
        score: float | None,
        costs: Mapping[str, float] | None = None,
    ) -> None:
        super().tell(number, suggestion, score, costs)
        excess = {} if costs is None else self.trade_off.violations(costs)
        self._results[number] = (self._values(score, costs), excess)
        start = (number - 1) // self.batch * self.batch + 1
        batch = range(start, min(start + self.batch, self.planned + 1))
        if all(member in self._results for member in batch):
            for member in batch:
                self._tell_study(self._trials[member], *self._results[member])


def _sobol(seed: int, batch: int) -> optuna.samplers.BaseSampler:
    with warnings.catch_warnings():
        # QMCSampler is marked experimental; its interface is all we need and is stable.
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.samplers.QMCSampler(qmc_type="sobol", scramble=True, seed=seed)


# Each strategy's sampler, from the search's seed and batch. NSGA-II's generations are
# the search's batches: each breeds from the fronts of the trials before it.
SAMPLERS = {
    "tpe": lambda seed, batch: optuna.samplers.TPESampler(seed=seed, constant_liar=True),
    "nsga2": lambda seed, batch: optuna.samplers.NSGAIISampler(
        population_size=max(2, batch), seed=seed
    ),
    "sobol": _sobol,
}
# A quasi-random sequence ignores earlier trials: it is given none.
IGNORES_PRIOR = ("sobol",)


def optuna_strategy(
    name: str,
    space: tuple[Param, ...],
    seed: int,
    trials: int,
    batch: int,
    prior: tuple[dict, ...] = (),
    trade_off: TradeOff = SCORE_ONLY,
    skip_repeats: bool = True,
) -> OptunaStrategy:
    """The strategy `name` (a key of SAMPLERS) for a search of this space and size."""
    sampler = SAMPLERS[name](seed, batch)
    prior = () if name in IGNORES_PRIOR else prior
    return OptunaStrategy(space, seed, trials, batch, sampler, prior, trade_off, skip_repeats)
