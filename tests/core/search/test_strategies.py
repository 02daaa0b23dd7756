import math
from dataclasses import replace

import numpy as np
import pytest

from hyperdesk.core.config import SearchConfig
from hyperdesk.core.search.registry import make_strategy
from hyperdesk.core.search.space import ChoiceParam, RangeParam, SpaceError
from hyperdesk.core.search.strategies import CoarseToFine, GridSearch, RandomSearch

LR = RangeParam("lr", 1e-6, 1e-2, "log")
DECAY = RangeParam("weight_decay", 1e-8, 1e-4, "log")
DROPOUT = RangeParam("dropout", 0.0, 0.5)
BATCH = RangeParam("batch_size", 16, 256, "log", integer=True)
OPTIMIZER = ChoiceParam("optimizer", ("sgd", "adam"))


def drain(strategy, score=lambda params: 0.0):
    """Ask and tell until the strategy has nothing more; returns the suggestions."""
    suggestions = []
    while (suggestion := strategy.ask()) is not None:
        suggestions.append(suggestion)
        strategy.tell(len(suggestions), suggestion, score(suggestion.params))
    return suggestions


def test_log_range_maps_through_log10():
    assert LR.to_unit(1e-4) == pytest.approx(0.5)
    assert LR.from_unit(0.25) == pytest.approx(1e-5)
    assert LR.from_unit(0.0) == 1e-6 and LR.from_unit(1.0) == 1e-2


def test_grid_log_spacing_is_geometric():
    assert RangeParam("lr", 1e-4, 1e-1, "log").grid(4) == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1])


def test_grid_linear_spacing_is_even():
    assert DROPOUT.grid(3) == pytest.approx([0.0, 0.25, 0.5])


def test_grid_integer_values_are_whole_and_distinct():
    values = RangeParam("layers", 1, 3, integer=True).grid(5)
    assert values == [1, 2, 3]
    assert all(isinstance(value, int) for value in values)


def test_grid_enumerates_every_combination_in_a_stable_order():
    space = (RangeParam("lr", 1e-3, 1e-1, "log", points=3), OPTIMIZER)
    strategy = GridSearch(space, seed=0, points=5)
    params = [s.params for s in drain(strategy)]
    assert strategy.planned == 6
    assert [(p["lr"], p["optimizer"]) for p in params] == [
        (pytest.approx(1e-3), "sgd"),
        (pytest.approx(1e-3), "adam"),
        (pytest.approx(1e-2), "sgd"),
        (pytest.approx(1e-2), "adam"),
        (pytest.approx(1e-1), "sgd"),
        (pytest.approx(1e-1), "adam"),
    ]
    assert params == [s.params for s in drain(GridSearch(space, seed=9, points=5))]


def test_random_stays_in_range():
    suggestions = drain(RandomSearch((LR, DECAY, BATCH, OPTIMIZER, DROPOUT), seed=1, trials=500))
    assert len(suggestions) == 500
    for s in suggestions:
        assert 1e-6 <= s.params["lr"] <= 1e-2
        assert 1e-8 <= s.params["weight_decay"] <= 1e-4
        assert 16 <= s.params["batch_size"] <= 256 and isinstance(s.params["batch_size"], int)
        assert s.params["optimizer"] in ("sgd", "adam")
        assert 0.0 <= s.params["dropout"] <= 0.5


def ks_distance_from_uniform(samples, low, high):
    """Kolmogorov-Smirnov distance between samples and the uniform law on [low, high]."""
    ordered = np.sort((np.asarray(samples) - low) / (high - low))
    n = len(ordered)
    return max(np.max(np.arange(1, n + 1) / n - ordered), np.max(ordered - np.arange(n) / n))


def test_random_is_uniform_in_log10_for_a_log_scale():
    lrs = [s.params["lr"] for s in drain(RandomSearch((LR,), seed=4, trials=4000))]
    # The 1% critical value of the KS statistic for n = 4000 is 1.63 / sqrt(n) = 0.026.
    assert ks_distance_from_uniform(np.log10(lrs), -6, -2) < 0.026
    # ...and far from uniform in linear space, where most draws would sit near 1e-2.
    assert ks_distance_from_uniform(lrs, 1e-6, 1e-2) > 0.5


