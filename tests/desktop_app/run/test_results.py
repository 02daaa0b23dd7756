"""What the window knows of a search (SearchResults) names the same best trial as the
command line: the best within the search's limits, and ranks trials within them first."""

from hyperdesk.core import cli
from hyperdesk.core.storage.session import Session
from hyperdesk.core.trials import best_trial
from hyperdesk.desktop_app.run.results import SearchResults
from tests.conftest import TINY_CONFIG


def test_the_window_s_best_is_the_best_within_the_limits(tmp_path, capsys):
    (tmp_path / "t.toml").write_text(TINY_CONFIG)
    path = tmp_path / "s.hdsession"
    overrides = [
        'search.objectives=["val_acc", "params"]',
        "search.trials=8",
        "train.epochs=3",
        "search.space.hidden_units={low=2, high=64, scale='log'}",
        # Between the sizes of the smallest and the largest networks of the range.
        "search.constraints.max_params=3000",
    ]
    args = [arg for override in overrides for arg in ("--set", override)]
    assert cli.main(["run", str(tmp_path / "t.toml"), *args, "--session", str(path)]) == 0
    capsys.readouterr()
    with Session.open(path, writable=False) as session:
        results = SearchResults.from_session(session, session.config, session.planned)
        expected = best_trial(session.trials(), session.within_limits())
        sizes = {row.number: row.parameters for row in session.trials()}
    over = {n for n, size in sizes.items() if size > 3000}
    assert over and over != set(sizes)  # the limit splits the trials
    ranking = [trial.number for trial in results.ranked()]
    first_over = next(i for i, n in enumerate(ranking) if n in over)
    assert all(n in over for n in ranking[first_over:])  # within the limit first
    assert results.best() is not None and results.best().number == expected.number
    assert results.best().number not in over
    numbers, _ = results.best_so_far()
    assert not set(numbers) & over
