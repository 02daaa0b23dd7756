"""A session as one self-contained HTML file to share: its setup, its data, its best
trials, its panels and looks inside trials (PNG images embedded as data URLs, drawn by
the window's side), and its notes. Opens in any browser, offline, as a single file."""

from __future__ import annotations

import base64
import html
import io
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from hyperdesk.core import __version__
from hyperdesk.core.data.datasets import DatasetError
from hyperdesk.core.data.downloads import needs_download
from hyperdesk.core.data.sources import DataSummary, preview_data
from hyperdesk.core.formatting import parameter_text
from hyperdesk.core.storage.export import write_text
from hyperdesk.core.storage.session import Session, TrialRow, front_rows, trial_costs
from hyperdesk.core.trials import FINISHED, Metric, ranked

BEST_SHOWN = 10  # trials in the report's table of the best
# The sections a report has, in order: (id, heading). Tests parse them by id.
SECTIONS = (
    ("setup", "Setup"),
    ("data", "Data"),
    ("best", "Best trials"),  # a trade-off's: its front
    ("panels", "Panels"),
    ("inside", "Inside the trials"),
    ("notes", "Notes"),
)
STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; color: #212121; max-width: 1100px;
       margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; }
.meta { color: #616161; } pre { background: #f5f5f5; padding: 0.8em; overflow-x: auto; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; }
th { background: #f0f4fa; } td.text, th.text { text-align: left; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #e0e0e0; }
figcaption { color: #616161; font-size: 0.9em; }
"""


@dataclass(frozen=True)
class Picture:
    """An image of the report: its caption, its PNG bytes, and how many pixels it has
    for one on the screen (drawn at 2x, it is shown at half its pixels: as large as in
    the window, and sharp on a high-density screen)."""

    caption: str
    png: bytes
    scale: int = 1

    @classmethod
    def of_file(cls, path: Path, scale: int = 1) -> Picture:
        """A panel or look written by `hyperdesk export --plots`, captioned by its name
        (learning-curves.png: "Learning curves")."""
        return cls(path.stem.replace("-", " ").capitalize(), path.read_bytes(), scale)

    @property
    def width(self) -> int:
        """Its width on the page, in CSS pixels (Pillow reads it from the header)."""
        with Image.open(io.BytesIO(self.png)) as image:
            return image.width // self.scale


def data_summary(session_path: Path) -> DataSummary | str:
    """What the session's data holds, for its report (reads the data: the window asks
    its helper process); a sentence instead for a dataset not downloaded here, which a
    report does not fetch."""
    with Session.open(session_path, writable=False) as session:
        config = session.config
    if config.own_code:
        return f"loaded by {config.code.name}() itself"
    data = config.data
    if needs_download(data.dataset, data.source):
        return "not in the cache of downloads on this machine"
    try:
        return preview_data(data)
    except DatasetError as error:
        return str(error)


def write_report(
    session_path: Path, out: Path, draw, summary: DataSummary | str | None = None
) -> Path:
    """Write the report of the session at `session_path` to `out` (through a fresh
    file), its pictures drawn by `draw(session, folder, "png", 2)`, which returns the
    files it wrote (the window's panels as `hyperdesk export --plots` draws them), its
    data described by `summary` (default: data_summary, read here).
    OSError when it cannot be written."""
    with tempfile.TemporaryDirectory() as folder:
        # Twice the screen size: sharp on a high-density screen and when zoomed.
        drawn = draw(session_path, Path(folder), "png", 2)
        pictures = [Picture.of_file(path, 2) for path in drawn]
    write_text(out, report_html(session_path, pictures, summary))
    return out


def report_html(
    session_path: Path, pictures: Sequence[Picture], summary: DataSummary | str | None = None
) -> str:
    """The report of the session at `session_path`, with `pictures` (its panels, then
    its looks inside trials, whose captions start with "Inside") and `summary` of its
    data (default: data_summary, read here)."""
    with Session.open(session_path, writable=False) as session:
        config, name, note = session.config, session.name, session.note
        meta, rows = session.meta, session.trials()
        counts = session.epoch_counts()
    # A trade-off has no single best: its front, smallest first, stands in for them.
    trade_off = config.search.trade_off
    front = None
    if trade_off.several:
        front = front_rows(trade_off, rows, trial_costs(rows, counts), config.metric)
    if summary is None:
        summary = data_summary(session_path)
    parts = [
        f"<h1>{_text(name)}</h1>",
        f'<p class="meta">Hyperdesk {__version__} · created {_text(meta.get("created_at", ""))}'
        f" · {_text(meta.get('state', ''))} · {config.search.strategy} search, "
        f"{sum(row.status in FINISHED for row in rows)} of "
        f"{meta.get('planned_trials', '?')} trials finished</p>",
    ]
    if note:
        parts.append(f"<p>{_text(note)}</p>")
    panels = [p for p in pictures if not p.caption.startswith("Inside")]
    looks = [p for p in pictures if p.caption.startswith("Inside")]
    bodies = {
        "setup": _setup(config),
        "data": _data(config, summary),
        "best": (
            _best(
                ranked(rows, metric=config.metric)[:BEST_SHOWN],
                counts,
                log_names(config),
                config.metric,
            )
            if front is None
            else "<p>A trade-off has no single best trial: these are its front, the "
            "cheapest first, each the most accurate for its cost.</p>"
            + _best(front, counts, log_names(config), config.metric)
        ),
        "panels": _figures(panels) or "<p>No panel to show yet.</p>",
        "inside": _figures(looks)
        or "<p>No trial was looked inside (the window's Inside panel keeps each look).</p>",
        "notes": _notes(note, rows),
    }
    for key, heading in SECTIONS:
        parts.append(f'<section id="{key}"><h2>{heading}</h2>{bodies[key]}</section>')
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_text(name)} — Hyperdesk report</title><style>{STYLE}</style></head>"
        f"<body>{''.join(parts)}</body></html>\n"
    )


def _text(value) -> str:
    return html.escape(str(value))


def _table(headings: Sequence[str], rows: Sequence[Sequence[str]], text_columns=()) -> str:
    def cell(tag: str, column: int, value: str) -> str:
        kind = ' class="text"' if column in text_columns else ""
        return f"<{tag}{kind}>{_text(value)}</{tag}>"

    head = "".join(cell("th", c, h) for c, h in enumerate(headings))
    body = "".join(
        "<tr>" + "".join(cell("td", c, v) for c, v in enumerate(row)) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _setup(config) -> str:
    space = [
        (
            param.name,
            ", ".join(str(v) for v in param.values)
            if hasattr(param, "values")
            else f"{parameter_text(param.low, param.scale == 'log')} to "
            f"{parameter_text(param.high, param.scale == 'log')} ({param.scale})",
        )
        for param in config.search.space
    ]
    fixed = [
        ("network", _network_text(config)),
        ("training", _training_text(config)),
        ("search", f"{config.search.strategy}, seed {config.search.seed}"),
    ]
    if config.own_code:  # the function's model and training are its own
        fixed[:2] = [("your training code", config.code.text())]
    return (
        "<h3>Searched</h3>"
        + _table(("setting", "range"), space, text_columns=(0, 1))
        + "<h3>Fixed</h3>"
        + _table(("", ""), fixed, text_columns=(0, 1))
        + f"<details><summary>The whole config</summary><pre>{_text(config.to_toml())}</pre>"
        "</details>"
    )


def _searched_or(config, name: str, text: str) -> str:
    """`text` for a setting the search keeps fixed; "searched" for one it searches."""
    return "searched" if any(param.name == name for param in config.search.space) else text


def _network_text(config) -> str:
    """The network as the search fixes it: a depth or width it searches is said so,
    never shown as the config's default (6 x 100 when the width was searched)."""
    model = config.model
    depth = _searched_or(config, "layers", f"{len(model.hidden)} layers")
    widths = " x ".join(str(width) for width in model.hidden)
    width = _searched_or(config, "hidden_units", f"widths {widths}")
    activation = _searched_or(config, "activation", model.activation)
    if depth != "searched" and width != "searched":
        return f"{widths} {activation}"
    depth = "depth searched" if depth == "searched" else depth
    width = "width searched" if width == "searched" else width
    return f"{depth}, {width}, activation {activation}"


def _training_text(config) -> str:
    train = config.train
    epochs = _searched_or(config, "epochs", f"{train.epochs}")
    batch = _searched_or(config, "batch_size", f"{train.batch_size}")
    optimizer = _searched_or(config, "optimizer", train.optimizer)
    return f"epochs {epochs}, batch {batch}, optimizer {optimizer}"


def _data(config, summary: DataSummary | str) -> str:
    where = config.code.name if config.own_code else config.data.source or config.data.dataset
    if isinstance(summary, str):
        return f"<p>{_text(where)}: {_text(summary)}</p>"
    classes = ", ".join(
        f"{name} ({count:,})" for name, count in zip(summary.classes, summary.counts, strict=True)
    )
    notes = "".join(f"<li>{_text(note)}</li>" for note in summary.notes)
    if summary.target is not None:  # a regression: its label's spread, no classes
        unit = _SAMPLE_WORDS.get(summary.kind, "samples")
        return (
            f"<p><b>{_text(where)}</b>: {_text(summary.describe(unit))}.</p>"
            f"<p>{_text(config.data.split_text())}</p>" + (f"<ul>{notes}</ul>" if notes else "")
        )
    return (
        f"<p><b>{_text(where)}</b>: {summary.rows:,} {_SAMPLE_WORDS.get(summary.kind, 'samples')} "
        f"of {summary.inputs:,} inputs; {len(summary.classes)} classes: {_text(classes)}.</p>"
        f"<p>{_text(config.data.split_text())}</p>" + (f"<ul>{notes}</ul>" if notes else "")
    )


# What a sample of each kind of data is called.
_SAMPLE_WORDS = {"images": "images", "table": "rows"}


def log_names(config) -> set[str]:
    return {param.name for param in config.search.space if getattr(param, "scale", "") == "log"}


def _best(
    best: list[TrialRow], counts: dict[int, tuple[int, float]], logs: set[str], metric: Metric
) -> str:
    """The best trials (a trade-off's front) by `metric`, with their sizes when they
    differ."""
    if not best:
        return "<p>No trial has finished with a score yet.</p>"
    sized = len({row.parameters for row in best}) > 1
    names = list(dict.fromkeys(name for row in best for name in row.params))
    tested = any(row.test_acc is not None for row in best)  # a test column only then
    table_rows = []
    for row in best:
        epochs, seconds = counts.get(row.number, (0, 0.0))
        table_rows.append(
            (
                str(row.number),
                *(_value(row.params.get(name), name in logs) for name in names),
                metric.score_text(row),
                *(() if not tested else ("" if row.test_acc is None else f"{row.test_acc:.3f}",)),
                *((f"{row.parameters or 0:,}",) if sized else ()),
                str(epochs),
                f"{seconds:.2f}",
                row.note,
            )
        )
    headings = (
        "trial",
        *names,
        metric.short,
        *(("test acc",) * tested),
        *(("parameters",) * sized),
        "epochs",
        "seconds",
        "note",
    )
    return _table(headings, table_rows, text_columns=(len(headings) - 1,))


def _value(value, log: bool) -> str:
    return "" if value is None else parameter_text(value, log)


def _figures(pictures: Sequence[Picture]) -> str:
    return "".join(
        f'<figure><img alt="{_text(p.caption)}" style="width: {p.width}px" '
        f'src="data:image/png;base64,{base64.b64encode(p.png).decode("ascii")}">'
        f"<figcaption>{_text(p.caption)}</figcaption></figure>"
        for p in pictures
    )


def _notes(note: str, rows: list[TrialRow]) -> str:
    noted = [(str(row.number), row.note) for row in rows if row.note]
    if not note and not noted:
        return "<p>No notes (write them in the window or with hyperdesk note).</p>"
    session = f"<p>{_text(note)}</p>" if note else ""
    return session + (_table(("trial", "note"), noted, text_columns=(1,)) if noted else "")
