"""Each trial action's enable condition, written once in TRIAL_ACTIONS, as the menu and
the Search menu read it; and the menu is built without reading the session file."""

from dataclasses import replace

import pytest

from hyperdesk.core.trials import TrialStatus
from hyperdesk.desktop_app.trials.actions import ACTIONS, TrialState

FINISHED = TrialState(
    number=3,
    chosen=(3,),
    status=TrialStatus.COMPLETE,
    saved=True,
    idle=True,
    busy=False,
    test_split=True,
    kept=True,
    runs=1,
    prunable=False,
)


def enabled(key, **changes):
    return ACTIONS[key].enabled(replace(FINISHED, **changes))


def test_a_finished_kept_trial_of_an_idle_saved_search_offers_everything_but_stop():
    # (Its output is a training function's: not even listed for the network's trials.)
    assert {key for key in ACTIONS if enabled(key)} == set(ACTIONS) - {"prune", "output"}
    assert not ACTIONS["output"].shown(FINISHED)
    assert enabled("prune", prunable=True)


def test_a_function_s_trial_offers_its_output_and_not_the_network_s_actions():
    own = replace(FINISHED, own_code=True)
    assert ACTIONS["output"].shown(own) and ACTIONS["output"].enabled(own)
    for key in ("evaluate", "look_inside", "train_longer", "save_model"):
        assert not ACTIONS[key].enabled(own)
        assert ACTIONS[key].why_not(own) == "your code's model is its own"


@pytest.mark.parametrize("key", ["evaluate", "train_longer", "save_model"])
def test_what_trains_the_trial_again_waits_for_another_such_job_and_needs_it_finished(key):
    assert not enabled(key, busy=True)
    assert not enabled(key, status=TrialStatus.PRUNED)
    assert not enabled(key, saved=False)


def test_each_condition_says_why_where_a_person_cannot_see_it():
    state = replace(FINISHED, test_split=False, kept=False)
    assert not ACTIONS["evaluate"].enabled(state)
    assert ACTIONS["evaluate"].why_not(state) == "this search keeps none"
    assert not ACTIONS["look_inside"].enabled(state)
    assert ACTIONS["look_inside"].why_not(state) == "its weights are not kept"
    # A pruned trial is not finished: nothing to say of its weights.
    assert ACTIONS["look_inside"].why_not(replace(state, status=TrialStatus.PRUNED)) == ""


def test_training_longer_needs_one_run_and_no_search_running():
    assert not enabled("train_longer", runs=3)
    assert not enabled("train_longer", idle=False)
    assert not enabled("search_around", idle=False)
    # Without kept weights it is still offered: it asks to train from the start.
    assert enabled("train_longer", kept=False)


def test_the_menu_never_opens_the_session_file(qtbot, window, monkeypatch):
    import threading

    from PySide6.QtWidgets import QMenu

    from hyperdesk.core.storage.session import Session
    from tests.desktop_app.helpers import load, run_to_end

    load(window, ["search.trials=2", "train.epochs=1", "search.keep_weights=1"])
    run_to_end(qtbot, window)
    best = window.model.results.best().number
    other = next(n for n in window.model.results.trials if n != best)

    real_open = Session.open

    def opened(*args, **kwargs):
        # The Sessions list reads its summaries on its own thread meanwhile: allowed.
        if threading.current_thread() is threading.main_thread():
            raise AssertionError("the session file was read on the GUI thread")
        return real_open(*args, **kwargs)

    monkeypatch.setattr(Session, "open", opened)
    texts = {}
    for number in (best, other):
        menu = QMenu()
        window.trials.fill_menu(menu, number)
        texts[number] = {a.text(): a.isEnabled() for a in menu.actions() if a.text()}
    assert texts[best][f"Look inside trial {best}"]
    assert not texts[other][f"Look inside trial {other} (its weights are not kept)"]