def test_random_is_uniform_for_a_linear_scale():
    values = [s.params["dropout"] for s in drain(RandomSearch((DROPOUT,), seed=4, trials=4000))]
    assert ks_distance_from_uniform(values, 0.0, 0.5) < 0.026


def test_same_seed_same_suggestions_for_every_strategy():
    for make in (
        lambda seed: RandomSearch((LR, DECAY, OPTIMIZER), seed, trials=20),
        lambda seed: CoarseToFine((LR, DECAY, OPTIMIZER), seed, 10, 3, 0.2, 0.1, "random"),
    ):
        score = lambda params: -abs(math.log10(params["lr"]) + 4)  # noqa: E731
        first = [s.params for s in drain(make(1), score)]
        again = [s.params for s in drain(make(1), score)]
        other = [s.params for s in drain(make(2), score)]
        assert first == again
        assert first != other


def test_coarse_to_fine_narrows_toward_the_best_and_stays_in_bounds():
    def score(params):  # best at lr = 1e-4, weight decay irrelevant
        return -abs(math.log10(params["lr"]) + 4)

    strategy = CoarseToFine(
        (LR, DECAY), seed=3, trials=30, rounds=3, keep=0.2, margin=0.1, sampler="random"
    )
    suggestions = drain(strategy, score)
    assert strategy.planned == len(suggestions) == 90
    assert [s.round for s in suggestions] == [1] * 30 + [2] * 30 + [3] * 30
    widths = [region["lr"][1] - region["lr"][0] for region in strategy.regions]
    assert widths[0] == 1.0 and widths[1] < 0.5 and widths[2] < widths[1]
    target = LR.to_unit(1e-4)
    for region in strategy.regions:
        assert 0.0 <= region["lr"][0] <= target <= region["lr"][1] <= 1.0
    for s in suggestions:
        assert 1e-6 <= s.params["lr"] <= 1e-2 and 1e-8 <= s.params["weight_decay"] <= 1e-4
        low, high = strategy.regions[s.round - 1]["lr"]
        assert low - 1e-9 <= LR.to_unit(s.params["lr"]) <= high + 1e-9


def test_coarse_to_fine_waits_for_the_round_to_be_told():
    strategy = CoarseToFine((LR,), 0, trials=2, rounds=2, keep=0.5, margin=0.1, sampler="random")
    first, second = strategy.ask(), strategy.ask()
    assert strategy.ask() is None  # round 2 needs round 1's results
    strategy.tell(2, second, 0.9)
    strategy.tell(1, first, 0.1)
    assert strategy.ask().round == 2


def test_coarse_to_fine_keeps_the_best_choices():
    strategy = CoarseToFine(
        (LR, OPTIMIZER), 0, trials=40, rounds=2, keep=0.25, margin=0.1, sampler="random"
    )
    drain(strategy, lambda params: 1.0 if params["optimizer"] == "adam" else 0.0)
    assert strategy.regions[1]["optimizer"] == ("adam",)


def test_make_strategy_from_config():
    search = SearchConfig(strategy="coarse-to-fine", sampler="random", trials=5, rounds=4)
    assert make_strategy(replace(search, space=(LR,))).planned == 20
    # Grid rounds (the default): points per range, to the power of the ranges, per round.
    grid = SearchConfig(strategy="coarse-to-fine", points=3, rounds=4, space=(LR, DECAY))
    assert make_strategy(grid).planned == 3 * 3 * 4


