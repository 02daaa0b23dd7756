"""The Search setup column: the form built from one table of fields, its editors, the
search space editor, the data preview and its checks, and the cluster probe."""
