"""The Linux desktop integration files: the menu entry, AppStream metainfo and the session
file type (installed by `hyperdesk install-desktop`)."""
