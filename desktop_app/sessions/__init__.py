"""The Sessions tab and what a person does to session files: open, rename, duplicate,
delete, export, compare."""
