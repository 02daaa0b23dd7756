"""The frozen application's entry point (PyInstaller runs a script, not a console-script
entry). The main guard matters: worker processes start this executable again."""

import sys

from hyperdesk.desktop_app.launcher import main

if __name__ == "__main__":
    sys.exit(main())
