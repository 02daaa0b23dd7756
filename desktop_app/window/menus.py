"""The menu bar: File, Search and Help, each item calling the part of the window that
does it. The keys are those of debuggers and IDEs: F5 runs, Shift+F5 stops, F6 pauses
and resumes."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox

from hyperdesk.desktop_app.dialogs.about import show_about
from hyperdesk.desktop_app.dialogs.quick_start import show_quick_start

START_KEY = QKeySequence("F5")
PAUSE_KEY = QKeySequence("F6")
STOP_KEY = QKeySequence("Shift+F5")


def add_action(menu: QMenu, label: str, slot, shortcut=None) -> QAction:
    action = QAction(label, menu)
    if shortcut is not None:
        action.setShortcut(shortcut)
    action.triggered.connect(slot)
    menu.addAction(action)
    return action


@dataclass
class MenuActions:
    """The menu items whose state follows the run."""

    new: QAction
    save_as: QAction
    start: QAction
    pause: QAction
    stop: QAction
    resume: QAction
    extend: QAction
    add_trial: QAction
    export_panels: dict[str, QAction]  # by the registry's key


def build_menus(window: QMainWindow) -> MenuActions:
    """`window` is the MainWindow: its parts are the menus' targets."""
    sessions, exports, trials, controller = (
        window.actions,
        window.exports,
        window.trials,
        window.controller,
    )
    file_menu = window.menuBar().addMenu("&File")
    new = add_action(file_menu, "New search", window.new_search, QKeySequence.StandardKey.New)
    add_action(file_menu, "Open…", sessions.choose_file, QKeySequence.StandardKey.Open)
    recent = file_menu.addMenu("Open Recent")
    recent.setObjectName("recentMenu")
    recent.aboutToShow.connect(lambda: sessions.fill_recent_menu(recent))
    save_as = add_action(file_menu, "Save As…", sessions.save_as, QKeySequence.StandardKey.SaveAs)
    file_menu.addSeparator()
    export_menu = file_menu.addMenu("Export")
    export_panels = {
        kind.key: add_action(
            export_menu,
            f"{kind.title} image…",
            lambda _=False, key=kind.key: exports.export_panel_dialog(key),
        )
        for kind, _ in window.panels
    }
    export_menu.addSeparator()
    add_action(export_menu, "All panels…", exports.export_all_dialog)
    add_action(export_menu, "Results (CSV or JSON)…", exports.export_results_dialog)
    add_action(export_menu, "Report (HTML)…", exports.export_report_dialog)
    file_menu.addSeparator()
    add_action(file_menu, "Quit", window.close, QKeySequence.StandardKey.Quit)

    search_menu = window.menuBar().addMenu("&Search")
    start = add_action(search_menu, "Start", window.start, START_KEY)
    pause = add_action(search_menu, "Pause", window.pause_button.toggle, PAUSE_KEY)
    stop = add_action(search_menu, "Stop", controller.stop, STOP_KEY)
    for button, what, key in (
        (window.start_button, "Start the search", START_KEY),
        (window.pause_button, "Pause or resume the search", PAUSE_KEY),
        (window.stop_button, "Stop the search, keeping every finished epoch", STOP_KEY),
    ):
        button.setToolTip(f"{what} ({key.toString()})")
    resume = add_action(search_menu, "Resume", controller.resume)
    extend = add_action(search_menu, "Extend…", sessions.extend_dialog)
    add_trial = add_action(search_menu, "Add a trial to this session…", sessions.add_trial_dialog)
    add_action(search_menu, "Search around the selected trials…", lambda: trials.search_around())
    add_action(search_menu, "Evaluate on test", lambda: trials.evaluate())
    add_action(search_menu, "Save model…", lambda: trials.save_model())

    help_menu = window.menuBar().addMenu("&Help")
    add_action(
        help_menu,
        "Quick start",
        lambda: show_quick_start(window),
        QKeySequence.StandardKey.HelpContents,
    )
    add_action(help_menu, "About Hyperdesk", lambda: show_about(window))
    add_action(help_menu, "About Qt", lambda: QMessageBox.aboutQt(window))
    return MenuActions(new, save_as, start, pause, stop, resume, extend, add_trial, export_panels)
