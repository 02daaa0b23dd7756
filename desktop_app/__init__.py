"""Hyperdesk's Qt window. Imports core; core never imports this package."""
