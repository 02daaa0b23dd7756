"""Help > Quick start: what a first search takes, in the window's own words."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

QUICK_START = """
<h3>Your first search</h3>
<ol>
<li><b>What to search.</b> Under <i>Search space</i>, each ticked row is searched between
its two values, on a Linear or Log scale (Log for values spanning powers of ten, such as a
learning rate). The ticks under a row show where the next trials will fall. Add a
setting to search with <i>Add a parameter to search</i>; untick a row to fix it.</li>
<li><b>How to search.</b> Under <i>Strategy</i>, pick a method (Random, Grid, Sobol,
TPE, coarse-to-fine) and the number of trials. The line above Start says how long the
search should take and how much memory it needs.</li>
<li><b>What is trained.</b> <i>Data</i>, <i>Model</i> and <i>Training</i> fold open with
a click on their titles.</li>
<li><b>Your own data.</b> In <i>Data</i>, <i>File…</i> takes a CSV table (a header row;
text columns are one-hot encoded), an NPZ file or an IDX pair, <i>Folder…</i> a folder
with a subfolder of images per class. <i>Label</i> lists the file's columns: pick the one
holding the classes (the last is chosen for you). The preview shows the rows, the classes
and the split before you start; every row is used unless <i>Samples</i> says fewer.</li>
<li><b>Start</b> (F5). Trials train in the background; the curves, the scatter and the
table fill as epochs finish. Pause (F6) holds the search; Stop (Shift+F5) ends it,
keeping every finished epoch.</li>
<li><b>Read the results.</b> Click a row or a point to see that trial everywhere;
Ctrl-click rows or Shift-drag on the scatter to compare several. Right-click a row to
search around the selected trials, stop a running trial or evaluate one on the test
split. The filter above the table takes <code>lr&gt;0.005</code>,
<code>status:pruned</code> or <code>val acc &gt;= 0.7</code>.</li>
<li><b>Keep it.</b> Every epoch is saved as it arrives. The <i>Sessions</i> tab lists
your searches: open, rename, duplicate or delete them; <i>File &gt; Export</i> writes
images, CSV, JSON, an Optuna study or an HTML report to share.</li>
<li><b>The model you came for.</b> <i>Search &gt; Save model…</i> (or a trial's
right-click menu) trains the best trial, or the one you choose, on every sample its
search saw and saves it as a <code>.hdmodel</code> file, or ONNX for other programs;
the <i>Inside</i> tab shows its confusion matrix and its most confident mistakes. Use it
on new data with <code>hyperdesk predict MODEL INPUT</code>.</li>
<li><b>Compare searches.</b> In the <i>Sessions</i> tab, select two sessions or more
(Ctrl-click) and press <i>Compare</i>: their best scores trial by trial and against the
work done, their settings side by side, and which did best.</li>
</ol>
<p>Searches also run without the window: <code>hyperdesk run CONFIG.toml</code>.</p>
"""


def show_quick_start(parent: QWidget) -> None:
    dialog = QDialog(parent)
    dialog.setObjectName("quickStart")
    dialog.setWindowTitle("Quick start")
    text = QTextBrowser()
    text.setOpenExternalLinks(False)
    text.setHtml(QUICK_START)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    column = QVBoxLayout(dialog)
    column.addWidget(text)
    column.addWidget(buttons)
    dialog.resize(640, 600)
    dialog.exec()
