# Examples: `make examples` builds examples/hello into build/hello.pith with `pith build`, and
# examples/make-demo (an ordinary Makefile, unchanged) into build/make-demo/demo with CC=pith-cc.

.PHONY: examples
examples: $(B)/hello.pith $(B)/make-demo/demo

$(B)/hello.pith: examples/hello/hello.c $(PITH) | all
	$(PITH) build -o $@ $<

# The demo is copied into build/ first so that its objects never land in the source tree.
$(B)/make-demo/demo: $(wildcard examples/make-demo/*) $(PITHCC) | all
	rm -rf $(B)/make-demo
	mkdir -p $(B)/make-demo
	cp examples/make-demo/Makefile examples/make-demo/*.[ch] $(B)/make-demo/
	$(MAKE) -C $(B)/make-demo CC=$(abspath $(PITHCC))
