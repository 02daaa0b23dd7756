"""The window driven by a program: the self-test, the window bench and the screenshots."""
