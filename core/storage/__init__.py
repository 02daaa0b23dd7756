"""Storage: session files, where they live, and exports."""
