"""The window itself: MainWindow, which builds the rooms below and wires their signals, its
status bar, and opening it on a file."""
