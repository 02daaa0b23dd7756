"""The plots: the registry every dock, menu and export loops over, one module per panel
family, the Inside panel, and drawing panels to files without a display."""
