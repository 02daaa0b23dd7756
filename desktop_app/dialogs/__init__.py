"""Small dialogs used across the window (About, Quick start, a download, a trial to run
first) and what file dialogs remember."""
