# Thin wrapper so a new user needs two commands: `make demo` and `make test`.
BUILD ?= build
MESON_OPTS ?=

.PHONY: deps build demo test model clean

deps:
	./tools/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

# The main job: replay the bundled demo capture through the real worker code.
demo: build
	mkdir -p $(BUILD)/demo
	./$(BUILD)/app/dnsfence -c config/dnsfence.yaml --replay config/demo.pcap \
		--passed $(BUILD)/demo/passed.pcap --dropped $(BUILD)/demo/dropped.pcap \
		--events $(BUILD)/demo/events.jsonl

test: build
	meson test -C $(BUILD) --print-errorlogs

# Regenerate config/dnsfence.model from ../shared/data and our own captures (deterministic;
# held-out numbers in $(BUILD)/model/). See tools/make-model.sh and docs/model.md.
model: build
	./tools/make-model.sh $(BUILD)/tools/dnsfence-train $(BUILD)/tools/dnsfence-eval $(BUILD)/model

clean:
	rm -rf $(BUILD)
