# Two commands on a fresh machine: `make demo` and `make test`. Both bootstrap themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
CONSTRAINTS := -c constraints.txt
# Debian packages: espeak-ng (fast TTS fallback), fluidsynth + a GM soundfont (MIDI
# rendering), chromium (the web app's browser test), g++ (pyworld, sing's vocoder, ships
# only as source).
APT_PACKAGES := espeak-ng fluidsynth fluid-soundfont-gm chromium g++
STAMP := $(VENV)/.stamp
SHOWCASE := "Make the portrait say 'Hello! I am Troupe, and I can speak, sing and dance for you.' with soft piano underneath"

.PHONY: demo test lint clean system-packages install install-test

demo: install
	$(VENV)/bin/troupe run $(SHOWCASE) -f examples/portrait.png

test: install-test
	$(PY) -m ruff check .
	$(PY) -m pytest

lint: install-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

system-packages:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -U pip wheel

$(STAMP).all: pyproject.toml constraints.txt | $(VENV)/bin/python
	$(MAKE) system-packages
	$(PIP) install $(CONSTRAINTS) -e '.[all]'
	# basic-pitch's own requirements pull TensorFlow; its ONNX model needs only onnxruntime.
	$(PIP) install $(CONSTRAINTS) --no-deps 'basic-pitch==0.4.0'
	touch $@

$(STAMP).test: $(STAMP).all
	$(PIP) install $(CONSTRAINTS) -e '.[all,ray,test]'
	touch $@

install: $(STAMP).all
install-test: $(STAMP).test

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
