"""What runs and what it produced, with no widget: the search shown (SearchModel over
SearchResults), the controller of worker processes and threads, following a session
another process runs, and the typed client of the helper process."""