def test_coarse_to_fine_grids_narrow_as_computed_by_hand_and_train_no_point_twice():
    """lr in 1e-6..1e-2 and weight decay in 1e-8..1e-4 (log), 3 points, the best 2 of 9
    kept, margin 0.25. Round 1: units 0, 0.5, 1 of each. The best are (1e-4, 1e-8) and
    (1e-4, 1e-6): lr units 0.5 and 0.5 widen to 0.25..0.75 (a quarter of round 1's width
    each side), weight-decay units 0 and 0.5 to -0.25..0.75, clipped to 0..0.75. Round 2:
    lr 1e-5, 1e-4, 1e-3; weight decay 1e-8, 10^-6.5, 1e-5; (1e-4, 1e-8) was trained in
    round 1, so round 2 has 8 points."""

    def score(params):
        decay = math.log10(params["weight_decay"])
        return -abs(math.log10(params["lr"]) + 4) - 0.1 * abs(decay + 8)

    strategy = CoarseToFine((LR, DECAY), 0, trials=99, rounds=2, keep=0.2, margin=0.25, points=3)
    assert strategy.planned == 18  # at most: 9 a round
    suggestions = drain(strategy, score)
    first = [(s.params["lr"], s.params["weight_decay"]) for s in suggestions if s.round == 1]
    second = [(s.params["lr"], s.params["weight_decay"]) for s in suggestions if s.round == 2]
    grid = np.array([(lr, wd) for lr in (1e-6, 1e-4, 1e-2) for wd in (1e-8, 1e-6, 1e-4)])
    np.testing.assert_allclose(first, grid, rtol=1e-12)
    assert strategy.regions[1]["lr"] == pytest.approx((0.25, 0.75))
    assert strategy.regions[1]["weight_decay"] == pytest.approx((0.0, 0.75))
    expected = [
        (lr, wd)
        for lr in (1e-5, 1e-4, 1e-3)
        for wd in (1e-8, 10**-6.5, 1e-5)
        if (lr, wd) != (1e-4, 1e-8)
    ]
    np.testing.assert_allclose(second, expected, rtol=1e-12)
    keys = [(round(math.log10(lr), 9), round(math.log10(wd), 9)) for lr, wd in first + second]
    assert len(set(keys)) == len(keys) == 17


def test_a_session_stored_before_grid_rounds_keeps_its_random_rounds():
    from hyperdesk.core import config as config_module

    text = config_module.example_text("coarse-to-fine").replace('sampler = "grid"\n', "")
    assert config_module.loads(text).search.sampler == "grid"  # a config of today's
    assert config_module.loads_stored(text).search.sampler == "random"


@pytest.mark.parametrize(
    ("build", "field", "message"),
    [
        (lambda: RangeParam("lr", 1e-2, 1e-6, "log"), "high", "must be greater than low"),
        (lambda: RangeParam("lr", 0.0, 1e-2, "log"), "low", "log scale needs a value > 0"),
        (lambda: RangeParam("layers", 1.5, 4, integer=True), "low", "whole numbers"),
        (lambda: ChoiceParam("optimizer", ()), "values", "at least one value"),
    ],
)
def test_a_parameter_validates_itself_when_built(build, field, message):
    with pytest.raises(SpaceError) as caught:
        build()
    assert any(f == field and message in m for f, m in caught.value.problems)


def test_random_never_repeats_a_point_and_stops_when_the_space_is_used_up():
    small = (ChoiceParam("optimizer", ("sgd", "adam")), RangeParam("layers", 1, 3, integer=True))
    strategy = RandomSearch(small, seed=0, trials=50)
    assert strategy.planned == 6
    points = [tuple(s.params.values()) for s in drain(strategy)]
    assert len(points) == len(set(points)) == 6


def test_extending_a_random_search_keeps_its_first_draws():
    first = [s.params for s in drain(RandomSearch((LR, OPTIMIZER), seed=5, trials=10))]
    extended = [s.params for s in drain(RandomSearch((LR, OPTIMIZER), seed=5, trials=15))]
    assert extended[:10] == first and len({str(p) for p in extended}) == 15


def test_a_child_search_spans_exactly_the_selected_trials():
    from hyperdesk.core.search.space import narrowed

    chosen = [
        {"lr": 1e-5, "optimizer": "adam", "dropout": 0.1},
        {"lr": 3e-4, "optimizer": "adam", "dropout": 0.3},
    ]
    space = narrowed((LR, OPTIMIZER, DROPOUT), chosen)
    assert space[0] == RangeParam("lr", 1e-5, 3e-4, "log")
    assert space[1] == ChoiceParam("optimizer", ("adam",))
    assert space[2] == RangeParam("dropout", 0.1, 0.3)


def test_a_child_search_around_one_trial_is_a_small_range_around_it():
    from hyperdesk.core.search.space import narrowed

    (lr,) = narrowed((LR,), [{"lr": 1e-4}])
    assert lr.low < 1e-4 < lr.high
    assert LR.to_unit(lr.high) - LR.to_unit(lr.low) == pytest.approx(0.1, abs=0.005)


