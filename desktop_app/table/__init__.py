"""The results table: its Qt model over SearchResults and the view with its filter."""
