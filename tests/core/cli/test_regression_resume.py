"""A regression search killed with SIGKILL mid-run resumes to the records of one never
interrupted: every epoch's losses, RMSE, MAE and R², trial by trial."""

import numpy as np

from hyperdesk.core.storage.session import Session
from tests.core.cli.test_cli import SLOW_CONFIG, run_and_kill, run_cli


def figures(path):
    with Session.open(path, writable=False) as session:
        trials = [(t.number, t.status, t.params, t.final_val_rmse) for t in session.trials()]
        epochs = {
            number: [
                (r.epoch, r.train_loss, r.val_loss, r.val_rmse, r.val_mae, r.val_r2)
                for r in records
            ]
            for number, records in session.epochs().items()
        }
    return trials, epochs


def test_a_killed_regression_search_resumes_to_the_uninterrupted_result(
    capsys, tmp_path, hyperdesk_home
):
    # As many features as MNIST's, so that the search runs long enough to be killed in it.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1500, 784)).astype(np.float32)
    y = x[:, :10] @ rng.normal(size=10) + np.sin(x[:, 10])
    with open(tmp_path / "measured.npz", "wb") as stream:
        np.savez(stream, X=x, y=y)
    config_path = tmp_path / "slow.toml"
    config_path.write_text(
        SLOW_CONFIG.replace("samples = 1500", 'source = "measured.npz"\nsamples = "all"')
    )
    killed = hyperdesk_home / "sessions" / "killed.hdsession"
    run_and_kill(config_path, killed)
    assert run_cli(capsys, "resume", killed)[0] == 0
    reference = tmp_path / "reference.hdsession"
    assert run_cli(capsys, "run", config_path, "--session", reference)[0] == 0
    trials, epochs = figures(killed)
    assert (trials, epochs) == figures(reference)
    assert [t[1] for t in trials] == ["complete"] * 6 and all(t[3] is not None for t in trials)
    assert all(len(records) == 12 for records in epochs.values())
