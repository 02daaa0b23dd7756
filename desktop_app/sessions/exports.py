"""The shown session exported: a panel or all of them as images, the results as CSV or
JSON, the report as one HTML page. Each asks where, asks before replacing a file, and
says on the window what went wrong; the session itself is never changed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMainWindow, QMessageBox

from hyperdesk.core.data.datasets import DatasetError
from hyperdesk.core.data.sources import DataSummary
from hyperdesk.core.storage.export import to_csv, to_json, write_text
from hyperdesk.core.storage.report import data_summary, write_report
from hyperdesk.core.storage.session import Session, SessionError
from hyperdesk.desktop_app.dialogs.remembered import last_folder, remember_folder
from hyperdesk.desktop_app.panels.export import SCALES, export_panels, export_plot, panel_files
from hyperdesk.desktop_app.panels.registry import KINDS, PanelSet
from hyperdesk.desktop_app.panels.rendering import render_session_panels
from hyperdesk.desktop_app.run.helper import HelperProcess
from hyperdesk.desktop_app.run.search_model import SearchModel


class SessionExports(QObject):
    exported = Signal(object)  # the files an export wrote

    def __init__(
        self, window: QMainWindow, model: SearchModel, panels: PanelSet, helper: HelperProcess
    ):
        super().__init__(window)
        self.window, self.model, self.panels, self.helper = window, model, panels, helper

    def export_panel_dialog(self, key: str) -> None:
        kind = KINDS[key]
        self.export_image_dialog(
            kind.title,
            kind.file_name,
            lambda path, scale: export_plot(self.panels[key].plot, path, scale),
        )

    def export_image_dialog(self, title: str, file_name: str, write) -> None:
        """Ask where (PNG or SVG) and, for a PNG, at what scale; `write(path, scale)`
        writes the image and returns its path."""
        default = last_folder("exports") / f"{file_name}.png"
        target, chosen = QFileDialog.getSaveFileName(
            self.window,
            f"Export {title}",
            str(default),
            "PNG image (*.png);;SVG image (*.svg)",
        )
        if not target:
            return
        remember_folder("exports", Path(target).parent)
        path = Path(target)
        if path.suffix.lower() not in (".png", ".svg"):
            path = path.with_suffix(".svg" if "SVG" in chosen else ".png")
        scale = 1
        if path.suffix.lower() == ".png":
            choice, accepted = QInputDialog.getItem(
                self.window, "Image size", "Scale:", [f"{s}x" for s in SCALES], 1, False
            )
            if not accepted:
                return
            scale = int(choice.rstrip("x"))
        try:
            self.exported.emit([write(path, scale)])
        except OSError as error:
            QMessageBox.warning(self.window, "Cannot export", f"{error}\nThe session is unchanged.")

    def export_all_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self.window, "Export every panel into", str(last_folder("exports"))
        )
        if not folder:
            return
        remember_folder("exports", Path(folder))
        choice, accepted = QInputDialog.getItem(
            self.window,
            "Format",
            "Write the panels as:",
            ["PNG 1x", "PNG 2x", "PNG 4x", "SVG"],
            1,
            False,
        )
        if not accepted:
            return
        fmt, scale = ("svg", 1) if choice == "SVG" else ("png", int(choice[4]))
        if not self.may_replace(panel_files(self.panels.shown(), Path(folder), fmt)):
            return
        try:
            self.exported.emit(export_panels(self.panels.shown(), Path(folder), fmt, scale))
        except OSError as error:
            QMessageBox.warning(self.window, "Cannot export", f"{error}\nThe session is unchanged.")

    def may_replace(self, paths: list[Path]) -> bool:
        """True when none of `paths` exists, or the person agrees to replace them."""
        existing = [path for path in paths if path.exists()]
        if not existing:
            return True
        names = ", ".join(path.name for path in existing[:4]) + ("…" if len(existing) > 4 else "")
        answer = QMessageBox.question(
            self.window,
            "Replace files?",
            f"{len(existing)} of these files exist already in {existing[0].parent}: {names}. "
            "Replace them?",
        )
        return answer == QMessageBox.StandardButton.Yes

    def _export_target(self, title: str, suffix: str, filters: str) -> tuple[Path | None, str]:
        """Where to export the shown session, as asked (its folder remembered), and the
        filter chosen; None without a session or when the person cancelled."""
        if self.model.session_path is None:
            QMessageBox.information(
                self.window, "Nothing to export", "Run or open a session first."
            )
            return None, ""
        target, chosen = QFileDialog.getSaveFileName(
            self.window,
            title,
            str(last_folder("exports") / f"{self.model.session_path.stem}{suffix}"),
            filters,
        )
        if not target:
            return None, ""
        remember_folder("exports", Path(target).parent)
        return Path(target), chosen

    def export_results_dialog(self) -> None:
        target, chosen = self._export_target(
            "Export results",
            ".csv",
            "CSV, one row per trial (*.csv);;JSON, with every epoch (*.json)",
        )
        if target is not None:
            self.export_results(target, "json" if "JSON" in chosen else "csv")

    def export_results(self, path: Path, fmt: str) -> None:
        if path.suffix.lower() not in (".csv", ".json"):
            path = path.with_suffix(f".{fmt}")
        render = to_json if path.suffix.lower() == ".json" else to_csv
        try:
            with Session.open(self.model.session_path, writable=False) as session:
                write_text(path, render(session))
            self.exported.emit([path])
        except (OSError, SessionError) as error:
            QMessageBox.warning(self.window, "Cannot export", f"{error}\nThe session is unchanged.")

    def export_report_dialog(self) -> None:
        """The shown session as one HTML file (hyperdesk report): asks where, asks
        before replacing, draws its panels offscreen."""
        target, _ = self._export_target(
            "Export report", ".html", "A web page, one file with its images (*.html)"
        )
        if target is None:
            return
        path = target if target.suffix.lower() == ".html" else Path(f"{target}.html")
        # (The file dialog asked before replacing a file it named; a suffix added here
        # names another, which is asked about now.)
        if path != target and not self.may_replace([path]):
            return
        # What the data holds is read in the helper process (a large file takes seconds);
        # the page is written when it answers (write_report_with).
        self.window.statusBar().showMessage(f"Writing the report {path.name}…")
        session_path = self.model.session_path
        self.helper.request(
            data_summary,
            session_path,
            then=lambda summary: self.write_report(session_path, path, summary),
            # The page says why the data could not be described.
            failed=lambda reason: self.write_report(session_path, path, reason),
        )

    def write_report(self, session_path: Path, path: Path, summary: DataSummary | str) -> None:
        """The report of the session at `session_path` written to `path`, its data
        described by `summary` (what the helper process read, or why it could not)."""
        try:
            self.exported.emit([write_report(session_path, path, render_session_panels, summary)])
        except (OSError, SessionError, DatasetError) as error:
            QMessageBox.warning(self.window, "Cannot export", f"{error}\nThe session is unchanged.")
