# Examples: `make examples` builds examples/hello and examples/kv (a key-value store on a disk)
# into build/hello.pith and build/kv.pith with `pith build`,
# examples/make-demo (an ordinary Makefile, unchanged) into build/make-demo/demo with CC=pith-cc,
# and examples/httpd twice: build/httpd.pith (the unikernel) and build/httpd-native (the same
# source as a static Linux program, linked with Debian's musl: the benchmark's baseline), and
# build/site.pith (httpd with examples/httpd/www as its root filesystem: make run's site).

.PHONY: examples
examples: $(B)/hello.pith $(B)/make-demo/demo $(B)/httpd.pith $(B)/httpd-native $(B)/kv.pith \
	  $(B)/site.pith

$(B)/hello.pith: examples/hello/hello.c $(PITH) $(TOOLCHAIN) | all
	$(PITH) build -o $@ $<

$(B)/kv.pith: examples/kv/kv.c $(PITH) $(TOOLCHAIN) | all
	$(PITH) build -o $@ $<

$(B)/httpd.pith: examples/httpd/httpd.c $(PITH) $(TOOLCHAIN) | all
	$(PITH) build -o $@ $<

# `make run`'s site: the same server with examples/httpd/www as its root filesystem.
$(B)/site.pith: examples/httpd/httpd.c $(wildcard examples/httpd/www/*) $(PITH) $(TOOLCHAIN) | all
	$(PITH) build --rootfs examples/httpd/www -o $@ $<

$(B)/httpd-native: examples/httpd/httpd.c | $(B)/.deps
	@mkdir -p $(@D)
	$(MONCC) -static -std=c11 -O2 -Wall -Wextra -D_GNU_SOURCE -o $@ $<

# The demo is copied into build/ first so that its objects never land in the source tree.
$(B)/make-demo/demo: $(wildcard examples/make-demo/*) $(PITHCC) | all
	rm -rf $(B)/make-demo
	mkdir -p $(B)/make-demo
	cp examples/make-demo/Makefile examples/make-demo/*.[ch] $(B)/make-demo/
	$(MAKE) -C $(B)/make-demo CC=$(abspath $(PITHCC))