def test_a_child_search_has_ends_of_three_significant_digits_around_its_trials():
    """The child's range fields showed 0.00107378017… and were clipped."""
    from hyperdesk.core.search.space import narrowed

    chosen = [{"lr": 0.00107378017, "dropout": 0.123456}, {"lr": 0.0045678, "dropout": 0.4999}]
    lr, dropout = narrowed((LR, DROPOUT), chosen)
    assert (lr.low, lr.high) == (0.00107, 0.00457)
    assert (dropout.low, dropout.high) == (0.123, 0.5)
    assert repr(lr.low) == "0.00107"  # no binary tail to show in a field
    (alone,) = narrowed((LR,), [{"lr": 1e-4}])
    assert (alone.low, alone.high) == (6.3e-05, 0.000159)


CONDITIONAL = (
    ChoiceParam("optimizer", ("sgd", "momentum", "adam")),
    RangeParam("momentum", 0.5, 0.99),
    RangeParam("beta1", 0.8, 0.99),
)


@pytest.mark.parametrize("strategy", ["grid", "random", "coarse-to-fine", "tpe", "sobol"])
def test_conditional_parameters_are_sampled_only_when_active(strategy):
    search = SearchConfig(
        strategy=strategy, trials=12, points=3, rounds=2, batch=4, space=CONDITIONAL
    )
    suggestions = drain(make_strategy(search), lambda params: 0.5)
    assert suggestions
    for s in suggestions:
        assert ("momentum" in s.params) == (s.params["optimizer"] == "momentum")
        assert ("beta1" in s.params) == (s.params["optimizer"] == "adam")


def test_a_grid_runs_each_active_combination_once():
    suggestions = drain(GridSearch(CONDITIONAL, seed=0, points=3))
    # sgd once, momentum x 3 momenta, adam x 3 beta1s
    assert len(suggestions) == 7
    assert len({str(s.params) for s in suggestions}) == 7


def test_planning_an_optuna_search_builds_no_study():
    from hyperdesk.core.search.registry import planned_trials, preview_strategy

    search = SearchConfig(strategy="tpe", trials=7, space=(LR,))
    assert planned_trials(search) == 7
    preview = preview_strategy(search)
    assert isinstance(preview, RandomSearch) and preview.planned == 7
    assert planned_trials(SearchConfig(strategy="grid", space=(LR,), points=4)) == 4


def test_enqueued_points_run_first_and_a_grid_does_not_run_them_again():
    """A 2 x 2 grid whose corner (1e-6, 1e-8) was enqueued runs it once, first; the
    other enqueued point is off the grid."""
    search = SearchConfig(
        strategy="grid",
        points=2,
        space=(LR, DECAY),
        enqueue=({"lr": 1e-6, "weight_decay": 1e-8}, {"lr": 1e-4, "weight_decay": 1e-6}),
    )
    strategy = make_strategy(search)
    assert strategy.planned == 2 + 4  # at most
    points = [(s.params["lr"], s.params["weight_decay"]) for s in drain(strategy)]
    assert points[:2] == [(1e-6, 1e-8), (1e-4, 1e-6)]
    assert sorted(points[2:]) == [(1e-6, 1e-4), (1e-2, 1e-8), (1e-2, 1e-4)]


def test_coarse_to_fine_learns_from_an_enqueued_point_it_would_have_run():
    """Round 1's grid holds the enqueued corner: the round is told its score (under the
    strategy's own numbering) and narrows around it when it is the best."""
    corner = {"lr": 1e-2, "weight_decay": 1e-4}
    search = SearchConfig(
        strategy="coarse-to-fine",
        points=2,
        rounds=2,
        keep=0.25,
        space=(LR, DECAY),
        enqueue=(corner,),
    )
    strategy = make_strategy(search)
    suggestions = drain(strategy, lambda params: 1.0 if params == corner else 0.0)
    assert suggestions[0].params == corner
    assert [s.params for s in suggestions].count(corner) == 1
    # Round 2 lies in the corner's quarter: both ranges from 0.9 to 1 of their width.
    assert strategy.regions[1] == {"lr": (0.9, 1.0), "weight_decay": (0.9, 1.0)}
