# Two commands a newcomer needs: `make run` and `make test`. Both create .venv on
# first use and reinstall only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint clean screenshot install-desktop uninstall-desktop package

run: $(VENV)/.installed
	$(BIN)/hyperdesk

test: $(VENV)/.installed-dev
	$(BIN)/ruff check core desktop_app tests
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check core desktop_app tests
	$(BIN)/ruff format --check core desktop_app tests

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

# Hyperdesk in this user's applications menu, starting this checkout's app.
install-desktop: $(VENV)/.installed
	$(BIN)/hyperdesk install-desktop --command "$(CURDIR)/$(BIN)/hyperdesk"

uninstall-desktop: $(VENV)/.installed
	$(BIN)/hyperdesk install-desktop --remove

# A one-folder application in dist/hyperdesk (PyInstaller), smoke-tested with --self-test.
package:
	packaging/build

clean:
	rm -rf $(VENV) build dist *.egg-info

# Screenshots of the real window on a virtual screen, at two common laptop sizes.
screenshot: $(VENV)/.installed
	@command -v xvfb-run >/dev/null || { echo "make screenshot needs Xvfb: apt-get install xvfb"; exit 1; }
	HYPERDESK_HOME=$$(mktemp -d) xvfb-run -a -s "-screen 0 1366x768x24" $(BIN)/python -m hyperdesk.desktop_app.tools.screenshots --out screenshots/1366x768
	HYPERDESK_HOME=$$(mktemp -d) xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/python -m hyperdesk.desktop_app.tools.screenshots --out screenshots/1920x1080
